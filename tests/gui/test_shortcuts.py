"""The empty-state hint and Help › Keyboard Shortcuts."""

from __future__ import annotations

import pytest
from PySide6.QtTest import QTest

from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore
from writer_app.gui.shortcuts import ShortcutsDialog, menu_shortcuts


@pytest.fixture
def window(qtbot):
    window = MainWindow(SettingsStore())
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    return window


def test_an_empty_document_shows_the_main_keys_but_not_as_text(window):
    hint = window.editor.placeholderText()
    for key in ("Tab", "Ctrl+Enter", "F8", "Ctrl+H", "F1"):
        assert key in hint
    assert window.editor.toPlainText() == "" and not window.is_modified()
    window.editor.setFocus()
    QTest.keyClicks(window.editor, "A")
    assert window.editor.toPlainText() == "A"


def test_help_lists_every_shortcut_of_the_menus_and_the_editor_keys(window):
    assert window.action_shortcuts in window.menu_help.actions()
    sections = dict(menu_shortcuts([window.menu_edit]))
    edit = dict((text, keys) for keys, text in sections["Edit"])
    assert edit["Replace"] == "Ctrl+H" and "Ctrl+Return" in edit["Continue Writing"]
    assert "Ctrl+Shift+Return" in edit["Try Again"]
    dialog = ShortcutsDialog([window.menu_file, window.menu_edit, window.menu_help], window)
    text = dialog.browser.toPlainText()
    for expected in ("Accept the grey suggestion", "Next / previous issue", "Replace",
                     "Keyboard Shortcuts", "Save"):
        assert expected in text
