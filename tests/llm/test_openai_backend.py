"""The OpenAI-compatible backend against a real local HTTP server streaming real SSE.

Every test also checks, on the way out, that the API key appears in no log record at any level,
httpx's and httpcore's included.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.core.errors import ModelBusy, ModelTimeout, ModelUnavailable
from bot.core.ports import ChatMessage
from bot.llm.openai_backend import OpenAIBackend
from tests.llm.openai_server import OpenAIServer, openai_server

KEY = "sk-test-secret-key-0123456789"
QUESTION = [
    ChatMessage("system", "You are a running coach."),
    ChatMessage("user", "How fast should my easy runs be?"),
]
ANSWER = "Easy runs should feel conversational, about 60 to 90 seconds per km slower than 10k pace."


@pytest.fixture(autouse=True)
def no_key_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    formatter = logging.Formatter("%(message)s")
    for record in caplog.records:
        assert KEY not in formatter.format(record)


@pytest.fixture
async def server() -> AsyncIterator[OpenAIServer]:
    async with openai_server() as server:
        server.answer = ANSWER
        yield server


@pytest.fixture
async def backend(server: OpenAIServer) -> AsyncIterator[OpenAIBackend]:
    backend = OpenAIBackend(server.url, model="smollm2", api_key=KEY, timeout_s=5)
    yield backend
    await backend.close()


async def collect(backend: OpenAIBackend, user: str = "console:ana", max_tokens: int = 64):
    return [piece async for piece in backend.stream(QUESTION, user=user, max_tokens=max_tokens)]


async def test_streams_the_answer_in_pieces(backend: OpenAIBackend) -> None:
    pieces = await collect(backend)
    assert len(pieces) > 1
    assert "".join(pieces) == ANSWER


async def test_request_uses_the_openai_names(backend: OpenAIBackend, server: OpenAIServer):
    await collect(backend, user="telegram:42", max_tokens=99)
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.body["messages"] == [
        {"role": "system", "content": "You are a running coach."},
        {"role": "user", "content": "How fast should my easy runs be?"},
    ]
    assert request.body["model"] == "smollm2"
    assert request.body["max_tokens"] == 99
    assert request.body["user"] == "telegram:42"
    assert request.body["stream"] is True
    assert request.body["temperature"] <= 0.3


@pytest.mark.parametrize("suffix", ["", "/"])
async def test_base_url_with_or_without_trailing_slash(server: OpenAIServer, suffix: str):
    backend = OpenAIBackend(server.url + suffix, model="m", timeout_s=5)
    try:
        assert "".join(await collect(backend)) == ANSWER
    finally:
        await backend.close()
    assert server.requests[0].path == "/v1/chat/completions"
    assert "Authorization" not in server.requests[0].headers


async def test_a_stalled_server_times_out_at_the_deadline(server: OpenAIServer) -> None:
    server.stall_s = 10
    backend = OpenAIBackend(server.url, model="m", api_key=KEY, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(ModelTimeout) as caught:
        await collect(backend)
    assert 0.25 < time.monotonic() - started < 1.5
    assert server.url in str(caught.value)
    assert KEY not in str(caught.value)
    await backend.close()


async def test_a_server_that_does_not_take_the_question_up_soon_is_busy(
    server: OpenAIServer,
) -> None:
    server.stall_s = 10  # a queue of other workers' questions ahead of this one
    backend = OpenAIBackend(server.url, model="m", timeout_s=5, busy_wait_s=0.3)
    started = time.monotonic()
    with pytest.raises(ModelBusy, match="RUNCOACH_LLM_BUSY_WAIT_S"):
        await collect(backend)
    assert 0.25 < time.monotonic() - started < 1.5  # the busy bound, not the 5 s timeout
    await backend.close()


async def test_a_question_behind_this_workers_waiting_ones_is_busy_at_once(
    server: OpenAIServer,
) -> None:
    server.stall_s = 10
    backend = OpenAIBackend(server.url, model="m", timeout_s=5, busy_wait_s=2, queue_max=1)
    waiting = asyncio.create_task(collect(backend, user="console:first"))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(ModelBusy, match="RUNCOACH_LLM_QUEUE_MAX"):
        await collect(backend, user="console:second")
    assert time.monotonic() - started < 0.1
    assert len(server.requests) == 1  # the second never reached the server
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await backend.close()


async def test_the_deadline_covers_the_whole_answer_not_each_read(server: OpenAIServer):
    # Every chunk comes well within the deadline, but the whole answer would take about 2 s.
    server.piece_delay_s = 0.1
    backend = OpenAIBackend(server.url, model="m", timeout_s=0.45)
    pieces: list[str] = []
    started = time.monotonic()
    with pytest.raises(ModelTimeout):
        async for piece in backend.stream(QUESTION, user="u", max_tokens=64):
            pieces.append(piece)
    assert 0.4 < time.monotonic() - started < 1.5
    assert pieces  # what came before the deadline was already passed on
    assert ANSWER.startswith("".join(pieces)) and "".join(pieces) != ANSWER
    await backend.close()


@pytest.mark.parametrize("status", [401, 404, 500])
async def test_http_errors_are_unavailable_naming_server_and_status(
    backend: OpenAIBackend, server: OpenAIServer, status: int
) -> None:
    # Some servers echo a rejected key back in their error body.
    server.fail_with(status, f'{{"error": {{"message": "bad key {KEY}\\nat line 2"}}}}')
    with pytest.raises(ModelUnavailable) as caught:
        await collect(backend)
    message = str(caught.value)
    assert server.url in message and str(status) in message
    assert KEY not in message
    assert "\n" not in message


@pytest.mark.parametrize("status", [429, 503])
async def test_an_overloaded_server_is_busy_at_once(
    backend: OpenAIBackend, server: OpenAIServer, status: int
) -> None:
    """The coach answers from its notes straight away instead of retrying a full server."""
    server.fail_with(status, '{"error": {"message": "no free slot"}}')
    started = time.monotonic()
    with pytest.raises(ModelBusy) as caught:
        await collect(backend)
    assert time.monotonic() - started < 1
    assert server.url in str(caught.value) and str(status) in str(caught.value)


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    backend = OpenAIBackend(url, model="m", api_key=KEY, timeout_s=5)
    with pytest.raises(ModelUnavailable) as caught:
        await collect(backend)
    assert url in str(caught.value) and KEY not in str(caught.value)
    await backend.close()


@pytest.mark.parametrize(
    "events",
    [
        ["{not json", "[DONE]"],
        ['{"choices": 7}', "[DONE]"],
        ['{"choices": [{"delta": {"content": 5}}]}', "[DONE]"],
        ['{"error": {"message": "model ran out of memory"}}'],
        ['{"choices": [{"delta": {"content": "Cut"}}]}'],  # no [DONE]: the stream was cut short
    ],
)
async def test_a_malformed_stream_is_unavailable(
    backend: OpenAIBackend, server: OpenAIServer, events: list[str]
) -> None:
    server.send_raw(*events)
    with pytest.raises(ModelUnavailable) as caught:
        await collect(backend)
    assert server.url in str(caught.value)


async def test_concurrent_streams_for_two_users_do_not_mix(
    backend: OpenAIBackend, server: OpenAIServer
) -> None:
    server.piece_delay_s = 0.01
    server.answer = lambda request: f"Answer for {request.body['user']}: " + "stride " * 12

    async def answer(user: str) -> str:
        return "".join(await collect(backend, user=user))

    ana, ben = await asyncio.gather(answer("discord:ana"), answer("discord:ben"))
    assert ana == "Answer for discord:ana: " + "stride " * 12
    assert ben == "Answer for discord:ben: " + "stride " * 12


async def test_close_leaves_a_client_it_was_given_open(server: OpenAIServer) -> None:
    async with httpx.AsyncClient() as client:
        given = OpenAIBackend(server.url, model="m", timeout_s=5, client=client)
        await given.close()
        assert "".join(await collect(given)) == ANSWER
        assert not client.is_closed
