"""The English variant: from the setting or the locale; the other variant's spellings are
flagged as a spelling variant, never as a typo, a name or capitalisation."""

from __future__ import annotations

import pytest

from writer_app.core.gec.tags import Category
from writer_app.core.variant import locale_variant, resolve_variant
from writer_app.inference.grammar.spelling import SpellingChecker


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "en_GB.UTF-8"}, "en-GB"), ({"LANG": "en_US.UTF-8"}, "en-US"),
    ({"LC_ALL": "en_AU.UTF-8", "LANG": "en_US.UTF-8"}, "en-GB"), ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "POSIX"}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"), ({"LANG": "en_CA.UTF-8"}, "en"),
])
def test_the_locale_decides(environ, expected):
    assert locale_variant(environ) == expected
    assert resolve_variant("auto", environ) == expected


def test_a_chosen_variant_wins_over_the_locale():
    assert resolve_variant("en-GB", {"LANG": "en_US.UTF-8"}) == "en-GB"


@pytest.fixture(scope="module")
def spellers():
    return {v: SpellingChecker(v).load() for v in ("en-US", "en-GB", "en")}


def test_both_variants_accepted_where_the_locale_names_neither(spellers):
    text = "The flavour of the jam and the color of the harbour at the theatre."
    assert spellers["en"].check(text) == []


def test_american_flags_british_spellings_as_a_variant(spellers):
    edits = spellers["en-US"].check("The flavour of the jam. The harbour was full.")
    assert [(e.replacement, e.category) for e in edits] == [
        ("flavor", Category.VARIANT), ("harbor", Category.VARIANT)]
    assert "British" in edits[0].message and "American" in edits[0].message


def test_british_flags_american_only_spellings(spellers):
    edits = spellers["en-GB"].check("The color of the center was gray.")
    assert [e.replacement for e in edits] == ["colour", "centre", "grey"]
    assert all(e.category is Category.VARIANT for e in edits)
    # words British English writes too are not flagged
    assert spellers["en-GB"].check("Check the program and the meter; I realize it.") == []


@pytest.mark.parametrize(("typed", "expected"), [
    ("dont", "don't"), ("doesnt", "doesn't"), ("im", "I'm"), ("ive", "I've"),
    ("youre", "you're"), ("theyre", "they're"), ("isnt", "isn't"), ("wasnt", "wasn't"),
    ("didnt", "didn't"), ("infront", "in front"),
])
def test_apostrophe_less_contractions_get_the_contraction_first(spellers, typed, expected):
    (found,) = spellers["en"].misspellings(f"Well {typed} know.")
    assert found.candidates[0] == expected and found.confidence >= 0.9
