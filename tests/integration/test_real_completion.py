"""The whole path on the real embedded model: CLI, window, worker thread, ghost text."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.slow


def test_cli_complete_prints_a_continuation():
    result = subprocess.run(
        [sys.executable, "-m", "writer_app", "complete", "--max-new-tokens", "8",
         "The capital of France is"],
        capture_output=True, text=True, timeout=600, env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr


def test_cli_complete_reads_stdin_and_reports_a_bad_model_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "writer_app", "complete", "--model", str(tmp_path / "nope"), "-"],
        input="Hello there", capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "does not exist" in result.stderr


def test_window_gets_real_ghost_text_and_never_freezes(qtbot, tmp_path):
    from tests.gui.conftest import fast_settings
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.diagnostics import EventLoopGapMeter
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    settings = fast_settings(debounce_ms=100)
    # Completion alone: grammar checking has its own real-window test.
    settings = dataclasses.replace(settings, grammar=dataclasses.replace(
        settings.grammar, grammar_enabled=False, spelling_enabled=False))
    # Show what the model suggests here even where it is unsure (the gating has tests of
    # its own): this test is about real ghost text reaching the window without a stall.
    settings = dataclasses.replace(settings, completion=dataclasses.replace(
        settings.completion, confidence="eager"))
    store = SettingsStore(settings, tmp_path / "settings.toml")
    window = MainWindow(store, RecoveryStore(tmp_path / "recovery"))
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    controller = EditorController(window, store)
    try:
        with qtbot.waitSignal(controller.models.sig_model_ready, timeout=600_000):
            controller.models.load_model()
        window.show()
        editor = window.editor
        meter = EventLoopGapMeter()
        meter.start()
        editor.setFocus()
        for phrase in ["Once upon a time, there was a", " little girl who lived in a"]:
            editor.clear_suggestion()  # so the phrase is typed, not typed through
            QTest.keyClicks(editor, phrase)
            finished = controller.completion.sig_completion_finished
            with qtbot.waitSignal(finished, timeout=60_000) as done:
                pass
            assert done.args[0].request_id > 0
        meter.stop()
        qtbot.waitUntil(editor.has_suggestion, timeout=5000)
        assert editor.suggestion.strip()
        assert editor.toPlainText() == "Once upon a time, there was a little girl who lived in a"
        print(f"suggestion {editor.suggestion!r}, longest GUI gap {meter.longest_ms:.1f} ms")
        assert meter.longest_ms < 100, f"GUI stalled for {meter.longest_ms:.0f} ms"
    finally:
        controller.shutdown()
        window.close()
