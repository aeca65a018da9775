"""Start the desktop application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from writer_app import APP_DISPLAY_NAME, APP_NAME


def _open_or_start(window, path: Path) -> None:
    """Open FILE, or start a new document that will be saved there, as editors do."""
    if path.exists():
        window.open_path(path)
    else:
        window.start_document_at(path)


def run_gui(path: str | None = None) -> int:
    # Import the heavy libraries here, in the main thread, before the worker thread
    # starts: importing them there would hold the GIL and freeze the window.
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from PySide6.QtWidgets import QApplication

    import writer_app.inference.completion  # noqa: F401
    import writer_app.inference.registry  # noqa: F401
    from writer_app.controllers import EditorController
    from writer_app.core import paths
    from writer_app.core.lifeline import mark_parent
    from writer_app.core.out_folder import sweep_stale
    from writer_app.core.recovery import RecoveryStore
    from writer_app.core.settings import ensure_settings_file
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.resources import app_icon
    from writer_app.gui.settings_store import SettingsStore

    mark_parent()  # training and conversion processes end with the app
    for folder in (paths.data_dir() / "adapters", paths.personal_grammar_dir()):
        sweep_stale(folder)  # temporary folders of runs that were killed
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setDesktopFileName("io.github.writerapp.WriterApp")  # packaging/linux
    app.setWindowIcon(app_icon())
    settings, warnings = ensure_settings_file(paths.settings_file())
    store = SettingsStore(settings, paths.settings_file())
    recovery = RecoveryStore(paths.recovery_dir())
    window = MainWindow(store, recovery)
    controller = EditorController(window, store)
    window.show()
    controller.models.load_model()  # loads in the worker while any start-up dialog is open
    for warning in warnings:
        window.show_notice(f"Settings: {warning}")
    window.check_recovery()
    if path:
        _open_or_start(window, Path(path))
    try:
        return app.exec()
    finally:
        controller.shutdown()
        recovery.clear_session()
