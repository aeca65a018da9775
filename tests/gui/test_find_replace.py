"""Find and Replace (Ctrl+H): match case, whole word, replace, replace all as one undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore

TEXT = "The cat sat. A Cat catalogue. The cat, the CAT."


@pytest.fixture
def window(qtbot):
    window = MainWindow(SettingsStore())
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    window.show()
    qtbot.waitExposed(window)
    window.editor.setPlainText(TEXT)
    return window


def test_ctrl_h_opens_find_with_the_replace_row(qtbot, window):
    assert window.action_replace.shortcut() == QKeySequence("Ctrl+H")
    assert window.action_replace in window.menu_edit.actions()
    window.action_find.trigger()
    assert window.find_bar.isVisible() and not window.find_bar.replacing
    window.action_replace.trigger()
    assert window.find_bar.replacing and window.find_bar.replace_edit.isVisible()


def test_match_case_and_whole_word_narrow_the_matches(window):
    bar = window.find_bar
    window.action_replace.trigger()
    bar.line_edit.setText("cat")
    assert len(bar.matches()) == 5  # cat, Cat, cat(alogue), cat, CAT
    bar.whole_word.setChecked(True)
    assert len(bar.matches()) == 4
    bar.match_case.setChecked(True)
    assert [m.selectionStart() for m in bar.matches()] == [4, 34]


def test_replace_changes_the_selected_match_then_finds_the_next(window):
    bar = window.find_bar
    window.action_replace.trigger()
    bar.line_edit.setText("cat")
    bar.whole_word.setChecked(True)
    bar.replace_edit.setText("dog")
    cursor = window.editor.textCursor()
    cursor.setPosition(0)
    window.editor.setTextCursor(cursor)
    assert not bar.replace()  # no match selected: it only finds the first
    assert window.editor.textCursor().selectedText() == "cat"
    assert window.editor.toPlainText() == TEXT
    assert bar.replace()
    assert window.editor.toPlainText().startswith("The dog sat. A Cat")
    assert window.editor.textCursor().selectedText() == "Cat"  # the next one, selected


def test_replace_all_is_one_undo_step_and_brings_no_suggestion(qtbot, window):
    bar = window.find_bar
    window.action_replace.trigger()
    bar.line_edit.setText("cat")
    bar.whole_word.setChecked(True)
    bar.replace_edit.setText("dog")
    edits = []
    window.editor.sig_text_edited.connect(lambda: edits.append(window.editor.last_edit_typed))
    assert bar.replace_all() == 4
    assert window.editor.toPlainText() == "The dog sat. A dog catalogue. The dog, the dog."
    assert bar.status_label.text() == "Replaced 4"
    assert edits and not any(edits)  # not typing: no ghost suggestion follows
    window.editor.undo()
    assert window.editor.toPlainText() == TEXT
    bar.line_edit.setText("zebra")
    assert bar.replace_all() == 0 and bar.status_label.text() == "No matches"
    qtbot.keyClick(bar.replace_edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
