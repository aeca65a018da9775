"""Adapting the shipped grammar model: a few real steps, in the shipped layout."""

from __future__ import annotations

import json

import pytest

from writer_app.inference.grammar.checker import GrammarChecker, default_model_path
from writer_app.inference.grammar.checkpoint import DELTA_FILE, HEADS_FILE, PACKAGED_ENCODER
from writer_app.jobs.protocol import as_dict
from writer_app.training.grammar_personalize import (
    REPORT_FILE,
    GrammarPersonalizeConfig,
    personalize,
)

pytestmark = pytest.mark.slow

SENTENCES = ("Me and Ysolde went down to the quay before the bells.",
             "Never had Kelthorn seen such weather, said Brannoch.",
             "We was cold, we was hungry, and the salt road was a long way off.",
             "Aye, Maelis says, the sea don't care for any of us.")


def test_two_steps_on_the_shipped_model(tmp_path):
    if not (default_model_path() / "config.json").is_file():
        pytest.skip("the default grammar model is not installed")
    docs = tmp_path / "docs"
    docs.mkdir()
    for number in range(3):
        text = " ".join(f"{s[:-1]}, day {i} of {number}{s[-1]}" for i in range(5)
                        for s in SENTENCES)
        (docs / f"book{number}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "mine"
    events: list[dict] = []
    config = GrammarPersonalizeConfig(docs=(str(docs),), out=out, max_steps=2, batch_size=4,
                                      held_out_limit=12)
    code = personalize(config, lambda event: events.append(as_dict(event)))
    assert code == 0, events[-1]
    assert [e["step"] for e in events if e["event"] == "progress"] == [1, 2]
    # The shipped layout: float16 heads, the encoder as a delta against the package, and
    # the shipped model's tuned knobs.
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))
    shipped = json.loads((default_model_path() / "config.json").read_text(encoding="utf-8"))
    assert saved["encoder"] == PACKAGED_ENCODER and (out / DELTA_FILE).is_file()
    assert (out / HEADS_FILE).is_file() and not (out / "encoder").exists()
    assert saved["keep_confidence"] == shipped["keep_confidence"]
    assert saved["category_min_confidence"] == shipped["category_min_confidence"]
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["before"]["clean_sentences"] == report["after"]["clean_sentences"] > 0
    checker = GrammarChecker.load(model=str(out))
    assert checker.correct(["She go to the market yesterday."])[0] != ""
