"""Preferences: a model folder with pickle weights only is added after the writer's
consent (a warning that names the risk), remembered; refused otherwise. An unreadable
personal dictionary is shown locked so no edit can overwrite it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from writer_app.controllers.editor import _validate_folder
from writer_app.core import trusted
from writer_app.core.settings import Settings
from writer_app.gui.settings_dialog import ADD_FOLDER, SettingsDialog
from writer_app.gui.settings_store import SettingsStore


@pytest.fixture
def pickle_folder(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("WRITER_APP_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    (folder / "pytorch_model.bin").write_bytes(b"weights")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


def _add(qtbot, folder, answer, monkeypatch):
    asked = []

    def warning(parent, title, text, *args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "warning", warning)
    checked = []

    def validate(path):  # the real check, except for the weights' contents
        checked.append(path)
        return _validate_folder(path) if len(checked) == 1 else (
            None if trusted.is_trusted(path) else "refused")

    dialog = SettingsDialog(SettingsStore(Settings()), validate_folder=validate)
    qtbot.addWidget(dialog)
    models = dialog.models_page
    models._choose_model_folder = lambda: folder
    models.model_combo.activated.emit(models.model_combo.findData(ADD_FOLDER))
    return models, asked, dialog


def test_consent_adds_and_remembers_the_folder(qtbot, pickle_folder, monkeypatch):
    models, asked, _dialog = _add(qtbot, pickle_folder, QMessageBox.StandardButton.Yes, monkeypatch)
    assert "pickle" in asked[0] and "run any program" in asked[0]
    assert models.model_combo.currentData() == str(pickle_folder)
    assert trusted.is_trusted(pickle_folder)


def test_no_consent_leaves_it_out(qtbot, pickle_folder, monkeypatch):
    models, asked, _dialog = _add(qtbot, pickle_folder, QMessageBox.StandardButton.No, monkeypatch)
    assert len(asked) == 1
    assert models.model_combo.currentData() != str(pickle_folder)
    assert "pickle" in models.model_error.text()
    assert not trusted.is_trusted(pickle_folder)


def test_an_unreadable_dictionary_is_locked(qtbot):
    dialog = SettingsDialog(SettingsStore(Settings()))
    qtbot.addWidget(dialog)
    page = dialog.grammar_page
    page.lock_dictionary("Cannot read the personal dictionary: not UTF-8.")
    assert not page.word_edit.isEnabled() and not page.remove_button.isEnabled()
    assert "Cannot read" in page.dictionary_status.text()
