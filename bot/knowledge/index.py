"""Hybrid retrieval over the knowledge base: BM25 on words, sentence embeddings on meaning.

BM25 alone matches words: one entry full of distances wins any question that mentions a
distance, and "how many steps per minute" never finds "cadence" unless a tag says so. A
sentence embedding (all-MiniLM-L6-v2, ``embedding.py``) finds paraphrases, but on its own misses
exact terms BM25 is sure of ("ACWR", "Karvonen"). Each ranks every entry, and the two rankings
are fused by reciprocal rank (``Fusion``), tuned on the dev split of ``tests/eval/retrieval.jsonl``
(``bench/retrieval_bench.py``).

For BM25 each entry is its title and tags twice plus its body: titles and tags are written in
the words runners use ("shin splints", "carb loading"), so they deserve more weight than a word
that happens to occur once in a body. Words are stemmed, so "tapering" finds "taper".

Without an embedder the index is the plain BM25 one, and returns nothing when no word matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from bot.knowledge.base import Entry, Hit, load_entries
from bot.knowledge.embedding import Embedder, open_embedder


@dataclass(frozen=True)
class Fusion:
    """How the two rankings combine: an entry scores ``weight / (rrf_k + rank)`` from each
    (rank 1 = best), BM25 counting only for entries that share a word with the query."""

    rrf_k: float = 60.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0


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
        self._fusion = fusion
        self._vectors = (
            embedder.embed_cached([dense_document(entry) for entry in self._entries])
            if embedder is not None
            else None
        )

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first. Without an embedder, none when no
        word matches; with one, always ``k``: ``Hit.cosine`` says how close they really are."""
        lexical = self._lexical_scores(query)
        if self._embedder is None or self._vectors is None:
            best = np.argsort(-lexical, kind="stable")[:k]
            return [
                Hit(self._entries[i], float(lexical[i]), bm25=float(lexical[i]))
                for i in best
                if lexical[i] > 0
            ]
        cosines = self._vectors @ self._embedder.embed([query])[0]
        fused = self._fuse(lexical, cosines)
        best = np.argsort(-fused, kind="stable")[:k]
        return [
            Hit(self._entries[i], float(fused[i]), bm25=float(lexical[i]), cosine=float(cosines[i]))
            for i in best
        ]

    def similarity(self, a: str, b: str) -> float | None:
        """The cosine of two texts' embeddings (1 = same meaning); None without an embedder."""
        if self._embedder is None:
            return None
        first, second = self._embedder.embed([a, b])
        return float(first @ second)

    def close(self) -> None:
        """Frees the embedding model, if any."""
        if self._embedder is not None:
            self._embedder.close()

    def _lexical_scores(self, query: str) -> np.ndarray:
        ids = self._tokenizer.tokenize(
            [query], update_vocab=False, show_progress=False, return_as="ids"
        )
        known = [i for i in (ids[0] if ids else []) if i != self._unknown_id]
        if not known:
            return np.zeros(len(self._entries), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    @property
    def _unknown_id(self) -> int:
        # bm25s maps every word outside the corpus to the empty string's id.
        return self._tokenizer.word_to_id.get("", -1)

    def _fuse(self, lexical: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        f = self._fusion
        fused = f.dense_weight / (f.rrf_k + _ranks(cosines))
        matched = lexical > 0
        fused[matched] += f.bm25_weight / (f.rrf_k + _ranks(lexical)[matched])
        return fused


def open_index(cache_dir: Path, embedding_model: Path | None = None) -> KnowledgeIndex:
    """The knowledge base's index: hybrid when an embedding model is available (the configured
    GGUF, else the bundled MiniLM), BM25 alone otherwise. Takes seconds on the first start (the
    entries are embedded and cached), a fraction of one after; call it off the event loop."""
    return KnowledgeIndex(load_entries(), open_embedder(cache_dir, embedding_model))


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1 for the highest score, 2 for the next...; ties in input order."""
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def _lexical_document(entry: Entry) -> str:
    labels = f"{entry.title}. {' '.join(entry.tags)}."
    return f"{labels} {labels} {entry.body}"


def dense_document(entry: Entry) -> str:
    """What an entry's embedding is made from: the title and tags say what it is about in a
    runner's words, the body what it says."""
    return f"{entry.title}. {', '.join(entry.tags)}. {entry.body}"
