""""Also adapt the grammar checker" on the Personalize page, with fake training scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from writer_app.controllers.models import AdapterStore
from writer_app.core.settings import load_settings
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.jobs.events import GRAMMAR_EVENTS
from writer_app.jobs.runner import TrainingRunner

FAKE_SCRIPT = str(Path(__file__).with_name("fake_personalize.py"))
WORDS = "The lighthouse keeper wrote every evening about the weather and the sea. "


def _runner(*options: str, grammar: bool = False) -> TrainingRunner:
    if grammar:  # the fake speaks the grammar adaptation's events with --json-progress
        return TrainingRunner(sys.executable, [FAKE_SCRIPT, *options], kinds=GRAMMAR_EVENTS)
    return TrainingRunner(sys.executable, [FAKE_SCRIPT, *options])


@pytest.fixture
def doc(tmp_path) -> Path:
    path = tmp_path / "journal.txt"
    path.write_text(WORDS * 200, encoding="utf-8")
    return path


@pytest.fixture
def make_panel(qtbot, tmp_path):
    """A panel with fake LoRA and grammar runners; `used` records use_model calls."""
    made = []

    def make(grammar_options=("--steps", "6", "--step-delay", "0.02"), store=True,
             use_error=None):
        used: list[str] = []

        def use_model(path: str):
            used.append(path)
            return use_error

        lora = _runner("--steps", "4")
        grammar = _runner(*grammar_options, grammar=True)
        panel = PersonalizePanel(lora, store=AdapterStore(tmp_path / "adapters")
                                 if store else None)
        qtbot.addWidget(panel)
        panel.resize(700, 1400)
        panel.show()
        made.append((panel, grammar))
        assert not panel.grammar_check.isEnabled()  # nothing to run it with yet
        panel.set_grammar_hooks(grammar, tmp_path / "grammar_models", use_model)
        return panel, grammar, used

    yield make
    for panel, grammar in made:
        panel.runner.stop_now()
        grammar.stop_now()
        panel.wait_for_workers()


def _choose(panel, monkeypatch, qtbot, doc) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(doc)], ""))
    qtbot.mouseClick(panel.documents.add_files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)


def test_the_grammar_checker_is_adapted_after_the_adapter(make_panel, doc, monkeypatch,
                                                          qtbot, tmp_path):
    panel, grammar, used = make_panel()
    assert panel.grammar_check.isEnabled() and not panel.grammar_check.isChecked()
    assert not panel.grammar_box.isVisible()
    _choose(panel, monkeypatch, qtbot, doc)
    panel.grammar_check.setChecked(True)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.runner.state == "running" and grammar.state == "idle"
    qtbot.waitUntil(lambda: panel.runner.state == "done", timeout=15000)
    assert grammar.state == "running"  # started when the adapter was done
    assert grammar.args[:2] == ["--docs", str(doc)] and "--json-progress" in grammar.args
    assert grammar.out_dir.parent == tmp_path / "grammar_models"
    assert panel.grammar_box.isVisible() and not panel.start_button.isEnabled()
    assert panel.grammar_box.cancel_button.isVisible()
    qtbot.waitUntil(lambda: grammar.state == "done", timeout=15000)
    box = panel.grammar_box
    assert box.progress_bar.value() == 6 and box.progress_bar.maximum() == 6
    report = box.report_label.text()
    assert "False alarms on 24 of your held-out sentences: 25% → 8%" in report
    assert "22 copies with errors put in: 64% → 59%" in report
    assert box.model_path == str(grammar.out_dir)
    assert box.use_button.isVisible() and box.use_button.isEnabled()
    assert not box.cancel_button.isVisible() and panel.start_button.isEnabled()
    qtbot.mouseClick(box.use_button, Qt.MouseButton.LeftButton)
    assert used == [str(grammar.out_dir)]
    assert "now uses" in box.status_label.text() and not box.use_button.isEnabled()


def test_unchecked_only_the_adapter_is_trained(make_panel, doc, monkeypatch, qtbot):
    panel, grammar, _used = make_panel()
    _choose(panel, monkeypatch, qtbot, doc)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.runner.state == "done", timeout=15000)
    qtbot.wait(200)
    assert grammar.state == "idle" and not panel.grammar_box.isVisible()


def test_without_an_adapter_store_only_the_grammar_checker_is_adapted(make_panel, doc,
                                                                      monkeypatch, qtbot):
    panel, grammar, _used = make_panel(store=False)
    _choose(panel, monkeypatch, qtbot, doc)
    assert not panel.start_button.isEnabled()
    panel.grammar_check.setChecked(True)
    assert panel.start_button.isEnabled()
    panel.start_button.click()
    assert panel.runner.state == "idle" and grammar.state == "running"
    qtbot.waitUntil(lambda: grammar.state == "done", timeout=15000)


def test_a_failed_or_cancelled_adaptation_offers_no_model(make_panel, doc, monkeypatch,
                                                          qtbot):
    panel, grammar, _used = make_panel(("--fake-mode", "crash", "--steps", "6"), store=False)
    _choose(panel, monkeypatch, qtbot, doc)
    panel.grammar_check.setChecked(True)
    panel.start_button.click()
    qtbot.waitUntil(lambda: grammar.state == "failed", timeout=15000)
    box = panel.grammar_box
    assert "fake grammar trainer fell over" in box.status_label.text()
    assert not box.use_button.isVisible() and box.model_path == ""

    grammar.prefix = [FAKE_SCRIPT, "--steps", "400", "--step-delay", "0.05"]
    panel.start_button.click()
    qtbot.waitUntil(lambda: box.progress_bar.value() >= 2, timeout=15000)
    qtbot.mouseClick(box.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grammar.state == "cancelled", timeout=5000)
    assert box.status_label.text() == "Stopped: nothing was saved."
    assert not grammar.out_dir.exists() and not box.use_button.isVisible()


def test_a_reopened_page_shows_the_report_and_a_refusal(make_panel, doc, monkeypatch, qtbot):
    panel, grammar, _used = make_panel(store=False)
    _choose(panel, monkeypatch, qtbot, doc)
    panel.grammar_check.setChecked(True)
    panel.start_button.click()
    qtbot.waitUntil(lambda: grammar.state == "done", timeout=15000)
    again = PersonalizePanel(_runner())
    qtbot.addWidget(again)
    again.set_grammar_hooks(grammar, Path("/unused"), lambda _path: "the model is damaged")
    box = again.grammar_box
    assert not box.isHidden() and "25% → 8%" in box.report_label.text()
    assert box.use_button.isEnabled() and not box.use_model()
    assert box.status_label.text() == "the model is damaged"


def test_use_this_grammar_model_switches_the_checker(app_parts, qtbot, tmp_path):
    window, controller = app_parts
    folder = tmp_path / "grammar_models" / "grammar-1"
    assert "No grammar model" in controller.preferences.use_grammar_model(str(folder))
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.personalize_page.panel.grammar_box.available
    assert controller.preferences.use_grammar_model(str(folder)) is None
    assert controller.settings.models.grammar_model == str(folder)
    assert load_settings(tmp_path / "settings.toml")[0].models.grammar_model == str(folder)
    assert dialog.models_page.grammar.combo.currentData() == str(folder)
    dialog.apply()  # the dialog does not bring the old model back
    assert controller.settings.models.grammar_model == str(folder)


def test_closing_the_page_mid_run_keeps_the_grammar_adaptation(doc, monkeypatch, qtbot,
                                                               tmp_path):
    # as the controller's
    lora, grammar = _runner("--steps", "4"), _runner("--steps", "3", grammar=True)
    try:
        panel = PersonalizePanel(lora, store=AdapterStore(tmp_path / "adapters"))
        panel.set_grammar_hooks(grammar, tmp_path / "grammar_models", lambda path: None)
        panel.show()
        _choose(panel, monkeypatch, qtbot, doc)
        panel.grammar_check.setChecked(True)
        panel.start_button.click()
        panel.wait_for_workers()
        panel.close()
        panel.deleteLater()  # as Preferences does when it closes
        qtbot.waitUntil(lambda: not shiboken6.isValid(panel), timeout=5000)
        qtbot.waitUntil(lambda: lora.state == "done", timeout=15000)
        assert grammar.state == "running", "the adaptation starts without the page"
        assert grammar.out_dir.parent == tmp_path / "grammar_models"
        qtbot.waitUntil(lambda: grammar.state == "done", timeout=15000)
        reopened = PersonalizePanel(lora, store=AdapterStore(tmp_path / "adapters"))
        qtbot.addWidget(reopened)
        reopened.set_grammar_hooks(grammar, tmp_path / "grammar_models", lambda path: None)
        assert reopened.grammar_box.model_path == str(grammar.out_dir)
        assert "False alarms" in reopened.grammar_box.report_label.text()
    finally:
        lora.stop_now()
        grammar.stop_now()


def test_a_cancelled_adapter_run_starts_no_grammar_adaptation(make_panel, doc, monkeypatch,
                                                              qtbot):
    panel, grammar, _used = make_panel()
    _choose(panel, monkeypatch, qtbot, doc)
    panel.grammar_check.setChecked(True)
    panel.start_button.click()
    panel.runner.cancel()
    qtbot.waitUntil(lambda: panel.runner.state == "cancelled", timeout=15000)
    qtbot.wait(100)
    assert grammar.state == "idle"
