"""Tools › Personalize…: the one-click path in its own window, sharing the app's one
training runner with Preferences › Personalize."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from writer_app.core.settings import load_settings

FAKE_SCRIPT = str(Path(__file__).with_name("fake_personalize.py"))


@pytest.fixture
def adapter_backend(backend):
    """The fake backend, able to take adapters (it records the one in use)."""
    backend.adapter = ""

    def set_adapter(folder: str) -> None:
        backend.adapter = folder or ""

    backend.set_adapter = set_adapter
    return backend


def _choose(panel, monkeypatch, qtbot, doc: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(doc)], ""))
    panel.documents.add_files_button.click()
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)


def test_tools_personalize_opens_one_window_on_the_one_runner(app_parts, qtbot, data_dir):
    window, controller = app_parts
    assert window.action_personalize in window.menu_tools.actions()
    window.action_personalize.trigger()
    personalize = controller.preferences.personalize_window
    qtbot.waitUntil(personalize.isVisible)
    assert personalize.isWindow() and not personalize.isModal()
    assert controller.preferences.dialog is None  # Preferences stays closed
    panel = personalize.panel
    assert panel.runner is controller.preferences.personalize_runner and panel.compact
    assert panel.store.root == data_dir / "adapters"
    # The one-click path only: no vocabulary review, grammar adaptation or adapter list.
    for hidden in (panel.vocabulary_box, panel.grammar_check, panel.adapters_box):
        assert not hidden.isVisible()
    assert panel.documents.isVisible() and panel.start_button.isVisible()
    assert not panel.grammar_box.isVisible() and panel.grammar_box.available
    personalize.close()
    assert not personalize.isVisible()
    window.action_personalize.trigger()
    assert controller.preferences.personalize_window is personalize and personalize.isVisible()


def test_one_run_whichever_view_starts_it(adapter_backend, app_parts, qtbot, data_dir,
                                          tmp_path, monkeypatch):
    window, controller = app_parts
    runner = controller.preferences.personalize_runner
    runner.program, runner.prefix = sys.executable, [FAKE_SCRIPT, "--step-delay", "0.05",
                                                     "--steps", "30"]
    doc = tmp_path / "story.txt"
    doc.write_text("Once upon a time the sea was calm. " * 400, encoding="utf-8")
    personalize = controller.preferences.open_personalize()
    panel = personalize.panel
    _choose(panel, monkeypatch, qtbot, doc)
    panel.start_button.click()
    assert runner.state == "running" and not panel.start_button.isEnabled()
    model = controller.settings.models.completion_model
    assert runner.args[runner.args.index("--model") + 1] == model  # the one in use now
    qtbot.waitUntil(lambda: panel.run_view.progress_bar.value() >= 2, timeout=10000)
    personalize.close()  # the run goes on without the window

    window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.show_page(dialog.personalize_page)
    other = dialog.personalize_page.panel
    assert other.runner is runner
    assert other.run_view.progress_box.isVisible() and other.run_view.chart.train_points()
    _choose(other, monkeypatch, qtbot, doc)
    assert not other.start_button.isEnabled() and not other.start()  # no second run
    assert runner.state == "running"
    dialog.reject()

    window.action_personalize.trigger()  # reopened: the same run, further on
    assert controller.preferences.personalize_window is personalize
    qtbot.waitUntil(lambda: runner.state == "done", timeout=15000)
    assert panel.run_view.chart.train_points()[-1][0] == 30
    assert panel.run_view.report_box.isVisible()
    use = panel.run_view.use_button
    assert use.isVisible() and use.isEnabled() and use.text() == "Use it"
    adapter = runner.out_dir
    use.click()
    assert controller.settings.models.adapter == str(adapter)
    assert "now use" in panel.run_view.use_status.text()
    assert not use.isEnabled() and use.text() == "In use"
    qtbot.waitUntil(lambda: adapter_backend.adapter == str(adapter), timeout=3000)
    assert load_settings(tmp_path / "settings.toml")[0].models.adapter == str(adapter)
    dialog = controller.preferences.open()  # Preferences shows the same adapter active
    assert dialog.personalize_page.panel.active_adapter == str(adapter)
    dialog.reject()


def _start_grammar_run(controller, doc: Path, out: Path):
    """The grammar adaptation's runner, started on the fake process for 200 slow steps."""
    grammar = controller.preferences.grammar_personalize_runner
    grammar.program, grammar.prefix = sys.executable, [FAKE_SCRIPT, "--step-delay", "0.05",
                                                       "--steps", "200"]
    grammar.start(["--docs", str(doc), "--out", str(out), "--json-progress"], out)
    return grammar


def test_start_waits_while_the_grammar_checker_adapts(app_parts, qtbot, data_dir, tmp_path,
                                                     monkeypatch):
    window, controller = app_parts
    doc = tmp_path / "story.txt"
    doc.write_text("Once upon a time the sea was calm. " * 400, encoding="utf-8")
    panel = controller.preferences.open_personalize().panel
    _choose(panel, monkeypatch, qtbot, doc)
    assert panel.start_button.isEnabled()
    grammar = _start_grammar_run(controller, doc, tmp_path / "g")
    try:
        assert grammar.is_active() and not panel.start_button.isEnabled()
        assert not panel.start() and controller.preferences.personalize_runner.state == "idle"
        assert not panel.grammar_box.isVisible()  # its progress shows in Preferences
    finally:
        grammar.stop_now()
    qtbot.waitUntil(lambda: not grammar.is_active(), timeout=10000)
    assert panel.start_button.isEnabled()


def test_while_training_runs_the_models_keep_the_editors_share_of_the_cores(
        app_parts, qtbot, data_dir, tmp_path, monkeypatch):
    from writer_app.core.cpu_share import editor_threads_while_training

    window, controller = app_parts
    worker, share = controller._worker, editor_threads_while_training()
    runner = controller.preferences.personalize_runner
    runner.program, runner.prefix = sys.executable, [FAKE_SCRIPT, "--step-delay", "0.05",
                                                     "--steps", "20"]
    doc = tmp_path / "story.txt"
    doc.write_text("Once upon a time the sea was calm. " * 400, encoding="utf-8")
    panel = controller.preferences.open_personalize().panel
    _choose(panel, monkeypatch, qtbot, doc)
    assert worker._thread_limit == 0
    panel.start_button.click()
    qtbot.waitUntil(lambda: worker._thread_limit == share, timeout=3000)
    with qtbot.waitSignal(controller.models.sig_model_ready, timeout=5000):
        controller.models.load_model()  # a model loaded meanwhile keeps to the share
    assert worker._thread_limit == share
    qtbot.waitUntil(lambda: runner.state == "done", timeout=15000)
    qtbot.waitUntil(lambda: worker._thread_limit == 0, timeout=3000)

    grammar = _start_grammar_run(controller, doc, tmp_path / "g")  # the other training run
    try:
        qtbot.waitUntil(lambda: worker._thread_limit == share, timeout=3000)
    finally:
        grammar.stop_now()
    qtbot.waitUntil(lambda: worker._thread_limit == 0, timeout=10000)
