"""Grammar checking in the editor: incremental latency, full check time, UI stalls.

Runs a real (offscreen unless a display is set) MainWindow and EditorController with the
real GrammarChecker: the tagger and the spelling layer if the default grammar model is
installed, else the spelling layer alone (``mode`` says which). The document is about
5,000 words of distinct sentences (bench/data: the GEC evaluation sources and their
corrections, then the prose sample).

* ``full_check_s``: from opening the document to the last batch's underlines, cold cache;
* ``ui_max_stall_ms``: the longest gap of a 10 ms QTimer in the GUI thread while the
  check runs in the background (``open_ms``: putting the text into the editor, splitting
  it and sending the check, before that); ``ui_p99_stall_ms`` the 99th percentile of
  the gaps, ``ui_stalls_over_50ms`` how many there were;
* the baseline, from the same run: ``idle_max_stall_ms`` and ``idle_p99_stall_ms``, the
  same timer's gaps for ``IDLE_S`` seconds with the window open and nothing checking,
  which is what the machine's own load costs the event loop; ``stall_ratio`` is
  ``ui_max_stall_ms / idle_max_stall_ms`` and ``load_avg`` the 1-minute load average
  at the start and at the end (the machine may be shared);
* ``incremental_ms``: median time from the end of a one-word edit (a typo put into a word)
  to the updated underlines, the new typo underlined. The typing pause before a check
  (``check_delay_ms``, a deliberate wait) is not included: the check is started at once;
* ``recheck_ratio``: full check time / incremental time.

Prints one line of JSON. ``measure()`` returns the same dict.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent / "data"
TARGET_WORDS = 5000
EDITS = 15
TIMEOUT_S = 600.0
IDLE_S = 3.0  # the idle baseline of the event-loop gaps


def build_document(words: int = TARGET_WORDS) -> str:
    """About `words` words of distinct sentences in paragraphs of six."""
    sentences: list[str] = []
    for line in (DATA / "gec-eval.tsv").read_text(encoding="utf-8").splitlines():
        sentences.extend(part.strip() for part in line.split("\t") if part.strip())
    sentences = list(dict.fromkeys(sentences))
    paragraphs = [" ".join(sentences[i:i + 6]) for i in range(0, len(sentences), 6)]
    paragraphs += [p for p in (DATA / "context.txt").read_text(encoding="utf-8").split("\n")
                   if p.strip()]
    kept, count = [], 0
    for paragraph in paragraphs:
        if count >= words:
            break
        kept.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(kept)


def _wait(app, condition, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.0005)
    return True


def _typo(word: str, rng: random.Random) -> str:
    """The word with two inner letters swapped (a real-looking typo)."""
    for i in rng.sample(range(1, len(word) - 2), len(word) - 3):
        if word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:1] + word[1] * 2 + word[2:]  # no two different neighbours: double one


def _gap_meter():
    """A 10 ms QTimer in the GUI thread that keeps every gap between its ticks."""
    from writer_app.gui.diagnostics import EventLoopGapMeter

    class GapRecorder(EventLoopGapMeter):
        def __init__(self) -> None:
            super().__init__()
            self.gaps: list[float] = []

        def _on_tick(self) -> None:
            if self._last is not None:
                self.gaps.append((time.perf_counter() - self._last) * 1000)
            super()._on_tick()

        def percentile(self, share: float) -> float:
            ordered = sorted(self.gaps) or [0.0]
            return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return GapRecorder()


def measure(edits: int = EDITS, seed: int = 0) -> dict:
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="grammar-bench-"))
    # Window state and recent files stay out of the user's configuration.
    os.environ.setdefault("WRITER_APP_CONFIG_DIR", str(scratch / "config"))
    os.environ.setdefault("WRITER_APP_DATA_DIR", str(scratch / "data"))
    from PySide6.QtWidgets import QApplication, QMessageBox

    from writer_app.controllers import EditorController
    from writer_app.core.settings import Settings
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    app = QApplication.instance() or QApplication([])
    settings = Settings()
    store = SettingsStore(settings, scratch / "settings.toml")
    window = MainWindow(store)
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    controller = EditorController(window, store,
                                  dictionary_path=scratch / "dictionary.txt")
    grammar = controller.grammar
    window.show()
    try:
        load_began = time.perf_counter()
        if not _wait(app, lambda: grammar.status is not None or grammar._broken):
            raise RuntimeError("the grammar checker did not load")
        if grammar.status is None:
            raise RuntimeError("the grammar checker failed to load")
        load_s = time.perf_counter() - load_began
        load_before = os.getloadavg()[0]
        idle = _gap_meter()
        idle.start()
        idle_until = time.perf_counter() + IDLE_S
        _wait(app, lambda: time.perf_counter() > idle_until)
        idle.stop()
        text = build_document()
        finished: list[float] = []
        grammar.sig_check_finished.connect(lambda: finished.append(time.perf_counter()))
        meter = _gap_meter()
        began = time.perf_counter()
        window._replace_document(text, None, modified=False)  # also sends the check
        open_ms = (time.perf_counter() - began) * 1000
        meter.start()
        if not _wait(app, lambda: bool(finished)):
            raise RuntimeError("the full check did not finish")
        full_s = finished[-1] - began
        meter.stop()
        issues_found = len(window.editor.issues())
        incremental = _incremental(app, window, grammar, edits, random.Random(seed))
    finally:
        controller.shutdown()
        window.close()
    median_ms = statistics.median(incremental)
    status = grammar.status
    return {
        "mode": "grammar+spelling" if status.grammar_available else "spelling only",
        "note": status.note,
        "words": len(text.split()),
        "sentences": len(grammar._splitter.split(text)),
        "issues": issues_found,
        "load_s": round(load_s, 2),
        "full_check_s": round(full_s, 3),
        "incremental_ms": round(median_ms, 1),
        "incremental_max_ms": round(max(incremental), 1),
        "recheck_ratio": round(full_s * 1000 / median_ms, 1),
        "ui_max_stall_ms": round(meter.longest_ms, 1),
        "ui_p99_stall_ms": round(meter.percentile(0.99), 1),
        "ui_stalls_over_50ms": sum(gap > 50 for gap in meter.gaps),
        "idle_max_stall_ms": round(idle.longest_ms, 1),
        "idle_p99_stall_ms": round(idle.percentile(0.99), 1),
        "stall_ratio": round(meter.longest_ms / max(idle.longest_ms, 1.0), 2),
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "open_ms": round(open_ms, 1),
        "check_delay_ms": settings.grammar.check_delay_ms,
    }


def _incremental(app, window, grammar, edits: int, rng: random.Random) -> list[float]:
    """Put a typo into a random word, check at once, wait for its underline."""
    import re

    from PySide6.QtGui import QTextCursor

    editor = window.editor
    times = []
    updated: list[float] = []
    grammar.sig_issues_updated.connect(lambda: updated.append(time.perf_counter()))
    for _ in range(edits):
        text = editor.toPlainText()
        words = [m for m in re.finditer(r"\b[a-z]{6,}\b", text)]
        match = rng.choice(words)
        typo = _typo(match.group(), rng)
        cursor = QTextCursor(editor.document())
        cursor.setPosition(match.start())
        cursor.setPosition(match.end(), QTextCursor.MoveMode.KeepAnchor)
        updated.clear()
        cursor.insertText(typo)  # the edit ends here
        began = time.perf_counter()
        grammar.check_now()
        if not _wait(app, lambda: bool(updated), 60):
            raise RuntimeError("an incremental check did not finish")
        times.append((updated[0] - began) * 1000)
        underlined = {(i.start, i.original) for i in editor.issues()}
        if (match.start(), typo) not in underlined:
            print(f"note: typo {typo!r} was not flagged", file=sys.stderr)
    return times


if __name__ == "__main__":
    print(json.dumps(measure()))
