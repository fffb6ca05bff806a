"""Splitting a long reply into messages a platform accepts (Discord 2000, Telegram 4096 chars).

Cuts fall on line boundaries when they can, so a plan's weeks and a list's items stay whole; a
line too long on its own is cut between words, and only a word longer than the limit is cut
mid-word. Nothing is dropped or reordered: joining the pieces gives the text back, give or take
the whitespace at the cuts.
"""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters; an empty text gives no pieces."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        for part in _split_line(line, limit):
            if current:
                pieces.append(current)
            current = part
    if current.strip():
        pieces.append(current)
    return [piece for piece in (p.strip("\n") for p in pieces) if piece.strip()]


def _split_line(line: str, limit: int) -> list[str]:
    """One line as pieces of at most ``limit``: between words first, mid-word only when forced."""
    parts: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(word) > limit:
            parts.append(word[:limit])
            word = word[limit:]
        current = word
    if current or not parts:
        parts.append(current)
    return parts
