"""The main window: one document, menus, status bar, files, recovery copies.

The window works on its own, without a model; the controller connects to its
editor and public methods later. Every dialog goes through a small `_ask_…`,
`_choose_…` or `_show_…` method so tests can replace it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QFont,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from writer_app import APP_DISPLAY_NAME, __version__
from writer_app.core.document_file import DocumentFile
from writer_app.core.documents import DocumentError
from writer_app.core.paths import config_dir
from writer_app.core.recovery import RecoveryEntry, RecoveryStore
from writer_app.core.settings import Settings
from writer_app.gui.autosave import FileAutosave
from writer_app.gui.disk_guard import SAVED, SAVED_ELSEWHERE, DiskGuard
from writer_app.gui.editor import CompletionEditor
from writer_app.gui.find_bar import FindBar
from writer_app.gui.issues_panel import IssuesPanel
from writer_app.gui.prose_font import prose_font
from writer_app.gui.recovery_keeper import RecoveryKeeper
from writer_app.gui.resources import app_icon
from writer_app.gui.settings_store import SettingsStore
from writer_app.gui.shortcuts import EMPTY_HINT, ShortcutsDialog
from writer_app.gui.status_bar import WindowStatusBar
from writer_app.gui.theme import THEMES, apply_theme
from writer_app.gui.window_menus import build_actions, build_menus, build_toolbar

FILE_FILTER = "Text and Markdown (*.txt *.md *.markdown);;All files (*)"
MAX_RECENT = 10
MIN_FONT_SIZE, MAX_FONT_SIZE = 6, 72
UNTITLED = "Untitled"

_KEY_RECENT = "files/recent"
_KEY_LAST_DIR = "files/lastDir"
_KEY_GEOMETRY = "window/geometry"
_KEY_STATE = "window/state"
_KEY_STATUS_BAR = "window/statusBar"

Button = QMessageBox.StandardButton


def gui_settings() -> QSettings:
    """Window state and recent files, in an ini file beside settings.toml.

    An explicit file (not the platform registry) keeps tests and portable
    installs out of the user's real configuration via WRITER_APP_CONFIG_DIR.
    """
    return QSettings(str(config_dir() / "gui.ini"), QSettings.Format.IniFormat)


def _string_list(value: object) -> list[str]:
    # An ini file returns a one-item list as a plain string and an empty one as None.
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str) and item]
    return []


def _menu_text(text: str) -> str:
    return text.replace("&", "&&")


def _short_dir(path: Path) -> str:
    folder, home = str(path.parent), str(Path.home())
    if folder == home or folder.startswith(home + os.sep):
        return "~" + folder[len(home):]
    return folder


class MainWindow(QMainWindow):
    """The writer's window. Usable without a controller or model."""

    sig_document_replaced = Signal()
    sig_preferences_requested = Signal()  # Edit > Preferences; the controller opens it

    def __init__(self, store: SettingsStore, recovery: RecoveryStore | None = None,
                 parent: QWidget | None = None) -> None:
        """`store`: the app's SettingsStore; the window reads it and follows its changes
        (font, theme, line width, focus mode, autosave) and changes the theme through it."""
        super().__init__(parent)
        self.store = store
        self._recovery = recovery
        self._path: Path | None = None
        self._disk = DiskGuard(self, self._on_reloaded_from_disk, self.save_as)
        self._zoom = 0

        self.editor = CompletionEditor()
        self.editor.setFrameShape(QFrame.Shape.NoFrame)
        # Text flush against the window edge is hard to read; give it some air.
        # The margin is a (recorded) document edit: forget it so the new document is clean.
        document = self.editor.document()
        document.setDocumentMargin(14)
        self.editor.setPlaceholderText(EMPTY_HINT)  # shown while the document is empty
        document.clearUndoRedoStacks()
        document.setModified(False)
        self.find_bar = FindBar(self.editor)
        self.recovery_keeper = RecoveryKeeper(recovery, self)
        self._build_central()
        self._build_status_bar()
        build_actions(self)
        build_menus(self)
        build_toolbar(self)
        self._build_issues_panel()
        self._connect_editor()

        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.write_recovery)
        self.file_autosave = FileAutosave(self)
        self.autosave_timer.timeout.connect(self.file_autosave.save_now)
        self._apply_settings(store.current())
        store.sig_changed.connect(self._on_settings_changed)
        self.setWindowIcon(app_icon())
        self._update_title()
        self._restore_window_state()
        self._rebuild_recent_menu()

    # --- construction -------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.find_bar)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        self.status_bar = WindowStatusBar(self.editor, self)
        self.setStatusBar(self.status_bar)
        self.word_count = self.status_bar.word_count

    def _on_preferences_triggered(self) -> None:
        self.sig_preferences_requested.emit()

    def _connect_editor(self) -> None:
        ed = self.editor
        ed.modificationChanged.connect(self.setWindowModified)
        ed.modificationChanged.connect(self._on_modification_changed)
        # Not textChanged: that also fires when the editor repaints ghost text.
        ed.sig_text_edited.connect(self._on_text_changed)
        ed.sig_pending_changed.connect(self._on_text_changed)  # streamed text is document text
        ed.undoAvailable.connect(self.action_undo.setEnabled)
        ed.redoAvailable.connect(self.action_redo.setEnabled)
        ed.copyAvailable.connect(self.action_cut.setEnabled)
        ed.copyAvailable.connect(self.action_copy.setEnabled)

    # --- settings, font, theme ----------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.store.current()

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        if old.editor != new.editor:
            self._apply_settings(new)

    def _apply_settings(self, settings: Settings) -> None:
        """Take the editor settings (font, theme, line width, focus mode, autosave)."""
        self._apply_font()
        self.editor.set_line_width(settings.editor.line_width)
        self.editor.set_focus_mode(settings.editor.focus_mode)
        self.word_count.set_goal(settings.editor.session_word_goal)
        self.file_autosave.enabled = settings.editor.autosave_to_file
        self.autosave_timer.setInterval(max(1, settings.editor.autosave_seconds) * 1000)
        if self._recovery is not None or settings.editor.autosave_to_file:
            self.autosave_timer.start()
        theme = settings.editor.theme if settings.editor.theme in THEMES else "system"
        self.theme_actions[theme].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)

    def set_theme(self, theme: str) -> None:
        """Apply a theme at once and keep it in the settings."""
        self.theme_actions[theme].setChecked(True)
        self.store.update({"editor": {"theme": theme}})

    def _editor_font(self) -> QFont:
        prefs = self.settings.editor
        font = QFont(prefs.font_family) if prefs.font_family else prose_font()
        size = prefs.font_size + self._zoom
        font.setPointSize(min(MAX_FONT_SIZE, max(MIN_FONT_SIZE, size)))
        return font

    def _apply_font(self) -> None:
        self.editor.setFont(self._editor_font())

    def zoom_in(self) -> None:
        self._set_zoom(self._zoom + 1)

    def zoom_out(self) -> None:
        self._set_zoom(self._zoom - 1)

    def zoom_reset(self) -> None:
        self._set_zoom(0)

    def _set_zoom(self, zoom: int) -> None:
        base = self.settings.editor.font_size
        self._zoom = min(MAX_FONT_SIZE - base, max(MIN_FONT_SIZE - base, zoom))
        self._apply_font()

    def _build_issues_panel(self) -> None:
        self.issues_panel = IssuesPanel(self.editor, self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.issues_panel)
        self.issues_panel.hide()
        self.action_issues = self.issues_panel.toggleViewAction()
        self.action_issues.setText("&Issues Panel")
        self.action_issues.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.action_issues.setStatusTip("Grammar and spelling issues of the document, "
                                        "by category (F8 / Shift+F8 go through them)")
        self.menu_view.insertAction(self.action_status_bar, self.action_issues)

    def set_writing_state(self, *, available: bool, streaming: bool,
                          pending: bool = False) -> None:
        """Continue writing when a model is ready, Try again over new text, Stop while
        it streams."""
        self.writing_actions.set_state(available=available, streaming=streaming,
                                       pending=pending)

    def show_notice(self, message: str, timeout_ms: int = 8000, *, error: bool = False) -> None:
        """A non-modal message in the status bar; errors are red, with a tooltip."""
        self.status_bar.show_notice(message, timeout_ms, error=error)

    def _on_status_bar_toggled(self, visible: bool) -> None:
        self.statusBar().setVisible(visible)

    def changeEvent(self, event: QEvent) -> None:
        # A theme switch changes the palette; re-pick the error reds for it.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.status_bar.restyle()
            self.writing_actions.update_icons()
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            QTimer.singleShot(0, self._disk.check)  # changed on disk while away?
        super().changeEvent(event)

    # --- document state -----------------------------------------------------------

    @property
    def current_path(self) -> Path | None:
        return self._path

    def is_modified(self) -> bool:
        return self.editor.document().isModified()

    def document_text(self) -> str:
        """The document as saved: unlike toPlainText, keeps no-break spaces intact."""
        return self.editor.document().toRawText().replace("\u2029", "\n")

    def _display_name(self) -> str:
        return self._path.name if self._path else UNTITLED

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._display_name()}[*] — {APP_DISPLAY_NAME}")
        self.setWindowModified(self.is_modified())

    def _replace_document(self, text: str, path: Path | None, *, modified: bool,
                          file: DocumentFile | None = None) -> None:
        """Swap in another document; its recovery copy starts afresh under a new key.
        `file` is the file it was read from (line ends, BOM, state on disk)."""
        self.editor.setPlainText(text)  # also clears undo history and the modified flag
        self._path = path
        self._disk.adopt(file) if file is not None else self._disk.forget(path)
        self.editor.document().setModified(modified)
        self.recovery_keeper.new_document(modified)
        self._update_title()
        self.word_count.start_session()
        self.sig_document_replaced.emit()

    def _maybe_save(self) -> bool:
        """Offer to save unsaved changes; False means the caller must stop."""
        if not self.is_modified():
            return True
        answer = self._ask_save_changes()
        if answer == Button.Save:
            return self.save()
        return answer == Button.Discard

    def _on_text_changed(self) -> None:
        self.recovery_keeper.mark_changed()

    def _on_modification_changed(self, modified: bool) -> None:
        # Saved, or undone back to the saved text: the recovery copy is obsolete.
        if not modified:
            self.recovery_keeper.discard()

    # --- file commands ------------------------------------------------------------

    def new_document(self) -> bool:
        if not self._maybe_save():
            return False
        self._replace_document("", None, modified=False)
        return True

    def start_document_at(self, path: str | os.PathLike[str]) -> bool:
        """A new, empty document that Save writes to `path` (for `writer-app new.md`)."""
        if not self._maybe_save():
            return False
        self._replace_document("", Path(path).absolute(), modified=False)
        return True

    def open_file(self) -> bool:
        """File > Open: ask about unsaved changes, then for a file."""
        if not self._maybe_save():
            return False
        path = self._choose_open_path()
        return path is not None and self.open_path(path)

    def open_path(self, path: str | os.PathLike[str]) -> bool:
        """Open a UTF-8 text file. On any error the current document stays as it is."""
        path = Path(os.path.abspath(path))
        if not self._maybe_save():
            return False
        try:
            text, file = self._disk.read(path)
        except DocumentError as exc:
            self._show_error("Cannot open file", str(exc))
            return False
        self._replace_document(text, path, modified=False, file=file)
        self._add_recent(path)
        return True

    def save(self) -> bool:
        return self.save_to(self._path) if self._path else self.save_as()

    def save_as(self) -> bool:
        path = self._choose_save_path()
        return path is not None and self.save_to(path)

    def save_to(self, path: str | os.PathLike[str]) -> bool:
        """Write the document atomically; on failure it stays modified and in the editor."""
        path = Path(os.path.abspath(path))
        try:
            outcome = self._disk.write(path, self.document_text())
        except DocumentError as exc:
            self._show_error("Cannot save file", str(exc))
            return False
        if outcome != SAVED:  # the writer chose another way (Save As saved it)
            return outcome == SAVED_ELSEWHERE
        self._path = path
        self.editor.document().setModified(False)
        self._update_title()
        self._add_recent(path)
        self.show_notice(f"Saved {path.name}", 3000)
        return True

    def _on_reloaded_from_disk(self, text: str, file: DocumentFile) -> None:
        self._replace_document(text, file.path, modified=False, file=file)
        self.show_notice(f"Loaded the changed {file.path.name} from disk.", 5000)

    def _on_find_next(self) -> None:
        if self.find_bar.line_edit.text():
            self.find_bar.find()
        else:
            self.find_bar.open_bar()

    def _on_find_previous(self) -> None:
        if self.find_bar.line_edit.text():
            self.find_bar.find(backward=True)
        else:
            self.find_bar.open_bar()

    # --- recent files -------------------------------------------------------------

    def recent_files(self) -> list[str]:
        return _string_list(gui_settings().value(_KEY_RECENT))[:MAX_RECENT]

    def clear_recent_files(self) -> None:
        self._store_recent([])

    def _add_recent(self, path: Path) -> None:
        entry = str(path)
        self._store_recent([entry] + [p for p in self.recent_files() if p != entry])
        qs = gui_settings()
        qs.setValue(_KEY_LAST_DIR, str(path.parent))

    def _store_recent(self, paths: list[str]) -> None:
        qs = gui_settings()
        qs.setValue(_KEY_RECENT, paths[:MAX_RECENT])
        qs.sync()
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        menu: QMenu = self.menu_recent
        menu.clear()
        for number, entry in enumerate(self.recent_files(), start=1):
            path = Path(entry)
            text = f"&{number % 10}  {_menu_text(path.name)}   —   {_menu_text(_short_dir(path))}"
            action = menu.addAction(text)
            action.setStatusTip(entry)
            action.triggered.connect(lambda _=False, p=entry: self._on_open_recent(p))
        menu.addSeparator()
        menu.addAction(self.action_clear_recent)
        self.action_clear_recent.setEnabled(bool(self.recent_files()))

    def _on_open_recent(self, entry: str) -> None:
        if not self.open_path(entry) and not Path(entry).exists():
            # A file that has gone away is dropped from the list.
            self._store_recent([p for p in self.recent_files() if p != entry])

    # --- crash recovery -----------------------------------------------------------

    def write_recovery(self) -> bool:
        """Bring the recovery copy up to date if the document changed since the last one."""
        return self.recovery_keeper.write()

    def check_recovery(self) -> bool:
        """Offer documents left by a crashed session; True if one was restored.

        The window holds one document: after a restore, other entries stay for the
        next start. A declined entry is deleted.
        """
        if self._recovery is None:
            return False
        entries = self._recovery.pending()
        for index, entry in enumerate(entries):
            if self._ask_restore(entry):
                restored = self._restore(entry)
                left = len(entries) - index - 1
                if restored and left:
                    self.show_notice(f"{left} more recovered document(s) will be offered "
                                     "at the next start.", 15000)
                return restored
            self._recovery.discard(entry)
        return False

    def _restore(self, entry: RecoveryEntry) -> bool:
        if not self._maybe_save():
            return False
        path = Path(entry.original_path) if entry.original_path else None
        self._replace_document(entry.text, path, modified=True)
        # Drop the old copy only once this session holds its own.
        if self.write_recovery():
            self._recovery.discard(entry)
        self.show_notice(f"Restored unsaved changes to {entry.display_name}.")
        return True

    # --- window state and closing -------------------------------------------------

    def _restore_window_state(self) -> None:
        qs = gui_settings()
        geometry = qs.value(_KEY_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(960, 680)
        state = qs.value(_KEY_STATE)
        if state is not None:
            self.restoreState(state)
        visible = qs.value(_KEY_STATUS_BAR, True)
        self.action_status_bar.setChecked(visible not in (False, "false", "0", 0))

    def _save_window_state(self) -> None:
        qs = gui_settings()
        qs.setValue(_KEY_GEOMETRY, self.saveGeometry())
        qs.setValue(_KEY_STATE, self.saveState())
        qs.setValue(_KEY_STATUS_BAR, self.action_status_bar.isChecked())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._maybe_save():
            event.ignore()
            return
        self._save_window_state()
        self.autosave_timer.stop()
        self.recovery_keeper.discard()
        event.accept()

    # --- dialogs (overridden in tests) ----------------------------------------------

    def _ask_save_changes(self) -> QMessageBox.StandardButton:
        box = QMessageBox(QMessageBox.Icon.Warning, APP_DISPLAY_NAME,
                          f"Save changes to “{self._display_name()}”?",
                          Button.Save | Button.Discard | Button.Cancel, self)
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(Button.Save)
        box.setEscapeButton(Button.Cancel)
        box.exec()
        return box.standardButton(box.clickedButton())

    def _ask_restore(self, entry: RecoveryEntry) -> bool:
        from datetime import datetime

        when = datetime.fromtimestamp(entry.saved_at).strftime("%Y-%m-%d %H:%M")
        answer = QMessageBox.question(
            self, APP_DISPLAY_NAME,
            f"{APP_DISPLAY_NAME} did not close properly. Restore the unsaved changes to "
            f"“{entry.display_name}” from {when}?\n\nIf you choose No, they are deleted.",
            Button.Yes | Button.No, Button.Yes)
        return answer == Button.Yes

    def _start_dir(self) -> str:
        if self._path:
            return str(self._path.parent)
        return str(gui_settings().value(_KEY_LAST_DIR, "") or Path.home())

    def _choose_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Open", self._start_dir(), FILE_FILTER)
        return Path(name) if name else None

    def _choose_save_path(self) -> Path | None:
        suggested = self._path or Path(self._start_dir()) / f"{UNTITLED}.md"
        name, _ = QFileDialog.getSaveFileName(self, "Save As", str(suggested), FILE_FILTER)
        return Path(name) if name else None

    def _show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def _show_shortcuts(self) -> None:
        ShortcutsDialog([self.menu_file, self.menu_edit, self.menu_view, self.menu_help],
                        self).exec()

    def _show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_DISPLAY_NAME}",
            f"<h3>{APP_DISPLAY_NAME} {__version__}</h3>"
            "<p>A private writing assistant: suggestions and grammar checks run "
            "on this computer; your text never leaves it.</p>")

