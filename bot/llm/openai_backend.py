"""A ``ChatModel`` on any OpenAI-compatible server (llama.cpp server, vLLM, Ollama), over httpx.

The deadline covers the whole answer, not each read: a server that drips a token every second
never trips a per-read timeout, yet the runner is still waiting. Only the awaits on the server
run under that deadline, never the ``yield``, so the time a caller spends on each piece is
counted but a deadline can never cancel the caller's own code. Every failure becomes a
``ModelError`` whose one-line message names the server and never the API key, so it can be
logged and shown as it is.

A busy server is ``ModelBusy``, so the runner is answered from the notes at once: one that says
so (HTTP 429 or 503), one that does not start answering (send its response headers) within
``busy_wait_s`` (llama-cpp-python's server sends them when it takes the request up), and a
question that would wait behind ``queue_max`` others of this worker's that the server has not
started yet.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import contextmanager

import httpx

from bot.core.errors import ModelBusy, ModelTimeout, ModelUnavailable
from bot.core.ports import ChatMessage

# Low enough that coaching facts stay put, above zero so answers don't loop on one phrase.
TEMPERATURE = 0.2
_DONE = "[DONE]"
_EXCERPT_CHARS = 200
# Too many requests, or overloaded (llama.cpp's server with no free slot, vLLM's full queue).
_BUSY_STATUSES = frozenset({429, 503})


class OpenAIBackend:
    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout_s: float,
        busy_wait_s: float | None = None,
        queue_max: int | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._server = base_url.rstrip("/")
        self._model = model
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._busy_wait_s = busy_wait_s
        self._queue_max = queue_max
        self._starting = 0  # requests sent that the server has not started answering
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient()

    async def stream(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> AsyncGenerator[str, None]:
        if self._queue_max is not None and self._starting >= self._queue_max:
            raise ModelBusy(
                f"{self._starting} questions already wait for LLM server {self._server} "
                "(RUNCOACH_LLM_QUEUE_MAX)"
            )
        now = asyncio.get_running_loop().time()
        deadline = now + self._timeout_s
        request = self._request(messages, user=user, max_tokens=max_tokens)
        response = await self._started(request, now, deadline)
        try:
            with self._translated():
                async with asyncio.timeout_at(deadline):
                    await self._check_status(response)
            lines = response.aiter_lines()
            while True:
                with self._translated():
                    async with asyncio.timeout_at(deadline):
                        line = await anext(lines, None)
                if line is None:
                    raise ModelUnavailable(f"LLM server {self._server} ended the answer early")
                data = _sse_data(line)
                if data == _DONE:
                    return
                piece = self._piece(data) if data is not None else None
                if piece:
                    yield piece
        finally:
            await response.aclose()

    async def _started(self, request: httpx.Request, now: float, deadline: float) -> httpx.Response:
        """The response once the server takes the request up; ``ModelBusy`` if it does not
        within ``busy_wait_s``."""
        bound = deadline if self._busy_wait_s is None else min(deadline, now + self._busy_wait_s)
        self._starting += 1
        try:
            with self._translated():
                try:
                    async with asyncio.timeout_at(bound):
                        return await self._client.send(request, stream=True)
                except TimeoutError:
                    if bound < deadline:
                        raise ModelBusy(
                            f"LLM server {self._server} did not start within "
                            f"{self._busy_wait_s:g} s (RUNCOACH_LLM_BUSY_WAIT_S)"
                        ) from None
                    raise
        finally:
            self._starting -= 1

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def _request(
        self, messages: Sequence[ChatMessage], *, user: str, max_tokens: int
    ) -> httpx.Request:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        body = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": TEMPERATURE,
            "user": user,
            "stream": True,
        }
        # httpx's own per-read timeout backs up the deadline; its 5 s default would cut off a
        # CPU model that is still reading a long prompt.
        return self._client.build_request(
            "POST",
            f"{self._server}/chat/completions",
            json=body,
            headers=headers,
            timeout=self._timeout_s,
        )

    async def _check_status(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        body = (await response.aread()).decode(errors="replace")
        reason = f": {self._one_line(body)}" if body.strip() else ""
        if response.status_code in _BUSY_STATUSES:
            raise ModelBusy(f"LLM server {self._server} is busy (HTTP {response.status_code})")
        raise ModelUnavailable(
            f"LLM server {self._server} answered HTTP {response.status_code}{reason}"
        )

    def _piece(self, data: str) -> str | None:
        """The text in one chunk; None for chunks that carry none (the role, usage, the end)."""
        try:
            chunk = json.loads(data)
            if "error" in chunk:
                raise ModelUnavailable(
                    f"LLM server {self._server} reported an error: "
                    + self._one_line(json.dumps(chunk["error"]))
                )
            choices = chunk["choices"]
            if not choices:
                return None
            content = choices[0]["delta"].get("content")
            if content is not None and not isinstance(content, str):
                raise TypeError(content)
            return content
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ModelUnavailable(f"LLM server {self._server} sent a malformed stream") from None

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """httpx and deadline errors as ``ModelError``s, so no SDK error reaches the core."""
        try:
            yield
        except (TimeoutError, httpx.TimeoutException):
            raise ModelTimeout(
                f"LLM server {self._server} did not finish an answer within {self._timeout_s:g} s"
            ) from None
        except httpx.HTTPError as err:
            reason = self._one_line(str(err) or type(err).__name__)
            raise ModelUnavailable(f"LLM server {self._server} unreachable: {reason}") from None

    def _one_line(self, text: str) -> str:
        """Server text fit for a log line: one line, short, and without the key, which some
        servers echo back when they reject it."""
        if self._api_key:
            text = text.replace(self._api_key, "[REDACTED]")
        text = " ".join(text.split())
        return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def _sse_data(line: str) -> str | None:
    """The payload of an SSE ``data:`` line; None for blank lines, comments and other fields."""
    if not line.startswith("data:"):
        return None
    return line[len("data:") :].strip()
