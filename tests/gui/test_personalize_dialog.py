"""The Personalize page inside Preferences, wired to the controller."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSpinBox

from tests.gui.conftest import DEVICES, KNOWN_MODELS, fast_settings
from writer_app.core.settings import load_settings
from writer_app.inference import adapters
from writer_app.jobs.events import Saved

FAKE_SCRIPT = str(Path(__file__).with_name("fake_personalize.py"))
FINGERPRINT = "fingerprint-of-the-fake-model"


@pytest.fixture
def adapter_backend(backend):
    """The fake backend, able to take adapters: it checks the base model as the real
    engine does (by fingerprint) and records the adapter in use."""
    backend.adapter = ""

    def set_adapter(folder: str) -> None:
        if folder:
            adapters.check_compatible(adapters.read_adapter(folder), FINGERPRINT,
                                      backend.info.name)
        backend.adapter = folder or ""

    backend.set_adapter = set_adapter
    return backend


def _open(window, controller, qtbot):
    window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.show_page(dialog.personalize_page)
    return dialog, dialog.personalize_page.panel


def _adapter(root: Path, name: str, base: str, fingerprint: str) -> Path:
    path = root / "adapters" / name
    path.mkdir(parents=True)
    meta = {"name": name, "created": "2026-11-28T10:00:00", "base_model": base,
            "base_model_id": {"reference": "default", "name": base,
                              "fingerprint": fingerprint},
            "metrics": {"ppl_before": 40.0, "ppl_after": 30.0, "valid_loss": 3.4}}
    (path / adapters.METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    (path / "adapter_config.json").write_text("{}", encoding="utf-8")
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    return path


def test_training_goes_on_while_preferences_is_closed(app_parts, qtbot, data_dir, tmp_path,
                                                       monkeypatch):
    window, controller = app_parts
    runner = controller.preferences.personalize_runner
    runner.program, runner.prefix = sys.executable, [FAKE_SCRIPT, "--step-delay", "0.05",
                                                     "--steps", "60"]
    doc = tmp_path / "story.txt"
    doc.write_text("Once upon a time the sea was calm. " * 400, encoding="utf-8")
    dialog, panel = _open(window, controller, qtbot)
    assert dialog.stack.currentWidget() is dialog.personalize_page
    assert panel.isVisible() and panel.runner is runner
    assert panel.store.root == data_dir / "adapters"
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(doc)], ""))
    panel.documents.add_files_button.click()
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)  # read on a worker thread
    panel.start_button.click()
    assert runner.args[runner.args.index("--model") + 1] == "default"
    qtbot.waitUntil(lambda: panel.run_view.progress_bar.value() >= 3, timeout=10000)

    with qtbot.waitSignal(dialog.finished, timeout=2000):
        dialog.cancel_button.click()
    assert runner.state == "running"
    window.editor.setPlainText("The editor stays usable.")  # the dialog is gone
    qtbot.waitUntil(lambda: any(isinstance(e, Saved) for e in runner.events), timeout=10000)

    dialog, panel = _open(window, controller, qtbot)
    assert panel.run_view.progress_box.isVisible() and panel.run_view.chart.train_points()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: runner.state == "cancelled", timeout=5000)
    assert panel.resume_button.isVisible()


def test_the_status_bar_tells_when_training_ends(app_parts, qtbot, data_dir, tmp_path):
    window, controller = app_parts
    runner = controller.preferences.personalize_runner
    runner.program, runner.prefix = sys.executable, [FAKE_SCRIPT, "--steps", "5"]
    runner.start(["--docs", str(tmp_path), "--out", str(tmp_path / "out")], tmp_path / "out")
    qtbot.waitUntil(lambda: runner.state == "done", timeout=10000)
    assert "Personalization finished" in window.statusBar().currentMessage()
    runner.program = str(tmp_path / "no-such-program")
    runner.start(["--docs", str(tmp_path), "--out", str(tmp_path / "out2")], tmp_path / "out2")
    qtbot.waitUntil(lambda: runner.state == "failed", timeout=10000)
    assert "Personalization failed" in window.statusBar().currentMessage()


def test_shutdown_stops_a_running_training(app_parts, qtbot, data_dir, tmp_path):
    window, controller = app_parts
    runner = controller.preferences.personalize_runner
    runner.program, runner.prefix = sys.executable, [FAKE_SCRIPT, "--step-delay", "0.05",
                                                     "--steps", "400"]
    runner.start(["--docs", str(tmp_path), "--out", str(tmp_path / "out")], tmp_path / "out")
    qtbot.waitUntil(lambda: len(runner.events) >= 3, timeout=10000)
    process = runner._process
    controller.shutdown()
    assert process.state() == process.ProcessState.NotRunning


def test_activation_reaches_the_worker_and_is_saved(adapter_backend, app_parts, qtbot,
                                                   data_dir, tmp_path):
    window, controller = app_parts
    mine = _adapter(data_dir, "mine", "fake-model", FINGERPRINT)
    dialog, panel = _open(window, controller, qtbot)
    panel.adapters_box.adapter_list.setCurrentRow(0)
    panel.adapters_box.activate_button.click()
    assert panel.active_adapter == str(mine), panel.adapters_box.adapter_status.text()
    qtbot.waitUntil(lambda: adapter_backend.adapter == str(mine), timeout=3000)
    assert controller.settings.models.adapter == str(mine)
    assert load_settings(tmp_path / "settings.toml")[0].models.adapter == str(mine)
    qtbot.waitUntil(lambda: "“mine”" in window.statusBar().currentMessage(), timeout=3000)
    # An Apply of other changes keeps it; so does a theme change from the menu.
    dialog.completion_page.findChild(QSpinBox, "debounce_ms").setValue(700)
    dialog.apply_button.click()
    assert controller.settings.completion.debounce_ms == 700
    window.set_theme("dark")
    assert load_settings(tmp_path / "settings.toml")[0].models.adapter == str(mine)

    panel.adapters_box.deactivate_button.click()
    qtbot.waitUntil(lambda: adapter_backend.adapter == "", timeout=3000)
    assert controller.settings.models.adapter == ""
    assert load_settings(tmp_path / "settings.toml")[0].models.adapter == ""


def test_an_adapter_of_another_base_model_is_refused(adapter_backend, app_parts, qtbot,
                                                     data_dir, tmp_path):
    window, controller = app_parts
    _adapter(data_dir, "foreign", "org/other-model", "another-fingerprint")
    dialog, panel = _open(window, controller, qtbot)
    panel.adapters_box.adapter_list.setCurrentRow(0)
    panel.adapters_box.activate_button.click()
    # The worker, which knows the loaded model, refuses it; nothing is remembered.
    status = panel.adapters_box.adapter_status
    qtbot.waitUntil(lambda: "org/other-model" in status.text(), timeout=3000)
    assert "choose that model first" in panel.adapters_box.adapter_status.text()
    assert panel.active_adapter == "" and adapter_backend.adapter == ""
    assert controller.settings.models.adapter == ""
    assert load_settings(tmp_path / "settings.toml")[0].models.adapter == ""
    assert "org/other-model" in window.statusBar().currentMessage()
    dialog.apply_button.click()  # and Apply does not bring it back
    assert controller.settings.models.adapter == ""


def test_the_saved_adapter_is_used_from_the_start(adapter_backend, factory, grammar_factory,
                                                  qtbot, data_dir, tmp_path):
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    mine = _adapter(data_dir, "mine", "fake-model", FINGERPRINT)
    base = fast_settings()
    settings = dataclasses.replace(
        base, models=dataclasses.replace(base.models, adapter=str(mine)))
    store = SettingsStore(settings, tmp_path / "settings.toml")
    window = MainWindow(store, RecoveryStore(tmp_path / "recovery"))
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    controller = EditorController(window, store, factory,
                                  known_models=lambda: KNOWN_MODELS, devices=lambda: DEVICES,
                                  dictionary_path=tmp_path / "dictionary.txt",
                                  grammar_factory=grammar_factory)
    try:
        controller.models.load_model()
        qtbot.waitUntil(lambda: adapter_backend.adapter == str(mine), timeout=5000)
        dialog, panel = _open(window, controller, qtbot)
        assert panel.active_adapter == str(mine)
        assert panel.adapters_box.adapter_list.item(0).text().startswith("✓ mine (active)")
    finally:
        controller.shutdown()
        window.close()


def test_the_status_bar_shows_the_active_adapter(adapter_backend, app_parts, qtbot, data_dir):
    window, controller = app_parts
    mine = _adapter(data_dir, "mine", "fake-model", FINGERPRINT)
    assert window.status_bar.label_adapter.isHidden()
    assert controller.models.activate_adapter(str(mine)) is None
    qtbot.waitUntil(lambda: not window.status_bar.label_adapter.isHidden(), timeout=3000)
    assert "mine" in window.status_bar.label_adapter.text()
    assert controller.models.activate_adapter("") is None
    qtbot.waitUntil(window.status_bar.label_adapter.isHidden, timeout=3000)

