"""BM25 retrieval over the knowledge base, built once at start-up (a few milliseconds).

Each entry is indexed as its title and tags twice plus its body: titles and tags are written in
the words runners use ("shin splints", "carb loading"), so they deserve more weight than a word
that happens to occur once in a body. Words are stemmed, so "tapering" finds "taper".
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import Stemmer

from bot.knowledge.base import Entry, Hit


class KnowledgeIndex:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = list(entries)
        self._tokenizer = bm25s.tokenization.Tokenizer(
            stopwords="en", stemmer=Stemmer.Stemmer("english")
        )
        corpus = [_document(entry) for entry in self._entries]
        tokens = self._tokenizer.tokenize(corpus, show_progress=False, return_as="tuple")
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first; none when no word matches."""
        ids = self._tokenizer.tokenize(
            [query], update_vocab=False, show_progress=False, return_as="ids"
        )
        if not ids or not ids[0]:
            return []
        found, scores = self._bm25.retrieve(
            ids, k=min(k, len(self._entries)), show_progress=False, n_threads=1
        )
        return [
            Hit(self._entries[int(i)], float(s))
            for i, s in zip(found[0], scores[0], strict=True)
            if s > 0
        ]


def _document(entry: Entry) -> str:
    labels = f"{entry.title}. {' '.join(entry.tags)}."
    return f"{labels} {labels} {entry.body}"
