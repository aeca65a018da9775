"""The Personalize panel driven as a user would, with a fake training script."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from writer_app.controllers.models import AdapterStore
from writer_app.gui.personalize.common import estimate_seconds, scrolling
from writer_app.gui.personalize.documents import FEW_WORDS
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.inference.adapters import METADATA_FILE
from writer_app.jobs.events import Progress, Saved
from writer_app.jobs.runner import TrainingRunner

FAKE_SCRIPT = str(Path(__file__).with_name("fake_personalize.py"))
WORDS = "The lighthouse keeper wrote every evening about the weather and the sea. "


def _runner(mode: str = "ok", delay: float = 0.0, steps: int = 30) -> TrainingRunner:
    return TrainingRunner(sys.executable, [FAKE_SCRIPT, "--fake-mode", mode,
                                           "--step-delay", str(delay), "--steps", str(steps)])


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    (folder / "more").mkdir(parents=True)
    (folder / "journal.txt").write_text(WORDS * 200, encoding="utf-8")  # 2,400 words
    (folder / "more" / "notes.md").write_text("# Notes\n\n" + WORDS * 10, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 not text \xff\x00")
    (folder / "picture.png").write_bytes(b"\x89PNG....")
    return folder


@pytest.fixture
def make_panel(qtbot, tmp_path):
    """Build a panel on a temporary adapters folder; its process is stopped at teardown."""
    panels = []

    def make(runner=None, **kwargs) -> PersonalizePanel:
        kwargs.setdefault("store", AdapterStore(tmp_path / "adapters"))
        panel = PersonalizePanel(runner or _runner(), **kwargs)
        qtbot.addWidget(panel)
        panel.resize(700, 1200)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.runner.stop_now()
        panel.wait_for_workers()


def _wait_scan(qtbot, panel) -> None:
    """The documents are read on a worker thread: wait for the page to show them."""
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)


def _choose(panel, monkeypatch, qtbot, files) -> None:
    """Pick files through the Add files… dialog (QFileDialog patched)."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *args, **kwargs: ([str(f) for f in files], ""))
    qtbot.mouseClick(panel.documents.add_files_button, Qt.MouseButton.LeftButton)
    _wait_scan(qtbot, panel)


def _wait_state(qtbot, panel, state, timeout=15000) -> None:
    qtbot.waitUntil(lambda: panel.runner.state == state, timeout=timeout)


def test_choosing_files_counts_words_and_lists_skipped(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel()
    assert not panel.start_button.isEnabled()
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt", docs / "binary.txt",
                                        docs / "picture.png"])
    assert [p.name for p in panel.items()] == ["journal.txt", "binary.txt", "picture.png"]
    assert panel.documents.doc_list.count() == 3
    assert "1 document(s), 2,400 words found" in panel.documents.scan_label.text()
    assert panel.documents.skipped_label.isVisible()
    skipped = panel.documents.skipped_label.text()
    assert "Skipped 2 file(s)" in skipped and "binary.txt" in skipped
    assert "picture.png" in skipped and "unsupported" in skipped
    assert not panel.documents.warning_label.isVisible()  # 2,400 words is enough
    assert panel.start_button.isEnabled()
    steps, _ = estimate_seconds(2400, quick=False)
    assert f"About {steps} steps" in panel.estimate_label.text()
    assert "CPU" in panel.estimate_label.text()
    panel.quick_check.setChecked(True)
    quick_steps, _ = estimate_seconds(2400, quick=True)
    assert quick_steps <= 40 and f"About {quick_steps} steps" in panel.estimate_label.text()

    # A folder (searched recursively) through Add folder…; then removing items.
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(docs))
    qtbot.mouseClick(panel.documents.add_folder_button, Qt.MouseButton.LeftButton)
    _wait_scan(qtbot, panel)
    assert "2 document(s), 2,521 words found" in panel.documents.scan_label.text()
    panel.documents.doc_list.item(0).setSelected(True)
    panel.documents.doc_list.item(3).setSelected(True)
    qtbot.mouseClick(panel.documents.remove_button, Qt.MouseButton.LeftButton)
    _wait_scan(qtbot, panel)
    assert [p.name for p in panel.items()] == ["binary.txt", "picture.png"]
    assert "0 document(s), 0 words" in panel.documents.scan_label.text()
    assert panel.documents.warning_label.isVisible() and not panel.start_button.isEnabled()


def test_a_small_corpus_gets_a_warning(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel()
    _choose(panel, monkeypatch, qtbot, [docs / "more" / "notes.md"])
    assert panel.scan_result.words < FEW_WORDS
    assert panel.documents.warning_label.isVisible()
    assert "personalization will be weak" in panel.documents.warning_label.text()
    assert panel.start_button.isEnabled()  # warned, not refused


def test_dropping_files_adds_them(make_panel, docs, qtbot):
    panel = make_panel()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(docs / "journal.txt"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    _wait_scan(qtbot, panel)
    assert [p.name for p in panel.items()] == ["journal.txt"]
    assert "2,400 words" in panel.documents.scan_label.text()


def test_a_run_shows_progress_chart_and_report(make_panel, docs, monkeypatch, qtbot, tmp_path):
    panel = make_panel(_runner(delay=0.03, steps=30))
    panel.set_model("org/my-model")
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt", docs / "more"])
    panel.name_edit.setText("Sea journal")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.runner.state == "running"
    assert not panel.run_view.progress_box.isVisible()  # only after a short delay
    assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    assert not panel.documents.add_files_button.isEnabled()
    qtbot.waitUntil(panel.run_view.progress_box.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: 5 <= panel.run_view.progress_bar.value() < 30, timeout=10000)
    assert panel.run_view.progress_bar.maximum() == 30
    stats = panel.run_view.stats_label.text()
    assert "tokens/s" in stats and "remaining" in stats
    assert len(panel.run_view.chart.train_points()) >= 5
    _wait_state(qtbot, panel, "done")

    args = panel.runner.args
    assert args[:3] == ["--docs", str(docs / "journal.txt"), str(docs / "more")]
    out = Path(args[args.index("--out") + 1])
    assert out == tmp_path / "adapters" / "sea-journal"
    assert args[args.index("--device") + 1] == "auto"
    assert args[args.index("--model") + 1] == "org/my-model"
    assert args[args.index("--name") + 1] == "Sea journal"
    assert args[args.index("--preset") + 1] == "full"
    # Every step reached the chart (the line written in two pieces too), in order.
    assert [step for step, _ in panel.run_view.chart.train_points()] == list(range(1, 31))
    assert [step for step, _ in panel.run_view.chart.valid_points()] == [0, 5, 10, 15, 20, 25, 30]
    assert panel.run_view.progress_bar.value() == 30
    assert "personalization will be weak" in panel.run_view.warnings_label.text()
    assert "Loading checkpoint shards: 100%" in panel.runner.log_tail  # not an event
    report = panel.run_view.report_label.text()
    assert panel.run_view.report_box.isVisible()
    assert "3.3K tokens" in report
    # base against personalized in plain words and bars; perplexity in the details
    view = panel.run_view.report_view
    assert view.headline.text().startswith("Suggestions would have saved you 14% of keystrokes")
    assert "up from 11%" in view.headline.text()
    assert "right 34% of the time (up from 30%)" in view.accuracy.text()
    assert "BLEU 12.3 (base model 9.8)" in view.overlap.text()
    assert "ROUGE-L 25% (base model 21%)" in view.overlap.text()
    assert [name for name, _, _ in view.bars.metrics][:2] == ["keystrokes saved", "next word"]
    assert view.bars.metrics[0][1:] == (0.11, 0.14) and view.bars.isVisible()
    assert not view.details.isVisible() and "42.0 → 30.5" in view.details.text()
    assert "-27%" in view.details.text() and "Perplexity" not in view.headline.text()
    qtbot.mouseClick(view.details_button, Qt.MouseButton.LeftButton)
    assert view.details.isVisible() and "24 sampled places" in view.details.text()
    box, label_type = panel.run_view.report_box, type(panel.run_view.report_label)
    prompts = [w.text() for w in box.findChildren(label_type, "sample_prompt")]
    bases = [w.text() for w in box.findChildren(label_type, "sample_base")]
    tuned = [w.text() for w in box.findChildren(label_type, "sample_tuned")]
    assert len(prompts) == 3 and "Held-out passage number 1" in prompts[0]
    assert bases == [f"base continuation {i}" for i in (1, 2, 3)]
    assert tuned == [f"personal continuation {i}" for i in (1, 2, 3)]
    # The new adapter is listed and selected; nothing to resume.
    assert [a.name for a in panel.adapters()] == ["Sea journal"]
    assert Path(panel.selected_adapter().path) == out
    assert not panel.resume_button.isVisible()
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_quick_preset_caps_the_steps(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel(_runner(steps=60))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.quick_check.setChecked(True)
    panel.start()
    _wait_state(qtbot, panel, "done")
    assert "--preset" in panel.runner.args and "quick" in panel.runner.args
    assert panel.run_view.progress_bar.maximum() == 40


def test_cancel_stops_at_once_and_resume_continues(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel(_runner(delay=0.05, steps=60))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.start()
    qtbot.waitUntil(lambda: any(isinstance(e, Saved) for e in panel.runner.events),
                    timeout=10000)
    asked = time.monotonic()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.runner.state == "stopping" and not panel.cancel_button.isEnabled()
    _wait_state(qtbot, panel, "cancelled", timeout=5000)
    assert time.monotonic() - asked < 2.0
    assert panel.runner._process.state() == panel.runner._process.ProcessState.NotRunning
    assert panel.start_button.isEnabled() and panel.documents.add_files_button.isEnabled()
    assert panel.resume_button.isVisible()
    assert "Stopped" in panel.run_view.stats_label.text()
    assert not panel.run_view.failure_box.isVisible()
    stopped_at = panel.run_view.progress_bar.value()
    assert 5 <= stopped_at < 60
    checkpoint = [e.step for e in panel.runner.events if isinstance(e, Saved)][-1]

    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert panel.runner.args[-1] != "--resume"  # kept for the next resume
    _wait_state(qtbot, panel, "done")
    assert f"resuming from step {checkpoint}" in panel.runner.log_tail
    # One unbroken curve: the steps redone after the checkpoint replaced the old ones.
    assert [step for step, _ in panel.run_view.chart.train_points()] == list(range(1, 61))
    assert panel.run_view.progress_bar.value() == 60
    assert not panel.resume_button.isVisible() and panel.run_view.report_box.isVisible()


def test_a_crash_shows_the_log_tail(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel(_runner("crash", delay=0.02))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.start()
    _wait_state(qtbot, panel, "failed")
    assert panel.run_view.failure_box.isVisible()
    assert "crashed" in panel.run_view.failure_label.text()
    log = panel.run_view.log_view.toPlainText().splitlines()
    assert len(log) == 20  # the last 20 lines only
    assert log[-1] == "RuntimeError: the fake trainer fell over"
    assert "log line 29" in log and "log line 5" not in log
    assert panel.start_button.isEnabled()
    assert not panel.run_view.report_box.isVisible()
    assert panel.adapters() == []  # nothing half-written is listed


def test_a_process_that_ignores_terminate_is_killed(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel(_runner("ignore-term", delay=0.05, steps=400))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.start()
    qtbot.waitUntil(lambda: panel.run_view.progress_bar.value() >= 2, timeout=10000)
    asked = time.monotonic()
    panel.cancel_button.click()
    _wait_state(qtbot, panel, "cancelled", timeout=8000)
    assert 2.5 < time.monotonic() - asked < 6
    assert "was killed" in panel.runner.log_tail[-1]


def test_a_missing_program_fails_with_a_message(make_panel, docs, monkeypatch, qtbot, tmp_path):
    panel = make_panel(TrainingRunner(str(tmp_path / "no-such-python"), []))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.start()
    _wait_state(qtbot, panel, "failed")
    assert "Could not start the training process" in panel.run_view.failure_label.text()
    assert panel.run_view.failure_box.isVisible() and panel.start_button.isEnabled()


def test_reopening_mid_run_shows_the_progress_so_far(make_panel, docs, monkeypatch, qtbot,
                                                      tmp_path):
    runner = _runner(delay=0.05, steps=60)
    first = PersonalizePanel(runner, store=AdapterStore(tmp_path / "adapters"))
    first.show()
    _choose(first, monkeypatch, qtbot, [docs / "journal.txt"])
    first.start()
    qtbot.waitUntil(lambda: first.run_view.progress_bar.value() >= 4, timeout=10000)
    first.deleteLater()  # Preferences closed: the run goes on
    qtbot.waitUntil(lambda: runner.last(Progress) and runner.last(Progress).step >= 8,
                    timeout=10000)
    assert runner.state == "running"
    second = make_panel(runner)
    assert second.run_view.progress_box.isVisible()
    assert len(second.run_view.chart.train_points()) >= 4
    assert second.cancel_button.isEnabled() and not second.start_button.isEnabled()
    second.cancel_button.click()
    _wait_state(qtbot, second, "cancelled")
    assert second.resume_button.isVisible()


# -- adapters -------------------------------------------------------------------------
def _adapter(root: Path, folder: str, name: str, base: str, created: str) -> Path:
    """An adapter folder as training leaves it (the weights are not read here)."""
    path = root / folder
    path.mkdir(parents=True)
    meta = {"name": name, "created": created, "base_model": base,
            "metrics": {"ppl_before": 50.0, "ppl_after": 35.25, "valid_loss": 3.5},
            "documents": 2, "tokens": 1000, "seconds": 10.0, "steps": 20}
    (path / METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    (path / "adapter_config.json").write_text("{}", encoding="utf-8")
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    return path


@pytest.fixture
def adapters(tmp_path):
    root = tmp_path / "adapters"
    mine = _adapter(root, "mine", "Mine", "default", "2026-11-27T10:00:00")
    other = _adapter(root, "other", "Other model's", "org/big-model", "2026-11-26T09:00:00")
    newest = _adapter(root, "newest", "Newest", "default", "2026-11-28T08:30:00")
    (root / "half-written").mkdir()  # no metadata: not an adapter
    return root, mine, other, newest


def _select(panel, path: Path) -> None:
    row = [Path(a.path) for a in panel.adapters()].index(path)
    panel.adapters_box.adapter_list.setCurrentRow(row)


def test_adapters_are_listed_and_activated(make_panel, adapters, qtbot):
    root, mine, other, newest = adapters
    calls = []
    panel = make_panel(activate_adapter=lambda path: calls.append(path))
    panel.set_model("default")
    assert [a.name for a in panel.adapters()] == ["Newest", "Mine", "Other model's"]
    text = panel.adapters_box.adapter_list.item(1).text()
    assert text.startswith("Mine\n2026-11-27 10:00 · for default")
    assert "50.0 → 35.2" in text
    assert not panel.adapters_box.deactivate_button.isEnabled()

    _select(panel, mine)
    qtbot.mouseClick(panel.adapters_box.activate_button, Qt.MouseButton.LeftButton)
    assert calls == [str(mine)]
    assert panel.active_adapter == str(mine)
    item = panel.adapters_box.adapter_list.item(1)
    assert item.text().startswith("✓ Mine (active)\n") and item.font().bold()
    assert not panel.adapters_box.adapter_list.item(0).font().bold()
    assert "now use “Mine”" in panel.adapters_box.adapter_status.text()
    assert not panel.adapters_box.activate_button.isEnabled()
    assert panel.adapters_box.deactivate_button.isEnabled()

    with qtbot.waitSignal(panel.sig_adapter_changed) as blocker:
        qtbot.mouseClick(panel.adapters_box.deactivate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [""] and calls == [str(mine), ""]
    assert panel.active_adapter == "" and not panel.adapters_box.adapter_list.item(1).font().bold()


def test_a_late_refusal_shows_what_is_in_use(make_panel, adapters):
    root, mine, other, newest = adapters
    panel = make_panel(activate_adapter=lambda path: None)
    _select(panel, other)
    panel.adapters_box.activate_button.click()
    assert panel.active_adapter == str(other)
    panel.adapter_refused(str(mine), "“Other model's” was trained on org/big-model")
    assert panel.active_adapter == str(mine)
    assert panel.adapters_box.adapter_list.item(1).text().startswith("✓ Mine (active)")
    assert "org/big-model" in panel.adapters_box.adapter_status.text()


def test_activation_errors_and_unavailability_are_shown(make_panel, adapters):
    root, mine, other, newest = adapters
    panel = make_panel(activate_adapter=lambda path: "the adapter does not fit")
    _select(panel, mine)
    panel.adapters_box.activate_button.click()
    assert panel.adapters_box.adapter_status.text() == "the adapter does not fit"
    assert panel.active_adapter == ""
    lonely = make_panel()  # no controller behind it
    _select(lonely, mine)
    lonely.adapters_box.activate_button.click()
    assert "unavailable" in lonely.adapters_box.adapter_status.text()
    assert lonely.active_adapter == ""


def test_without_a_store_nothing_can_be_trained(make_panel, docs, monkeypatch, qtbot):
    panel = make_panel(store=None)
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    assert "2,400 words" in panel.documents.scan_label.text()
    assert not panel.start_button.isEnabled() and not panel.start()
    assert panel.adapters() == [] and "unavailable" in panel.adapters_box.adapter_status.text()


def test_rename_and_delete(make_panel, adapters, qtbot):
    root, mine, other, newest = adapters
    calls = []
    panel = make_panel(activate_adapter=lambda path: calls.append(path))
    panel.set_active_adapter(str(mine))
    _select(panel, mine)
    panel.adapters_box._ask_name = lambda current: "My sea stories"
    panel.adapters_box.rename_button.click()
    meta = json.loads((mine / METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["name"] == "My sea stories" and meta["base_model"] == "default"
    assert mine.is_dir()  # the folder (and the saved path) stays
    assert panel.selected_adapter().name == "My sea stories"
    assert panel.active_adapter == str(mine)

    _select(panel, newest)
    panel.adapters_box._confirm = lambda question: False
    panel.adapters_box.delete_button.click()
    assert newest.is_dir()
    panel.adapters_box._confirm = lambda question: "Newest" in question
    panel.adapters_box.delete_button.click()
    assert not newest.exists()
    assert [a.name for a in panel.adapters()] == ["My sea stories", "Other model's"]

    # Deleting the active adapter deactivates it first.
    _select(panel, mine)
    panel.adapters_box._confirm = lambda question: True
    panel.adapters_box.delete_button.click()
    assert calls == [""] and panel.active_adapter == ""
    assert not mine.exists()
    assert [a.name for a in panel.adapters()] == ["Other model's"]


def test_the_active_adapter_is_kept_when_deactivation_fails(make_panel, adapters):
    root, mine, other, newest = adapters
    panel = make_panel(activate_adapter=lambda path: "busy")
    panel.set_active_adapter(str(mine))
    _select(panel, mine)
    panel.adapters_box._confirm = lambda question: True
    panel.adapters_box.delete_button.click()
    assert mine.is_dir() and panel.active_adapter == str(mine)


def test_no_adapters_message_goes_once_one_is_listed(make_panel, tmp_path):
    root = tmp_path / "adapters"
    panel = make_panel()
    assert panel.adapters_box.adapter_status.text() == "No adapters yet: train one above."
    _adapter(root, "first", "First", "default", "2026-11-27T10:00:00")
    panel.refresh_adapters()
    assert [a.name for a in panel.adapters()] == ["First"]
    assert panel.adapters_box.adapter_status.text() == ""


def test_a_new_run_never_takes_a_listed_name(make_panel, adapters, docs, monkeypatch, qtbot):
    panel = make_panel(_runner(delay=0.05, steps=60))
    _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
    panel.name_edit.setText("Mine")  # the name of a listed adapter (say, a cancelled run's)
    panel.start()
    assert panel.name_edit.text() == "Mine (2)"
    assert "Mine (2)" in panel.runner.args
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    _wait_state(qtbot, panel, "cancelled", timeout=5000)


def test_the_page_does_not_scroll_away_from_cancel_during_training(qtbot, docs, monkeypatch,
                                                                   tmp_path):
    panel = PersonalizePanel(_runner(delay=0.05, steps=60), store=AdapterStore(tmp_path / "a"))
    area = scrolling(panel)
    qtbot.addWidget(area)
    area.resize(700, 500)
    area.show()
    try:
        _choose(panel, monkeypatch, qtbot, [docs / "journal.txt"])
        scroll = area.verticalScrollBar()
        before = scroll.value()
        panel.start()
        qtbot.waitUntil(lambda: panel.run_view.progress_box.isVisible(), timeout=10000)
        qtbot.waitUntil(lambda: panel.run_view.progress_bar.value() >= 3, timeout=10000)
        assert scroll.value() == before  # Cancel stays where the pointer is
    finally:
        panel.runner.stop_now()
        panel.wait_for_workers()
