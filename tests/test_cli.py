"""The `runcoach` command line as a runner or a script sees it: output, exit codes, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import icalendar
import jsonschema
import pytest

from bot.__main__ import main
from bot.plans.model import plan_schema

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every test gets its own data dir, whatever the developer's environment holds."""
    for name in list(os.environ):
        if name.startswith("RUNCOACH_") and name != "RUNCOACH_CACHE_DIR":
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    monkeypatch.setenv("RUNCOACH_DATA_DIR", str(data))
    return data


def run(capfdbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    out, err = capfdbinary.readouterr()
    return code, out, err.decode()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["15k", "8w"], "not a race"),
        (["banana", "8w"], "not a race"),
        (["10k", "0w"], "at least 1 week"),
        (["10k", "-3"], "-3"),
        (["10k", "53w"], "at most 52"),
        (["10k", "1000weeks"], "at most 52"),
        (["10k", "eight"], "weeks"),
        (["10k", "3w"], "at least 6 weeks"),
        (["marathon", "8w"], "at least 12 weeks"),
        (["10k", "8w", "--days", "1"], "2 to 7"),
        (["10k", "8w", "--days", "8"], "2 to 7"),
        (["10k", "8w", "--weekly-km", "-10"], "cannot be negative"),
        (["10k", "8w", "--weekly-km", "300"], "beyond what I plan for"),
        (["10k", "8w", "--recent-race", "5k=10:00"], "world record"),
        (["10k", "8w", "--recent-race", "10k=45:99"], "45:99"),
        (["10k", "8w", "--recent-race", "10k=fast"], "fast"),
        (["10k", "8w", "--start", "2026-13-01"], "2026-13-01"),
        (["10k", "8w", "--start", "tomorrow"], "tomorrow"),
        (["10k", "8w", "--long-run-day", "funday"], "not a day of the week"),
        (["10k", "8w", "--longest-run", "-5"], "longest"),
        (["10k", "8w", "--units", "furlongs"], "not a unit"),
        (["10k", "8w", "--format", "pdf"], "unknown format"),
        (["10k", "8w", "--bogus"], "--bogus"),
        (["10k"], "WEEKS"),
    ],
)
def test_refused_plan_requests_exit_2_with_one_line_and_no_stdout(
    capfdbinary: pytest.CaptureFixture[bytes], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capfdbinary, "plan", *argv)
    assert code == 2
    assert out == b""
    assert err.count("\n") == 1 and err.startswith("runcoach: ")
    assert "Traceback" not in err
    assert fragment.lower() in err.lower()


def test_text_plan_is_the_same_bytes_every_time(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    argv = ["plan", "half", "12w", "--start", "2027-01-04", "--recent-race", "10k=48:30"]
    first = run(capfdbinary, *argv)
    second = run(capfdbinary, *argv)
    assert first[0] == 0 and first == second
    text = first[1].decode()
    assert text.startswith("Half marathon plan: 12 weeks")
    assert "Week 12 of 12" in text


def test_json_plan_follows_the_schema(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, _ = run(
        capfdbinary, "plan", "marathon", "18", "--weekly-km", "55", "--start", "2027-01-04",
        "--format", "json", "--units", "mi",
    )  # fmt: skip
    assert code == 0
    plan = json.loads(out)
    jsonschema.validate(plan, plan_schema())
    assert plan["race"]["distance_km"] == pytest.approx(42.195)  # JSON stays metric


def test_calendar_and_chart_are_written_to_files(
    capfdbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    ics, png = tmp_path / "plan.ics", tmp_path / "plan.png"
    base = ["plan", "10k", "8weeks", "--start", "2027-01-04"]
    assert run(capfdbinary, *base, "--format", "ics", "--out", str(ics))[0] == 0
    assert run(capfdbinary, *base, "--format", "png", "--out", str(png))[0] == 0
    assert icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_unwritable_output_is_one_line(
    capfdbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    code, out, err = run(capfdbinary, "plan", "10k", "8w", "--out", str(tmp_path / "no" / "x"))
    assert (code, out) == (2, b"")
    assert err.startswith("runcoach: cannot write") and err.count("\n") == 1


def test_ask_answers_through_the_coach_and_keeps_users_apart(
    capfdbinary: pytest.CaptureFixture[bytes], isolated_settings: Path
) -> None:
    code, out, _ = run(capfdbinary, "ask", "/plan 10k 8weeks", "--user", "ana")
    assert code == 0
    text = out.decode()
    assert "10K plan: 8 weeks" in text
    calendars = list((isolated_settings / "files" / "ana").glob("*.ics"))
    assert len(calendars) == 1 and str(calendars[0]) in text.replace("\n", "")
    assert "10K plan" in run(capfdbinary, "ask", "/plan", "--user", "ana")[1].decode()
    assert "no plan yet" in run(capfdbinary, "ask", "/today", "--user", "ben")[1].decode()


def test_a_user_name_never_leads_files_out_of_the_data_directory(
    capfdbinary: pytest.CaptureFixture[bytes], isolated_settings: Path, tmp_path: Path
) -> None:
    before = {path for path in tmp_path.rglob("*") if not path.is_relative_to(isolated_settings)}
    code, out, _ = run(capfdbinary, "ask", "/plan 10k 8weeks", "--user", "../../somewhere")
    assert code == 0
    after = {path for path in tmp_path.rglob("*") if not path.is_relative_to(isolated_settings)}
    assert after == before
    saved = list((isolated_settings / "files").rglob("*.ics"))
    assert len(saved) == 1 and saved[0].parent.parent == isolated_settings / "files"
    assert str(saved[0]) in out.decode().replace("\n", "")


# Strings only this runner typed: after /forget confirm, no file under the data directory may
# hold them (the database, its WAL, the saved calendars and charts, their directory's name).
RUNNER = "Zanzibar-Quokka"
NOTE = "Xylophone-hamstring-twinge"
GOAL = "Wombat-sub-three-dream"


def forget_in_two_processes(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """Each `ask` opens and closes its own runtime, as separate processes do: nothing said in
    the first survives in memory for the second."""
    for text in (f"/profile goal={GOAL}", "/plan 10k 8weeks", f"/niggle {NOTE}"):
        assert run(capfdbinary, "ask", text, "--user", RUNNER)[0] == 0
    assert "within 5 minutes" in run(capfdbinary, "ask", "/forget", "--user", RUNNER)[1].decode()
    confirmed = run(capfdbinary, "ask", "/forget confirm", "--user", RUNNER)[1].decode()
    assert "everything I stored about you is deleted" in confirmed


def traces(paths: Iterable[Path]) -> list[str]:
    """Where the runner's strings are: in a file's name or in its bytes."""
    found = []
    for path in paths:
        if RUNNER in path.name:
            found.append(str(path))
        if path.is_file() and path.suffix not in (".gguf", ".npy"):  # caches hold no runner
            data = path.read_bytes()
            found += [
                f"{path.name}: {word}" for word in (RUNNER, NOTE, GOAL) if word.encode() in data
            ]
    return found


def test_forget_across_two_asks_scrubs_the_database_and_its_wal(
    capfdbinary: pytest.CaptureFixture[bytes], isolated_settings: Path
) -> None:
    forget_in_two_processes(capfdbinary)
    database = isolated_settings / "runcoach.db"
    assert traces([database, database.with_name("runcoach.db-wal")]) == []


def test_forget_across_two_asks_leaves_nothing_anywhere_under_the_data_directory(
    capfdbinary: pytest.CaptureFixture[bytes], isolated_settings: Path
) -> None:
    forget_in_two_processes(capfdbinary)
    assert traces(isolated_settings.rglob("*")) == []


def test_chat_runs_commands_until_quit(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = iter(["/profile I run 30 km a week, 4 days", "", "/plan half 12w", "/quit", "/help"])
    monkeypatch.setattr("rich.console.Console.input", lambda self, prompt="": next(lines))
    code, out, _ = run(capfdbinary, "chat", "--user", "cy")
    text = out.decode()
    assert code == 0
    assert "Saved" in text and "30 km" in text
    assert "Half marathon plan: 12 weeks" in text
    assert "/remind" not in text  # /help came after /quit and was never read
    assert text.rstrip().endswith("Bye - run happy!")


def test_the_console_chat_keeps_log_lines_out_of_the_conversation(
    capfdbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    isolated_settings: Path,
) -> None:
    monkeypatch.setenv("RUNCOACH_LOG_LEVEL", "DEBUG")
    lines = iter(["what is a tempo run?", "/quit"])
    monkeypatch.setattr("rich.console.Console.input", lambda self, prompt="": next(lines))
    code, out, err = run(capfdbinary, "chat", "--user", "cy")
    assert code == 0 and "threshold" in out.decode()
    assert " DEBUG " not in out.decode() + err and " INFO " not in out.decode() + err
    assert " DEBUG " in (isolated_settings / "runcoach.log").read_text()


def test_a_bad_setting_stops_the_bot_with_one_line(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOACH_DEFAULT_TIMEZONE", "Mars/Olympus")
    code, out, err = run(capfdbinary, "serve")
    assert (code, out) == (2, b"")
    assert "RUNCOACH_DEFAULT_TIMEZONE" in err and err.count("\n") == 1


def test_an_unexpected_error_is_logged_without_the_token(
    capfdbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Logged, not printed by Python: the log redaction masks the token in the traceback."""
    token = "123456789:AAF-secret-for-the-cli-test"
    monkeypatch.setenv("RUNCOACH_TELEGRAM_TOKEN", token)

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"GET https://api.telegram.org/bot{token}/getMe exploded")

    monkeypatch.setattr("bot.app.serve", crash)
    code, out, err = run(capfdbinary, "serve")
    assert (code, out) == (1, b"") and token not in err
    assert "Traceback" in caplog.text and "bot[REDACTED]/getMe exploded" in caplog.text
    assert token not in caplog.text


def test_db_upgrade_creates_the_database(
    capfdbinary: pytest.CaptureFixture[bytes], isolated_settings: Path
) -> None:
    assert run(capfdbinary, "db", "upgrade")[0] == 0
    assert (isolated_settings / "runcoach.db").is_file()
    assert run(capfdbinary, "db", "upgrade")[0] == 0  # idempotent


def test_the_installed_entry_point_refuses_without_a_traceback(tmp_path: Path) -> None:
    """The real process, as a shell script would call it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "plan", "10k", "8w", "--days", "9"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("runcoach: ") and result.stderr.count("\n") == 1
