"""Hybrid retrieval over the knowledge base: BM25 on words, sentence embeddings on meaning.

BM25 alone matches words: one entry full of distances wins any question that mentions a
distance, and "how many steps per minute" never finds "cadence" unless a tag says so. A
sentence embedding (all-MiniLM-L6-v2, ``embedding.py``) finds paraphrases, but on its own misses
exact terms BM25 is sure of ("ACWR", "Karvonen"). The two scores are added (``Fusion``), with
weights tuned on the dev split of ``tests/eval/retrieval.jsonl`` (``bench/retrieval_bench.py``):
adding scores beat reciprocal rank fusion there, which throws away how sure each side is.

Each entry also lists a few questions runners might send that it answers (``Entry.questions``,
written by hand from its body, in runners' words: "my shins kill after every run"). They are
the doc2query idea: a question resembles another question far more than it resembles vetted
prose, and for near-twin entries (the long run, long-run pace, how runcoach caps the long run)
they say which one answers what.

For BM25 each entry is its title and tags twice plus its body and its questions: titles and
tags are written in the words runners use ("shin splints", "carb loading"), so they deserve more
weight than a word that happens to occur once in a body. Words are stemmed, so "tapering" finds
"taper".

For the embedding an entry is three things: the whole entry ("title. tags. body"), its closest
label (its title or one of its tags, embedded one by one) and its closest question. A question
is usually worded like one label or one of the questions, and a label's meaning is diluted in
the whole entry's vector. The first two are averaged, and that is averaged with the closest
question (an entry without questions counts the first average twice): on the dev split this
beat the closest question alone, or as an equal third, or as one more label. Like every vector,
the questions' are cached under a hash of their texts, so an edited question is embedded anew.

Without an embedder the index is the plain BM25 one, and returns nothing when no word matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from bot.knowledge.base import Entry, Hit, load_entries
from bot.knowledge.embedding import Embedder, open_embedder
from bot.knowledge.shorthand import spelled_out

# The bot's own name means nothing to the embedding model; runners ask about "my plan".
_OWN_NAME = re.compile(r"\brun ?coach\b", re.IGNORECASE)
# A race named in a question: the embedding lets it outweigh what is asked about it.
_RACE = re.compile(
    r"\b(?:half[- ]?marathons?|marathons?|ultra(?:marathon)?s?|halfs?|5ks?|10ks?|21k|42k)\b",
    re.IGNORECASE,
)
# How much of the dense similarity comes from the question with its race named generically;
# chosen on the dev split of tests/eval/retrieval.jsonl (0.75 and 1 lost dev questions).
RACE_BLIND_WEIGHT = 0.5


@dataclass(frozen=True)
class Fusion:
    """score = dense_weight * dense + (1 - dense_weight) * bm25 / (bm25 + bm25_half).

    BM25 is unbounded and its scale depends on the query's words, so it is squashed into [0, 1):
    a BM25 score of ``bm25_half`` counts half. ``dense`` is a cosine, in [-1, 1]."""

    dense_weight: float = 0.55
    bm25_half: float = 10.0


DEFAULT_FUSION = Fusion()


class KnowledgeIndex:
    def __init__(
        self,
        entries: Sequence[Entry],
        embedder: Embedder | None = None,
        *,
        fusion: Fusion = DEFAULT_FUSION,
    ) -> None:
        self._entries = list(entries)
        self._tokenizer = bm25s.tokenization.Tokenizer(
            stopwords="en", stemmer=Stemmer.Stemmer("english")
        )
        corpus = [_lexical_document(entry) for entry in self._entries]
        tokens = self._tokenizer.tokenize(corpus, show_progress=False, return_as="tuple")
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self._embedder = embedder
        self.fusion = fusion
        if embedder is not None:
            labels = [_labels(entry) for entry in self._entries]
            self._documents = embedder.embed_cached([_dense_document(e) for e in self._entries])
            self._labels = embedder.embed_cached([label for group in labels for label in group])
            # Where each entry's labels start in self._labels, for a maximum per entry.
            self._label_starts = _starts(labels)
            asked = [_questions(entry) for entry in self._entries]
            # The entries that have questions, and where theirs start in self._questions.
            self._asked = np.array([i for i, group in enumerate(asked) if group], dtype=int)
            self._question_starts = _starts([group for group in asked if group])
            questions = [question for group in asked for question in group]
            self._questions = embedder.embed_cached(questions) if questions else None
            self._bodies = embedder.embed_cached([entry.body for entry in self._entries])
            self._row = {entry.id: n for n, entry in enumerate(self._entries)}

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first. Without an embedder, none when no
        word matches; with one, always ``k``: ``Hit.cosine`` says how close they really are."""
        lexical, dense = self.signals(query)
        if dense is None:
            best = np.argsort(-lexical, kind="stable")[:k]
            return [
                Hit(self._entries[i], float(lexical[i]), bm25=float(lexical[i]))
                for i in best
                if lexical[i] > 0
            ]
        fused = fuse(lexical, dense, self.fusion)
        best = np.argsort(-fused, kind="stable")[:k]
        return [
            Hit(self._entries[i], float(fused[i]), bm25=float(lexical[i]), cosine=float(dense[i]))
            for i in best
        ]

    def signals(self, query: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Each entry's BM25 score and dense similarity (None without an embedder) for
        ``query``, in entry order: what ``search`` fuses, for benches that tune the fusion.

        The dense similarity is a mean of the query's cosines with the whole entry, the
        entry's closest label and its closest question, so it is a cosine too: 1 for the same
        meaning, about 0.1 for unrelated texts. A question that names a race is also embedded
        with the race named generically ("how should i fuel for a race"), and the two averaged:
        to the embedding "half marathon" outweighed "fuel", so fuelling for a half found the
        half-marathon pacing entry, and "fueling for a marathon" found marathon-pace runs.
        Entries about one distance still win the questions about that distance, since half of
        the similarity still sees it. Chat shorthand ("b4", "wk") is spelled out first."""
        query = spelled_out(query)
        lexical = self._lexical_scores(query)
        if self._embedder is None:
            return lexical, None
        dense = self._dense(query)
        if _RACE.search(query):
            blind = self._dense(_RACE.sub("race", query))
            dense = (1 - RACE_BLIND_WEIGHT) * dense + RACE_BLIND_WEIGHT * blind
        return lexical, dense

    def _dense(self, query: str) -> np.ndarray:
        """The query's dense similarity to every entry (see ``signals``)."""
        assert self._embedder is not None
        vector = self._embedder.embed([query])[0]
        closest_label = np.maximum.reduceat(_cosines(self._labels, vector), self._label_starts)
        described = (_cosines(self._documents, vector) + closest_label) / 2
        closest_question = described.copy()
        if self._questions is not None:
            closest_question[self._asked] = np.maximum.reduceat(
                _cosines(self._questions, vector), self._question_starts
            )
        return (described + closest_question) / 2

    def related(self, a: Entry, b: Entry) -> float | None:
        """How alike two of the index's entries are: the cosine of their bodies' embeddings
        (1 = same meaning); None without an embedder.

        The bodies are embedded with the index and cached on disk with its other vectors. Done
        on demand, each took 50-100 ms of CPU at nice 0 the first time it came up: in a burst of
        new questions after a start, 2.7 CPU-seconds that every runner's plan waited behind
        (issue 15)."""
        if self._embedder is None:
            return None
        return float(self._bodies[self._row[a.id]] @ self._bodies[self._row[b.id]])

    def close(self) -> None:
        """Frees the embedding model, if any."""
        if self._embedder is not None:
            self._embedder.close()

    def _lexical_scores(self, query: str) -> np.ndarray:
        ids = self._tokenizer.tokenize(
            [query], update_vocab=False, show_progress=False, return_as="ids"
        )
        # bm25s maps every word outside the corpus to the empty string's id.
        unknown = self._tokenizer.word_to_id.get("", -1)
        known = [i for i in (ids[0] if ids else []) if i != unknown]
        if not known:
            return np.zeros(len(self._entries), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)


def _starts(groups: Sequence[Sequence[str]]) -> np.ndarray:
    """Where each group starts once the groups are laid end to end, for ``reduceat``."""
    return np.cumsum([0, *(len(group) for group in groups[:-1])], dtype=int)


def _cosines(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``rows @ vector`` without BLAS: OpenBLAS hands a product this size (1,400 x 384) to its
    threads, which took 16 ms on 2 busy cores; this single-threaded loop takes 0.1 ms."""
    return np.einsum("ij,j->i", rows, vector)


def fuse(lexical: np.ndarray, dense: np.ndarray, fusion: Fusion) -> np.ndarray:
    squashed = lexical / (lexical + fusion.bm25_half)
    return fusion.dense_weight * dense + (1 - fusion.dense_weight) * squashed


def open_index(cache_dir: Path, embedding_model: Path | None = None) -> KnowledgeIndex:
    """The knowledge base's index: hybrid when an embedding model is available (the configured
    GGUF, else the bundled MiniLM), BM25 alone otherwise. Takes seconds on the first start (the
    entries are embedded and cached), a fraction of one after; call it off the event loop."""
    return KnowledgeIndex(load_entries(), open_embedder(cache_dir, embedding_model))


def _lexical_document(entry: Entry) -> str:
    labels = f"{entry.title}. {' '.join(entry.tags)}."
    return f"{labels} {labels} {entry.body} {' '.join(entry.questions)}"


def _dense_document(entry: Entry) -> str:
    return _OWN_NAME.sub("your plan", f"{entry.title}. {', '.join(entry.tags)}. {entry.body}")


def _labels(entry: Entry) -> list[str]:
    return [_OWN_NAME.sub("your plan", label) for label in (entry.title, *entry.tags)]


def _questions(entry: Entry) -> list[str]:
    return [_OWN_NAME.sub("your plan", question) for question in entry.questions]
