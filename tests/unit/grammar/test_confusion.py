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
    scorer = ConfusionScorer(*tiny_lm)
    texts = ["They left there coats in the hall.", "Its fine, and your right.",
             "We were late then."]
    trials = [t for i, text in enumerate(texts) for t in scorer._trials(i, text, frozenset())]
    together = scorer.score(trials)
    scorer.clear_cache()
    assert not scorer._cache
    alone = [scorer.score([trial])[0] for trial in trials]
    for a, b in zip(together, alone, strict=True):
        assert a == pytest.approx(b, abs=1e-3)


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
