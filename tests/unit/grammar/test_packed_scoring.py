"""The packed pass: many prefixes and their continuations in one forward, scored as the
model scores each alone; a model whose packed scores disagree is scored the plain way."""

from __future__ import annotations

import pytest

from writer_app.inference.grammar import packed_scoring
from writer_app.inference.grammar.confusion import ConfusionScorer
from writer_app.inference.grammar.packed_scoring import (
    packed_log_probs,
    packs_correctly,
    plain_log_probs,
)


def _load(folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(
        folder)


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def tiny_lm(request, tmp_path_factory):
    from tests.tiny_models import make_tiny_gpt2, make_tiny_llama

    make = make_tiny_gpt2 if request.param == "gpt2" else make_tiny_llama
    return _load(make(tmp_path_factory.mktemp(request.param)))


GROUPS = [((5, 17, 23), ((40, 41), (42,), (43, 44, 45))),
          ((5,), ((60, 61, 62, 63),)),
          ((5, 9, 9, 9, 9, 9), ((70,), (71, 72)))]


def test_packed_scores_equal_each_group_alone(tiny_lm):
    model, _ = tiny_lm
    packed = packed_log_probs(model, GROUPS)
    assert [len(scores) for scores in packed] == [3, 1, 2]
    for (prefix, rests), scores in zip(GROUPS, packed, strict=True):
        for rest, score in zip(rests, scores, strict=True):
            assert score == pytest.approx(plain_log_probs(model, prefix, rest), abs=1e-3)


def test_chunking_does_not_change_the_scores(tiny_lm):
    model, _ = tiny_lm
    whole = packed_log_probs(model, GROUPS)
    small = packed_log_probs(model, GROUPS, max_tokens=4)  # one group per pass
    for a, b in zip(whole, small, strict=True):
        assert a == pytest.approx(b, abs=1e-4)


def test_an_empty_prefix_is_refused(tiny_lm):
    with pytest.raises(ValueError):
        packed_log_probs(tiny_lm[0], [((), ((1, 2),))])


def test_a_wrong_packed_pass_is_caught_and_the_scorer_scores_the_plain_way(
        tiny_lm, monkeypatch):
    model, tokenizer = tiny_lm
    text = "They left there coats in the hall, and its late."
    plain = ConfusionScorer(model, tokenizer, fast=False)
    trials = list(plain._trials(0, text, frozenset()))
    expected = plain.score(trials)
    assert plain._packed is True

    # a mask that lets every token see every other one: packed scores go wrong
    def open_mask(segments, branches, positions, dtype):
        import torch

        return torch.zeros((1, 1, len(segments), len(segments)), dtype=dtype)

    monkeypatch.setattr(packed_scoring, "_block_mask", open_mask)
    assert not packs_correctly(model, GROUPS, 0.01)
    fallback = ConfusionScorer(model, tokenizer, fast=False)
    got = fallback.score(trials)
    assert fallback._packed is False
    for a, b in zip(expected, got, strict=True):
        assert a == pytest.approx(b, abs=1e-3)
