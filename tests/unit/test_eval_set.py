"""The project's own grammar evaluation set (bench/data/gec-eval.tsv) is well formed and
independent of the development set, and bench/grammar.py reads it and reports both sets."""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "bench" / "data" / "gec-eval.tsv"
DEV_SET = ROOT.parent / "shared" / "eval" / "gec-dev.tsv"

_spec = importlib.util.spec_from_file_location("bench_grammar_eval", ROOT / "bench" / "grammar.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_grammar_eval"] = bench
_spec.loader.exec_module(bench)


def _lines() -> list[str]:
    return EVAL_SET.read_text(encoding="utf-8").split("\n")[:-1]


def _pairs() -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in _lines()]


def test_file_ends_with_one_newline_and_has_240_lines():
    text = EVAL_SET.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert len(_lines()) == 240


def test_every_line_is_one_tab_separated_pair_without_stray_spaces():
    for number, line in enumerate(_lines(), start=1):
        assert line.count("\t") == 1, f"line {number}"
        for part in line.split("\t"):
            assert part and part == part.strip(), f"line {number}"
            assert "  " not in part and "\r" not in part, f"line {number}"


def test_about_a_quarter_already_correct():
    unchanged = sum(source == reference for source, reference in _pairs())
    assert 55 <= unchanged <= 65


def test_no_duplicate_sources():
    sources = [source for source, _ in _pairs()]
    assert len(set(sources)) == len(sources)


def test_corrections_are_minimal_and_lengths_vary():
    # One or two word-level changes per corrected pair; 5 to 30 words per sentence.
    lengths = []
    for source, reference in _pairs():
        lengths.append(len(source.split()))
        matcher = difflib.SequenceMatcher(None, source.split(), reference.split())
        changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        assert len(changes) <= 2, source
    assert min(lengths) >= 5 and max(lengths) <= 30
    assert sum(n >= 20 for n in lengths) >= 10


def test_no_overlap_with_the_development_set():
    if not DEV_SET.exists():
        pytest.skip(f"no development set at {DEV_SET}")
    dev_sources, _ = bench.read_pairs(DEV_SET)
    own_sources = {source for source, _ in _pairs()}
    assert not own_sources & set(dev_sources)


def test_bench_reads_the_set_and_rejects_a_line_without_a_tab(tmp_path):
    sources, references = bench.read_pairs(EVAL_SET)
    assert (len(sources), len(references)) == (240, 240)
    broken = tmp_path / "broken.tsv"
    broken.write_text("Fine.\tFine.\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.tsv:2"):
        bench.read_pairs(broken)


def test_repeated_reaches_the_minimum():
    assert len(bench.repeated(["a", "b", "c"], minimum=200)) == 201
    assert bench.repeated(["a"] * 300, minimum=200) == ["a"] * 300


def test_summary_reports_both_sets():
    def rows(tp, fp, fn):
        ours = bench.Evaluation(total=bench.Counts(tp, fp, fn))
        return {"no change": bench.Evaluation(total=bench.Counts(0, 0, tp + fn)),
                "spelling only": bench.Evaluation(total=bench.Counts(1, 0, tp + fn - 1)),
                "ours": ours}

    sets = [bench.PairSet("dev", DEV_SET, ["a"] * 4, ["a"] * 4),
            bench.PairSet("own", EVAL_SET, ["b"] * 6, ["b"] * 6)]
    speed = bench.Throughput(200, 150.0, 400.0, 12.5)
    result = bench.summary({"dev": rows(3, 1, 1), "own": rows(2, 0, 2)}, sets, speed, 2, "m")
    assert result["f05"] == bench.f_score(bench.Counts(3, 1, 1)).f05
    assert result["own_precision"] == 1.0 and result["own_recall"] == 0.5
    assert result["no_change_f05"] == 0.0 and result["own_spelling_only_f05"] > 0
    assert (result["dev_pairs"], result["own_pairs"], result["threads"]) == (4, 6, 2)
    assert (result["sentences_per_s"], result["single_sentence_ms"]) == (150.0, 12.5)
