"""The live word and character count (selection too) and the session word goal."""

from __future__ import annotations

import dataclasses
import random

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from writer_app.core.settings import EditorSettings, Settings
from writer_app.core.text_stats import count_words
from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore


@pytest.fixture
def window(qtbot):
    window = MainWindow(SettingsStore())
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    return window


def test_the_status_bar_counts_words_and_characters_as_you_type(qtbot, window):
    label = window.word_count
    assert label.text() == "0 words · 0 characters"
    window.editor.setFocus()
    QTest.keyClicks(window.editor, "The lighthouse keeper")
    assert label.text() == "3 words · 21 characters"
    window._replace_document("One two.\nThree four five.", None, modified=False)
    assert label.text() == "5 words · 24 characters"  # line breaks are not characters


def test_a_selection_shows_its_own_counts(qtbot, window):
    window._replace_document("One two three four.", None, modified=False)
    cursor = window.editor.textCursor()
    cursor.setPosition(4)
    cursor.setPosition(13, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    qtbot.waitUntil(lambda: "selected" in window.word_count.text(), timeout=2000)
    assert window.word_count.text() == "2 of 4 words · 9 characters selected"


def test_counts_stay_right_through_random_edits(window):
    """Paragraph by paragraph counting equals a full count after any edit sequence."""
    rng = random.Random(5)
    editor = window.editor
    window._replace_document("Alpha beta.\n\nGamma delta epsilon.\nZeta.", None, modified=False)
    for _ in range(200):
        cursor = editor.textCursor()
        length = editor.document().characterCount() - 1
        start = rng.randint(0, length)
        cursor.setPosition(start)
        cursor.setPosition(min(length, start + rng.randint(0, 8)),
                           QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(rng.choice(["", "word ", "\n", " two words\nand more", "x", ". "]))
        assert window.word_count.counter.total == count_words(editor.toPlainText())


def test_the_session_goal_counts_the_words_written_since_opening(qtbot, window):
    settings = Settings(editor=dataclasses.replace(EditorSettings(), session_word_goal=5))
    window._replace_document("Already here.", None, modified=False)
    window.store.update(settings)
    assert window.word_count.text().endswith("Session: 0 / 5")
    cursor = window.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    window.editor.setTextCursor(cursor)
    window.editor.setFocus()
    QTest.keyClicks(window.editor, " one two three four five")
    assert window.word_count.session_words == 5
    assert window.word_count.text().endswith("Session: 5 / 5 \u2713")
