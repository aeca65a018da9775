"""The training processes' protocol (writer_app/jobs): every event kind survives the
encoder and decoder unchanged, and lines that are not events are told apart."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from writer_app.jobs.events import (
    GRAMMAR_EVENTS,
    TRAINING_EVENTS,
    Comparison,
    Evaluated,
    GrammarDone,
    GrammarReport,
    GrammarStarted,
    Measured,
    Measurement,
    ModelFigures,
    ProcessError,
    ProcessWarning,
    Progress,
    Sample,
    Saved,
    Saving,
    SkippedFile,
    Stage,
    TrainingDone,
    TrainingReport,
    TrainingStarted,
)
from writer_app.jobs.protocol import (
    MalformedEventError,
    NotAnEventError,
    UnknownEventError,
    as_dict,
    decode,
    encode,
)

REPO = Path(__file__).resolve().parents[2]
FIGURES = ModelFigures(perplexity=41.5, next_word_top1=0.3, next_word_top3=0.48,
                       keystroke_savings=0.11, bleu=9.8, rouge_l=0.21, positions=20,
                       words=900, setting="balanced",
                       curve=({"threshold": 0.3, "precision": 0.6, "coverage": 0.4},))
MEASUREMENT = Measurement(clean_sentences=24, false_alarms=6, false_alarm_rate=0.25,
                          corrupted_sentences=22, detected=14, recall=0.6364, corrected=9,
                          correction_rate=0.4091)
SKIPPED = (SkippedFile("/docs/a.pdf", "a.pdf: unsupported file type"),)

TRAINING_SAMPLES = [
    TrainingStarted(documents=3, skipped=SKIPPED, words=2500, tokens=3300, train_chunks=12,
                    valid_chunks=2, total_steps=40, device="cpu", estimate_s=312.5),
    Progress(step=3, total_steps=40, loss=2.75, elapsed_s=12.0, eta_s=140.5,
             tokens_per_s=850.0),
    Evaluated(step=5, valid_loss=3.1),
    Saving(step=5),
    Saved(step=5, path="/data/adapters/my style"),
    TrainingReport(ppl_before=42.0, ppl_after=30.5, documents=3, tokens=3300, seconds=301.2,
                   samples=(Sample("Once upon a time", " there was", " the sea — calm"),),
                   best_step=40, adapter="/data/adapters/my style",
                   evaluation=Comparison(base=FIGURES, tuned=FIGURES)),
    TrainingDone(adapter=None, interrupted=True),
    ProcessWarning("Only 1,200 words: personalization will be weak."),
    ProcessError("No readable documents were found."),
]
GRAMMAR_SAMPLES = [
    GrammarStarted(documents=3, skipped=(), sentences=120, train_sentences=96, held_out=24,
                   train_examples=200, total_steps=150, base_model="default"),
    Stage("measure", when="before"),
    Stage("train"),
    Measured(**vars(MEASUREMENT), when="after"),
    Progress(step=1, total_steps=150, loss=0.5, elapsed_s=0.8, eta_s=119.2),
    Evaluated(step=50, valid_loss=0.2),
    GrammarReport(model="/data/grammar/g1", base_model="default", documents=3,
                  train_sentences=96, held_out_sentences=24, train_examples=200, steps=150,
                  best={"step": 150, "valid_loss": 0.2, "tag_accuracy": None},
                  before=MEASUREMENT, after=MEASUREMENT, seconds=95.0,
                  measured="grammar layer (spelling off), held-out sentences"),
    GrammarDone(model="/data/grammar/g1", interrupted=False),
    ProcessError("Too few sentences to learn from."),
]


@pytest.mark.parametrize(("event", "kinds"),
                         [(e, TRAINING_EVENTS) for e in TRAINING_SAMPLES]
                         + [(e, GRAMMAR_EVENTS) for e in GRAMMAR_SAMPLES],
                         ids=lambda value: getattr(value, "kind", ""))
def test_every_event_kind_round_trips(event, kinds):
    line = encode(event)
    assert "\n" not in line and json.loads(line)["event"] == event.kind
    decoded = decode(line, kinds)
    assert type(decoded) is type(event) and decoded == event


def test_the_samples_cover_every_kind_of_both_processes():
    assert {type(e) for e in TRAINING_SAMPLES} == set(TRAINING_EVENTS.values())
    assert {type(e) for e in GRAMMAR_SAMPLES} == set(GRAMMAR_EVENTS.values())


@given(message=st.text(), adapter=st.none() | st.text(), interrupted=st.booleans(),
       loss=st.floats(allow_nan=False), step=st.integers())
def test_any_text_and_number_round_trips(message, adapter, interrupted, loss, step):
    for event in (ProcessError(message), TrainingDone(adapter, interrupted),
                  Progress(step=step, total_steps=step, loss=loss, elapsed_s=0.0, eta_s=-1.0)):
        assert decode(encode(event)) == event


def test_nan_loss_stays_nan():
    decoded = decode(encode(Progress(1, 2, math.nan, 0.0, 1.0)))
    assert isinstance(decoded, Progress) and math.isnan(decoded.loss)


def test_optional_fields_are_left_out_but_required_nones_are_written():
    assert "tokens_per_s" not in as_dict(Progress(1, 2, 0.5, 1.0, 2.0))
    assert "when" not in as_dict(Stage("train"))
    assert as_dict(TrainingDone(adapter=None, interrupted=False)) == {
        "event": "done", "adapter": None, "interrupted": False}


@pytest.mark.parametrize("line", ["Loading checkpoint shards: 100%", "", "[1, 2]", "42",
                                  '"start"', '{"step": 3}', '{"event": 3}', "{not json"])
def test_lines_that_are_not_events(line):
    with pytest.raises(NotAnEventError):
        decode(line)


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(UnknownEventError, match="'celebrate'"):
        decode('{"event": "celebrate", "step": 1}')
    with pytest.raises(UnknownEventError):  # the grammar process's kind, not this one's
        decode('{"event": "stage", "stage": "train"}', TRAINING_EVENTS)


@pytest.mark.parametrize(("line", "field"), [
    ('{"event": "progress", "step": "not a number"}', "step"),
    ('{"event": "progress", "step": 1, "total_steps": 2, "loss": 0.5, "elapsed_s": 1}',
     "eta_s"),  # missing
    ('{"event": "progress", "step": true, "total_steps": 2, "loss": 0.5, "elapsed_s": 1,'
     ' "eta_s": 2}', "step"),  # a bool is no integer
    ('{"event": "progress", "step": 1.5, "total_steps": 2, "loss": 0.5, "elapsed_s": 1,'
     ' "eta_s": 2}', "step"),
    ('{"event": "done", "adapter": 7, "interrupted": false}', "adapter"),
    ('{"event": "done", "adapter": null, "interrupted": "no"}', "interrupted"),
    ('{"event": "warning", "message": null}', "message"),
    ('{"event": "saved", "step": 1}', "path"),
    ('{"event": "start", "documents": 1, "skipped": {"path": "a"}, "words": 1, "tokens": 1,'
     ' "train_chunks": 1, "valid_chunks": 1, "total_steps": 1, "device": "cpu",'
     ' "estimate_s": 1}', "skipped"),
])
def test_malformed_events_name_the_field(line, field):
    with pytest.raises(MalformedEventError, match=field):
        decode(line)


def test_a_malformed_nested_value_is_refused():
    report = as_dict(TRAINING_SAMPLES[5])
    del report["samples"][0]["tuned"]
    with pytest.raises(MalformedEventError, match="tuned"):
        decode(json.dumps(report))
    report = as_dict(GRAMMAR_SAMPLES[6])
    report["before"] = [1, 2]
    with pytest.raises(MalformedEventError):
        decode(json.dumps(report), GRAMMAR_EVENTS)


def test_unknown_fields_are_ignored_and_integers_serve_as_numbers():
    line = ('{"event": "eval", "step": 5, "valid_loss": 3, "added_later": [1]}')
    assert decode(line) == Evaluated(step=5, valid_loss=3.0)


def test_the_protocol_imports_neither_torch_nor_widgets():
    code = ("import sys; import writer_app.jobs.events, writer_app.jobs.protocol, "
            "writer_app.jobs.commands, writer_app.jobs.runner, writer_app.jobs.background; "
            "bad = [m for m in ('torch', 'PySide6.QtWidgets', 'writer_app.gui', "
            "'writer_app.training') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=False,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_training_process_speaks_the_protocol():
    run = subprocess.run([sys.executable, "-m", "writer_app.training.personalize", "--docs",
                          "x", "--out", "y", "--max-steps", "0"], cwd=REPO,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 1
    assert decode(run.stdout.strip()) == ProcessError("--max-steps must be >= 1")
