"""The conversational eval (``tests/eval/conversations.jsonl``): runners' own questions, asked
through the whole coach with a stored plan, earlier turns and a controlled clock.

A case is run as a runner would live it: its setup commands (``/plan ...``), its earlier turns,
then the question, all on the case's local date, on a throwaway database. It scores the share of
its fact groups the reply contains, and counts as confidently wrong when the reply says one of
its wrong statements, or leads with a knowledge entry the case does not accept.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import perf_counter

from bot.core.answers import AnswerPipeline
from bot.core.coach import Coach
from bot.core.messages import IncomingMessage
from bot.core.ports import ChatModel
from bot.evaluation import EvalQuestion, fact_score, normalise
from bot.knowledge.base import Entry, load_entries
from bot.knowledge.index import KnowledgeIndex
from bot.storage import migrate
from bot.storage.async_storage import ExecutorStorage
from bot.storage.db import create_engine

KINDS = frozenset(
    {
        "plan", "no-plan", "statement", "smalltalk", "followup", "knowledge", "calculator",
        "out-of-scope", "red-flag",
    }
)  # fmt: skip
ASKED_AT = time(9, 0)  # the runner's local time for every message of a case (UTC runners)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    setup: tuple[str, ...]
    today: date
    turns: tuple[str, ...]
    question: str
    facts: tuple[tuple[str, ...], ...]
    wrong: tuple[str, ...]
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    case: Case
    reply: str
    score: float
    wrong: bool  # confidently wrong: a wrong statement, or an unaccepted entry leads the reply
    lead_entry: str | None  # the knowledge entry the reply opens with, if any
    seconds: float = 0.0  # from the question's arrival to the complete reply


def load_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(
                Case(
                    id=raw["id"],
                    kind=raw["kind"],
                    setup=tuple(raw.get("setup", ())),
                    today=date.fromisoformat(raw["today"]),
                    turns=tuple(raw.get("turns", ())),
                    question=raw["question"],
                    facts=tuple(tuple(group) for group in raw["facts"]),
                    wrong=tuple(raw.get("wrong", ())),
                    entries=tuple(raw.get("entries", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{number}: not a conversation case ({err})") from None
    return cases


def textbook_cases(questions: list[EvalQuestion], today: date) -> list[Case]:
    """The textbook eval's questions as first messages from a new runner, asked through the
    whole coach like any other case."""
    return [Case(q.id, "textbook", (), today, (), q.question, q.facts, (), ()) for q in questions]


def lead_entry(reply: str, entries: tuple[Entry, ...]) -> str | None:
    """The entry whose text the reply opens with (a shown entry is quoted as written)."""
    said = normalise(reply)
    found = [
        (said.find(normalise(entry.body[:80])), entry.id)
        for entry in entries
        if normalise(entry.body[:80]) in said
    ]
    return min(found)[1] if found else None


def judge(case: Case, reply: str, entries: tuple[Entry, ...], seconds: float = 0.0) -> Result:
    said = normalise(reply)
    lead = lead_entry(reply, entries)
    wrong = any(normalise(statement) in said for statement in case.wrong)
    if case.entries and lead is not None and lead not in case.entries:
        wrong = True
    return Result(case, reply, fact_score(reply, case.facts), wrong, lead, seconds)


class _Clock:
    """The eval's wall clock: each case sets the day its runner lives in."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def conversation_runner(
    model: ChatModel | None,
    index: KnowledgeIndex,
    *,
    max_tokens: int = 160,
    drafts: bool = True,
) -> AsyncIterator[Callable[[Case], Awaitable[Result]]]:
    """Runs cases through a real Coach and answer pipeline on a throwaway SQLite database."""
    entries = load_entries()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/conversations.db"
        migrate.upgrade(url)
        engine = create_engine(url)
        clock = _Clock()
        storage = ExecutorStorage.on(engine, clock=clock)
        pipeline = AnswerPipeline(
            storage, index, model, clock=clock, max_tokens=max_tokens, drafts=drafts
        )
        coach = Coach(storage, answer=pipeline, clock=clock)

        async def run(case: Case) -> Result:
            clock.now = datetime.combine(case.today, ASKED_AT, tzinfo=UTC)
            for text in (*case.setup, *case.turns):
                await coach.handle(IncomingMessage("eval", case.id, text, display_name="Sam"))
            began = perf_counter()
            replies = await coach.handle(
                IncomingMessage("eval", case.id, case.question, display_name="Sam")
            )
            seconds = perf_counter() - began
            reply = "\n".join(message.text for message in replies if message.text)
            return judge(case, reply, entries, seconds)

        try:
            yield run
        finally:
            storage.close()
            engine.dispose()
