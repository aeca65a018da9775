"""Guards against a binding bug: PySide6 6.12.0 loses a reference to None on every key
event delivered to a Python keyPressEvent override, which crashes the app later."""

import sys

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from writer_app.gui.editor import CompletionEditor


def test_key_events_keep_python_refcounts_intact(qtbot):
    editor = CompletionEditor()
    qtbot.addWidget(editor)
    editor.show()
    before_none, before_true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(300):
        QTest.keyClick(editor, Qt.Key.Key_A)
    assert editor.toPlainText() == "a" * 300
    assert sys.getrefcount(None) - before_none > -100
    assert sys.getrefcount(True) - before_true > -100


def test_alt_brackets_request_alternatives(qtbot):
    editor = CompletionEditor()
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.sig_alternative_requested) as blocker:
        QTest.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
    assert blocker.args == [1]
    assert editor.toPlainText() == ""
