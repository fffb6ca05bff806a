"""The `data` stage: a running-coach chat dataset whose every answer is known to be right.

Answers are never written by a model: knowledge questions are answered with the vetted entry's
own sentences, numeric and plan questions with the exact calculators and the plan engine. The
knowledge prompts are laid out exactly as the answer pipeline sends them (system prompt, then the
question followed by "Coach's notes"), so the model learns the one job it does in the bot:
answer briefly from the notes, copying numbers exactly.

Most examples are asked the way runners ask (issue 16): in the runners' own words written with
each entry, with the runner's profile and today's workout from a generated plan in the prompt as
the pipeline adds them, after earlier turns (a follow-up leans on them), and a few off-topic
questions that get the coach's refusal. No eval question (``tests/eval/*.jsonl``) is ever used.

Splits are drawn per *source* (a knowledge entry, a calculator input, a plan request), so no
source is seen in training and then tested on: the held-out loss measures generalisation, not
recall of the same entry in other words.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.core.answers import HISTORY_CHARS, NO_NOTES, SYSTEM_PROMPT, _profile_line
from bot.core.calculators import answer_numeric
from bot.core.ports import ProfileRecord
from bot.evaluation import normalise
from bot.knowledge.base import Entry, load_entries
from bot.plans import science
from bot.plans.generator import generate_plan
from bot.plans.model import (
    Plan,
    PlanRequest,
    PlanRequestError,
    RaceName,
    RecentRace,
    Units,
    days_of,
)
from bot.plans.workouts import describe_day
from training.config import Config, DataConfig

SPLITS = ("train", "validation", "test")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
ANSWER_CHARS = 600  # every vetted entry whole today (the longest is ~540); a longer one is cut

QUESTION_TEMPLATES = (
    "what should I know about {tag}?",
    "any advice on {tag}?",
    "can you explain {title}?",
    "{tag} - what do you recommend?",
    "tell me about {tag}",
    "quick question about {tag}: what should I do?",
    "how do I handle {tag}?",
    "I keep reading about {tag}. what's the short version?",
)
RACES = (("5k", 5.0), ("10k", 10.0), ("half marathon", 21.0975), ("marathon", 42.195))
PLAN_RACES: tuple[tuple[RaceName, str], ...] = (
    ("5k", "5k"),
    ("10k", "10k"),
    ("half", "half marathon"),
    ("marathon", "marathon"),
)
EVAL_DIR = Path("tests/eval")  # under the config's root: every question there stays unseen
# Runners ask about today's run by name; the answer then quotes the plan's line for today.
TODAY_ASIDES = (
    "{question}? i have a run today",
    "{question}? (run planned for today)",
    "{question}? should i still do today's run?",
    "{question}? what about today's run",
)
FOLLOW_UPS = (
    "and what about {tag}?",
    "what about {tag}?",
    "ok and {tag}?",
    "also, {tag} - any advice?",
    "and {tag}? same thing?",
)
PLAN_QUESTIONS = (
    "what's on today?",
    "what am i running today",
    "today's run?",
    "what does my plan say for today",
)
OFF_TOPICS = (
    "my tax return", "a birthday cake recipe", "fixing a leaking tap", "my phone's battery",
    "a good laptop", "learning spanish", "my car insurance", "train times to london",
    "a python error", "my cat's diet", "crypto prices", "a wedding speech",
    "painting my kitchen", "a film for tonight", "knitting a scarf", "my maths homework",
)  # fmt: skip
OFF_TOPIC_TEMPLATES = (
    "can you help me with {topic}?",
    "any tips on {topic}",
    "need advice on {topic} pls",
    "what do you know about {topic}?",
)


@dataclass(frozen=True)
class Example:
    messages: tuple[tuple[str, str], ...]  # (role, content)
    source: str
    kind: str

    def row(self) -> dict[str, Any]:
        return {
            "messages": [{"role": r, "content": c} for r, c in self.messages],
            "source": self.source,
            "kind": self.kind,
        }


def split_of(source: str, seed: int, config: DataConfig) -> str:
    """A stable split per source: the same entry lands in the same split on every run."""
    digest = hashlib.sha256(f"{seed}:{source}".encode()).digest()
    share = int.from_bytes(digest[:8], "big") / 2**64
    if share < config.test_share:
        return "test"
    if share < config.test_share + config.validation_share:
        return "validation"
    return "train"


def grounded_answer(entry: Entry) -> str:
    """The entry's opening sentences: what a correct short answer from the notes says."""
    sentences = _SENTENCE_END.split(entry.body)
    answer = sentences[0]
    for sentence in sentences[1:4]:
        if len(answer) + len(sentence) > ANSWER_CHARS:
            break
        answer += " " + sentence
    return answer


def notes_prompt(question: str, entries: list[Entry]) -> str:
    """The user turn as ``AnswerPipeline.messages_for`` builds it."""
    notes = "\n".join(f"- {entry.body}" for entry in entries)
    return f"{question}\n\nCoach's notes:\n{notes}"


def eval_texts(root: Path) -> set[str]:
    """Every runner message of the evals (questions and earlier turns), normalised: what
    training must never contain."""
    texts: set[str] = set()
    for path in sorted((root / EVAL_DIR).glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                texts.update(normalise(t) for t in [raw.get("question", ""), *raw.get("turns", ())])
    texts.discard("")
    return texts


@dataclass(frozen=True)
class Runner:
    """A made-up runner: their profile line and their plan, as the pipeline would read them."""

    profile: str
    plan: Plan
    units: str


def make_runner(rng: random.Random) -> Runner:
    while True:
        _, km, clock = _race_result(rng)
        weekly, days = float(rng.choice(range(20, 75, 5))), rng.randint(3, 6)
        race = rng.choice(PLAN_RACES)[0]
        units: Units = rng.choice(("km", "km", "mi"))
        seconds = science.parse_clock(clock)
        request = PlanRequest(
            race, rng.randint(10, 18), days, weekly, start=date(2027, 1, 4),
            recent_race=RecentRace(km, seconds),
        )  # fmt: skip
        try:
            plan = generate_plan(request)
        except PlanRequestError:
            continue
        profile = ProfileRecord(weekly, days, None, km, seconds, None, units)
        return Runner(_profile_line(profile), plan, units)


def personal_context(runner: Runner, today: date) -> tuple[str, str]:
    """(the context lines as ``AnswerPipeline._personal_context`` writes them, today's workout)."""
    day = days_of(runner.plan).get(today.isoformat())
    workout = describe_day(day, runner.units) if day else ""  # type: ignore[arg-type]
    lines = [f"About the runner: {runner.profile}."]
    if workout:
        lines.append(f"Today's workout in their plan: {workout}.")
    return "\n".join(lines), workout


def runner_prompt(question: str, entry: Entry, context: str) -> str:
    """The user turn of ``AnswerPipeline.messages_for`` for a runner with a profile and plan."""
    return f"{notes_prompt(question, [entry])}\n\n{context}"


def _plan_day(runner: Runner, rng: random.Random) -> date:
    days = sorted(days_of(runner.plan))
    return date.fromisoformat(rng.choice(days))


def runner_examples(
    entries: list[Entry], rng: random.Random, count: int, unseen: set[str]
) -> list[Example]:
    """Questions in runners' words (the ones written with each entry, less any eval question),
    from a runner with a profile and a plan. Asked with today's run in mind, the answer ends
    with the plan's line for today, so the model learns to use the runner's own numbers."""
    asked = [(e, q) for e in entries for q in e.questions if normalise(q) not in unseen]
    examples = []
    for entry, question in rng.sample(asked, min(count, len(asked))):
        runner = make_runner(rng)
        context, workout = personal_context(runner, _plan_day(runner, rng))
        answer = grounded_answer(entry)
        if workout and rng.random() < 0.4:
            question = rng.choice(TODAY_ASIDES).format(question=question.rstrip("?. "))
            answer += f" Today's workout in your plan: {workout}."
        examples.append(
            Example(
                (
                    ("system", SYSTEM_PROMPT),
                    ("user", runner_prompt(question, entry, context)),
                    ("assistant", answer),
                ),
                entry.id,
                "runner",
            )
        )
    return examples


def follow_up_examples(
    entries: list[Entry], rng: random.Random, count: int, unseen: set[str]
) -> list[Example]:
    """A follow-up after earlier turns, as the pipeline sends it: the last two turns (each cut
    to ``HISTORY_CHARS``) before the question. The earlier turn is a knowledge answer from the
    same topic or the plan's line for today; the follow-up is answered from its own entry."""
    by_topic: dict[str, list[Entry]] = {}
    for entry in entries:
        by_topic.setdefault(entry.topic, []).append(entry)
    examples: list[Example] = []
    while len(examples) < count:
        entry = rng.choice(entries)
        runner = make_runner(rng)
        today = _plan_day(runner, rng)
        context, workout = personal_context(runner, today)
        if workout and rng.random() < 0.3:
            before = (rng.choice(PLAN_QUESTIONS), f"{today:%a %d %b}: {workout}")
        else:
            earlier = rng.choice([e for e in by_topic[entry.topic] if e != entry] or entries)
            before = (rng.choice(earlier.questions or earlier.tags), grounded_answer(earlier))
        question = rng.choice(FOLLOW_UPS).format(tag=rng.choice(entry.tags))
        if normalise(question) in unseen or normalise(before[0]) in unseen:
            continue
        examples.append(
            Example(
                (
                    ("system", SYSTEM_PROMPT),
                    ("user", before[0][:HISTORY_CHARS]),
                    ("assistant", before[1][:HISTORY_CHARS]),
                    ("user", runner_prompt(question, entry, context)),
                    ("assistant", grounded_answer(entry)),
                ),
                entry.id,
                "follow-up",
            )
        )
    return examples


def refusal_examples(
    entries: list[Entry], rng: random.Random, count: int, unseen: set[str]
) -> list[Example]:
    """Off-topic questions that retrieval matched to some entry anyway: the coach says what it
    is for instead of answering from notes that do not fit."""
    asked = [t.format(topic=topic) for topic in OFF_TOPICS for t in OFF_TOPIC_TEMPLATES]
    asked = [q for q in asked if normalise(q) not in unseen]
    examples = []
    for question in rng.sample(asked, min(count, len(asked))):
        examples.append(
            Example(
                (
                    ("system", SYSTEM_PROMPT),
                    ("user", notes_prompt(question, [rng.choice(entries)])),
                    ("assistant", NO_NOTES),
                ),
                f"off-topic:{question}",
                "refusal",
            )
        )
    return examples


def knowledge_examples(entries: list[Entry], rng: random.Random, config: Config) -> list[Example]:
    """Each question with its entry alone as the notes: the pipeline drafts from the best entry
    only, so that is the prompt the model must learn to answer."""
    examples = []
    for entry in entries:
        templates = rng.sample(QUESTION_TEMPLATES, config.data.phrasings_per_entry)
        for template in templates:
            question = template.format(tag=rng.choice(entry.tags), title=entry.title.lower())
            examples.append(
                Example(
                    (
                        ("system", SYSTEM_PROMPT),
                        ("user", notes_prompt(question, [entry])),
                        ("assistant", grounded_answer(entry)),
                    ),
                    entry.id,
                    "knowledge",
                )
            )
    return examples


def _race_result(rng: random.Random) -> tuple[str, float, str]:
    name, km = rng.choice(RACES)
    # Between a brisk and a relaxed recreational pace, in whole seconds.
    seconds = round(km * rng.uniform(220, 420))
    return name, km, science.format_clock(seconds)


def calculator_question(rng: random.Random) -> str:
    name, _, clock = _race_result(rng)
    target = rng.choice([r for r in RACES if r[0] != name])[0]
    pace = f"{rng.randint(4, 7)}:{rng.choice(['00', '15', '30', '45'])}"
    return rng.choice(
        (
            f"what are my training paces if I ran a {name} in {clock}?",
            f"what {target} time could I run after a {name} in {clock}?",
            f"easy pace for a {name} in {clock}?",
            f"what pace do I need for a {name} in {clock}?",
            f"convert {pace} per km to per mile",
            f"how long is a {name} at {pace} per km?",
        )
    )


def calculator_examples(rng: random.Random, count: int) -> list[Example]:
    examples: list[Example] = []
    while len(examples) < count:
        question = calculator_question(rng)
        answer = answer_numeric(question)
        if answer is None:
            raise AssertionError(f"the calculators no longer answer {question!r}")
        examples.append(
            Example(
                (("system", SYSTEM_PROMPT), ("user", question), ("assistant", answer)),
                f"calc:{question}",
                "calculator",
            )
        )
    return examples


def plan_examples(rng: random.Random, count: int) -> list[Example]:
    examples: list[Example] = []
    attempts = 0
    while len(examples) < count and attempts < count * 20:
        attempts += 1
        race, race_name = rng.choice(PLAN_RACES)
        weeks, days, km = rng.randint(8, 20), rng.randint(3, 6), rng.choice(range(15, 75, 5))
        request = PlanRequest(race, weeks, days, float(km), start=date(2027, 1, 4))
        try:
            plan = generate_plan(request)
        except PlanRequestError:
            continue
        peak = max(plan["weeks"], key=lambda w: w["total_km"])
        longest = max(
            ((w["number"], d["distance_km"]) for w in plan["weeks"] for d in w["days"]),
            key=lambda pair: pair[1],
        )
        question = (
            f"I run {km} km a week over {days} days. In a {weeks}-week {race_name} plan, what is "
            "my biggest week and my longest run?"
        )
        answer = (
            f"Your biggest week is week {peak['number']} at "
            f"{science.format_distance(peak['total_km'])}, and your longest run is "
            f"{science.format_distance(longest[1])} in week {longest[0]}. The plan builds up "
            f"gradually from {science.format_distance(plan['weeks'][0]['total_km'])} in week 1, "
            "with lighter weeks to absorb the work and a taper before the race."
        )
        examples.append(
            Example(
                (("system", SYSTEM_PROMPT), ("user", question), ("assistant", answer)),
                f"plan:{race}:{weeks}:{days}:{km}",
                "plan",
            )
        )
    return examples


def conversation_examples(entries: list[Entry], rng: random.Random, count: int) -> list[Example]:
    """Two-turn chats: a knowledge question from the notes, then a numeric follow-up from the
    runner's own race in the profile, so the model sees the profile used in context."""
    examples = []
    for entry in rng.sample(entries, min(count, len(entries))):
        name, _, clock = _race_result(rng)
        weekly = rng.choice(range(15, 80, 5))
        profile = f"runs {weekly} km a week, recent race {name} in {clock}"
        follow_up = f"what are my training paces from my {name} in {clock}?"
        paces = answer_numeric(follow_up)
        if paces is None:
            raise AssertionError(f"the calculators no longer answer {follow_up!r}")
        question = rng.choice(QUESTION_TEMPLATES).format(
            tag=rng.choice(entry.tags), title=entry.title.lower()
        )
        examples.append(
            Example(
                (
                    ("system", f"{SYSTEM_PROMPT}\n\nAbout the runner: {profile}."),
                    ("user", notes_prompt(question, [entry])),
                    ("assistant", grounded_answer(entry)),
                    ("user", follow_up),
                    ("assistant", paces),
                ),
                entry.id,  # split with its entry: a held-out entry stays held out
                "conversation",
            )
        )
    return examples


def build_examples(config: Config) -> dict[str, list[Example]]:
    """Every example, deduplicated, by split."""
    rng = random.Random(config.run.seed)
    entries = list(load_entries())
    unseen = eval_texts(config.root)
    examples = [
        *knowledge_examples(entries, rng, config),
        *calculator_examples(rng, config.data.calculator_questions),
        *plan_examples(rng, config.data.plan_questions),
        *conversation_examples(entries, rng, config.data.conversations),
        *runner_examples(entries, rng, config.data.runner_questions, unseen),
        *follow_up_examples(entries, rng, config.data.follow_ups, unseen),
        *refusal_examples(entries, rng, config.data.refusals, unseen),
    ]
    seen: set[str] = set()
    splits: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for example in examples:
        key = json.dumps(example.messages).lower()
        if key in seen:
            continue
        seen.add(key)
        splits[split_of(example.source, config.run.seed, config.data)].append(example)
    for examples_of_split in splits.values():
        rng.shuffle(examples_of_split)
    for name, cap in (
        ("train", config.data.max_train_examples),
        ("validation", config.data.max_eval_examples),
        ("test", config.data.max_eval_examples),
    ):
        if cap:
            splits[name] = splits[name][:cap]
    return splits


def stats(splits: dict[str, list[Example]]) -> list[tuple[str, str, int, int]]:
    """(split, kind, examples, mean characters) rows for the stats table."""
    rows = []
    for split, examples in splits.items():
        kinds = Counter(e.kind for e in examples)
        for kind, n in sorted(kinds.items()):
            chars = sum(len(c) for e in examples if e.kind == kind for _, c in e.messages)
            rows.append((split, kind, n, chars // n))
    return rows


def save(splits: dict[str, list[Example]], config: Config) -> Any:
    from datasets import Dataset, DatasetDict

    dataset = DatasetDict(
        {name: Dataset.from_list([e.row() for e in examples]) for name, examples in splits.items()}
    )
    dataset.save_to_disk(str(config.run_dir / "data"))
    return dataset


def load(config: Config) -> Any:
    from datasets import load_from_disk

    path = config.run_dir / "data"
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset at {path}: run `python -m training data` first")
    return load_from_disk(str(path))
