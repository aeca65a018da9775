"""No suggestion damages the text: applying any single edit, or every first suggestion,
changes only what the edits name and never glues two words; overlapping layer edits are
resolved, never raised (generated word salads, the evaluation sets, the CLI's JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app.core.gec.edits import apply_edits, damage

REPO = Path(__file__).resolve().parents[2]
EVAL_SETS = [REPO / "bench/data/gec-eval.tsv", REPO / "bench/data/confusions.tsv",
             REPO.parent / "shared/eval/gec-dev.tsv"]
_WORD_LIST = ("the a an slowly lazy brown writes walk about jumps their there they're its it's "
         "your you're to too then than dont recieve teh goed childs was were is are have has "
         "of in on , . ; ! ? 's I she he they we it affect effect lose loose whose who's "
         "could would finished let me see infront harbour colour programme")
WORDS = tuple(_WORD_LIST.split())


@pytest.fixture(scope="module")
def checker():
    from writer_app.inference.grammar.checker import GrammarChecker

    return GrammarChecker.load(variant="en-US")


def _assert_safe(text: str, edits) -> None:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.end <= b.start and not (a.start == b.start == a.end), (text, a, b)
    for edit in edits:
        assert damage(text, edit) is None, (text, edit, damage(text, edit))
        applied = text[: edit.start] + edit.replacement + text[edit.end :]
        assert applied[: edit.start] == text[: edit.start]
        assert applied[edit.start + len(edit.replacement) :] == text[edit.end :]
    apply_edits(text, edits)  # all first suggestions together: never raises


def test_the_reported_damage_is_gone(checker):
    text = "She dont like it, their is to much noise."
    edits = checker.check(text)
    _assert_safe(text, edits)
    assert "itthere" not in apply_edits(text, edits)
    assert checker.correct(["Lazy brown slowly slowly a a writes the walk about jumps."])


@pytest.mark.parametrize("path", EVAL_SETS, ids=lambda p: p.name)
def test_no_edit_on_the_evaluation_sets_damages_the_text(checker, path):
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    sources = [line.split("\t")[0] for line in path.read_text("utf-8").splitlines() if line]
    for text, edits in zip(sources, checker.check_many(sources), strict=True):
        _assert_safe(text, edits)


salad = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
spaced = st.tuples(salad, st.sampled_from(["", "\n", "  ", "\t"]), salad).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(salad, spaced))
def test_generated_word_salads_never_crash_or_damage(checker, text):
    _assert_safe(text, checker.check(text))


def test_damage_is_detected():
    from writer_app.core.gec.edits import GrammarEdit
    from writer_app.core.gec.tags import Category

    def edit(start, end, replacement):
        return GrammarEdit(start, end, replacement, Category.OTHER, "m", 0.5, "R")

    text = "She likes it, their house."
    assert damage(text, edit(12, 19, "there")) is not None  # "itthere"
    assert damage(text, edit(12, 19, " there")) is None
    assert damage(text, edit(14, 20, "")) is None  # "it, house."
    assert damage("a b", edit(1, 2, "")) is not None  # "ab"
    assert damage(text, edit(0, 3, "He")) is None


@pytest.mark.slow
def test_check_json_suggestions_apply_without_damage(tmp_path):
    text = "She dont like it, their is to much noise.\nThe dog chased it's own tail.\n"
    source = tmp_path / "in.txt"
    source.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "writer_app", "check", "--json", str(source)],
                         capture_output=True, text=True, timeout=600, check=True)
    matches = json.loads(run.stdout.splitlines()[-1])["matches"]
    assert matches
    units = text.encode("utf-16-le")  # LanguageTool counts UTF-16 code units
    for match in matches:
        start, length = match["offset"], match["length"]
        before = units[: 2 * start].decode("utf-16-le")
        after = units[2 * (start + length) :].decode("utf-16-le")
        fixed = before + match["replacements"][0]["value"] + after
        assert "itthere" not in fixed
        left, value = before[-1:], match["replacements"][0]["value"]
        assert not (left.isalnum() and value[:1].isalnum()
                    and not text[len(before):len(before) + 1].isalnum()), match
