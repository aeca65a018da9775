"""Fixtures for GUI tests: a real MainWindow and controller on a fake backend."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.fakes import FakeBackend, fake_factory
from writer_app.core.settings import CompletionSettings, EditorSettings, Settings


def fast_settings(debounce_ms: int = 40) -> Settings:
    return Settings(
        completion=CompletionSettings(debounce_ms=debounce_ms),
        editor=dataclasses.replace(EditorSettings(), autosave_seconds=3600),
    )


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def app_parts(qtbot, backend, tmp_path):
    """(window, controller) with the fake model loaded; threads joined at teardown."""
    from writer_app.controller import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow

    settings = fast_settings()
    window = MainWindow(settings, RecoveryStore(tmp_path / "recovery"))
    # pytest-qt closes the window before this fixture's teardown runs: never prompt.
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    controller = EditorController(window, settings, fake_factory(backend))
    with qtbot.waitSignal(controller.sig_model_ready, timeout=5000):
        controller.load_model()
    window.show()
    yield window, controller
    controller.shutdown()
    window.close()
