"""Adapting the grammar tagger to the writer's documents, on a tiny random tagger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.tiny_models import make_tiny_bert
from writer_app.core.gec.tags import BASE_TAGS, TagVocabulary
from writer_app.core.out_folder import MARKER, write_marker
from writer_app.inference.grammar.checker import GrammarChecker
from writer_app.inference.grammar.checkpoint import load_tagger, save_tagger
from writer_app.inference.grammar.model import GecTagger
from writer_app.jobs.protocol import as_dict
from writer_app.training.grammar_personalize import (
    REPORT_FILE,
    GrammarPersonalizeConfig,
    personalize,
    split_held_out,
    training_examples,
    user_sentences,
)

ROOT = Path(__file__).resolve().parents[3]
LEXICAL = ("$APPEND_the", "$APPEND_,", "$REPLACE_a", "$REPLACE_an", "$DELETE")
PLACES = ("the harbour", "the old mill", "the salt marsh", "the chapel", "the quay")


@pytest.fixture(scope="module")
def base_model(tmp_path_factory) -> Path:
    """A writer_app grammar model on the tiny random BERT (its own encoder folder)."""
    from transformers import AutoModel, AutoTokenizer

    bert = make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
    torch.manual_seed(0)
    tags = tuple(dict.fromkeys((*BASE_TAGS, *LEXICAL)))
    tagger = GecTagger(AutoModel.from_pretrained(str(bert)), TagVocabulary(tags))
    folder = tmp_path_factory.mktemp("base") / "model"
    save_tagger(folder, tagger, AutoTokenizer.from_pretrained(str(bert)))
    return folder


def _document(seed: int, sentences: int = 14) -> str:
    lines = []
    for i in range(sentences):
        place = PLACES[(i + seed) % len(PLACES)]
        lines.append(f"On day {i} Ysolde walked to {place} with a basket of bread.")
    return " ".join(lines)


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for number in range(3):
        (folder / f"part{number}.txt").write_text(_document(number), encoding="utf-8")
    return folder


def _config(docs, out, model, **kwargs) -> GrammarPersonalizeConfig:
    kwargs.setdefault("max_steps", 3)
    return GrammarPersonalizeConfig(docs=(str(docs),), out=out, model=str(model), threads=1,
                                    batch_size=4, **kwargs)


def _recorder():
    events: list[dict] = []

    def emit(event) -> None:
        events.append(as_dict(event))

    return events, emit


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_sentences_are_prose_of_a_reasonable_length():
    text = ("# My notes\n\nShort one. This sentence has enough words to learn from. "
            "ALSO THIS ONE SHOUTS ITS WORDS AT US. And a line without an ending\n"
            "Did she come home late again?")
    assert user_sentences(text) == ["This sentence has enough words to learn from.",
                                    "Did she come home late again?"]


def test_held_out_by_document_or_by_position():
    documents = [[f"d{d} s{i}." for i in range(10)] for d in range(4)]
    train, held = split_held_out(documents)
    assert held == [f"d3 s{i}." for i in range(10)]  # a whole document
    assert len(train) == 30 and not set(train) & set(held)
    train, held = split_held_out([[f"s{i}." for i in range(10)]])
    assert held == ["s8.", "s9."] and train == [f"s{i}." for i in range(8)]


def test_every_sentence_is_kept_once_unchanged():
    sentences = ["She walked to the harbour with a basket of bread.",
                 "They went to the old mill on a cold day."]
    examples = training_examples(sentences, seed=3)
    clean = [e for e in examples if not e.kinds]
    assert [" ".join(e.words) for e in clean][:2] == [
        "She walked to the harbour with a basket of bread .",
        "They went to the old mill on a cold day ."]
    assert all(set(e.tags) == {"$KEEP"} for e in clean)
    assert any(set(e.tags) != {"$KEEP"} for e in examples if e.kinds)  # errors injected


def test_a_short_run_trains_measures_and_writes_a_loadable_model(base_model, docs, tmp_path):
    out = tmp_path / "models" / "mine"
    events, emit = _recorder()
    assert personalize(_config(docs, out, base_model), emit) == 0, events[-1]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-2:] == ["report", "done"]
    start = events[0]
    assert start["documents"] == 3 and start["held_out"] == 14  # the third document
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == [1, 2, 3]
    assert all(e["loss"] > 0 and e["total_steps"] == 3 for e in progress)
    measures = {e["when"]: e for e in events if e["event"] == "measure"}
    assert set(measures) == {"before", "after"}
    for measured in measures.values():
        assert measured["clean_sentences"] == 14
        assert 0.0 <= measured["false_alarm_rate"] <= 1.0
        assert measured["corrupted_sentences"] > 0

    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["before"] == {k: v for k, v in measures["before"].items()
                                if k not in ("event", "when")}
    assert report["steps"] == 3 and events[-1] == {"event": "done", "model": str(out),
                                                   "interrupted": False}
    # The model loads as the app loads it, and training changed it.
    checker = GrammarChecker.load(model=str(out), spelling=False)
    assert isinstance(checker.check("Ysolde walked to the harbour."), list)
    before, after = load_tagger(base_model).tagger, load_tagger(out).tagger
    assert not torch.allclose(before.tag_head.weight, after.tag_head.weight.float())
    assert _leftovers(out.parent) == []  # no work folder left behind


def test_an_error_leaves_the_existing_model_alone(base_model, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text("the previous model", encoding="utf-8")
    write_marker(out, "grammar-model")  # an earlier output of this app
    (tmp_path / ".mine.work-stale").mkdir()  # from a killed run: cleared
    few = tmp_path / "few.txt"
    few.write_text("Only one sentence is here to learn from.", encoding="utf-8")
    events, emit = _recorder()
    assert personalize(_config(few, out, base_model), emit) == 1
    assert events[-1]["event"] == "error" and "Too few sentences" in events[-1]["message"]
    assert (out / "config.json").read_text(encoding="utf-8") == "the previous model"
    assert _leftovers(tmp_path) == []
    events, emit = _recorder()
    assert personalize(_config(few, out, tmp_path / "nowhere"), emit) == 1
    assert "No grammar model" in events[-1]["message"]


def test_a_folder_this_app_did_not_write_is_refused_before_any_work(base_model, docs,
                                                                     tmp_path):
    out = tmp_path / "novel"
    out.mkdir()
    (out / "chapter1.txt").write_text("It was a dark and stormy night.", encoding="utf-8")
    events, emit = _recorder()
    assert personalize(_config(docs, out, base_model), emit) == 1
    assert [e["event"] for e in events] == ["error"]
    assert "did not write" in events[0]["message"]
    assert sorted(p.name for p in out.iterdir()) == ["chapter1.txt"]
    assert _leftovers(tmp_path) == []


def _start(docs, out, model) -> subprocess.Popen:
    command = [sys.executable, "-m", "writer_app.training.grammar_personalize", "--docs",
               str(docs), "--out", str(out), "--model", str(model), "--max-steps", "2000",
               "--threads", "1", "--batch-size", "2", "--json-progress"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.DEVNULL, env={**os.environ,
                                                            "PYTHONUNBUFFERED": "1"})


def _wait_for_training(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if json.loads(line)["event"] == "progress":
            return
    pytest.fail("the run ended before training")


@pytest.mark.parametrize("how", ["kill", "terminate"])
def test_a_stopped_or_killed_run_never_touches_the_model(base_model, docs, tmp_path, how):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text("the previous model", encoding="utf-8")
    write_marker(out, "grammar-model")
    process = _start(docs, out, base_model)
    try:
        _wait_for_training(process)
        os.kill(process.pid, signal.SIGKILL if how == "kill" else signal.SIGTERM)
        rest = process.communicate(timeout=60)[0]
    finally:
        process.kill()
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "config.json"]
    assert (out / "config.json").read_text(encoding="utf-8") == "the previous model"
    if how == "terminate":  # a clean stop: said so, and its work folder is gone
        assert process.returncode == 0
        assert json.loads(rest.splitlines()[-1]) == {"event": "done", "model": None,
                                                     "interrupted": True}
        assert _leftovers(tmp_path) == []
    else:  # a kill leaves only a hidden work folder, which the next run clears
        assert process.returncode == -signal.SIGKILL
        assert all(name.startswith(".mine.work-") for name in _leftovers(tmp_path))


def test_the_command_line_runs_it(base_model, docs, tmp_path, capsys):
    from writer_app.cli import main

    out = tmp_path / "cli-model"
    assert main(["grammar-personalize", "--docs", str(docs), "--out", str(out), "--model",
                 str(base_model), "--max-steps", "2", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "step 2/2" in printed and "before: false alarms" in printed
    assert f"model: {out}" in printed and (out / REPORT_FILE).is_file()
    assert main(["grammar-personalize", "--docs", str(docs), "--out", str(out),
                 "--max-steps", "0"]) == 2
    assert "--max-steps must be >= 1" in capsys.readouterr().err
