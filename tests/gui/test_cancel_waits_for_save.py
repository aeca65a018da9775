"""Cancel never kills the training process while it writes a checkpoint."""

from __future__ import annotations

import sys

from writer_app.jobs.events import Saving
from writer_app.jobs.runner import KILL_AFTER_MS, TrainingRunner

# Announces a save, then takes longer than the kill timeout to finish it, SIGTERM or not.
SLOW_SAVE = f"""
import json, signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: None)
print(json.dumps({{"event": "saving", "step": 1}}), flush=True)
time.sleep({KILL_AFTER_MS / 1000 + 1.5})
print(json.dumps({{"event": "saved", "step": 1, "path": "x"}}), flush=True)
print(json.dumps({{"event": "done", "adapter": "x", "interrupted": True}}), flush=True)
"""


def test_cancel_waits_for_the_checkpoint_being_saved(qtbot, tmp_path):
    script = tmp_path / "slow_save.py"
    script.write_text(SLOW_SAVE, encoding="utf-8")
    runner = TrainingRunner(program=sys.executable, prefix=[str(script)])
    runner.start([], tmp_path / "out")
    qtbot.waitUntil(lambda: any(isinstance(e, Saving) for e in runner.events),
                    timeout=20000)
    runner.cancel()
    qtbot.waitUntil(lambda: not runner.is_active(), timeout=20000)
    assert runner.state == "cancelled"
    assert [e.kind for e in runner.events] == ["saving", "saved", "done"]
    assert not any("killed" in line for line in runner.log_tail)
