"""What a recovery tick costs, in a small and in a large document (no models needed).

A real MainWindow (offscreen unless a display is set) with a RecoveryStore holds a
document; after a few typed words, each autosave tick brings the recovery copy up to
date. Measured in the same run, for a small and a large document:

* ``full_ms``: the first tick, which writes a full copy;
* ``tick_ms``: the median tick after typing a word (a journal append);
* ``tick_bytes``: what such a tick adds on disk.

The issue-17 target: a tick costs in proportion to what changed, not to the document:
``large_tick_ms`` about equals ``small_tick_ms`` while ``large_full_ms`` grows with the
text. Prints a few lines, then one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent / "data"


def _size_on_disk(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure(text: str, ticks: int, scratch: Path) -> dict:
    from PySide6.QtWidgets import QMessageBox

    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    window = MainWindow(SettingsStore(), RecoveryStore(scratch))
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    try:
        window._replace_document(text, None, modified=True)
        began = time.perf_counter()
        window.write_recovery()
        full_ms = (time.perf_counter() - began) * 1000
        cursor = window.editor.textCursor()
        cursor.setPosition(len(text) // 2)
        times, sizes = [], []
        for tick in range(ticks):
            cursor.insertText(f" word{tick}")
            before = _size_on_disk(scratch)
            began = time.perf_counter()
            window.write_recovery()
            times.append((time.perf_counter() - began) * 1000)
            sizes.append(_size_on_disk(scratch) - before)
        full_copies = window.recovery_keeper.full_copies
    finally:
        window.close()
    return {"chars": len(text), "full_ms": round(full_ms, 2),
            "tick_ms": round(statistics.median(times), 3),
            "tick_bytes": int(statistics.median(sizes)), "full_copies": full_copies}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large-chars", type=int, default=2_000_000)
    parser.add_argument("--ticks", type=int, default=30)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - kept alive
    small = (DATA / "context.txt").read_text(encoding="utf-8").strip()
    large = (small + "\n\n") * (args.large_chars // (len(small) + 2) + 1)
    with tempfile.TemporaryDirectory() as folder:
        result = {"small": measure(small, args.ticks, Path(folder) / "small"),
                  "large": measure(large, args.ticks, Path(folder) / "large")}
    small_r, large_r = result["small"], result["large"]
    result["large_tick_over_small_tick"] = round(large_r["tick_ms"] / small_r["tick_ms"], 2)
    result["large_full_over_large_tick"] = round(large_r["full_ms"] / large_r["tick_ms"], 1)
    for name in ("small", "large"):
        r = result[name]
        print(f"{name:6} {r['chars']:>9} chars  full copy {r['full_ms']:8.2f} ms   "
              f"tick {r['tick_ms']:7.3f} ms, {r['tick_bytes']} bytes   "
              f"full copies {r['full_copies']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
