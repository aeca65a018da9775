"""Synonyms and Rephrase in the editor, through the real controller on a fake backend."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from tests.gui.fake_word_choice import FakeWordChoiceBackend


@pytest.fixture
def backend() -> FakeWordChoiceBackend:
    return FakeWordChoiceBackend()


def put_text(editor, text: str, cursor_at: int) -> None:
    editor.setPlainText(text)
    cursor = editor.textCursor()
    cursor.setPosition(cursor_at)
    editor.setTextCursor(cursor)


def ask_synonyms(qtbot, controller, editor):
    with qtbot.waitSignal(controller.word_choice.sig_synonyms_shown, timeout=15000) as blocker:
        QTest.keyClick(editor, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    return blocker.args[0]


def test_ctrl_period_shows_inflected_synonyms_grouped_by_sense(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    text = "Yesterday she began to write a letter."
    put_text(editor, text, text.index("began") + 2)
    result = ask_synonyms(qtbot, controller, editor)
    popup = controller.word_choice.synonym_popup
    assert popup.isVisible()
    assert result.word == "began"
    shown = [s.text for s in popup.suggestions()]
    assert "started" in shown and "start" not in shown
    assert popup.headings()[0].startswith("verb · take the first step")
    assert popup.current() is not None


def test_enter_applies_as_one_undo_step_and_esc_closes(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    text = "Yesterday she began to write a letter."
    put_text(editor, text, text.index("began"))
    ask_synonyms(qtbot, controller, editor)
    popup = controller.word_choice.synonym_popup
    QTest.keyClick(popup.list, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert editor.toPlainText() == text

    ask_synonyms(qtbot, controller, editor)
    while popup.current().text != "started":
        QTest.keyClick(popup.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(controller.word_choice.sig_applied, timeout=2000):
        QTest.keyClick(popup.list, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert editor.toPlainText() == "Yesterday she started to write a letter."
    editor.undo()
    assert editor.toPlainText() == text
    editor.redo()
    assert editor.toPlainText() == "Yesterday she started to write a letter."


def test_the_article_changes_with_the_word(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    text = "They bought an old house by the lake."
    put_text(editor, text, text.index("old") + 1)
    ask_synonyms(qtbot, controller, editor)
    popup = controller.word_choice.synonym_popup
    by_text = {s.text: s for s in popup.suggestions()}
    assert "a senior" in [popup.list.item(r).text().strip() for r in range(popup.list.count())]
    popup.choose(by_text["senior"])
    assert editor.toPlainText() == "They bought a senior house by the lake."
    editor.undo()
    assert editor.toPlainText() == text


def test_a_result_for_changed_text_is_dropped(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    text = "Yesterday she began to write a letter."
    put_text(editor, text, text.index("began"))
    backend.word_gate = threading.Event()
    shown = []
    controller.word_choice.sig_synonyms_shown.connect(shown.append)
    failures = []
    controller._worker.sig_request_failed.connect(lambda *args: failures.append(args))
    done = []
    controller._worker.sig_synonyms_done.connect(done.append)
    assert controller.word_choice.show_synonyms()
    qtbot.waitUntil(lambda: len(backend.synonym_requests) == 1)
    QTest.keyClicks(editor, "x")  # the text changes while the word is ranked
    backend.word_gate.set()
    qtbot.waitUntil(lambda: bool(done or failures), timeout=15000)
    qtbot.wait(50)
    assert failures == []
    assert shown == []
    assert not controller.word_choice.synonym_popup.isVisible()


def test_context_menu_offers_synonyms_of_the_word_under_the_mouse(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    text = "It was a hot day."
    put_text(editor, text, 0)
    cursor = QTextCursor(editor.document())
    cursor.setPosition(text.index("hot") + 1)
    point = editor.cursorRect(cursor).center()
    from PySide6.QtGui import QContextMenuEvent

    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                              editor.viewport().mapToGlobal(point))
    editor.contextMenuEvent(event)
    menu = editor.issue_menu
    action = next(a for a in menu.actions() if a.text() == "S&ynonyms…")
    assert action.isEnabled()
    menu.hide()
    with qtbot.waitSignal(controller.word_choice.sig_synonyms_shown, timeout=15000) as blocker:
        action.trigger()
    assert blocker.args[0].word == "hot"


def test_rephrase_shows_phrasings_side_by_side_and_says_the_model_is_small(
        qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    text = "Hello there. She began to write a letter to her mother. Then she slept."
    start = text.index("She")
    end = text.index("mother.") + len("mother.")
    put_text(editor, text, start)
    cursor = editor.textCursor()
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(controller.word_choice.sig_rephrase_shown, timeout=15000) as blocker:
        controller.word_choice.action_rephrase.trigger()
    result = blocker.args[0]
    assert result.sentence == text[start:end]
    popup = controller.word_choice.rephrase_popup
    assert popup.isVisible() and len(popup.buttons) == 3
    assert "small model" in popup.note.text()
    QTest.keyClick(popup, Qt.Key.Key_Right)
    assert popup.selected == 1
    QTest.keyClick(popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == text.replace(text[start:end], backend.phrasings[1])
    editor.undo()
    assert editor.toPlainText() == text
