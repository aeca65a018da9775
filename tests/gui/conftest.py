"""Fixtures for GUI tests: a real MainWindow and controller on a fake backend."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.fakes import FakeBackend, FakeGrammarChecker, fake_factory, fake_grammar_factory
from writer_app.core.settings import CompletionSettings, EditorSettings, Settings


def fast_settings(debounce_ms: int = 40) -> Settings:
    return Settings(
        completion=CompletionSettings(debounce_ms=debounce_ms),
        editor=dataclasses.replace(EditorSettings(), autosave_seconds=3600),
    )


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


GIB = 1024**3
# What the Preferences dialog is shown instead of the real HF-cache scan and devices.
KNOWN_MODELS = [
    SimpleNamespace(reference="default", name="Embedded default", source="embedded",
                    path=None, size_bytes=270 * 1024**2),
    SimpleNamespace(reference="org/cached-model", name="org/cached-model", source="hf-cache",
                    path="/hf/cache/org/cached-model", size_bytes=GIB),
    SimpleNamespace(reference="broken", name="broken (fails to load)", source="hf-cache",
                    path="/hf/cache/broken", size_bytes=None),
]
DEVICES = [
    SimpleNamespace(id="cpu", name="CPU (2 threads by default)", total_memory=None,
                    free_memory=None),
    SimpleNamespace(id="cuda:0", name="Fake GPU 8GB", total_memory=8 * GIB,
                    free_memory=6 * GIB),
]


@pytest.fixture
def grammar_checker() -> FakeGrammarChecker:
    return FakeGrammarChecker()


@pytest.fixture
def grammar_factory(grammar_checker):
    """The fake grammar factory; `grammar_factory.configs` lists what was asked for."""
    return fake_grammar_factory(grammar_checker)


@pytest.fixture
def factory(backend):
    """The fake backend factory; `factory.specs` lists every ModelSpec asked for."""
    return fake_factory(backend)


@pytest.fixture
def app_parts(qtbot, backend, factory, grammar_factory, tmp_path):
    """(window, controller) with the fake model loaded; threads joined at teardown.

    Settings and the personal dictionary go to tmp_path; Preferences sees KNOWN_MODELS
    and DEVICES, and validates model folders for real.
    """
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    settings = fast_settings()
    store = SettingsStore(settings, tmp_path / "settings.toml")
    window = MainWindow(store, RecoveryStore(tmp_path / "recovery"))
    # pytest-qt closes the window before this fixture's teardown runs: never prompt.
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    controller = EditorController(
        window, store, factory,
        known_models=lambda: KNOWN_MODELS, devices=lambda: DEVICES,
        dictionary_path=tmp_path / "dictionary.txt", grammar_factory=grammar_factory)
    with qtbot.waitSignal(controller.models.sig_model_ready, timeout=5000):
        controller.models.load_model()
    window.show()
    yield window, controller
    controller.shutdown()
    window.close()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """The app's data folder (adapters, personal grammar models), in tmp_path."""
    folder = tmp_path / "data"
    monkeypatch.setenv("WRITER_APP_DATA_DIR", str(folder))
    return folder
