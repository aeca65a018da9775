"""A large document: grammar checks and underlines follow the view, not the whole text."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor

from writer_app.core.large_document import LARGE_DOCUMENT_CHARS

PARAGRAPH = "Paragraph {n} has teh word and then some more words to read here."


@pytest.fixture
def large(app_parts, qtbot, grammar_checker):
    window, controller = app_parts
    window.show()
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=60000)
    count = LARGE_DOCUMENT_CHARS // len(PARAGRAPH) + 200
    text = "\n".join(PARAGRAPH.format(n=n) for n in range(count))
    grammar_checker.calls.clear()
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=30000):
        window._replace_document(text, None, modified=False)
    return window, controller, count


def _checked(grammar_checker) -> set[int]:
    return {int(t.split()[1]) for call in grammar_checker.calls for t in call
            if t.startswith("Paragraph")}


def test_only_the_region_around_the_view_is_checked_and_drawn(large, grammar_checker):
    window, _controller, count = large
    checked = _checked(grammar_checker)
    assert 0 in checked and len(checked) < count // 10  # the start, not everything
    editor = window.editor
    issues = editor.issues()
    assert issues and len(issues) == len(checked)
    drawn = editor.underlined_ranges()
    low, high = editor.visible_range()
    assert drawn and len(drawn) < len(issues) or len(issues) <= 300
    assert all(start <= high + 10_000 for start, _end, _colour in drawn)


def test_scrolling_and_jumping_check_more_and_check_document_checks_all(large, qtbot,
                                                                         grammar_checker):
    window, controller, count = large
    editor = window.editor
    grammar_checker.calls.clear()
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)  # scrolls to the end
    qtbot.waitUntil(lambda: count - 1 in _checked(grammar_checker), timeout=60000)
    assert len(_checked(grammar_checker)) < count // 10
    # the checker has seen the last paragraph; its result reaches the editor right after
    qtbot.waitUntil(lambda: any(i.start > editor.document().characterCount() - 20_000
                                for i in editor.issues()), timeout=10000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=120000):
        window.action_check_document.trigger()
    assert len(editor.issues()) == count  # every paragraph's issue, on demand
