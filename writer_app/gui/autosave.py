"""Autosave to the document's own file, besides the recovery copies.

On by default for a document that has a file (Preferences › Editor); every autosave
interval, a changed document is saved the way Save does, except that it never asks:
a file changed by another program, or made read-only, is left alone and autosave
pauses (the status bar says why) until the writer saves by hand. Text that Continue
writing has put in but the writer has not kept yet is not saved.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from writer_app.core.documents import DocumentError


class FileAutosave(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.enabled = True
        self.paused = ""  # why autosave waits for a manual save ("" = it does not)
        self.saves = 0
        window.editor.modificationChanged.connect(self._on_modification_changed)

    def save_now(self) -> bool:
        """Save a changed, named document quietly; True if it was written."""
        window = self._window
        path, disk = window.current_path, window._disk
        if not self.enabled or self.paused or path is None or not window.is_modified():
            return False
        if window.editor.has_pending() or disk.file is None or disk.file.path != path:
            return False
        try:
            disk.adopt(disk.file.save(window.document_text()))
        except DocumentError as exc:  # changed on disk, read-only, or a write failure
            self.paused = str(exc)
            window.show_notice(f"Autosave paused: {exc} Save (Ctrl+S) to decide.", 15000,
                               error=True)
            return False
        window.editor.document().setModified(False)
        self.saves += 1
        window.show_notice(f"Autosaved {path.name}", 2000)
        return True

    def _on_modification_changed(self, modified: bool) -> None:
        if not modified:
            self.paused = ""  # saved by hand (or undone to the saved text): go on
