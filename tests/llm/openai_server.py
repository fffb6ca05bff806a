"""A local OpenAI-compatible chat server for tests, speaking the real streaming format.

It records every request and streams a scripted answer as SSE ``chat.completion.chunk`` events,
a few words per event, the way llama.cpp server and vLLM do (a role chunk first, a finish chunk,
then ``data: [DONE]``). Tests script the failures a real server has: a stall, an HTTP error,
a malformed stream.

    async with openai_server() as server:
        server.answer = "Run easy today."
        backend = OpenAIBackend(server.url, model="m", timeout_s=5)
        ...
        assert server.requests[0].body["user"] == "console:ana"
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

WORDS_PER_CHUNK = 2


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class OpenAIServer:
    # The answer to stream, or a function of the request choosing one (say, by ``user``).
    answer: str | Callable[[RecordedRequest], str] = "Keep most runs easy."
    stall_s: float = 0.0  # wait this long before answering at all
    piece_delay_s: float = 0.0  # and this long before each chunk of the answer
    url: str = ""  # the base URL, ending in /v1, once listening
    requests: list[RecordedRequest] = field(default_factory=list)
    _failure: tuple[int, str] | None = None
    _raw: tuple[str, ...] | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_with(
        self, status: int, body: str = '{"error": {"message": "scripted failure"}}'
    ) -> None:
        """Answer every request with this HTTP status and body instead of a stream."""
        self._failure = (status, body)

    def send_raw(self, *data: str) -> None:
        """Stream these ``data:`` payloads as they are, instead of the answer: garbage, an
        error event, or a stream cut short (leave out the closing ``[DONE]``)."""
        self._raw = data

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        recorded = RecordedRequest(request.path, dict(request.headers), await request.json())
        self.requests.append(recorded)
        if await self._wait(self.stall_s):
            raise web.HTTPServiceUnavailable()
        if self._failure is not None:
            status, body = self._failure
            return web.Response(status=status, text=body, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        try:
            for data in self._raw or self._events(recorded):
                if await self._wait(self.piece_delay_s):
                    break
                await response.write(f"data: {data}\n\n".encode())
            await response.write_eof()
        except ConnectionError:
            pass  # the client gave up on the answer, as a timed-out backend does
        return response

    def _events(self, request: RecordedRequest) -> list[str]:
        answer = self.answer(request) if callable(self.answer) else self.answer
        words = re.findall(r"\S+\s*", answer)
        pieces = [
            "".join(words[i : i + WORDS_PER_CHUNK]) for i in range(0, len(words), WORDS_PER_CHUNK)
        ]
        model = request.body.get("model", "")
        deltas = [{"role": "assistant"}, *({"content": piece} for piece in pieces), {}]
        events = [
            json.dumps(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "delta": delta,
                            "finish_reason": None if delta else "stop",
                        }
                    ],
                }
            )
            for delta in deltas
        ]
        return [*events, "[DONE]"]

    async def _wait(self, seconds: float) -> bool:
        """Sleep, cut short when the server closes; True if it is closing."""
        if seconds > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)
        return self._closing.is_set()


@asynccontextmanager
async def openai_server() -> AsyncIterator[OpenAIServer]:
    """A server on 127.0.0.1 at a free port, for the length of the block."""
    server = OpenAIServer()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server._chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}/v1"
    try:
        yield server
    finally:
        server._closing.set()
        await runner.cleanup()
