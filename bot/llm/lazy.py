"""A model loaded on first use, so commands, tests and start-up never wait for one.

`runcoach ask "/today"` needs no model, and a bot that is restarting should answer `/plan`
before its model finishes loading. ``preload`` starts the load early (``runcoach serve`` does);
the first question waits for it if it is not done yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence

from bot.core.ports import ChatMessage, ChatModel


class LazyModel:
    def __init__(self, load: Callable[[], Awaitable[ChatModel]]) -> None:
        self._load = load
        self._loading: asyncio.Task[ChatModel] | None = None

    def preload(self) -> None:
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())

    async def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]:
        self.preload()
        assert self._loading is not None
        model = await asyncio.shield(self._loading)
        async for piece in model.stream(messages, user=user, max_tokens=max_tokens):
            yield piece

    async def close(self) -> None:
        if self._loading is None:
            return
        if not self._loading.done():
            self._loading.cancel()
        try:
            model = await self._loading
        except (asyncio.CancelledError, Exception):
            return  # never loaded: nothing to close, and the failure was already reported
        await model.close()
