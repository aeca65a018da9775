"""The main window and the file on disk: changes made by another program are asked about
(at save and when the window regains focus); read-only files, line ends and BOM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from writer_app.gui.disk_guard import CANCEL, KEEP_MINE, LOAD_THEIRS, SAVE_AS
from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore


@pytest.fixture(autouse=True)
def private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRITER_APP_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def window(qtbot):
    window = MainWindow(SettingsStore())
    window._show_error = lambda title, text: pytest.fail(f"{title}: {text}")
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    asked: list[tuple[str, bool]] = []
    answers: list[str] = []

    def ask_changed(message: str, *, saving: bool) -> str:
        asked.append((message, saving))
        return answers.pop(0)

    window._disk.ask_changed = ask_changed
    window.asked, window.answers = asked, answers
    yield window
    window.editor.document().setModified(False)


def _open_and_edit(window, path: Path, data: bytes, edit: str = " and mine") -> None:
    path.write_bytes(data)
    assert window.open_path(path)
    cursor = window.editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    cursor.insertText(edit)
    window.editor.setTextCursor(cursor)


def _their_edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)


def test_keep_mine_overwrites_after_asking(window, tmp_path):
    path = tmp_path / "doc.txt"
    _open_and_edit(window, path, b"Mine")
    _their_edit(path, "Theirs")
    window.answers.append(KEEP_MINE)
    assert window.save()
    assert window.asked == [("“doc.txt” was changed by another program since it was "
                             "opened.", True)]
    assert path.read_text(encoding="utf-8") == "Mine and mine"


def test_cancel_leaves_their_file_and_my_text(window, tmp_path):
    path = tmp_path / "doc.txt"
    _open_and_edit(window, path, b"Mine")
    _their_edit(path, "Theirs")
    window.answers.append(CANCEL)
    assert not window.save()
    assert path.read_text(encoding="utf-8") == "Theirs"
    assert window.document_text() == "Mine and mine" and window.is_modified()


def test_load_theirs_replaces_the_editor_text(window, tmp_path):
    path = tmp_path / "doc.txt"
    _open_and_edit(window, path, b"Mine")
    _their_edit(path, "Theirs")
    window.answers.append(LOAD_THEIRS)
    assert not window.save()
    assert window.document_text() == "Theirs" and not window.is_modified()
    assert path.read_text(encoding="utf-8") == "Theirs"


def test_save_as_keeps_both(window, tmp_path):
    path, other = tmp_path / "doc.txt", tmp_path / "copy.txt"
    _open_and_edit(window, path, b"Mine")
    _their_edit(path, "Theirs")
    window._choose_save_path = lambda: other
    window.answers.append(SAVE_AS)
    assert window.save()
    assert path.read_text(encoding="utf-8") == "Theirs"
    assert other.read_text(encoding="utf-8") == "Mine and mine"
    assert window.current_path == other


def test_regaining_focus_asks_once_per_change(window, tmp_path, qtbot):
    path = tmp_path / "doc.txt"
    _open_and_edit(window, path, b"Mine")
    _their_edit(path, "Theirs")
    window.answers.append(KEEP_MINE)
    window._disk.check()  # what the window does when it is activated again
    window._disk.check()  # the same change: not asked twice
    assert [saving for _, saving in window.asked] == [False]
    assert window.save()  # kept mine: the save does not ask again
    assert path.read_text(encoding="utf-8") == "Mine and mine"


def test_activation_triggers_the_check(window, tmp_path, qtbot, monkeypatch):
    checked = []
    monkeypatch.setattr(window._disk, "check", lambda: checked.append(True))
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    qtbot.waitUntil(lambda: checked == [True])


def test_read_only_file_is_asked_about(window, tmp_path):
    path = tmp_path / "locked.txt"
    _open_and_edit(window, path, b"Kept")
    path.chmod(0o444)
    answers = [False, True]
    window._disk.ask_read_only = lambda message: answers.pop(0)
    assert not window.save()
    assert path.read_text(encoding="utf-8") == "Kept"
    assert window.save()
    assert path.read_text(encoding="utf-8") == "Kept and mine"


def test_crlf_and_bom_survive_an_edit(window, tmp_path):
    path = tmp_path / "windows.txt"
    _open_and_edit(window, path, b"\xef\xbb\xbfOne\r\nTwo\r\n", edit="Three")
    assert window.save()
    assert path.read_bytes() == b"\xef\xbb\xbfOne\r\nTwo\r\nThree"
