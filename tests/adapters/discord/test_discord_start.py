"""Starting and stopping Discord inside `runcoach serve`."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot import app
from bot.adapters.discord_adapter import DiscordAdapter
from bot.core.coach import Coach
from bot.settings import Settings, SettingsError

TOKEN = "MTIz.not-a-real.token"


class RecordingDiscord:
    """Stands in for the adapter to show what `serve` does with it, in which order."""

    calls: list[str]
    platform = "discord"

    def __init__(self, coach: Coach) -> None:
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
