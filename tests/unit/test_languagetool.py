"""The LanguageTool serializer: schema, UTF-16 offsets into the text as sent, rule ids,
context windows, overlaps, rule selection, and language_tool_python reading it."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from language_tool_python.match import Match
from language_tool_python.utils import correct

from writer_app.core.gec.edits import GrammarEdit, apply_edits
from writer_app.core.gec.languagetool import (
    CONTEXT_CHARS,
    ELLIPSIS,
    RuleSelection,
    issue_type,
    rule_id,
    to_languagetool,
)
from writer_app.core.gec.source_text import SourceText
from writer_app.core.gec.tags import Category

TEXT = "Ça va 😀 très bien.\nI recieved   teh package yesterday, and he go home " + "x" * 60


def _edit(text: str, word: str, replacement: str, category: Category, rule: str = "R",
          confidence: float = 0.9) -> GrammarEdit:
    start = text.index(word)
    return GrammarEdit(start, start + len(word), replacement, category, f"m {word}",
                       confidence, rule)


EDITS = [
    _edit(TEXT, "go", "goes", Category.AGREEMENT, "$TRANSFORM_VERB_VB_VBZ"),
    _edit(TEXT, "recieved", "received", Category.SPELLING, "SPELLING"),
    _edit(TEXT, "teh", "the", Category.SPELLING, "SPELLING"),
]


def _result(text=TEXT, edits=EDITS, **kwargs):
    # Round-trip through JSON: what a client reads.
    return json.loads(json.dumps(to_languagetool(text, edits, **kwargs), ensure_ascii=False))


def _utf16_slice(text: str, offset: int, length: int) -> str:
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le")


def test_top_level_schema():
    result = _result()
    assert set(result) == {"software", "warnings", "language", "matches"}
    assert result["software"]["name"] == "writer_app"
    assert result["software"]["apiVersion"] == 1
    assert result["warnings"] == {"incompleteResults": False}
    language = result["language"]
    assert (language["name"], language["code"]) == ("English (US)", "en-US")
    detected = language["detectedLanguage"]
    assert detected["code"] == "en-US" and 0 < detected["confidence"] <= 1
    assert len(result["matches"]) == 3


def test_every_match_has_every_key_with_its_type():
    for match in _result()["matches"]:
        assert set(match) == {"message", "shortMessage", "replacements", "offset", "length",
                              "context", "sentence", "type", "rule",
                              "ignoreForIncompleteSentence", "contextForSureMatch"}
        assert isinstance(match["message"], str) and match["message"]
        assert match["replacements"] and all(set(r) == {"value"} for r in match["replacements"])
        assert set(match["context"]) == {"text", "offset", "length"}
        assert match["type"]["typeName"] in ("UnknownWord", "Other")
        assert match["ignoreForIncompleteSentence"] is False
        assert match["contextForSureMatch"] == 0
        rule = match["rule"]
        assert {"id", "description", "issueType", "category"} <= set(rule)
        assert set(rule["category"]) == {"id", "name"}


def test_offsets_are_utf16_units_so_an_emoji_counts_two():
    matches = _result()["matches"]
    # "Ça va 😀 très bien.\nI " is 21 code points and 22 UTF-16 units
    assert matches[0]["offset"] == 22
    assert [_utf16_slice(TEXT, m["offset"], m["length"]) for m in matches] == [
        "recieved", "teh", "go"]


def test_offsets_count_a_bom_and_crlf_as_sent():
    sent = "\ufeffI 😀 recieved it.\r\nThen teh end.\r\n"
    source = SourceText.from_text(sent)
    assert source.plain == "I 😀 recieved it.\nThen teh end.\n"
    edits = [_edit(source.plain, "recieved", "received", Category.SPELLING, "SPELLING"),
             _edit(source.plain, "teh", "the", Category.SPELLING, "SPELLING")]
    matches = _result(source, edits)["matches"]
    assert [_utf16_slice(sent, m["offset"], m["length"]) for m in matches] == [
        "recieved", "teh"]
    assert [m["offset"] for m in matches] == [6, 25]


def test_language_tool_python_corrects_exactly():
    """language_tool_python 3.4 turns UTF-16 offsets back into code points; with code
    points it mis-corrected every match after an emoji."""
    result = _result()
    matches = [Match(dict(m), TEXT) for m in result["matches"]]
    assert correct(TEXT, matches) == apply_edits(TEXT, EDITS)


@pytest.mark.parametrize(("tag", "category", "expected"), [
    ("$TRANSFORM_VERB_VBP_VBZ", Category.AGREEMENT, "NEURAL_AGREEMENT"),
    ("$REPLACE_of", Category.PREPOSITION, "NEURAL_PREPOSITION"),
    ("$APPEND_,", Category.PUNCTUATION, "NEURAL_PUNCTUATION"),
    ("$DELETE", Category.REDUNDANCY, "NEURAL_REDUNDANCY"),
    ("SPELLING", Category.SPELLING, "SPELLING"),
    ("A_VS_AN", Category.ARTICLE, "A_VS_AN"),
    ("fake agreement", Category.AGREEMENT, "FAKE_AGREEMENT"),
])
def test_rule_ids_are_stable_upper_case(tag, category, expected):
    edit = GrammarEdit(0, 1, "x", category, "m", 0.9, tag)
    assert rule_id(edit) == expected
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", expected)


def test_categories_are_languagetools():
    first, _, last = _result()["matches"]
    assert first["rule"]["category"]["id"] == "TYPOS"
    assert first["rule"]["issueType"] == "misspelling"
    assert first["type"]["typeName"] == "UnknownWord"
    assert last["rule"]["id"] == "NEURAL_AGREEMENT"
    assert last["rule"]["category"]["id"] == "GRAMMAR"
    assert last["type"]["typeName"] == "Other"


def test_context_is_exact_and_marks_cuts_with_an_ellipsis():
    for match in _result()["matches"]:
        context = match["context"]
        window = context["text"]
        found = _utf16_slice(window, context["offset"], context["length"])
        assert found == _utf16_slice(TEXT, match["offset"], match["length"])
        assert "\n" not in window
    go = _result()["matches"][2]["context"]["text"]
    assert go.startswith(ELLIPSIS) and go.endswith(ELLIPSIS)
    short = _result("I recieved it.", [_edit("I recieved it.", "recieved", "received",
                                              Category.SPELLING)])["matches"][0]["context"]
    assert short == {"text": "I recieved it.", "offset": 2, "length": 8}
    assert len(go) <= 2 * CONTEXT_CHARS + 2 + 2


def test_sentence_field():
    first = _result()["matches"][0]
    assert first["sentence"].startswith("I recieved   teh package yesterday")


@pytest.mark.parametrize(("category", "kind"), [
    (Category.SPELLING, "misspelling"), (Category.VERB_FORM, "grammar"),
    (Category.PUNCTUATION, "typographical"), (Category.CAPITALISATION, "typographical"),
    (Category.REDUNDANCY, "style"), (Category.WORD_CHOICE, "style"),
    (Category.ARTICLE, "grammar"),
])
def test_issue_types(category, kind):
    assert issue_type(category) == kind


def test_insertion_covers_the_word_before_it():
    edit = GrammarEdit(7, 7, ",", Category.PUNCTUATION, "Add a comma", 0.8, "INTRO_COMMA")
    result = _result("However the cat sat.", [edit], language="en-GB")
    (match,) = result["matches"]
    assert (match["offset"], match["length"]) == (0, 7)
    assert match["replacements"] == [{"value": "However,"}]
    assert result["language"]["code"] == "en-GB"
    article = GrammarEdit(2, 2, "an ", Category.ARTICLE, "Add 'an'", 0.8, "$APPEND_an")
    (match,) = _result("I apple", [article])["matches"]
    assert (match["offset"], match["length"], match["replacements"][0]["value"]) == (
        2, 5, "an apple")
    assert _result("", [])["matches"] == []


def test_no_overlapping_matches():
    text = "I seen teh the cat"
    edits = [
        GrammarEdit(7, 10, "the", Category.SPELLING, "spell", 0.9, "SPELLING"),
        GrammarEdit(7, 10, "then", Category.SPELLING, "spell", 0.45, "SPELLING"),
        GrammarEdit(7, 14, "the", Category.REDUNDANCY, "doubled", 0.6, "$DELETE"),
        GrammarEdit(2, 6, "saw", Category.VERB_FORM, "form", 0.8, "$VERB"),
        GrammarEdit(6, 6, " have", Category.MISSING_WORD, "missing", 0.7, "$APPEND_have"),
    ]
    matches = _result(text, edits, selection=RuleSelection(picky=True))["matches"]
    spans = [(m["offset"], m["offset"] + m["length"]) for m in matches]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    first, second = matches
    # the insertion after "seen" lands on the word "seen" replaced by "saw": one match
    assert (first["offset"], first["length"], first["replacements"]) == (
        2, 4, [{"value": "saw have"}])
    # same span: one match, both replacements, the surer first; the overlapping,
    # less sure deletion is left out
    assert second["replacements"] == [{"value": "the"}, {"value": "then"}]


def test_rule_selection_and_level():
    low = dataclasses.replace(EDITS[0], confidence=0.3)
    edits = [*EDITS[1:], low]
    ids = lambda **kw: [m["rule"]["id"] for m in _result(edits=edits, **kw)["matches"]]  # noqa: E731
    assert ids() == ["SPELLING", "SPELLING"]  # the unsure one waits for level=picky
    assert ids(selection=RuleSelection(picky=True)) == [
        "SPELLING", "SPELLING", "NEURAL_AGREEMENT"]
    assert ids(selection=RuleSelection(disabled_rules=frozenset({"SPELLING"}))) == []
    assert ids(selection=RuleSelection(disabled_categories=frozenset({"TYPOS"}),
                                       picky=True)) == ["NEURAL_AGREEMENT"]
    assert ids(selection=RuleSelection(enabled_rules=frozenset({"NEURAL_AGREEMENT"}),
                                       enabled_only=True)) == ["NEURAL_AGREEMENT"]
    assert ids(selection=RuleSelection(enabled_categories=frozenset({"GRAMMAR"}))) == [
        "SPELLING", "SPELLING", "NEURAL_AGREEMENT"]


def test_annotation_offsets_count_the_markup():
    data = {"annotation": [
        {"text": "A "}, {"markup": "<b>"}, {"text": "recieved 😀"}, {"markup": "</b>"},
        {"markup": "<p>", "interpretAs": "\n\n"}, {"text": "teh end"}]}
    source = SourceText.from_annotation(json.dumps(data))
    assert source.plain == "A recieved 😀\n\nteh end"
    original = "A <b>recieved 😀</b><p>teh end"
    assert source.original == original
    edits = [_edit(source.plain, "recieved", "received", Category.SPELLING, "SPELLING"),
             _edit(source.plain, "teh", "the", Category.SPELLING, "SPELLING")]
    matches = _result(source, edits)["matches"]
    assert [_utf16_slice(original, m["offset"], m["length"]) for m in matches] == [
        "recieved", "teh"]


@pytest.mark.parametrize("data", [
    "not json", "[]", '{"annotation": 3}', '{"annotation": [3]}',
    '{"annotation": [{"text": "a", "markup": "b"}]}', '{"annotation": [{}]}',
    '{"annotation": [{"markup": "<p>", "interpretAs": 5}]}',
])
def test_bad_annotation_is_refused(data):
    with pytest.raises(ValueError, match="annotation|JSON|interpretAs"):
        SourceText.from_annotation(data)


_PIECES = st.sampled_from(["a", "bc", " ", "😀", "é", "\r\n", "\n", "\r", "word", "🎉x"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.booleans(), st.data())
def test_every_span_maps_back_onto_the_text_as_sent(pieces, bom, data):
    sent = ("\ufeff" if bom else "") + "".join(pieces)
    source = SourceText.from_text(sent)
    plain = source.plain
    assert "\r" not in plain and not plain.startswith("\ufeff")
    start = data.draw(st.integers(0, len(plain)))
    end = data.draw(st.integers(start, len(plain)))
    offset, length = source.utf16_span(start, end)
    expected = plain[start:end]
    assert _utf16_slice(sent, offset, length).replace("\r\n", "\n").replace(
        "\r", "\n") == expected
