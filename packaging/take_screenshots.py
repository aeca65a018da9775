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
CONTINUE_PROMPT = "The lighthouse keeper had not seen a ship in eleven days. On the " \
    "twelfth morning, the fog lifted and"
CHECKED = ("Teh ferry left at noon. The passengers was tired, and the captain have not "
           "slept. Their was a storm coming.")


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
    if hasattr(window, "set_latency"):
        window.status_bar.set_latency(None)  # it measures how busy the build machine is
    path = out_dir / name
    if not window.grab().save(str(path), "PNG", 9):
        raise SystemExit(f"take_screenshots: could not write {path}")
    print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return path


def _isolate_user_files() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="writer-app-shots-"))
    os.environ["WRITER_APP_CONFIG_DIR"] = str(scratch / "config")
    os.environ["WRITER_APP_DATA_DIR"] = str(scratch / "data")


SHOTS = ("empty", "completion", "continue", "replace", "issues")


def take(out_dir: Path, timeout_s: float, status_bar: bool, theme: str,
         shots: tuple[str, ...] = SHOTS) -> None:
    import dataclasses

    from PySide6.QtWidgets import QApplication

    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.core.settings import EditorSettings, Settings
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.resources import app_icon
    from writer_app.gui.settings_store import SettingsStore

    suffix = "" if theme == "light" else f"-{theme}"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    settings = Settings(editor=dataclasses.replace(EditorSettings(), theme=theme,
                                                   session_word_goal=500))
    store = SettingsStore(settings)  # in memory: screenshots leave the settings alone
    window = MainWindow(store, RecoveryStore(Path(os.environ["WRITER_APP_DATA_DIR"])))
    controller = EditorController(window, store)
    ready: list[object] = []
    finished: list[object] = []
    written: list[object] = []
    checked: list[object] = []
    controller.models.sig_model_ready.connect(ready.append)
    controller.completion.sig_completion_finished.connect(finished.append)
    controller.completion.sig_writing_finished.connect(written.append)
    controller.grammar.sig_check_finished.connect(lambda: checked.append(True))
    controller.models.sig_model_failed.connect(lambda message: sys.exit(f"model failed: {message}"))
    window.resize(*WINDOW_SIZE)
    # Off by default: its latency figure measures how busy the build machine is.
    window.action_status_bar.setChecked(status_bar)
    window.show()
    controller.models.load_model()
    try:
        _wait_until(app, lambda: bool(ready), timeout_s, "the model to load")
        editor = window.editor
        if "empty" in shots:
            _save(window, f"editor-empty{suffix}.png", out_dir)  # the hint with the keys
        editor.setFocus()
        if "completion" in shots:
            _type_lines(editor, OPENING)
            _wait_until(app, lambda: bool(finished) and editor.has_suggestion(), timeout_s,
                        "a whole suggestion")
            _save(window, f"editor-completion{suffix}.png", out_dir)

        editor.clear_suggestion()
        editor.document().setModified(False)  # new_document() would ask to save
        window.new_document()
        _type_lines(editor, (CONTINUE_PROMPT,))
        if "continue" in shots:
            controller.completion.continue_writing()
            _wait_until(app, lambda: bool(written), timeout_s, "Continue writing")
            _save(window, f"editor-continue{suffix}.png", out_dir)
            editor.keep_pending()
        if "replace" in shots:
            _replace_shot(window, suffix, out_dir)
        if "issues" in shots:
            _issues_shot(app, window, checked, suffix, out_dir, timeout_s)
    finally:
        window.editor.document().setModified(False)  # close without a save prompt
        controller.shutdown()
        window.close()


def _replace_shot(window, suffix: str, out_dir: Path) -> None:
    window.action_replace.trigger()
    window.find_bar.line_edit.setText("ship")
    window.find_bar.whole_word.setChecked(True)
    window.find_bar.replace_edit.setText("boat")
    window.find_bar.find()
    _save(window, f"editor-replace{suffix}.png", out_dir)
    window.find_bar.close_bar()


def _issues_shot(app, window, checked: list, suffix: str, out_dir: Path,
                 timeout_s: float) -> None:
    from writer_app.gui.fix_preview import FixPreviewDialog

    editor = window.editor
    editor.document().setModified(False)
    window.new_document()
    checked.clear()
    _type_lines(editor, (CHECKED,))
    window.action_check_document.trigger()
    _wait_until(app, lambda: bool(checked) and bool(editor.issues()), timeout_s,
                "the grammar check")
    editor.clear_suggestion()
    _wait_until(app, lambda: window.issues_panel.tree.topLevelItemCount() > 0, timeout_s,
                "the Issues panel")
    _save(window, f"editor-issues{suffix}.png", out_dir)
    dialog = FixPreviewDialog(editor.toPlainText(), editor.issues(), window)
    dialog.show()
    app.processEvents()
    _save(dialog, f"fix-all-preview{suffix}.png", out_dir)
    dialog.close()
    window.issues_panel.hide()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per step")
    parser.add_argument("--status-bar", action="store_true", help="keep the status bar")
    parser.add_argument("--themes", default="light,dark", help="comma-separated themes")
    parser.add_argument("--shots", default=",".join(SHOTS),
                        help="comma-separated: " + ", ".join(SHOTS))
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        parser.error("no DISPLAY: start Xvfb (see the module docstring)")
    _isolate_user_files()
    args.out.mkdir(parents=True, exist_ok=True)
    for theme in args.themes.split(","):
        take(args.out, args.timeout, args.status_bar, theme.strip(),
             tuple(shot.strip() for shot in args.shots.split(",")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
