"""The knowledge base: short, sourced entries written for this project (``entries/<topic>/``).

Entries ship inside the package and are read through importlib.resources, so an installed wheel
or the Docker image answers exactly like a source checkout. A malformed entry stops start-up with
its file name: a coach that silently lost part of its knowledge would answer worse without
anyone noticing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

import frontmatter

ENTRIES_DIR = "entries"


class KnowledgeError(Exception):
    """An entry file that cannot be used, named so it can be fixed."""


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    title: str
    tags: tuple[str, ...]
    source: str
    body: str
    # Questions runners might send that this entry answers, written from its body in runners'
    # words: retrieval matches them too, since a question is worded unlike the vetted text.
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # what the index ranks by (fused when it is hybrid)
    bm25: float = 0.0  # the lexical score alone, 0 when no word matched
    cosine: float | None = None  # the query's embedding similarity, None without embeddings


def parse_entry(topic: str, name: str, text: str) -> Entry:
    try:
        post = frontmatter.loads(text)
    except Exception as err:  # the YAML library's errors vary by version
        raise KnowledgeError(f"{topic}/{name}: bad front matter ({err})") from None
    missing = [key for key in ("title", "tags", "source") if not post.get(key)]
    if missing or not post.content.strip():
        raise KnowledgeError(f"{topic}/{name}: missing {', '.join(missing) or 'body'}")
    tags = post["tags"]
    if not isinstance(tags, list):
        raise KnowledgeError(f"{topic}/{name}: tags must be a list")
    questions = post.get("questions", [])
    if not isinstance(questions, list) or not all(
        isinstance(question, str) and question.strip() for question in questions
    ):
        raise KnowledgeError(f"{topic}/{name}: questions must be a list of non-empty strings")
    return Entry(
        id=name.removesuffix(".md"),
        topic=topic,
        title=str(post["title"]).strip(),
        tags=tuple(str(tag).strip().lower() for tag in tags),
        source=str(post["source"]).strip(),
        body=" ".join(post.content.split()),
        questions=tuple(" ".join(question.split()) for question in questions),
    )


@cache
def load_entries() -> tuple[Entry, ...]:
    """Every entry, sorted by topic and id so the index (and every answer) is reproducible."""
    root = resources.files(__package__).joinpath(ENTRIES_DIR)
    entries = [
        parse_entry(topic.name, item.name, item.read_text("utf-8"))
        for topic in _dirs(root)
        for item in sorted(topic.iterdir(), key=lambda t: t.name)
        if item.name.endswith(".md")
    ]
    ids = [entry.id for entry in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeError(f"duplicate entry ids: {', '.join(duplicates)}")
    return tuple(entries)


def _dirs(root: Traversable) -> list[Traversable]:
    return sorted((item for item in root.iterdir() if item.is_dir()), key=lambda t: t.name)
