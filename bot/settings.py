"""One validated ``Settings`` for the whole bot, read once at start-up.

Layers, last wins: the defaults below, ``config/default.toml`` of a source checkout, the TOML file
named by ``RUNCOACH_CONFIG``, then ``RUNCOACH_*`` environment variables. Secrets (the platform
tokens) are ``SecretStr``, so printing, logging or repr-ing the settings shows ``**********``.
``load_settings`` turns any problem into one ``SettingsError`` line that names the setting and
what it expects and never echoes the value, which could be a token pasted into the wrong
variable; a bad configuration stops the bot before it touches a platform or the database.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.errors import UserFacingError
from bot.core.parsing import parse_timezone

ENV_PREFIX = "RUNCOACH_"
CONFIG_ENV = "RUNCOACH_CONFIG"
# Present in a source checkout; an installed package (the Docker image) names its file instead
# through RUNCOACH_CONFIG.
INSTALL_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = INSTALL_ROOT / "config" / "default.toml"
# The promoted adapter, committed under models/ and installed beside bot/ by the wheel.
DEFAULT_ADAPTER = Path("models/smollm2-coach/adapter.gguf")
# What Telegram accepts as a webhook secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# What @BotFather hands out: the bot's id, a colon, the secret part.
_TELEGRAM_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """A configuration problem, as one line fit to print and exit on."""


class Settings(BaseSettings):
    """Every setting; each ``description`` says what a valid value is, for error messages."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        # An empty variable (as a copied .env.example leaves them) means "not set".
        env_ignore_empty=True,
        # A misspelt key in a TOML file is an error, not a silently ignored line.
        extra="forbid",
    )

    data_dir: Path = Field(Path("data"), description="a directory path")
    database_url: str = Field(
        "",
        description="a SQLAlchemy URL such as sqlite:///data/runcoach.db or "
        "postgresql+psycopg://user@host/runcoach",
        # A PostgreSQL URL can carry a password.
        repr=False,
    )
    model_path: Path | None = Field(None, description="the path of a GGUF model file")
    # The promoted fine-tune of the bundled model, applied beside its weights (issue 16).
    model_adapter_path: Path | None = Field(
        DEFAULT_ADAPTER, description='the path of a GGUF LoRA adapter file, or "none"'
    )
    cache_dir: Path | None = Field(None, description="a directory path")
    embedding_model_path: Path | None = Field(
        None, description="the path of a GGUF sentence-embedding model file"
    )
    llm_url: str | None = Field(None, description="an http(s) URL of an OpenAI-compatible server")
    llm_model: str = Field(
        "runcoach", description="the model name to ask an OpenAI-compatible server for"
    )
    llm_api_key: SecretStr | None = Field(None, description="an API key for the LLM server")
    llm_timeout_s: float = Field(30, gt=0, le=600, description="seconds, more than 0, at most 600")
    llm_busy_wait_s: float = Field(2, gt=0, le=600, description="seconds, more than 0, at most 600")
    llm_queue_max: int = Field(8, ge=1, le=10000, description="a whole number, 1 to 10000")
    llm_max_tokens: int = Field(220, ge=16, le=2048, description="a whole number, 16 to 2048")
    llm_context_tokens: int = Field(
        2048, ge=512, le=32768, description="a whole number of tokens, 512 to 32768"
    )
    llm_threads: int = Field(
        0, ge=0, le=256, description="a whole number of CPU threads, 0 meaning all cores"
    )
    llm_drafts: Literal["auto", "on", "off"] = Field("auto", description="auto, on or off")
    discord_token: SecretStr | None = Field(None, description="a Discord bot token")
    # Several workers share one bot by splitting its gateway shards: each worker names its own.
    discord_shard_count: int | None = Field(
        None, ge=1, le=10000, description="the bot's total number of gateway shards, 1 to 10000"
    )
    # NoDecode: from the environment it is "0,1" (or "[0, 1]"), not only JSON.
    discord_shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        None,
        description="the shards this worker connects, such as 0,1: different numbers from 0 "
        "to discord_shard_count - 1, with discord_shard_count set",
    )
    telegram_token: SecretStr | None = Field(
        None, description="a Telegram bot token from @BotFather, such as 123456:ABC-def_456"
    )
    telegram_base_url: str | None = Field(None, description="an http(s) URL of a Bot API server")
    telegram_webhook_url: str | None = Field(
        None, description="the public https URL Telegram posts updates to"
    )
    telegram_webhook_listen: str = Field("0.0.0.0", description="an address to listen on")
    telegram_webhook_port: int = Field(8443, ge=1, le=65535, description="a port, 1 to 65535")
    telegram_webhook_secret: SecretStr | None = Field(
        None,
        description="1 to 256 characters from A-Z, a-z, 0-9, _ and -",
    )
    # Telegram allows a bot about 30 messages a second to different chats (its Bots FAQ) and
    # answers 429 beyond; bots with paid broadcasts may send up to 1000. PTB's limiter paces
    # sends to this rate; 0 paces nothing and only obeys Telegram's 429s.
    telegram_sends_per_s: float = Field(
        30, ge=0, le=1000, description="messages a second, 0 (no pacing) to 1000"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="one of " + ", ".join(LOG_LEVELS)
    )
    conversation_turns_kept: int = Field(20, ge=0, description="a whole number, 0 or more")
    render_workers: int = Field(2, ge=1, le=64, description="a whole number of processes, 1 to 64")
    reminder_grace_hours: float = Field(3, ge=0, le=24, description="a number of hours, 0 to 24")
    default_timezone: str = Field(
        "UTC", description="UTC or an IANA time zone such as Europe/Paris"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [DEFAULT_CONFIG] if DEFAULT_CONFIG.is_file() else []
        chosen = os.environ.get(CONFIG_ENV)
        if chosen:
            path = Path(chosen).expanduser()
            if not path.is_file():
                raise SettingsError(f"{CONFIG_ENV}: no such file {path}")
            files.append(path)
        # Highest priority first: the environment, then the chosen file, then default.toml.
        return (init_settings, env_settings, *(_toml_source(settings_cls, f) for f in files[::-1]))

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("data_dir", "model_path", "cache_dir", "embedding_model_path")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @field_validator("model_adapter_path", mode="before")
    @classmethod
    def _no_adapter(cls, value: Any) -> Any:
        """ "none" (or an empty value in a TOML file) serves the model without an adapter."""
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None
        return value

    def adapter_file(self) -> Path | None:
        """The adapter to load: a relative path is read from the working directory, else from
        the directory holding ``bot/`` (the checkout, or site-packages where the wheel installs
        ``models/``), so the shipped adapter is found from anywhere and in the Docker image."""
        path = self.model_adapter_path
        if path is None:
            return None
        path = path.expanduser()
        if path.is_absolute() or path.exists():
            return path
        installed = INSTALL_ROOT / path
        return installed if installed.exists() else path

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str) -> str:
        if value:
            try:
                make_url(value)
            except ArgumentError:
                raise ValueError("not a SQLAlchemy URL") from None
        return value

    @field_validator("llm_url", "telegram_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not _is_url(value, ("http", "https")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        # Telegram delivers webhooks over HTTPS only.
        if value is not None and not _is_url(value, ("https",)):
            raise ValueError("not an https URL")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _telegram_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # A pasted token with a space or newline in it would fail later as a bad URL.
        if value is not None and not _TELEGRAM_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("not a Telegram bot token")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("not a valid webhook secret")
        return value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            numbers = value.strip().removeprefix("[").removesuffix("]")
            return [part.strip() for part in numbers.split(",")] if numbers.strip() else []
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shards_of_the_count(
        cls, value: list[int] | None, info: ValidationInfo
    ) -> list[int] | None:
        """Each gateway shard must have one owner: a shard twice in one worker, or one that does
        not exist, would connect twice or be refused by Discord at start-up."""
        if value is None:
            return None
        count = info.data.get("discord_shard_count")
        if count is None or not value or len(set(value)) != len(value):
            raise ValueError("shard ids need a shard count and no repeats")
        if not all(0 <= shard < count for shard in value):
            raise ValueError("shard id outside the shard count")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """The runners' rule (``parse_timezone``): 'localtime' or a path is not a zone."""
        try:
            return parse_timezone(value)
        except UserFacingError:
            raise ValueError("unknown time zone") from None

    def drafts(self) -> bool:
        """Whether the model drafts answers. "auto" drafts with any model but the bundled base
        one alone, whose drafts pass the grounding checks for about 3% of questions and cost the
        runner seconds each (bench/README.md): a model of your own, or the base with its tuned
        adapter (drafts shown ~79%), is there to be used."""
        if self.llm_drafts != "auto":
            return self.llm_drafts == "on"
        return (
            self.model_path is not None
            or self.llm_url is not None
            or self.model_adapter_path is not None
        )

    def secrets(self) -> list[str]:
        """Every secret's value, for the log redaction that keeps them out of log lines."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        """The database and the cache follow the data directory unless given: one volume holds
        everything."""
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'runcoach.db').resolve()}"
        if self.cache_dir is None:
            self.cache_dir = self.data_dir / "cache"
        return self


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    """A URL with one of ``schemes``, a host and, if any, a port from 1 to 65535."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return False
    return parts.scheme in schemes and bool(parts.hostname) and port != 0


def _toml_source(settings_cls: type[BaseSettings], path: Path) -> TomlConfigSettingsSource:
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"config file {path}: not valid TOML ({err})") from None


def load_settings() -> Settings:
    """The settings, or a ``SettingsError`` whose message is the one line to show the operator."""
    try:
        return Settings()
    except ValidationError as err:
        raise SettingsError("; ".join(_describe(error) for error in err.errors())) from None


def _describe(error: Any) -> str:
    """Names the setting and what it expects; never the offending value."""
    name = str(error["loc"][0]) if error["loc"] else "?"
    field = Settings.model_fields.get(name)
    if field is None:
        return f"unknown setting {name!r} in a config file"
    return f"invalid {ENV_PREFIX}{name.upper()} ({name}): expected {field.description}"
