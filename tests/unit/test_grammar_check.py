"""The Qt-free part of incremental grammar checking."""

from __future__ import annotations

import pytest

from writer_app.core import grammar_check as gc
from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import Category


def edit(start, end, replacement, category=Category.SPELLING, confidence=0.9, rule="SPELLING"):
    return GrammarEdit(start, end, replacement, category, "msg", confidence, rule)


def test_units_are_sentences_with_offsets_and_content_keys():
    text = "Hello there. How are you?\n\nFine. Hello there."
    units = gc.split_units(text)
    assert [u.text for u in units] == ["Hello there.", "How are you?", "Fine.", "Hello there."]
    for unit in units:
        assert text[unit.start:unit.end] == unit.text
        assert unit.key == gc.unit_key(unit.text)
    assert units[0].key == units[3].key != units[1].key


def test_fenced_code_and_markdown_markers_are_not_units():
    text = ("# A heading here\n- a list item\n> quoted words\n```python\nx = teh(1)\n```\n"
            "~~~\nmore code\n~~~\n1. Numbered item.\nAfter.")
    texts = [u.text for u in gc.split_units(text)]
    assert texts == ["A heading here", "a list item", "quoted words", "Numbered item.",
                     "After."]


def test_an_unclosed_fence_hides_the_rest():
    assert [u.text for u in gc.split_units("Prose.\n```\ncode\nstill code")] == ["Prose."]


def test_splitter_resplits_only_changed_paragraphs(monkeypatch):
    calls = []
    real = gc.split_sentences
    monkeypatch.setattr(gc, "split_sentences", lambda t: calls.append(t) or real(t))
    splitter = gc.UnitSplitter()
    splitter.split("One. Two.\nThree.\nFour.")
    calls.clear()
    units = splitter.split("One. Two.\nThree!\nFour.")
    assert calls == ["Three!"]
    assert [u.start for u in units] == [0, 5, 10, 17]


def test_cursor_first_and_units_to_check():
    units = gc.split_units("A one. B two. C three. B two.")
    ordered = gc.cursor_first(units, 9)
    assert [u.text for u in ordered] == ["B two.", "C three.", "B two.", "A one."]
    known = {units[0].key}
    wanted = gc.units_to_check(ordered, known)
    assert [u.text for u in wanted] == ["B two.", "C three."]  # each text once, known skipped


def test_result_cache_drops_least_recently_used():
    cache = gc.ResultCache(size=2)
    cache.put("a", [])
    cache.put("b", [])
    assert cache.get("a") == ()
    cache.put("c", [])
    assert "a" in cache and "c" in cache and "b" not in cache


def test_edits_on_code_urls_emails_paths_and_numbers_are_dropped():
    text = "Use `teh` at http://teh.org or mail teh@x.org in src/teh.py 12 teh times."
    edits = [edit(text.index(w), text.index(w) + len(w), "x") for w in
             ("`teh`", "http://teh.org", "teh@x.org", "src/teh.py", "12")]
    last = text.rindex("teh")
    edits.append(edit(last, last + 3, "the"))
    assert gc.prose_edits(text, edits) == [edits[-1]]


def test_unit_issues_map_offsets_and_merge_suggestions():
    unit = gc.TextUnit(100, 112, "Teh cat sat.", gc.unit_key("Teh cat sat."))
    issues = gc.unit_issues(unit, [edit(0, 3, "The"), edit(0, 3, "Ten", confidence=0.4),
                                   edit(4, 7, "cats", Category.NOUN_NUMBER, rule="R")])
    assert [(i.start, i.end, i.original, i.suggestions) for i in issues] == [
        (100, 103, "Teh", ("The", "Ten")), (104, 107, "cat", ("cats",))]
    assert issues[0].group == "spelling" and issues[1].group == "grammar"
    assert issues[0].key == (unit.key, 0, 3, "SPELLING")


@pytest.mark.parametrize(("word", "entries", "allowed"), [
    ("colour", ["colour"], True), ("Colour", ["colour"], True), ("COLOUR", ["colour"], True),
    ("Zoë", ["Zoë"], True), ("ZOË", ["Zoë"], True), ("zoë", ["Zoë"], False),
    ("iPhone", ["iPhone"], True), ("iphone", ["iPhone"], False),
    ("don\u2019t", ["don't"], True), ("other", ["colour"], False),
])
def test_dictionary_capitalisation(word, entries, allowed):
    assert gc.dictionary_allows(word, entries) is allowed


def _issue(start, end, original="teh", category="spelling", confidence=0.9, rule="SPELLING"):
    return gc.DocIssue(start, end, original, ("the",), category, "m", rule, confidence,
                       "k", start)


def test_issue_filter_applies_settings_ignores_and_dictionary():
    spelling, grammar = _issue(0, 3), _issue(5, 7, "go", "agreement", rule="AGR")
    style = _issue(9, 12, "very", "redundancy", confidence=0.2, rule="RED")
    shown = gc.IssueFilter()
    assert all(shown.shows(i) for i in (spelling, grammar, style))
    assert not gc.IssueFilter(spelling=False).shows(spelling)
    assert not gc.IssueFilter(grammar=False).shows(grammar)
    assert not gc.IssueFilter(disabled=frozenset({"style"})).shows(style)
    assert not gc.IssueFilter(min_confidence=0.5).shows(style)
    assert not gc.IssueFilter(words=("Teh",)).shows(_issue(0, 3, "Teh"))
    assert gc.IssueFilter(words=("Teh",)).shows(_issue(0, 3, "teh"))  # entry has capitals
    assert not gc.IssueFilter(ignored={spelling.key}).shows(spelling)
    assert not gc.IssueFilter(ignored_rules={"AGR"}).shows(grammar)


def test_shift_issues_moves_keeps_and_drops():
    issues = [_issue(0, 3), _issue(10, 13)]
    moved, dropped = gc.shift_issues(issues, 5, 0, 2, "ab")  # between them
    assert [(i.start, i.end) for i in moved] == [(0, 3), (12, 15)] and not dropped
    kept, dropped = gc.shift_issues(issues, 11, 1, 0, "")  # inside the second
    assert [(i.start, i.end) for i in kept] == [(0, 3)] and dropped
    kept, dropped = gc.shift_issues(issues, 3, 0, 1, " ")  # a space after the first
    assert [(i.start, i.end) for i in kept] == [(0, 3), (11, 14)] and not dropped
    kept, dropped = gc.shift_issues(issues, 3, 0, 1, "s")  # a letter glued onto it
    assert [(i.start, i.end) for i in kept] == [(11, 14)] and dropped
    kept, _ = gc.shift_issues(issues, 10, 0, 1, " ")  # a space before the second
    assert [(i.start, i.end) for i in kept] == [(0, 3), (11, 14)]


def test_utf16_positions():
    text = "a\U0001f600b\U0001f600c"
    to_position = gc.Utf16Positions(text)
    assert [to_position(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert [to_position.to_offset(p) for p in (0, 1, 3, 4, 6, 7)] == [0, 1, 2, 3, 4, 5]
    assert gc.Utf16Positions("plain")(3) == 3


def test_knobs_follow_sensitivity_unless_set():
    relaxed, picky = gc.knobs_for("relaxed"), gc.knobs_for("picky")
    assert relaxed.keep_confidence > picky.keep_confidence
    assert relaxed.min_error_probability > picky.min_error_probability
    assert relaxed.min_confidence > picky.min_confidence
    custom = gc.knobs_for("relaxed", keep_confidence=0.05)
    assert custom.keep_confidence == 0.05
    assert custom.min_error_probability == relaxed.min_error_probability


def test_document_issues_from_cache():
    text = "Teh cat. Fine. Teh cat."
    units = gc.split_units(text)
    cache = gc.ResultCache()
    cache.put(units[0].key, [edit(0, 3, "The")])
    cache.put(units[1].key, [])
    issues = gc.document_issues(units, cache, gc.IssueFilter())
    assert [(i.start, i.original) for i in issues] == [(0, "Teh"), (15, "Teh")]
    assert gc.category_title("agreement") == "Subject\u2013verb agreement"
    assert gc.setting_category("capitalisation") == "punctuation"
