"""Keeps secrets (bot tokens) out of every log line, whoever logs them.

The Telegram token is part of every Bot API URL, and httpx, PTB and tracebacks all print URLs.
Silencing one logger is not enough, so every record is scrubbed when it is created: that covers
every logger, every handler (including ones added later, such as pytest's), the formatted
arguments and the traceback text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_base_factory = logging.getLogRecordFactory()


class SecretRedactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def scrub(self, record: logging.LogRecord) -> None:
        """Bake the message with its arguments into one redacted string, traceback included."""
        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text rather than formatting the exception again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)


_current = SecretRedactor([])


def install(secrets: Iterable[str]) -> None:
    """Scrub every log record created from now on; installing again replaces the secrets."""
    global _current
    _current = SecretRedactor(secrets)

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = _base_factory(*args, **kwargs)
        _current.scrub(record)
        return record

    logging.setLogRecordFactory(factory)


def protect(secret: str) -> None:
    """Add a secret made after start-up (a generated webhook secret) to the installed ones."""
    install([*_current.secrets, secret])


def redact(text: str) -> str:
    """``text`` with the installed secrets masked: for what is printed rather than logged."""
    return _current.redact(text)
