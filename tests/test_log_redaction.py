"""No secret reaches a log line, however it is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import log_redaction
from bot.app import configure_logging
from bot.settings import Settings

TOKEN = "123456789:AAF-very-secret-token"


@pytest.fixture(autouse=True)
def redaction() -> Iterator[None]:
    log_redaction.install([TOKEN, ""])
    yield
    log_redaction.install([])


def test_message_args_and_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG):
        log.debug("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        log.info(f"token in the message itself: {TOKEN}")
        try:
            raise RuntimeError(f"connect failed for /bot{TOKEN}/getUpdates")
        except RuntimeError:
            log.exception("polling failed")
    assert TOKEN not in caplog.text
    assert "bot[REDACTED]/getMe" in caplog.text
    assert "connect failed for /bot[REDACTED]/getUpdates" in caplog.text


def test_badly_formatted_records_still_log_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("%d requests", TOKEN)
    assert TOKEN not in caplog.text and caplog.records


def test_configure_logging_redacts_the_configured_tokens_and_quiets_httpx(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging(Settings(telegram_token=TOKEN))
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    with caplog.at_level(logging.INFO):
        logging.getLogger("telegram").warning("request to /bot%s failed", TOKEN)
    assert "/bot[REDACTED] failed" in caplog.text and TOKEN not in caplog.text


def test_a_secret_made_after_start_up_is_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    log_redaction.protect("generated-webhook-secret")
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("secrets %s and %s", TOKEN, "generated-webhook-secret")
    assert caplog.records[-1].getMessage() == "secrets [REDACTED] and [REDACTED]"
    assert log_redaction.redact(f"runcoach: {TOKEN}") == "runcoach: [REDACTED]"
