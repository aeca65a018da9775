"""Recovery copies kept by journal: whatever the writer does to the text (typing,
deleting, pasting lines, emoji, no-break spaces, undo and redo), a crash at any tick
restores exactly the text of that tick, and small edits never write a full copy."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from writer_app.core.recovery import RecoveryStore
from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore

PIECES = st.sampled_from(["a", "word ", "\n", "😀", "\u00a0", "é", "\u2028", "—", "\t",
                          "two words\nand a line", ""])
EDITS = st.lists(st.one_of(
    st.tuples(st.just("type"), st.floats(0, 1), st.integers(0, 6), PIECES),
    st.tuples(st.just("undo"), st.just(0.0), st.just(0), st.just("")),
    st.tuples(st.just("redo"), st.just(0.0), st.just(0), st.just("")),
    st.tuples(st.just("tick"), st.just(0.0), st.just(0), st.just("")),
), min_size=1, max_size=30)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


DEAD_PID = _dead_pid()


def _window(store: RecoveryStore) -> MainWindow:
    window = MainWindow(SettingsStore(), store)
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard  # never prompt
    return window


def _apply(editor, action: str, where: float, removed: int, text: str) -> None:
    if action == "undo":
        editor.undo()
    elif action == "redo":
        editor.redo()
    elif action == "type":
        last = editor.document().characterCount() - 1
        cursor = QTextCursor(editor.document())
        start = int(where * last)
        cursor.setPosition(start)
        cursor.setPosition(min(last, start + removed), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.text(alphabet="ab😀\n é", max_size=40), edits=EDITS)
def test_a_crash_at_any_tick_restores_that_ticks_text(qtbot, tmp_path_factory, start,
                                                       edits):
    folder = tmp_path_factory.mktemp("recovery")
    window = _window(RecoveryStore(folder, pid=DEAD_PID))
    try:
        window._replace_document(start, None, modified=True)
        window.write_recovery()
        for action, where, removed, text in edits:
            _apply(window.editor, action, where, removed, text)
            if action == "tick" and window.is_modified():
                window.recovery_keeper.mark_changed()
                window.write_recovery()
                (entry,) = RecoveryStore(folder).pending()
                assert entry.text == window.document_text()
    finally:
        window.close()
        window.deleteLater()


def test_small_edits_in_a_long_document_write_no_full_copy(qtbot, tmp_path):
    window = _window(RecoveryStore(tmp_path, pid=DEAD_PID))
    qtbot.addWidget(window)
    window._replace_document("A long paragraph of prose. " * 4000, None, modified=True)
    assert window.write_recovery()
    keeper = window.recovery_keeper
    assert keeper.full_copies == 1
    cursor = window.editor.textCursor()
    for word in ("Tick", " tock", "\nAnd"):
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(word)
        assert window.write_recovery()
    assert keeper.full_copies == 1  # three ticks, each appending a few bytes
    (journal,) = tmp_path.glob("*/*.journal")
    assert journal.stat().st_size < 200
    (entry,) = RecoveryStore(tmp_path).pending()
    assert entry.text == window.document_text()
