"""docker-compose.yml wires what the README promises: every worker on the one PostgreSQL and the
one LLM server, in Telegram webhook mode with one shared secret, and an ingress that spreads the
webhook over all of them. Docker itself is not needed: the file is read the way Compose reads it
(variables from .env interpolated), and each worker's environment is loaded as the bot's own
Settings, so a value the bot would refuse at start-up fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.settings import ENV_PREFIX, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
# What an operator's .env beside the compose file holds.
DOT_ENV = {
    "RUNCOACH_TELEGRAM_TOKEN": "123456789:AAF-fake-telegram-token-for-tests",
    "RUNCOACH_TELEGRAM_WEBHOOK_SECRET": "one_secret_for_every_worker",
    "RUNCOACH_PUBLIC_HOST": "coach.example.org",
    "POSTGRES_PASSWORD": "s3cret",
}
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}: the forms this file uses."""

    def value(match: re.Match[str]) -> str:
        given = env.get(match["name"], "")
        if given:
            return given
        if match["op"] == ":?":
            raise MissingVariable(match["arg"])
        return match["arg"] or ""

    return _VARIABLE.sub(value, text)


def compose(env: dict[str, str]) -> dict[str, Any]:
    return yaml.safe_load(interpolate(COMPOSE_FILE.read_text(), env))


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return compose(DOT_ENV)


def workers(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the bot: those built from the Dockerfile's runtime stage."""
    return {
        name: service
        for name, service in project["services"].items()
        if service.get("build", {}).get("target") == "runtime"
    }


def service_built_from(project: dict[str, Any], stage: str) -> str:
    [name] = [
        n for n, s in project["services"].items() if s.get("build", {}).get("target") == stage
    ]
    return name


def settings_of(service: dict[str, Any]) -> Settings:
    """The worker's environment as the bot reads it at start-up."""
    values = {
        key.removeprefix(ENV_PREFIX).lower(): str(value)
        for key, value in service["environment"].items()
    }
    return Settings.model_validate(values)


def llm_server_port() -> int:
    """The port the Dockerfile's llm-server stage starts llama_cpp.server on."""
    stage = DOCKERFILE.read_text().split("AS llm-server", 1)[1].split("\nFROM ", 1)[0]
    cmd = next(line for line in stage.splitlines() if line.startswith("CMD "))
    command = json.loads(cmd.removeprefix("CMD "))[-1]
    assert (
        "--interrupt_requests False" in command
    )  # shared by every worker: see test_llama_cpp_server
    port = re.search(r"--port (\d+)", command)
    assert port is not None
    return int(port[1])


def test_every_worker_uses_the_one_database_and_the_one_llm_server(project: dict[str, Any]) -> None:
    db = next(
        n for n, s in project["services"].items() if s.get("image", "").startswith("postgres")
    )
    assert project["services"][db]["image"] == "postgres:15"
    llm = service_built_from(project, "llm-server")
    assert workers(project)
    for service in workers(project).values():
        settings = settings_of(service)
        url = make_url(settings.database_url)
        assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", db, "runcoach")
        assert url.password == DOT_ENV["POSTGRES_PASSWORD"]
        assert settings.llm_url == f"http://{llm}:{llm_server_port()}/v1"
        assert {"db", llm} <= set(service["depends_on"])


def test_workers_serve_telegram_by_webhook_with_one_secret_and_no_discord(
    project: dict[str, Any],
) -> None:
    for service in workers(project).values():
        settings = settings_of(service)
        assert settings.telegram_webhook_url == "https://coach.example.org/telegram"
        assert settings.telegram_webhook_secret is not None
        assert (
            settings.telegram_webhook_secret.get_secret_value()
            == DOT_ENV["RUNCOACH_TELEGRAM_WEBHOOK_SECRET"]
        )
        assert str(settings.telegram_webhook_port) in service["expose"]
        # Every replica would connect every Discord shard: Discord has owners of its own.
        assert settings.discord_token is None
        assert int(service["deploy"]["replicas"]) >= 2


def test_the_ingress_spreads_the_webhook_over_all_workers(project: dict[str, Any]) -> None:
    [(name, worker)] = workers(project).items()
    port = settings_of(worker).telegram_webhook_port
    path = urlsplit(settings_of(worker).telegram_webhook_url or "").path
    ingress = next(
        s for s in project["services"].values() if s.get("image", "").startswith("caddy")
    )
    assert {"80:80", "443:443"} <= set(ingress["ports"])  # TLS certificates and Telegram
    [mounted] = ingress["configs"]
    caddyfile = project["configs"][mounted["source"]]["content"]
    assert mounted["target"] == "/etc/caddy/Caddyfile"
    assert caddyfile.startswith(f"{DOT_ENV['RUNCOACH_PUBLIC_HOST']} {{")
    # Every replica of the service, found by name in Docker's DNS, in turn.
    assert f"handle {path} {{" in caddyfile
    assert f"dynamic a {name} {port}" in caddyfile
    assert "lb_policy round_robin" in caddyfile


@pytest.mark.parametrize("missing", sorted(DOT_ENV))
def test_a_variable_left_out_of_dot_env_stops_compose_with_its_name(missing: str) -> None:
    env = {key: value for key, value in DOT_ENV.items() if key != missing}
    with pytest.raises(MissingVariable, match=missing):
        compose(env)
