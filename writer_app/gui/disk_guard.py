"""The main window's guard for the file behind the document: it reads and writes through
:class:`~writer_app.core.document_file.DocumentFile` and asks the writer when the file
changed on disk (at save, and when the window regains focus) or is read-only."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from writer_app.core.document_file import (
    ChangedOnDiskError,
    DiskState,
    DocumentFile,
    ReadOnlyFileError,
)

KEEP_MINE, LOAD_THEIRS, SAVE_AS, CANCEL = "keep", "load", "save-as", "cancel"
SAVED, SAVED_ELSEWHERE, NOT_SAVED = "saved", "saved-elsewhere", "not-saved"


class DiskGuard:
    """Owns the DocumentFile of the window's document. `reload(text)` replaces the
    document with the file's new content; `save_as()` runs File > Save As."""

    def __init__(self, parent: QWidget, reload: Callable[[str, DocumentFile], None],
                 save_as: Callable[[], bool]) -> None:
        self._parent = parent
        self._reload = reload
        self._save_as = save_as
        self.file: DocumentFile | None = None
        self._asked: DiskState | None = None  # the disk state already asked about
        self._asking = False

    # -- reading ------------------------------------------------------------------
    def read(self, path: str | os.PathLike[str]) -> tuple[str, DocumentFile]:
        """(text, file) of a document; raises DocumentError. `adopt` it once shown."""
        return DocumentFile.open(path)

    def adopt(self, file: DocumentFile | None) -> None:
        self.file = file
        self._asked = None

    def forget(self, path: Path | None = None) -> None:
        """A document that is not (yet) a file on disk, or whose file was not read."""
        self.adopt(DocumentFile(path, state=DiskState.of(path)) if path else None)

    # -- writing ------------------------------------------------------------------
    def write(self, path: Path, text: str) -> str:
        """Save `text` to `path`: SAVED, SAVED_ELSEWHERE (the writer chose Save As and
        it saved) or NOT_SAVED. Raises DocumentError when the file cannot be written."""
        file = self.file if self.file is not None and self.file.path == path else (
            (self.file or DocumentFile(path)).saved_as(path))
        overwrite_changes = overwrite_read_only = False
        while True:
            try:
                self.adopt(file.save(text, overwrite_changes=overwrite_changes,
                                     overwrite_read_only=overwrite_read_only))
                return SAVED
            except ChangedOnDiskError as exc:
                choice = self.ask_changed(str(exc), saving=True)
                if choice == KEEP_MINE:
                    overwrite_changes = True
                    continue
                if choice == LOAD_THEIRS:
                    self._load_theirs(file)
                elif choice == SAVE_AS and self._save_as():
                    return SAVED_ELSEWHERE
                return NOT_SAVED
            except ReadOnlyFileError as exc:
                if not self.ask_read_only(str(exc)):
                    return NOT_SAVED
                overwrite_read_only = True

    # -- watching -----------------------------------------------------------------
    def check(self) -> None:
        """When the window regains focus: ask once about a change made on disk."""
        file = self.file
        if file is None or self._asking or not file.changed_on_disk():
            return
        now = file.disk_state()
        if now is not None and now == self._asked:
            return
        self._asked = now
        choice = self.ask_changed(f"“{file.path.name}” was "
                                  f"{'changed' if now else 'removed'} by another program.",
                                  saving=False)
        if choice == KEEP_MINE:  # the next save overwrites without asking again
            self.file = replace(file, state=now)
        elif choice == LOAD_THEIRS:
            self._load_theirs(file)
        elif choice == SAVE_AS:
            self._save_as()

    def _load_theirs(self, file: DocumentFile) -> None:
        from writer_app.core.documents import DocumentError

        try:
            text, fresh = DocumentFile.open(file.path)
        except DocumentError as exc:
            QMessageBox.warning(self._parent, "Cannot load the file", str(exc))
            return
        self._reload(text, fresh)

    # -- questions (tests replace these) ------------------------------------------
    def ask_changed(self, message: str, *, saving: bool) -> str:
        box = QMessageBox(QMessageBox.Icon.Warning, "File changed on disk",
                          message, parent=self._parent)
        box.setInformativeText(
            "Keep mine: keep the text in the editor" + (" and overwrite the file." if saving
                                                        else "; saving overwrites the file.")
            + "\nLoad theirs: replace the editor's text with the file's (unsaved edits are "
            "lost).\nSave as: keep both, writing the editor's text to another file.")
        keep = box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        load = box.addButton("Load theirs", QMessageBox.ButtonRole.DestructiveRole)
        save_as = box.addButton("Save as…", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        self._asking = True
        try:
            box.exec()
        finally:
            self._asking = False
        clicked = box.clickedButton()
        return {keep: KEEP_MINE, load: LOAD_THEIRS, save_as: SAVE_AS}.get(clicked, CANCEL)

    def ask_read_only(self, message: str) -> bool:
        answer = QMessageBox.question(
            self._parent, "Read-only file", f"{message}\nOverwrite it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
