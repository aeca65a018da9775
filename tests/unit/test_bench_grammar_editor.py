"""The editor grammar benchmark's document: about 5,000 words of distinct sentences."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

from writer_app.core.grammar_check import split_units

BENCH = Path(__file__).resolve().parents[2] / "bench" / "grammar_editor.py"
_spec = importlib.util.spec_from_file_location("bench_grammar_editor", BENCH)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_grammar_editor"] = bench
_spec.loader.exec_module(bench)


def test_document_is_about_five_thousand_words_of_distinct_sentences():
    text = bench.build_document()
    assert 4500 <= len(text.split()) <= 5600
    units = split_units(text)
    assert len({u.key for u in units}) >= 0.95 * len(units)  # the cache cannot cheat


def test_typo_swaps_two_inner_letters():
    rng = random.Random(1)
    for word in ("morning", "harbour", "compass", "committee", "aaaaaa"):
        typo = bench._typo(word, rng)
        assert typo != word
        assert typo[0] == word[0] and typo[-1] == word[-1]
