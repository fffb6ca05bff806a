"""Several workers share one Discord bot by splitting its gateway shards: each worker's settings
name its shards, the adapter connects only those, and a bad value is one line at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot import app
from bot.__main__ import main
from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.async_storage import ExecutorStorage

TOKEN = "MTIz.not-a-real.token"


@pytest.fixture
def coach(coach_storage: ExecutorStorage) -> Coach:
    return Coach(coach_storage)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("RUNCOACH_DISCORD_SHARD_COUNT", "RUNCOACH_DISCORD_SHARD_IDS", "RUNCOACH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RUNCOACH_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_a_worker_names_its_shards_in_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RUNCOACH_DISCORD_SHARD_COUNT", "4")
    clean_env.setenv("RUNCOACH_DISCORD_SHARD_IDS", " 1, 3")
    settings = load_settings()
    assert (settings.discord_shard_ids, settings.discord_shard_count) == ([1, 3], 4)


def test_a_worker_names_its_shards_in_a_config_file(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "worker.toml"
    config.write_text("discord_shard_count = 2\ndiscord_shard_ids = [0]\n")
    clean_env.setenv("RUNCOACH_CONFIG", str(config))
    settings = load_settings()
    assert (settings.discord_shard_ids, settings.discord_shard_count) == ([0], 2)


@pytest.mark.parametrize(
    ("count", "ids", "named"),
    [
        ("4", "4", "RUNCOACH_DISCORD_SHARD_IDS"),  # shards are numbered 0 to count - 1
        ("4", "-1", "RUNCOACH_DISCORD_SHARD_IDS"),
        ("4", "1,1", "RUNCOACH_DISCORD_SHARD_IDS"),  # a shard connected twice
        (None, "0", "RUNCOACH_DISCORD_SHARD_IDS"),  # ids of how many?
        ("4", "one", "RUNCOACH_DISCORD_SHARD_IDS"),
        ("4", ",", "RUNCOACH_DISCORD_SHARD_IDS"),
        ("0", None, "RUNCOACH_DISCORD_SHARD_COUNT"),
        ("many", None, "RUNCOACH_DISCORD_SHARD_COUNT"),
    ],
)
def test_a_bad_shard_setting_is_one_line_naming_it(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    count: str | None,
    ids: str | None,
    named: str,
) -> None:
    if count is not None:
        clean_env.setenv("RUNCOACH_DISCORD_SHARD_COUNT", count)
    if ids is not None:
        clean_env.setenv("RUNCOACH_DISCORD_SHARD_IDS", ids)
    with pytest.raises(SettingsError, match=named):
        load_settings()
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"runcoach: invalid {named}")
    assert "Traceback" not in err


def test_the_adapter_connects_only_its_shards(coach: Coach) -> None:
    client = DiscordAdapter(coach, shard_ids=[1, 3], shard_count=4).client
    assert isinstance(client, discord.AutoShardedClient)
    assert (client.shard_ids, client.shard_count) == ([1, 3], 4)
    # A shard count alone: this worker runs every shard of the bot.
    client = DiscordAdapter(coach, shard_count=2).client
    assert isinstance(client, discord.AutoShardedClient)
    assert (client.shard_ids, client.shard_count) == (None, 2)


def test_without_shard_settings_one_plain_connection(coach: Coach) -> None:
    client = DiscordAdapter(coach).client
    assert not isinstance(client, discord.AutoShardedClient)
    assert (client.shard_id, client.shard_count) == (None, None)


async def test_serve_builds_the_discord_adapter_with_the_workers_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: dict[str, Any] = {}

    class Recorder:
        platform = "discord"

        def __init__(self, coach: Coach, **shards: Any) -> None:
            built.update(shards)

        async def start(self, token: str) -> None:
            pass

        async def wait(self) -> None:
            raise ConnectionError("gateway lost")  # ends serve

        async def close(self) -> None:
            pass

    monkeypatch.setattr(app, "DiscordAdapter", Recorder)
    settings = Settings(
        data_dir=tmp_path, discord_token=TOKEN, discord_shard_count=6, discord_shard_ids=[4, 5]
    )
    with pytest.raises(ConnectionError):
        await app.serve(settings, console_user="me")
    assert built == {"shard_ids": [4, 5], "shard_count": 6}
