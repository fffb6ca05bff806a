"""The message contract between platform adapters and the core.

Adapters translate a Discord interaction, a Telegram update or a console line into an
``IncomingMessage`` and send back whatever ``OutgoingMessage`` list the core returns; nothing
platform-specific crosses this line, so every feature is written and tested once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingMessage:
    platform: str  # "console", "discord", "telegram"
    user_ref: str  # the platform's stable user id, as text
    text: str
    display_name: str = ""


@dataclass(frozen=True)
class OutgoingFile:
    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class OutgoingMessage:
    """Either text, or a file with an optional caption."""

    text: str = ""
    file: OutgoingFile | None = None
