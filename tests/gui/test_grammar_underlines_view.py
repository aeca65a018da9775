"""Underlines in a long document are built for the view (and a margin), follow the
view as it scrolls, and stay on their text when issues out of view come and go."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor

from writer_app.core.grammar_check import DocIssue
from writer_app.core.large_document import ALL_UNDERLINES_CHARS, UNDERLINE_MARGIN_CHARS
from writer_app.gui.editor import CompletionEditor

LINE = "Line {n:04d} has teh word in it, and more words after that one.\n"


def _issue(text: str, start: int, word: str = "teh") -> DocIssue:
    assert text[start:start + len(word)] == word
    return DocIssue(start, start + len(word), word, ("the",), "SPELLING", "msg", "SPELLING",
                    0.9, f"k{start}", 0)


def _issues(text: str) -> list[DocIssue]:
    found, at = [], text.find("teh")
    while at >= 0:
        found.append(_issue(text, at))
        at = text.find("teh", at + 1)
    return found


def _drawn(editor) -> list[tuple[int, int]]:
    return [(s, e) for s, e, _colour in editor.underlined_ranges()]


@pytest.fixture
def long_editor(qtbot):
    editor = CompletionEditor()
    qtbot.addWidget(editor)
    editor.resize(600, 400)
    editor.show()
    text = "".join(LINE.format(n=n) for n in range(1200))  # about 80,000 characters
    assert len(text) > 4 * ALL_UNDERLINES_CHARS
    editor.setPlainText(text)
    qtbot.waitExposed(editor)
    return editor, text


def test_a_long_document_underlines_what_is_in_view_and_near_it(long_editor):
    editor, text = long_editor
    issues = _issues(text)
    editor.set_issues(issues)
    assert editor.issues() == issues  # all of them are known (the panel lists them)
    drawn = _drawn(editor)
    low, high = editor.visible_range()
    assert drawn and len(drawn) < len(issues) // 4
    in_view = [(i.start, i.end) for i in issues if low <= i.start <= high]
    assert in_view and set(in_view) <= set(drawn)
    assert all(low - UNDERLINE_MARGIN_CHARS - 1000 <= s <= high + UNDERLINE_MARGIN_CHARS
               for s, _e in drawn)


def test_scrolling_away_draws_the_underlines_there(long_editor, qtbot):
    editor, text = long_editor
    issues = _issues(text)
    editor.set_issues(issues)
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)  # scrolls to the end
    editor.ensureCursorVisible()
    low, high = editor.visible_range()
    assert low > len(text) // 2
    in_view = {(i.start, i.end) for i in issues if low <= i.start <= high}
    assert in_view and in_view <= set(_drawn(editor))
    editor.verticalScrollBar().setValue(0)  # and back
    low, high = editor.visible_range()
    assert {(i.start, i.end) for i in issues if low <= i.start <= high} <= set(_drawn(editor))


def test_issues_arriving_out_of_view_leave_the_drawn_ones_alone(long_editor):
    editor, text = long_editor
    first = text.find("teh")
    editor.set_issues([_issue(text, first)])
    selections = editor.extraSelections()
    far = text.rfind("teh")
    editor.set_issues([_issue(text, first), _issue(text, far)])  # far out of view
    assert len(editor.issues()) == 2
    assert _drawn(editor) == [(first, first + 3)]
    assert len(editor.extraSelections()) == len(selections)
    near = text.find("teh", first + 1)
    editor.set_issues([_issue(text, first), _issue(text, near), _issue(text, far)])
    assert _drawn(editor) == [(first, first + 3), (near, near + 3)]


def test_after_an_edit_the_same_positions_are_drawn_again(long_editor):
    """The underlines' cursors move with the text: the positions drawn before an edit,
    given again after it, must be drawn again, not taken for what is drawn."""
    editor, text = long_editor
    first = text.find("teh")
    issue = _issue(text, first)
    editor.set_issues([issue])
    QTextCursor(editor.document()).insertText("X")  # before it: it moves along
    assert _drawn(editor) == [(first + 1, first + 4)]
    assert editor.issues() == [issue.moved(1)]
    editor.set_issues([issue])  # the old positions (as a late result would have them)
    assert _drawn(editor) == [(first, first + 3)]


def test_a_short_document_underlines_everything(qtbot):
    editor = CompletionEditor()
    qtbot.addWidget(editor)
    editor.resize(300, 80)  # a view much smaller than the text
    editor.show()
    text = "".join(LINE.format(n=n) for n in range(ALL_UNDERLINES_CHARS // len(LINE) - 1))
    editor.setPlainText(text)
    issues = _issues(text)
    editor.set_issues(issues)
    assert _drawn(editor) == [(i.start, i.end) for i in issues]


def test_a_long_cut_above_the_view_draws_the_issues_it_brings_into_view(long_editor):
    editor, text = long_editor
    block = "Plain words without any issue at all in them.\n" * 200  # over the margin
    QTextCursor(editor.document()).insertText(block)
    text = block + text
    issues = _issues(text)
    editor.set_issues(issues)
    assert _drawn(editor) == []  # only plain words in and near the view
    cursor = QTextCursor(editor.document())
    cursor.setPosition(len(block), QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()  # touches no issue: they all move up, into view
    assert len(editor.issues()) == len(issues)
    low, high = editor.visible_range()
    shown = {(i.start, i.end) for i in editor.issues() if low <= i.start <= high}
    assert len(shown) > 3 and shown <= set(_drawn(editor))
