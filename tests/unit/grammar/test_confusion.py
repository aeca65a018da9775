"""The confusion layer's mechanism: batched scoring with a real (tiny) causal LM, the
margin, and its place among the checker's layers (a scripted scorer)."""

from __future__ import annotations

import pytest

from writer_app.core.gec.edits import apply_edits
from writer_app.inference.grammar.checker import GrammarChecker
from writer_app.inference.grammar.confusion import ConfusionScorer


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tests.tiny_models import make_tiny_gpt2

    folder = make_tiny_gpt2(tmp_path_factory.mktemp("gpt2"))
    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(
        folder)


def test_batched_scores_equal_one_at_a_time(tiny_lm):
    scorer = ConfusionScorer(*tiny_lm, fast=False)
    texts = ["They left there coats in the hall.", "Its fine, and your right.",
             "We were late then."]
    trials = [t for i, text in enumerate(texts) for t in scorer._trials(i, text, frozenset())]
    together = scorer.score(trials)
    scorer.clear_cache()
    assert not scorer._cache
    alone = [scorer.score([trial])[0] for trial in trials]
    for a, b in zip(together, alone, strict=True):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-3)  # float noise of other padding


def test_shared_prefix_scores_equal_whole_sequences(tiny_lm):
    """Each choice continues from its prefix's kept keys and values; the score is what the
    model gives the whole sequence, prefix and choice, in one pass."""
    import torch

    model, tokenizer = tiny_lm
    scorer = ConfusionScorer(model, tokenizer, fast=False)
    text = "Please put the book over there on the shelf, then leave."
    trials = list(scorer._trials(0, text, frozenset()))
    assert trials
    for trial, scores in zip(trials, scorer.score(trials), strict=True):
        for rest, score in zip(trial.rests, scores, strict=True):
            ids = torch.tensor([list(trial.prefix) + list(rest)])
            with torch.inference_mode():
                logits = model(input_ids=ids).logits[0].float().log_softmax(-1)
            start = len(trial.prefix)
            expected = sum(float(logits[start + j - 1, token]) for j, token in enumerate(rest))
            assert score == pytest.approx(expected, rel=1e-4, abs=1e-3)


def test_the_bfloat16_copy_scores_close_to_the_model(tiny_lm):
    """The fast copy (chosen where the CPU has bfloat16 matrix units) leaves the model
    itself in float32 for completion, and scores within rounding of it."""
    import torch

    model, tokenizer = tiny_lm
    exact, fast = ConfusionScorer(model, tokenizer, fast=False), ConfusionScorer(
        model, tokenizer, fast=True)
    trials = list(exact._trials(0, "They left there coats, then their bags.", frozenset()))
    for a, b in zip(exact.score(trials), fast.score(trials), strict=True):
        assert b == pytest.approx(a, rel=0.02, abs=0.5)
    assert next(fast._fast.parameters()).dtype == torch.bfloat16
    assert next(model.parameters()).dtype == torch.float32


class ScriptedScorer(ConfusionScorer):
    """Prefers the words in ``preferred`` by a fixed gain."""

    def __init__(self, preferred, gain):
        self.preferred, self.gain, self.margin = preferred, gain, 2.5
        self.model = object()

    def score(self, trials):
        return [tuple(self.gain if c.lower() in self.preferred else 0.0 for c in t.choices)
                for t in trials]

    def _ids(self, text):
        return [len(text)]

    _start_id = 0


@pytest.mark.parametrize(("text", "preferred", "expected"), [
    ("They left there coats.", {"their"}, "They left their coats."),
    ("Their is a cat.", {"there"}, "There is a cat."),
    ("The rain will effect the crop.", {"affect"}, "The rain will affect the crop."),
    ("It had no affect.", {"effect"}, "It had no effect."),
])
def test_an_alternative_that_wins_by_the_margin_is_flagged(text, preferred, expected):
    scorer = ScriptedScorer(preferred, 4.0)
    (edits,) = scorer.check_many([text])
    assert apply_edits(text, edits) == expected
    assert edits[0].rule_id == "CONFUSED_WORDS" and 0.5 <= edits[0].confidence <= 1.0


def test_a_small_preference_is_not_enough():
    scorer = ScriptedScorer({"their"}, 2.0)  # below the margin
    assert scorer.check_many(["They left there coats."]) == [[]]


def test_the_checker_uses_the_layer_and_rules_win_over_it():
    from tests.unit.grammar.test_checker import FakeEngine

    checker = GrammarChecker(FakeEngine(), None)
    text = "They left there coats."
    assert checker.check(text) == []
    checker.confusion = ScriptedScorer({"their", "its"}, 4.0)
    assert apply_edits(text, checker.check(text)) == "They left their coats."
    (edit,) = checker.check("The dog chased it's own tail.")
    assert edit.rule_id == "ITS_OWN"  # the pattern rule and the layer agree: one edit


def test_set_language_model_keeps_the_scorer_for_the_same_model(tiny_lm):
    checker = GrammarChecker(None, None)
    model, tokenizer = tiny_lm
    checker.set_language_model(model, tokenizer)
    first = checker.confusion
    checker.set_language_model(model, tokenizer)
    assert checker.confusion is first
    checker.set_language_model(None, None)
    assert checker.confusion is None
