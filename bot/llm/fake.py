"""A scripted ``ChatModel`` for unit tests: answers on cue and remembers what it was asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence

from bot.core.errors import ModelError
from bot.core.ports import ChatMessage


class FakeModel:
    def __init__(
        self,
        reply: str | Callable[[Sequence[ChatMessage]], str] = "",
        *,
        error: ModelError | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.reply = reply
        self.error = error
        self.delay_s = delay_s
        self.calls: list[list[ChatMessage]] = []

    async def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]:
        self.calls.append(list(messages))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        text = self.reply(messages) if callable(self.reply) else self.reply
        for word in text.split(" "):
            yield word + " "

    async def close(self) -> None:
        return None
