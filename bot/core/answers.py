"""The answer pipeline: what the coach says to a question in plain words.

A 135M-parameter model cannot be trusted with facts, so it is never the only line of defence:

1. Red flags (chest pain, fainting, worsening pain) get safety advice first, whatever follows.
2. Numeric questions (paces, conversions, predictions) are answered by exact calculators.
3. Everything else is answered from the vetted knowledge base: the best entries are retrieved
   (BM25 and sentence embeddings, fused), and a weak or ambiguous match says so and names the
   closest topics instead of showing an entry about something else. When drafting is on, the
   model is asked to answer from the best entry, the runner's profile and today's workout, and
   its answer is shown only if it passes the grounding checks (``grounding.py``). Otherwise the
   runner gets the best entry itself, which is always correct, only less conversational.
4. A short follow-up ("how often?", "what about in winter?") is read with the question before it.
5. "sources?" lists what the last answer came from.

A better model (another GGUF, or a server) passes the checks more often and so answers more
conversationally, with no code change. Plan requests and profile facts in plain words never get
here: the coach turns them into commands first (``intents.py``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.calculators import answer_numeric
from bot.core.errors import ModelBusy, ModelError
from bot.core.grounding import check_answer, hopeless
from bot.core.ports import (
    Asker,
    ChatMessage,
    ChatModel,
    PlanRecord,
    ProfileRecord,
    Storage,
    UserRecord,
)
from bot.core.red_flags import red_flags, safety_advice
from bot.knowledge.base import Entry, Hit
from bot.plans import science
from bot.plans.model import days_of
from bot.plans.workouts import describe_day

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are runcoach, a friendly, careful running coach. Answer the runner's question in two "
    "to four short sentences, using only the facts in the coach's notes below the question. "
    "Copy every number exactly as the notes write it. Do not repeat the notes' titles."
)
RUNNER_UP_SHARE = 0.8  # a second entry this close to the best may be shown with it...
SAME_TOPIC = 0.55  # ...when the two entries are about the same thing (embedding similarity)
# How sure a match is, by the question's embedding similarity to the best entry: at or above
# SURE the entry answers; between UNSURE and SURE the coach says it is not sure and names the
# closest topics; below UNSURE the question is not one it has notes on. Tuned on the dev splits
# of tests/eval (retrieval.jsonl, conversations.jsonl); bench/answer_eval.py prints the effect.
SURE = 0.45
AGREED = 0.38  # ...or at or above this when BM25 ranks the same entry first
UNSURE = 0.30
SAFETY_TOPIC = "red-flags"  # the knowledge base's emergency entries
FOLLOW_UP_GAIN = 0.05  # read with the last question, a follow-up matches this much better
HISTORY_TURNS = 2
HISTORY_CHARS = 300
CALCULATOR_SOURCE = "exact calculation (Daniels' VDOT formula, Riegel's formula, unit conversion)"
NO_NOTES = (
    "That's not something I can help with: I'm a running coach, so I only answer questions about "
    "running (training, pacing, races, fuelling, recovery, gear) and I won't guess. Try /help "
    "for what I can do."
)
UNSURE_LEAD = (
    "I'm not able to answer that one with confidence. The closest topics I can help with: {topics}."
)
UNSURE_TAIL = "Ask about one of those, or say a bit more about what you want to know."
_LEANS_ON_LAST = re.compile(
    r"^\W*(?:and|also|what about|how about|and what about|same for|but|so|then|ok and|what if)\b"
    r"|^\W*(?:how (?:often|long|much|many|far|fast)|why|when|really|like what|such as)\W*$",
    re.IGNORECASE,
)
_SOURCES_REQUEST = re.compile(
    r"^\W*(what are (your|the) )?(sources?|references?|citations?|where (did|does) (you|that|"
    r"this) (get|come) (that|this|from)( from)?)\W*$",
    re.IGNORECASE,
)


class Searcher(Protocol):
    def search(self, query: str, k: int = 3) -> list[Hit]: ...

    def related(self, a: Entry, b: Entry) -> float | None: ...


@dataclass(frozen=True)
class Answer:
    text: str
    sources: tuple[str, ...] = ()  # one line per source, as "sources?" lists them
    from_model: bool = False
    refused: bool = False  # nothing the coach knows about: nothing worth remembering either


class AnswerPipeline:
    """The coach's ``answer`` callable: ``await pipeline(asker, text)``."""

    def __init__(
        self,
        storage: Storage,
        knowledge: Searcher,
        model: ChatModel | None,
        *,
        clock: Callable[[], datetime],
        default_timezone: str = "UTC",
        max_tokens: int = 220,
        drafts: bool = True,
    ) -> None:
        self._storage = storage
        self._knowledge = knowledge
        self._model = model
        self._clock = clock
        self._default_tz = default_timezone
        self._max_tokens = max_tokens
        # Whether the model drafts answers at all: the bundled base model's drafts pass the
        # grounding checks for about 3% of questions and each costs the runner seconds, so the
        # bot turns this on only for a model that earns it (``llm_drafts``).
        self._drafts = drafts

    async def __call__(self, asker: Asker, text: str) -> str:
        user = await asker.find_user()
        if _SOURCES_REQUEST.match(text):
            return await self._sources_reply(user)
        answer = await self.answer(user, text)
        if not answer.refused:
            user = user or await asker.user()
            # What it came from is stored with the answer, so "sources?" works whichever
            # worker gets it; forgetting the runner deletes it with everything else.
            await self._storage.save_answer(user.id, text, answer.text, answer.sources)
        return answer.text

    async def answer(self, user: UserRecord | None, text: str) -> Answer:
        flags = red_flags(text)
        answer = await self._answer(user, text)
        if flags:
            return Answer(f"{safety_advice(flags)}\n\n{answer.text}", answer.sources)
        return answer

    async def _answer(self, user: UserRecord | None, text: str) -> Answer:
        # The runner's previous question, read once: a follow-up is calculated or searched
        # with it.
        last = await self._last_question(user) if user is not None else None
        numeric = answer_numeric(text) or _numeric_follow_up(last, text)
        if numeric is not None:
            return Answer(numeric, (CALCULATOR_SOURCE,))
        # Embedding the question and the entries is CPU work: off the event loop, so one
        # runner's question never delays another's /today.
        hits = await asyncio.to_thread(self._retrieve, last, text)
        sureness = _sureness(hits)
        if sureness == "none":
            return Answer(NO_NOTES, refused=True)
        if sureness == "unsure":
            topics = ", ".join(hit.entry.title.lower() for hit in hits[:3])
            sources = tuple(_cite(hit.entry) for hit in hits[:3])
            return Answer(f"{UNSURE_LEAD.format(topics=topics)} {UNSURE_TAIL}", sources)
        # The model drafts from the best entry alone: every extra entry costs time to first
        # token (about 0.4 s each on 2 cores) and gives a small model more to confuse. A close
        # runner-up about the same thing is shown after the answer as it is written: the
        # question was ambiguous between them, and the runner-up is often the one that answers.
        best, *others = await asyncio.to_thread(self._worth_showing, hits)
        sources = tuple(_cite(entry) for entry in (best, *others))
        if not self._drafts or self._model is None:
            return Answer(_followed_by(best.body, others), sources)
        drafted = await self._draft(user, text, [best])
        if drafted is not None:
            return Answer(_followed_by(drafted, others), sources, from_model=True)
        return Answer(_followed_by(best.body, others), sources)

    def _retrieve(self, last: str | None, text: str) -> list[Hit]:
        return _safety_last(self._search(last, text), text)

    async def _last_question(self, user: UserRecord) -> str | None:
        turns = await self._storage.recent_turns(user.id, 2)
        return next((turn.text for turn in reversed(turns) if turn.role == "user"), None)

    def _search(self, last: str | None, text: str) -> list[Hit]:
        """A follow-up ("how often?", "and how much slower should I go?") means more with the
        question it follows: it is searched both ways, and the reading that matches the notes
        clearly better wins. A question that stands alone matches best alone, and one the notes
        already answer with confidence ("how shd i fuel for a half", asked after a question about
        tempo pace) is a new question, not a follow-up: read with the last one, its words would
        only pull the answer back to the earlier topic."""
        leans = bool(_LEANS_ON_LAST.match(text))
        hits = self._knowledge.search(text, k=3)
        if last is None or not hits:
            return hits
        if not leans and (hits[0].cosine is None or hits[0].cosine >= SURE):
            return hits
        joined = self._knowledge.search(f"{last} {text}", k=3)
        if leans:
            return joined or hits
        if joined and (joined[0].cosine or 0.0) > (hits[0].cosine or 0.0) + FOLLOW_UP_GAIN:
            return joined
        return hits

    def _worth_showing(self, hits: Sequence[Hit]) -> list[Entry]:
        """The best entry; and the runner-up when it scored almost as well and is about the same
        thing, since the question was then ambiguous between the two."""
        best = hits[0]
        if best.entry.topic == SAFETY_TOPIC:
            return [best.entry]  # "see a doctor today" stands alone
        close = [hit.entry for hit in hits[1:2] if hit.score >= RUNNER_UP_SHARE * best.score]
        return [best.entry, *(entry for entry in close if self._same_topic(best.entry, entry))]

    def _same_topic(self, a: Entry, b: Entry) -> bool:
        similarity = self._knowledge.related(a, b)
        return similarity is None or similarity >= SAME_TOPIC

    async def _draft(self, user: UserRecord | None, text: str, entries: list[Entry]) -> str | None:
        """The model's answer if it passes the grounding checks, else None."""
        if self._model is None:
            return None
        messages = await self.messages_for(user, text, entries)
        prompt = messages[-1].content
        key = f"user:{user.id}" if user else "anonymous"
        drafted = ""
        try:
            async with aclosing(
                self._model.stream(messages, user=key, max_tokens=self._max_tokens)
            ) as pieces:
                async for piece in pieces:
                    drafted += piece
                    if hopeless(drafted, prompt):  # stop paying for an answer we will not show
                        log.info("model answer abandoned early")
                        return None
        except ModelBusy as err:
            # Expected under load, and the runner already has the vetted answer: not a warning.
            log.info("model busy, answering from the notes: %s", err)
            return None
        except ModelError as err:
            log.warning("model unavailable, answering from the notes: %s", err)
            return None
        drafted = drafted.strip()
        verdict = check_answer(drafted, text, prompt.removeprefix(text))
        if not verdict.ok:
            log.info("model answer not used (%s)", verdict.reason)
            return None
        return drafted

    async def messages_for(
        self, user: UserRecord | None, text: str, entries: Sequence[Entry]
    ) -> list[ChatMessage]:
        """What the model is sent: the fixed system prompt first (its KV state is reused), then
        recent turns, then the question with the notes and the runner's context."""
        notes = "\n".join(f"- {entry.body}" for entry in entries)
        personal = await self._personal_context(user)
        prompt = f"{text}\n\nCoach's notes:\n{notes}" + (f"\n\n{personal}" if personal else "")
        return [
            ChatMessage("system", SYSTEM_PROMPT),
            *await self._history(user),
            ChatMessage("user", prompt),
        ]

    async def _history(self, user: UserRecord | None) -> list[ChatMessage]:
        if user is None:
            return []
        turns = await self._storage.recent_turns(user.id, HISTORY_TURNS)
        return [ChatMessage(turn.role, turn.text[:HISTORY_CHARS]) for turn in turns]

    async def _personal_context(self, user: UserRecord | None) -> str:
        """The runner's standing facts and today's workout, so advice can be personal."""
        if user is None:
            return ""
        lines = []
        profile = _profile_line(await self._storage.profile(user.id))
        if profile:
            lines.append(f"About the runner: {profile}.")
        record = await self._storage.active_plan(user.id)
        today = self._clock().astimezone(ZoneInfo(user.timezone or self._default_tz)).date()
        workout = _workout_on(record, today)
        if workout:
            lines.append(f"Today's workout in their plan: {workout}.")
        return "\n".join(lines)

    async def _sources_reply(self, user: UserRecord | None) -> str:
        sources = await self._storage.last_sources(user.id) if user else ()
        if not sources:
            return "I haven't answered a question from my notes yet: ask me one first."
        return "My last answer came from: " + "; ".join(sources) + "."


def _cite(entry: Entry) -> str:
    return f'"{entry.title}" ({entry.source})'


def _numeric_follow_up(last: str | None, text: str) -> str | None:
    """'what pace for a sub 50 10k' then 'and for a 1:50 half?': the same calculation, with the
    new numbers."""
    if last is None or not _LEANS_ON_LAST.match(text) or answer_numeric(last) is None:
        return None
    asked = " ".join(word for word in last.split() if not re.search(r"\d", word))
    return answer_numeric(f"{asked} {text}")


def _safety_last(hits: list[Hit], text: str) -> list[Hit]:
    """Emergency entries ("call 112") answer only a message that describes a red flag: for
    "is it normal to be out of breath on every run?" the close everyday entry leads instead,
    and an emergency entry is never appended as a runner-up to such a question."""
    if red_flags(text) or not hits:
        return hits
    everyday = [hit for hit in hits if hit.entry.topic != SAFETY_TOPIC]
    if hits[0].entry.topic != SAFETY_TOPIC:
        return everyday
    if everyday and everyday[0].score >= RUNNER_UP_SHARE * hits[0].score:
        return everyday
    return hits[:1]


def _sureness(hits: Sequence[Hit]) -> str:
    """'sure', 'unsure' or 'none' for the best match. Without embeddings (a plain install), any
    lexical match counts as sure, as it always did."""
    if not hits:
        return "none"
    best = hits[0]
    if best.cosine is None or best.cosine >= SURE:
        return "sure"
    # Meaning and words agreeing on one entry is surer than either alone.
    agreed = best.bm25 > 0 and best.bm25 >= max(hit.bm25 for hit in hits)
    if agreed and best.cosine >= AGREED:
        return "sure"
    return "unsure" if best.cosine >= UNSURE else "none"


def _followed_by(lead: str, others: Sequence[Entry]) -> str:
    """The answer from the best entry, then the other entries as they are written: vetted,
    specific, and sure to be right."""
    return "\n\n".join([lead, *(f"Also, {e.title.lower()}: {e.body}" for e in others)])


def _profile_line(profile: ProfileRecord) -> str:
    parts = []
    if profile.weekly_km is not None:
        parts.append(f"runs {science.format_distance(profile.weekly_km, 'km')} a week")
    if profile.days_per_week is not None:
        parts.append(f"{profile.days_per_week} runs a week")
    if profile.recent_race_km is not None and profile.recent_race_s is not None:
        parts.append(
            f"recent race {science.format_distance(profile.recent_race_km, 'km')} in "
            f"{science.format_clock(profile.recent_race_s)}"
        )
    if profile.goal:
        parts.append(f"goal: {profile.goal}")
    return ", ".join(parts)


def _workout_on(record: PlanRecord | None, today: date) -> str:
    if record is None:
        return ""
    day = days_of(record.plan).get(today.isoformat())
    return describe_day(day, record.units) if day else ""
