"""Why a chat platform could not start, as the one line an operator can act on.

``runcoach serve`` prints it and exits non-zero instead of a 100-line traceback. The line is
built from the kind of failure and the configured address, never from the SDK's own message
text: PTB writes the bot token into ``InvalidToken``'s message and httpx writes request URLs
(which hold the token) into its errors. What little server text is quoted (an HTTP error's
description) is cut short and passed through the log redaction's secrets as well.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot import log_redaction
from bot.settings import SettingsError

DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"
_DETAIL_CHARS = 80


class StartupError(Exception):
    """A platform could not start for a reason outside the configuration (network, server)."""


def os_reason(error: BaseException) -> str | None:
    """The operating system's words ('connection refused') from anywhere in the cause chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno:
            # The errno's own words: asyncio's strerror is "Connect call failed (host, port)".
            return os.strerror(current.errno).lower()
        current = current.__cause__ or current.__context__
    return None


def telegram_failure(error: TelegramError, base_url: str | None) -> SettingsError | StartupError:
    """The one line for a Bot API call that failed while the Telegram front end started."""
    where = _host(base_url or DEFAULT_TELEGRAM_API)
    also = " and RUNCOACH_TELEGRAM_BASE_URL" if base_url else ""
    if isinstance(error, InvalidToken):
        server = " (or RUNCOACH_TELEGRAM_BASE_URL is not a Bot API server)" if base_url else ""
        return SettingsError(
            f"invalid RUNCOACH_TELEGRAM_TOKEN (telegram_token): the Bot API at {where} refused "
            f"it{server}; copy the token again from @BotFather"
        )
    if isinstance(error, TimedOut):
        return StartupError(
            f"the Telegram Bot API at {where} did not answer in time: check the network{also}, "
            "then start again"
        )
    if isinstance(error, NetworkError) and error.__cause__ is not None:
        # PTB chains the transport's exception: the request never got an HTTP answer.
        reason = os_reason(error) or "no connection"
        return StartupError(
            f"cannot reach the Telegram Bot API at {where} ({reason}): check the network{also}"
        )
    return StartupError(
        f"the Telegram Bot API at {where} failed ({detail(error.message)}): try again later, "
        f"or check RUNCOACH_TELEGRAM_TOKEN{also}"
    )


def webhook_listen_failure(error: OSError, listen: str, port: int) -> StartupError:
    reason = os_reason(error) or type(error).__name__
    return StartupError(
        f"cannot listen for Telegram's webhook on {listen}:{port} ({reason}): choose a free "
        "port with RUNCOACH_TELEGRAM_WEBHOOK_PORT, or the address with "
        "RUNCOACH_TELEGRAM_WEBHOOK_LISTEN"
    )


def webhook_refused(error: TelegramError) -> StartupError:
    return StartupError(
        f"Telegram refused the webhook ({detail(error.message)}): check "
        "RUNCOACH_TELEGRAM_WEBHOOK_URL (a public https URL on port 443, 80, 88 or 8443)"
    )


def discord_unreachable(error: BaseException) -> StartupError:
    reason = os_reason(error) or type(error).__name__
    return StartupError(f"cannot reach Discord ({reason}): check the network, then start again")


def discord_failed(status: int) -> StartupError:
    return StartupError(f"Discord failed to log the bot in (HTTP {status}): try again later")


def detail(text: str) -> str:
    """A server's own words, one line, short, with every known secret masked."""
    flat = " ".join(log_redaction.redact(text).split())
    return flat if len(flat) <= _DETAIL_CHARS else flat[: _DETAIL_CHARS - 1] + "…"


def _host(url: str) -> str:
    """host[:port] of a URL; the path, which may hold a token, never."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "?"
    return f"{host}:{port}" if port else host
