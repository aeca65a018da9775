"""The events a training process reports, one frozen dataclass per kind.

`kind` is the name on the wire (the JSON line's "event"). The completion model's
personalization (`training/personalize.py`) and the grammar tagger's adaptation
(`training/grammar_personalize.py`) share the kinds whose fields agree (progress, eval,
warning, error) and have their own start, report and done. A field whose default is None
is left out of the line when it is None; every other field is always written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class Event:
    """Base of every event; `kind` names it on the wire."""

    kind: ClassVar[str] = ""


# --- parts of events ----------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class Sample:
    """A held-out prompt and the continuations of the base and the personalized model."""

    prompt: str
    base: str
    tuned: str


@dataclass(frozen=True)
class ModelFigures:
    """One model on the writer's held-out text (inference/evaluation.py's summary)."""

    perplexity: float
    next_word_top1: float
    next_word_top3: float
    keystroke_savings: float
    bleu: float  # sacrebleu's 0-100 scale
    rouge_l: float
    positions: int
    words: int
    setting: str  # the suggestion setting the keystrokes were typed with
    curve: tuple[dict[str, Any], ...] = ()  # precision/coverage by threshold


@dataclass(frozen=True)
class Comparison:
    """The base and the personalized model on the same held-out text."""

    base: ModelFigures
    tuned: ModelFigures


@dataclass(frozen=True)
class Measurement:
    """The grammar layer on held-out sentences: false alarms on clean ones, recall and
    exact corrections on copies with errors put in."""

    clean_sentences: int
    false_alarms: int
    false_alarm_rate: float
    corrupted_sentences: int
    detected: int
    recall: float
    corrected: int
    correction_rate: float


# --- shared by both processes -------------------------------------------------------------


@dataclass(frozen=True)
class Progress(Event):
    kind: ClassVar[str] = "progress"
    step: int
    total_steps: int
    loss: float
    elapsed_s: float
    eta_s: float
    tokens_per_s: float | None = None  # the completion model's training only


@dataclass(frozen=True)
class Evaluated(Event):
    kind: ClassVar[str] = "eval"
    step: int
    valid_loss: float


@dataclass(frozen=True)
class ProcessWarning(Event):
    kind: ClassVar[str] = "warning"
    message: str


@dataclass(frozen=True)
class ProcessError(Event):
    kind: ClassVar[str] = "error"
    message: str


# --- the completion model's personalization -----------------------------------------------


@dataclass(frozen=True)
class TrainingStarted(Event):
    kind: ClassVar[str] = "start"
    documents: int
    skipped: tuple[SkippedFile, ...]
    words: int
    tokens: int
    train_chunks: int
    valid_chunks: int
    total_steps: int
    device: str
    estimate_s: float


@dataclass(frozen=True)
class Saving(Event):
    """A checkpoint is being written: a cancel waits for the `Saved` that follows."""

    kind: ClassVar[str] = "saving"
    step: int


@dataclass(frozen=True)
class Saved(Event):
    kind: ClassVar[str] = "saved"
    step: int
    path: str


@dataclass(frozen=True)
class TrainingReport(Event):
    kind: ClassVar[str] = "report"
    ppl_before: float | None
    ppl_after: float | None
    documents: int
    tokens: int
    seconds: float
    samples: tuple[Sample, ...]
    best_step: int
    adapter: str
    evaluation: Comparison | None  # None: too little held-out text to compare on


@dataclass(frozen=True)
class TrainingDone(Event):
    kind: ClassVar[str] = "done"
    adapter: str | None  # None: no adapter at --out (a dry run, or stopped before one)
    interrupted: bool


# --- the grammar tagger's adaptation ------------------------------------------------------


@dataclass(frozen=True)
class GrammarStarted(Event):
    kind: ClassVar[str] = "start"
    documents: int
    skipped: tuple[SkippedFile, ...]
    sentences: int
    train_sentences: int
    held_out: int
    train_examples: int
    total_steps: int
    base_model: str


@dataclass(frozen=True)
class Stage(Event):
    kind: ClassVar[str] = "stage"
    stage: str  # "measure", "train" or "export"
    when: str | None = None  # "before" or "after", for "measure"


@dataclass(frozen=True)
class Measured(Measurement, Event):
    kind: ClassVar[str] = "measure"
    when: str = ""  # "before" or "after" training

    def measurement(self) -> Measurement:
        return Measurement(self.clean_sentences, self.false_alarms, self.false_alarm_rate,
                           self.corrupted_sentences, self.detected, self.recall,
                           self.corrected, self.correction_rate)


@dataclass(frozen=True)
class GrammarReport(Event):
    kind: ClassVar[str] = "report"
    model: str
    base_model: str
    documents: int
    train_sentences: int
    held_out_sentences: int
    train_examples: int
    steps: int
    best: dict[str, Any]
    before: Measurement
    after: Measurement
    seconds: float
    measured: str


@dataclass(frozen=True)
class GrammarDone(Event):
    kind: ClassVar[str] = "done"
    model: str | None  # None: stopped, nothing written
    interrupted: bool


def _by_kind(*classes: type[Event]) -> dict[str, type[Event]]:
    table = {cls.kind: cls for cls in classes}
    assert len(table) == len(classes), "two events of one process share a kind"
    return table


# What each process may print, by kind.
TRAINING_EVENTS = _by_kind(TrainingStarted, Progress, Evaluated, Saving, Saved,
                           TrainingReport, TrainingDone, ProcessWarning, ProcessError)
GRAMMAR_EVENTS = _by_kind(GrammarStarted, Stage, Measured, Progress, Evaluated,
                          GrammarReport, GrammarDone, ProcessError)
DONE_EVENTS = (TrainingDone, GrammarDone)
