"""The Personalize report's comparison of the base and personalized models."""

from __future__ import annotations

from writer_app.gui.personalize.report import PersonalizeReportView
from writer_app.jobs.events import Comparison, ModelFigures, TrainingReport

BASE = {"keystroke_savings": 0.113, "next_word_top1": 0.30, "next_word_top3": 0.48,
        "bleu": 9.8, "rouge_l": 0.21, "perplexity": 42.0, "positions": 24, "words": 900,
        "setting": "balanced"}


def _event(tuned: dict | None) -> TrainingReport:
    evaluation = None if tuned is None else Comparison(ModelFigures(**BASE),
                                                       ModelFigures(**{**BASE, **tuned}))
    return TrainingReport(ppl_before=42.0, ppl_after=30.5, documents=1, tokens=900,
                          seconds=1.0, samples=(), best_step=4, adapter="mine",
                          evaluation=evaluation)


def test_a_worse_model_is_reported_as_worse(qtbot):
    view = PersonalizeReportView()
    qtbot.addWidget(view)
    view.show()
    view.show_report(_event({"keystroke_savings": 0.09, "next_word_top1": 0.30,
                             "bleu": 7.0}))
    assert "9% of keystrokes" in view.headline.text() and "down from 11%" in view.headline.text()
    assert "(the same as with the base model)" in view.accuracy.text()
    assert "BLEU 7.0 (base model 9.8)" in view.overlap.text()
    assert view.bars.isVisible() and len(view.bars.metrics) == 5
    assert view.bars.metrics[3] == ("BLEU", 0.098, 0.07)
    view.grab()  # paints without errors


def test_without_an_evaluation_only_the_perplexity_is_shown(qtbot):
    view = PersonalizeReportView()
    qtbot.addWidget(view)
    view.show()
    view.show_report(_event(None))
    assert not view.headline.isVisible() and not view.bars.isVisible()
    assert view.details.isVisible() and "42.0 → 30.5 (-27%" in view.details.text()
    view.clear()
    assert view.details.text() == "" and view.bars.metrics == []
