"""Dataset examples: round trips, determinism, vocabulary, split and atomic output."""

from __future__ import annotations

from itertools import pairwise

import pytest

from writer_app.core.gec.tags import KEEP, TagVocabulary, apply_tags, is_lexical
from writer_app.core.gec.tokens import words
from writer_app.training import dataset
from writer_app.training.corruption import Corruptor
from writer_app.training.dataset import (
    examples_for,
    iter_results,
    read_examples,
    split_of,
    write_dataset,
)

SENTENCES = [
    "They went to the market because their car was broken.",
    "She has lived in this city for more than ten years.",
    "It is better to check the results than to trust them blindly.",
    "The children were playing in the garden when it started to rain.",
    "He doesn't know whether the meeting will take place on Monday.",
    "A quick test of the new feature showed that it works well.",
    "We could have finished the report earlier if we had started sooner.",
    "Most of the information in this book is out of date.",
] * 5


def _variants():
    return [f"{s[:-1]} today." if i % 2 else s for i, s in enumerate(SENTENCES)]


def test_examples_round_trip_to_the_clean_sentence():
    corruptor = Corruptor(seed=7)
    for sentence in _variants():
        result = examples_for(sentence, corruptor)
        assert not result.failed
        chain = result.examples
        for example in chain:
            assert len(example.tags) == len(example.words) + 1
        for current, following in pairwise(chain):
            assert apply_tags(current.words, current.tags) == list(following.words)
        last = chain[-1]
        assert apply_tags(last.words, last.tags) == words(sentence)


def test_unchanged_share_present():
    results = list(iter_results(_variants(), seed=1, workers=1, unchanged_share=0.5))
    unchanged = [r for r in results if not r.examples[0].kinds]
    assert 0 < len(unchanged) < len(results)
    for result in unchanged:
        (example,) = result.examples
        assert set(example.tags) == {KEEP}


def test_deterministic_for_a_seed_and_independent_of_workers(monkeypatch):
    monkeypatch.setattr(dataset, "CHUNK_SIZE", 8)
    monkeypatch.setattr(dataset, "PARALLEL_THRESHOLD", 10**9)  # no processes in unit tests
    first = [r.examples for r in iter_results(_variants(), seed=5, workers=1)]
    again = [r.examples for r in iter_results(_variants(), seed=5, workers=2)]
    other = [r.examples for r in iter_results(_variants(), seed=6, workers=1)]
    assert first == again
    assert first != other


def test_split_is_stable_and_roughly_five_percent():
    sentences = [f"Sentence number {i} is here." for i in range(4000)]
    valid = sum(split_of(s) == "valid" for s in sentences)
    assert 100 < valid < 300
    assert split_of(sentences[0]) == split_of(sentences[0])


def test_write_dataset_files_and_vocabulary_cut_off(tmp_path):
    vocabulary, stats = write_dataset(_variants(), tmp_path, seed=2, workers=1, max_lexical=3)
    assert {p.name for p in tmp_path.iterdir()} == {"train.jsonl", "valid.jsonl",
                                                    "vocabulary.json"}
    assert stats.sentences == len(SENTENCES)
    assert stats.unchanged > 0
    loaded = TagVocabulary.load(tmp_path / "vocabulary.json")
    assert loaded == vocabulary
    lexical = [tag for tag in loaded if is_lexical(tag)]
    assert len(lexical) == 3
    assert sum(1 for tag, _ in stats.tag_counts.items() if is_lexical(tag)) > 3
    # The kept ones are the most frequent.
    counts = sorted((n for t, n in stats.tag_counts.items() if is_lexical(t)), reverse=True)
    assert [stats.tag_counts[t] for t in lexical] == counts[:3]
    examples = list(read_examples(tmp_path / "train.jsonl")) + list(
        read_examples(tmp_path / "valid.jsonl")
    )
    assert len(examples) == stats.examples["train"] + stats.examples["valid"]


def test_output_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    (tmp_path / "train.jsonl").write_text("old\n", encoding="utf-8")

    def broken(*args, **kwargs):
        yield from iter_results(_variants()[:3], workers=1)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(dataset, "iter_results", broken)
    with pytest.raises(RuntimeError):
        write_dataset(_variants(), tmp_path, workers=1)
    assert (tmp_path / "train.jsonl").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]
