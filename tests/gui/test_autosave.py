"""Autosave to the file: on for named documents, quiet, never over someone else's change."""

from __future__ import annotations

import dataclasses
import os

import pytest
from PySide6.QtTest import QTest

from writer_app.core.settings import EditorSettings
from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore


@pytest.fixture
def window(qtbot):
    window = MainWindow(SettingsStore())
    qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
    return window


def test_a_named_document_is_saved_by_autosave(window, tmp_path):
    assert EditorSettings().autosave_to_file  # on by default
    path = tmp_path / "story.md"
    path.write_text("Once.", encoding="utf-8")
    assert window.open_path(path)
    assert not window.file_autosave.save_now()  # nothing changed
    window.editor.setFocus()
    QTest.keyClicks(window.editor, " Twice.")
    assert window.file_autosave.save_now()
    assert "Twice." in path.read_text(encoding="utf-8") and not window.is_modified()


def test_untitled_pending_and_switched_off_documents_are_not_saved(window, tmp_path):
    QTest.keyClicks(window.editor, "No file yet.")
    assert not window.file_autosave.save_now() and window.is_modified()
    window.editor.document().setModified(False)
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    window.open_path(path)
    window.editor.begin_pending()
    window.editor.set_pending_text(" not kept yet")
    assert not window.file_autosave.save_now()  # Continue writing's text is not the writer's
    window.editor.discard_pending()
    QTest.keyClicks(window.editor, "y")
    window.store.update(dataclasses.replace(
        window.settings, editor=dataclasses.replace(window.settings.editor,
                                                    autosave_to_file=False)))
    assert not window.file_autosave.save_now()
    assert path.read_text(encoding="utf-8") == "x"


def test_a_change_on_disk_pauses_autosave_until_a_manual_save(window, tmp_path):
    path = tmp_path / "shared.txt"
    path.write_text("Mine.", encoding="utf-8")
    window.open_path(path)
    QTest.keyClicks(window.editor, " More.")
    path.write_text("Theirs.", encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert not window.file_autosave.save_now()
    assert path.read_text(encoding="utf-8") == "Theirs."  # never overwritten quietly
    assert window.file_autosave.paused and window.is_modified()
    assert not window.file_autosave.save_now()  # stays paused
