"""Starting and stopping Discord inside `runcoach serve`."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from aiohttp import web

from bot import app
from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.startup_errors import StartupError
from bot.core.coach import Coach
from bot.settings import Settings, SettingsError

TOKEN = "MTIz.not-a-real.token"


class RecordingDiscord:
    """Stands in for the adapter to show what `serve` does with it, in which order."""

    calls: list[str]
    platform = "discord"

    def __init__(self, coach: Coach, **shards: object) -> None:
        RecordingDiscord.calls = ["built"]

    async def start(self, token: str) -> None:
        self.calls.append(f"start {token}")

    async def wait(self) -> None:
        self.calls.append("wait")
        raise ConnectionError("gateway lost")

    async def close(self) -> None:
        self.calls.append("close")


async def test_serve_runs_discord_when_its_token_is_set_and_closes_it_on_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "DiscordAdapter", RecordingDiscord)
    monkeypatch.setattr(app, "console", lambda *args: pytest.fail("console chat started"))
    settings = Settings(data_dir=tmp_path, discord_token=TOKEN)
    with pytest.raises(ConnectionError):
        await app.serve(settings, console_user="me")
    assert RecordingDiscord.calls == ["built", f"start {TOKEN}", "wait", "close"]


async def test_a_refused_token_stops_start_up_with_one_line_that_hides_it(
    coach: Coach, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = DiscordAdapter(coach)

    async def refuse(token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(adapter.client.http, "static_login", refuse)
    with pytest.raises(SettingsError) as refused:
        await adapter.start(TOKEN)
    assert "RUNCOACH_DISCORD_TOKEN" in str(refused.value)
    assert TOKEN not in str(refused.value) and TOKEN not in caplog.text
    await adapter.close()


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[int]]:
    """A local stand-in for Discord's REST API answering each login with the status queued."""
    statuses: list[int] = []

    async def me(request: web.Request) -> web.Response:
        return web.json_response({"message": "down", "code": 0}, status=statuses.pop(0))

    server = web.Application()
    server.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    yield statuses
    await runner.cleanup()


async def start_fails(coach: Coach, caplog: pytest.LogCaptureFixture) -> str:
    adapter = DiscordAdapter(coach)
    with pytest.raises((StartupError, SettingsError)) as failed:
        await adapter.start(TOKEN)
    await adapter.close()
    message = str(failed.value)
    assert "\n" not in message and TOKEN not in message and TOKEN not in caplog.text
    return message


async def test_a_token_refused_by_the_api_is_a_settings_error(
    coach: Coach, discord_api: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    discord_api.append(401)
    assert "RUNCOACH_DISCORD_TOKEN" in await start_fails(coach, caplog)


async def test_discord_failing_stops_start_up_with_one_line(
    coach: Coach, discord_api: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    discord_api.append(503)
    assert "HTTP 503" in await start_fails(coach, caplog)


async def test_discord_unreachable_stops_start_up_with_one_line(
    coach: Coach, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    message = await start_fails(coach, caplog)
    assert "cannot reach Discord (connection refused)" in message
