"""Round-robin queueing across users, so one chatty user cannot starve everyone else.

A single model answers one request at a time. A plain FIFO would make the tenth question of a
user who sends ten in a row wait in front of another user's first; here each user has a queue
and the next request comes from the waiting user who was served longest ago (or never).
"""

from __future__ import annotations

import asyncio
from collections import deque
from itertools import count
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    def __init__(self) -> None:
        self._waiting: dict[str, deque[T]] = {}  # in order of arrival
        self._served_at: dict[str, int] = {}  # when each user was last served
        self._clock = count()
        self._nonempty = asyncio.Event()

    def put(self, user: str, item: T) -> None:
        self._waiting.setdefault(user, deque()).append(item)
        self._nonempty.set()

    async def get(self) -> T:
        """The oldest item of the waiting user served longest ago; ties go to the first to ask."""
        while not self._waiting:
            self._nonempty.clear()
            await self._nonempty.wait()
        user = min(self._waiting, key=lambda name: self._served_at.get(name, -1))
        items = self._waiting[user]
        item = items.popleft()
        if not items:
            del self._waiting[user]
        self._served_at[user] = next(self._clock)
        if len(self._served_at) > 4 * len(self._waiting) + 1024:  # forget long-gone users
            self._served_at = {name: self._served_at.get(name, -1) for name in self._waiting}
        return item

    def discard(self, user: str, item: T) -> None:
        """Take back an item nobody waits for any more (its asker was told the model is busy),
        so it no longer counts towards the queue's length."""
        items = self._waiting.get(user, deque())
        for index, waiting in enumerate(items):
            if waiting is item:
                del items[index]
                break
        if not items:
            self._waiting.pop(user, None)

    def __len__(self) -> int:
        return sum(len(items) for items in self._waiting.values())
