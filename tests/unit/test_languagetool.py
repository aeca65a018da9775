"""The LanguageTool-compatible result: schema, code-point offsets, context windows."""

from __future__ import annotations

import json

import pytest

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.languagetool import CONTEXT_CHARS, issue_type, to_languagetool
from writer_app.core.gec.tags import Category

TEXT = "Ça va 😀 très bien.\nI recieved   teh package yesterday, and he go home " + "x" * 60


def _edit(word: str, replacement: str, category: Category, rule: str = "R") -> GrammarEdit:
    start = TEXT.index(word)
    return GrammarEdit(start, start + len(word), replacement, category, f"m {word}", 0.9, rule)


EDITS = [
    _edit("go", "goes", Category.AGREEMENT, "$TRANSFORM_VERB_VB_VBZ"),
    _edit("recieved", "received", Category.SPELLING, "SPELLING"),
    _edit("teh", "the", Category.SPELLING, "SPELLING"),
]


def _result():
    # Round-trip through JSON: what a client reads.
    return json.loads(json.dumps(to_languagetool(TEXT, EDITS), ensure_ascii=False))


def test_top_level_schema():
    result = _result()
    assert set(result) == {"software", "language", "matches"}
    assert result["software"]["name"] == "writer_app"
    assert isinstance(result["software"]["version"], str)
    assert result["software"]["apiVersion"] == 1
    assert result["language"] == {"name": "English (US)", "code": "en-US"}
    assert len(result["matches"]) == 3


def test_every_match_has_every_key_with_its_type():
    for match in _result()["matches"]:
        assert isinstance(match["message"], str) and match["message"]
        assert isinstance(match["shortMessage"], str) and match["shortMessage"]
        assert isinstance(match["offset"], int) and isinstance(match["length"], int)
        assert match["replacements"] and all(set(r) == {"value"} for r in match["replacements"])
        assert set(match["context"]) == {"text", "offset", "length"}
        assert isinstance(match["sentence"], str)
        rule = match["rule"]
        assert set(rule) == {"id", "description", "issueType", "category"}
        assert all(isinstance(rule[key], str) for key in ("id", "description", "issueType"))
        assert set(rule["category"]) == {"id", "name"}


def test_offsets_are_code_points_and_sorted():
    matches = _result()["matches"]
    assert [TEXT[m["offset"] : m["offset"] + m["length"]] for m in matches] == [
        "recieved", "teh", "go"]
    assert [m["replacements"][0]["value"] for m in matches] == ["received", "the", "goes"]
    assert matches[0]["offset"] == 21  # "Ça va 😀 très bien.\n" is 19 code points, then "I "


def test_context_window_offsets_are_exact():
    for match in _result()["matches"]:
        context = match["context"]
        window = context["text"]
        assert len(window) <= 2 * CONTEXT_CHARS + match["length"]
        found = window[context["offset"] : context["offset"] + context["length"]]
        assert found == TEXT[match["offset"] : match["offset"] + match["length"]]
        assert "\n" not in window


def test_sentence_and_rule_fields():
    first, _, last = _result()["matches"]
    assert first["sentence"] == "I recieved   teh package yesterday, and he go home " + "x" * 60
    assert first["rule"]["issueType"] == "misspelling"
    assert first["rule"]["category"] == {"id": "TYPOS", "name": "Spelling"}
    assert last["rule"]["id"] == "$TRANSFORM_VERB_VB_VBZ"
    assert last["rule"]["issueType"] == "grammar"


@pytest.mark.parametrize(("category", "kind"), [
    (Category.SPELLING, "misspelling"), (Category.VERB_FORM, "grammar"),
    (Category.PUNCTUATION, "typographical"), (Category.CAPITALISATION, "typographical"),
    (Category.REDUNDANCY, "style"), (Category.WORD_CHOICE, "style"),
    (Category.ARTICLE, "grammar"),
])
def test_issue_types(category, kind):
    assert issue_type(category) == kind


def test_insertion_has_zero_length_and_british_language():
    edit = GrammarEdit(5, 5, ",", Category.PUNCTUATION, "Add a comma", 0.8, "$APPEND_,")
    result = to_languagetool("Hello world", [edit], "en-GB")
    (match,) = result["matches"]
    assert (match["offset"], match["length"]) == (5, 0)
    assert result["language"] == {"name": "English (GB)", "code": "en-GB"}
    assert to_languagetool("", [])["matches"] == []
