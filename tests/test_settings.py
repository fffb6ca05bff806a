"""Settings: TOML layers under the environment, one-line errors, secrets never shown."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONFIG, INSTALL_ROOT, Settings, SettingsError, load_settings

TOKEN = "123456789:AAF-very-secret-token"
OTHER_TOKEN = "MTIz.discord-very-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("RUNCOACH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def config_file(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "my.toml"
    path.write_text(body)
    monkeypatch.setenv("RUNCOACH_CONFIG", str(path))
    return path


def error_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message and message
    return message


def test_default_toml_lists_every_setting_with_the_code_defaults() -> None:
    text = DEFAULT_CONFIG.read_text()
    for name in Settings.model_fields:
        assert f"{name} = " in text, f"{name} missing from {DEFAULT_CONFIG}"
        assert f"RUNCOACH_{name.upper()}" in text
    for name, value in tomllib.loads(text).items():
        default = Settings.model_fields[name].default
        assert (str(default) if isinstance(default, Path) else default) == value, name


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'runcoach.db'}"
    assert settings.model_path is None and settings.llm_url is None
    assert settings.discord_token is None and settings.telegram_token is None
    assert settings.telegram_base_url is None
    assert settings.log_level == "INFO"
    assert settings.conversation_turns_kept == 20
    assert settings.reminder_grace_hours == 3
    assert settings.default_timezone == "UTC"


def test_environment_beats_the_config_file_which_beats_default_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file(
        tmp_path,
        'log_level = "debug"\nconversation_turns_kept = 8\ndefault_timezone = "Europe/Paris"\n',
        monkeypatch,
    )
    monkeypatch.setenv("RUNCOACH_CONVERSATION_TURNS_KEPT", "12")
    settings = load_settings()
    assert settings.conversation_turns_kept == 12  # environment
    assert settings.log_level == "DEBUG"  # config file
    assert settings.default_timezone == "Europe/Paris"  # config file
    assert settings.reminder_grace_hours == 3  # default.toml


def test_database_follows_the_data_dir_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOACH_DATA_DIR", str(tmp_path / "volume"))
    assert load_settings().database_url == f"sqlite:///{tmp_path / 'volume' / 'runcoach.db'}"
    monkeypatch.setenv("RUNCOACH_DATABASE_URL", "postgresql+psycopg://coach@db/runcoach")
    assert load_settings().database_url == "postgresql+psycopg://coach@db/runcoach"


def test_an_empty_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOACH_TELEGRAM_TOKEN", "")
    monkeypatch.setenv("RUNCOACH_LOG_LEVEL", "")
    settings = load_settings()
    assert settings.telegram_token is None and settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RUNCOACH_CONVERSATION_TURNS_KEPT", "many", "whole number"),
        ("RUNCOACH_CONVERSATION_TURNS_KEPT", "-1", "whole number"),
        ("RUNCOACH_REMINDER_GRACE_HOURS", "30", "0 to 24"),
        ("RUNCOACH_DEFAULT_TIMEZONE", "Mars/Olympus_Mons", "IANA time zone"),
        ("RUNCOACH_LOG_LEVEL", "LOUD", "one of DEBUG"),
        ("RUNCOACH_LLM_URL", "localhost:8080", "http(s) URL"),
        ("RUNCOACH_TELEGRAM_BASE_URL", "ftp://api", "http(s) URL"),
        ("RUNCOACH_TELEGRAM_WEBHOOK_URL", "http://coach.example.org/tg", "https URL"),
        ("RUNCOACH_TELEGRAM_WEBHOOK_PORT", "70000", "1 to 65535"),
        ("RUNCOACH_TELEGRAM_WEBHOOK_SECRET", "has spaces!", "A-Z, a-z, 0-9"),
        ("RUNCOACH_DATABASE_URL", "not a url", "SQLAlchemy URL"),
        ("RUNCOACH_TELEGRAM_BASE_URL", "http://127.0.0.1:99999/bot", "http(s) URL"),
        ("RUNCOACH_LLM_URL", "http:///v1", "http(s) URL"),
        ("RUNCOACH_TELEGRAM_TOKEN", "123456789:AAF-pasted with a space", "@BotFather"),
        ("RUNCOACH_TELEGRAM_TOKEN", "123456789:AAF-pasted-with-a-newline\n", "@BotFather"),
        ("RUNCOACH_DEFAULT_TIMEZONE", "localtime", "IANA time zone"),
        ("RUNCOACH_DEFAULT_TIMEZONE", "posixrules", "IANA time zone"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    message = error_of(monkeypatch, **{variable: value})
    assert variable in message
    assert expected in message
    assert value not in message


def test_a_bad_value_in_a_config_file_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file(tmp_path, "conversation_turns_kept = 2.5\n", monkeypatch)
    assert "conversation_turns_kept" in error_of(monkeypatch)


def test_an_unknown_key_in_a_config_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file(tmp_path, "conversation_turns_keep = 5\n", monkeypatch)
    assert "conversation_turns_keep" in error_of(monkeypatch)


def test_a_missing_or_broken_config_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "RUNCOACH_CONFIG" in error_of(monkeypatch, RUNCOACH_CONFIG=str(tmp_path / "nope.toml"))
    path = config_file(tmp_path, f'telegram_token = "{TOKEN}\n', monkeypatch)
    message = error_of(monkeypatch)
    assert str(path) in message and "TOML" in message
    assert TOKEN not in message


def test_tokens_never_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file(tmp_path, f'discord_token = "{OTHER_TOKEN}"\n', monkeypatch)
    monkeypatch.setenv("RUNCOACH_TELEGRAM_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.telegram_token is not None and settings.discord_token is not None
    assert settings.telegram_token.get_secret_value() == TOKEN
    assert settings.discord_token.get_secret_value() == OTHER_TOKEN
    for shown in (repr(settings), str(settings), settings.model_dump_json(), f"{settings!r}"):
        assert TOKEN not in shown and OTHER_TOKEN not in shown


def test_tokens_never_show_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOACH_TELEGRAM_TOKEN", TOKEN)
    # A token pasted into the wrong variable must not be echoed back either.
    message = error_of(monkeypatch, RUNCOACH_CONVERSATION_TURNS_KEPT=TOKEN)
    assert TOKEN not in message
    message = error_of(monkeypatch, RUNCOACH_LLM_URL=OTHER_TOKEN)
    assert OTHER_TOKEN not in message and TOKEN not in message


def test_secrets_lists_every_secret_for_log_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOACH_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("RUNCOACH_DISCORD_TOKEN", OTHER_TOKEN)
    monkeypatch.setenv("RUNCOACH_TELEGRAM_WEBHOOK_SECRET", "hook_secret-1")
    assert sorted(load_settings().secrets()) == sorted([TOKEN, OTHER_TOKEN, "hook_secret-1"])


@pytest.mark.parametrize(
    ("env", "drafts"),
    [
        ({}, True),  # the bundled model with the shipped adapter: its drafts are mostly shown
        # The bundled base model alone: its drafts rarely pass, so none are asked for.
        ({"RUNCOACH_MODEL_ADAPTER_PATH": "none"}, False),
        ({"RUNCOACH_MODEL_PATH": "models/tuned.gguf"}, True),
        ({"RUNCOACH_LLM_URL": "http://127.0.0.1:8080/v1"}, True),
        ({"RUNCOACH_LLM_DRAFTS": "on"}, True),
        ({"RUNCOACH_MODEL_PATH": "models/tuned.gguf", "RUNCOACH_LLM_DRAFTS": "off"}, False),
    ],
)
def test_drafts_are_asked_for_only_from_a_model_that_earns_them(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], drafts: bool
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings().drafts() is drafts


def test_a_bad_drafts_value_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "RUNCOACH_LLM_DRAFTS" in error_of(monkeypatch, RUNCOACH_LLM_DRAFTS="maybe")


def test_the_shipped_adapter_is_found_from_anywhere_and_none_turns_it_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The working directory is a temporary one here: the default relative path is then read
    from where runcoach is installed (the checkout, or site-packages for the wheel)."""
    found = load_settings().adapter_file()
    assert found is not None and found.is_absolute()
    assert found == INSTALL_ROOT / "models" / "smollm2-coach" / "adapter.gguf"
    (tmp_path / "mine.gguf").write_bytes(b"GGUF")
    monkeypatch.setenv("RUNCOACH_MODEL_ADAPTER_PATH", "mine.gguf")
    assert load_settings().adapter_file() == Path("mine.gguf")  # the working directory's
    for off in ("none", "None"):
        monkeypatch.setenv("RUNCOACH_MODEL_ADAPTER_PATH", off)
        assert load_settings().adapter_file() is None
    config_file(tmp_path, 'model_adapter_path = ""\n', monkeypatch)
    monkeypatch.delenv("RUNCOACH_MODEL_ADAPTER_PATH")
    assert load_settings().adapter_file() is None
