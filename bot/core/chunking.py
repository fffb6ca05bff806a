"""Splitting long replies to fit a platform's message limit (Telegram 4096, Discord 2000).

A model's answer or a plan overview can outgrow one message. Cutting at the limit would break
a line (a workout, a pace) in half across two messages, so we cut at the last line break that
fits, then at the last space, and only cut mid-word when a single word is longer than the limit.
"""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Non-blank chunks of at most ``limit`` characters, in order, cut at line boundaries.

    The line break or space a chunk is cut at is dropped; blank chunks are dropped because
    platforms refuse empty messages.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            chunks.append(rest[:limit])
            rest = rest[limit:]
        else:
            chunks.append(rest[:cut])
            rest = rest[cut + 1 :]
    chunks.append(rest)
    return [chunk for chunk in chunks if chunk.strip()]
