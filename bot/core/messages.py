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
class Action:
    """A one-tap answer: a button whose press sends ``command`` back as if the runner typed it,
    so buttons need no behaviour of their own in any adapter."""

    label: str
    command: str  # at most 64 bytes: Telegram's limit for callback data


@dataclass(frozen=True)
class OutgoingMessage:
    """Either text, or a file with an optional caption; text may carry one-tap answers."""

    text: str = ""
    file: OutgoingFile | None = None
    actions: tuple[Action, ...] = ()
