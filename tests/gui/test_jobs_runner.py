"""The training-process runner's typed signals, and the one off-thread helper
(jobs/background.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from writer_app.jobs.background import BackgroundCall
from writer_app.jobs.events import (
    Evaluated,
    ProcessWarning,
    Progress,
    TrainingDone,
    TrainingStarted,
)
from writer_app.jobs.protocol import encode
from writer_app.jobs.runner import TrainingRunner

REPO = Path(__file__).resolve().parents[2]
STARTED = TrainingStarted(documents=1, skipped=(), words=2500, tokens=3300, train_chunks=4,
                          valid_chunks=1, total_steps=2, device="cpu", estimate_s=10.0)
PROGRESS = Progress(step=1, total_steps=2, loss=2.5, elapsed_s=1.0, eta_s=1.0,
                    tokens_per_s=800.0)
DONE = TrainingDone(adapter=None, interrupted=False)


def _script(tmp_path: Path, lines: list[str]) -> str:
    """A stand-in process that prints `lines` on stdout and exits."""
    script = tmp_path / "process.py"
    script.write_text(f"for line in {lines!r}:\n    print(line, flush=True)\n",
                      encoding="utf-8")
    return str(script)


def _run(qtbot, runner: TrainingRunner, tmp_path: Path) -> None:
    runner.start([], tmp_path / "out")
    qtbot.waitUntil(lambda: not runner.is_active(), timeout=15000)


def test_events_arrive_as_typed_signals_and_bad_lines_go_to_the_log(qtbot, tmp_path):
    lines = [encode(STARTED), "Loading checkpoint shards: 100%",
             '{"event": "progress", "step": "not a number"}', '{"event": "celebrate"}',
             encode(PROGRESS), encode(Evaluated(step=1, valid_loss=3.0)), encode(DONE)]
    runner = TrainingRunner(sys.executable, [_script(tmp_path, lines)])
    got: list[object] = []
    runner.connect_events({TrainingStarted: got.append, Progress: got.append,
                           TrainingDone: got.append}, replay=False)
    everything: list[object] = []
    runner.sig_event.connect(everything.append)
    _run(qtbot, runner, tmp_path)
    assert runner.state == "done"
    assert got == [STARTED, PROGRESS, DONE]
    assert everything == runner.events == [STARTED, PROGRESS, Evaluated(1, 3.0), DONE]
    log = "\n".join(runner.log_tail)
    assert "Loading checkpoint shards" in log  # ordinary output, kept for the log
    assert "malformed 'progress' event" in log and "'step' must be an integer" in log
    assert "unknown event 'celebrate'" in log


def test_a_late_subscriber_is_handed_the_run_so_far(qtbot, tmp_path):
    runner = TrainingRunner(sys.executable, [_script(tmp_path, [encode(STARTED),
                                                                encode(PROGRESS)])])
    _run(qtbot, runner, tmp_path)
    seen: list[object] = []
    runner.connect_events({Progress: seen.append, ProcessWarning: seen.append})
    assert seen == [PROGRESS]
    runner.disconnect_events({Progress: seen.append, ProcessWarning: seen.append})


def test_a_bug_in_a_handler_is_not_swallowed(qtbot, tmp_path):
    """A handler that raises reaches the test (pytest-qt fails a test on it); the
    runner still reads the rest of the run."""
    runner = TrainingRunner(sys.executable, [_script(tmp_path, [encode(PROGRESS),
                                                                encode(DONE)])])

    def broken(event: Progress) -> None:
        raise KeyError("a handler bug")

    runner.connect_events({Progress: broken})
    with qtbot.captureExceptions() as exceptions:
        _run(qtbot, runner, tmp_path)
    assert [type(value) for _type, value, _tb in exceptions] == [KeyError]
    assert runner.state == "done" and runner.events[-1] == DONE
    with pytest.raises(KeyError):  # a replay to a late subscriber raises as plainly
        runner.connect_events({Progress: broken})


BUGGY_TEST = '''
import sys
from writer_app.gui.personalize import run_view
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.jobs.runner import TrainingRunner

def test_buggy_view(qtbot, tmp_path, monkeypatch):
    def broken(self, event):
        raise ValueError("the run view has a bug")
    monkeypatch.setattr(run_view.RunView, "_on_progress", broken)
    script = tmp_path / "p.py"
    script.write_text("print(%r, flush=True)" % LINE, encoding="utf-8")
    runner = TrainingRunner(sys.executable, [str(script)])
    panel = PersonalizePanel(runner)
    qtbot.addWidget(panel)
    runner.start([], tmp_path / "out")
    qtbot.waitUntil(lambda: not runner.is_active(), timeout=15000)
'''


def test_a_handler_bug_fails_the_test_that_meets_it(tmp_path):
    """The Personalize panel's own progress handler, broken on purpose: the test that
    runs it fails (the old dispatch swallowed TypeError, ValueError and KeyError)."""
    test = tmp_path / "test_buggy.py"
    test.write_text(BUGGY_TEST.replace("LINE", repr(encode(PROGRESS))), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(test)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 1, run.stdout[-2000:]
    assert "1 failed" in run.stdout and "the run view has a bug" in run.stdout


# -- BackgroundCall -----------------------------------------------------------------------
def test_the_result_comes_back_on_the_gui_thread(qtbot):
    call = BackgroundCall("test")
    ran_on: list[threading.Thread] = []
    delivered_on: list[threading.Thread] = []

    def work(value: int) -> int:
        ran_on.append(threading.current_thread())
        return value * 2

    call.sig_finished.connect(lambda result: delivered_on.append(threading.current_thread()))
    with qtbot.waitSignal(call.sig_finished, timeout=5000) as blocker:
        call.run(work, 21)
        assert call.busy
    assert blocker.args == [42] and not call.busy
    assert ran_on[0] is not threading.main_thread()
    assert delivered_on == [threading.main_thread()]
    assert call.join(5)


def test_a_stale_call_is_dropped(qtbot):
    call = BackgroundCall("test")
    release = threading.Event()
    results: list[object] = []
    call.sig_finished.connect(results.append)

    def slow() -> str:
        release.wait(5)
        return "stale"

    call.run(slow)
    with qtbot.waitSignal(call.sig_finished, timeout=5000):
        call.run(lambda: "latest")
    release.set()
    assert call.join(5)
    qtbot.wait(50)  # the stale result's event is delivered, and dropped
    assert results == ["latest"]
    call.run(lambda: "forgotten")
    call.discard()
    assert call.join(5) and not call.busy
    qtbot.wait(50)
    assert results == ["latest"]


def test_an_exception_becomes_a_failure_message(qtbot):
    call = BackgroundCall("test")

    def broken() -> None:
        raise OSError("the disk is gone")

    with qtbot.waitSignal(call.sig_failed, timeout=5000) as blocker:
        call.run(broken)
    assert blocker.args == ["the disk is gone"] and not call.busy
