"""Take the AppStream screenshots from the real application and the embedded model.

Run on an X display (Xvfb is enough), with the embedded model converted once:

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 .venv/bin/python packaging/take_screenshots.py

Settings, recovery copies and the dictionary go to a temporary folder, so the user's own
files are neither read nor changed. The PNGs land in packaging/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WINDOW_SIZE = (1000, 620)
OPENING = (
    "Notes for the team meeting",
    "",
    "We moved the release to the end of the month because the new editor needs another "
    "round of testing. Most of the feedback so far has been about speed: the first "
    "suggestion should appear",
)
CONTINUE_PROMPT = "The best way to start a story is"


def _wait_until(app, predicate, timeout_s: float, what: str) -> None:
    """Process events until predicate() is true; fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"take_screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def _type_lines(editor, lines) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for index, line in enumerate(lines):
        if index:
            QTest.keyClick(editor, Qt.Key.Key_Return)
        if line:
            QTest.keyClicks(editor, line, delay=1)


def _save(window, name: str, out_dir: Path) -> Path:
    path = out_dir / name
    if not window.grab().save(str(path), "PNG", 9):
        raise SystemExit(f"take_screenshots: could not write {path}")
    print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return path


def _isolate_user_files() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="writer-app-shots-"))
    os.environ["WRITER_APP_CONFIG_DIR"] = str(scratch / "config")
    os.environ["WRITER_APP_DATA_DIR"] = str(scratch / "data")


def take(out_dir: Path, timeout_s: float, status_bar: bool) -> None:
    from PySide6.QtWidgets import QApplication

    from writer_app.controller import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.core.settings import Settings
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.resources import app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    settings = Settings()
    window = MainWindow(settings, RecoveryStore(Path(os.environ["WRITER_APP_DATA_DIR"])))
    controller = EditorController(window, settings)
    ready: list[object] = []
    finished: list[object] = []
    written: list[object] = []
    controller.sig_model_ready.connect(ready.append)
    controller.sig_completion_finished.connect(finished.append)
    controller.sig_writing_finished.connect(written.append)
    controller.sig_model_failed.connect(lambda message: sys.exit(f"model failed: {message}"))
    window.resize(*WINDOW_SIZE)
    # Off by default: its latency figure measures how busy the build machine is.
    window.action_status_bar.setChecked(status_bar)
    window.show()
    controller.load_model()
    try:
        _wait_until(app, lambda: bool(ready), timeout_s, "the model to load")
        editor = window.editor
        editor.setFocus()
        _type_lines(editor, OPENING)
        _wait_until(app, lambda: bool(finished) and editor.has_suggestion(), timeout_s,
                    "a whole suggestion")
        _save(window, "editor-completion.png", out_dir)

        editor.clear_suggestion()
        editor.document().setModified(False)  # new_document() would ask to save
        window.new_document()
        _type_lines(editor, (CONTINUE_PROMPT,))
        controller.continue_writing()
        _wait_until(app, lambda: bool(written) or len(editor.pending_text().split()) >= 40,
                    timeout_s, "Continue writing")
        controller.stop_writing()
        _save(window, "editor-continue.png", out_dir)
    finally:
        window.editor.document().setModified(False)  # close without a save prompt
        controller.shutdown()
        window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per step")
    parser.add_argument("--status-bar", action="store_true", help="keep the status bar")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        parser.error("no DISPLAY: start Xvfb (see the module docstring)")
    _isolate_user_files()
    args.out.mkdir(parents=True, exist_ok=True)
    take(args.out, args.timeout, args.status_bar)
    return 0


if __name__ == "__main__":
    sys.exit(main())
