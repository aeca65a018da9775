"""RecoveryKeeper: the recovery copy of the window's document, kept at a cost in
proportion to what changed.

The editor reports every change as (position, removed, added). The keeper keeps the
small ones (and the text each inserted), and at each autosave tick appends them to the
journal of the document's last full recovery copy (core/recovery_journal.py). A full
copy of the text is written only for a new document, after a change too big or too odd
to journal (a whole-document replace), after a failed write, and when the journal has
grown past the size of the text; so a tick in a long document no longer copies and
writes the whole of it.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QTextCursor

from writer_app.core.documents import DocumentError
from writer_app.core.recovery import RecoveryStore
from writer_app.core.recovery_journal import Edit

MAX_JOURNALED_CHARS = 65536  # a larger insertion is taken by a full copy instead
MIN_JOURNAL_BYTES = 65536  # the journal may grow to this, or to the text's size


class RecoveryKeeper(QObject):
    def __init__(self, store: RecoveryStore | None, window) -> None:
        """`window` gives the document (editor, document_text(), is_modified(),
        current_path) and shows notices."""
        super().__init__(window)
        self.store = store
        self._window = window
        self._editor = window.editor
        self.doc_key = uuid.uuid4().hex
        self.dirty = False  # changed since the last copy
        self._failed = False  # the last write failed (said once, not every tick)
        self._edits: list[Edit] = []  # since the last copy or journal append
        self._full_needed = True  # no full copy of this document yet, or it is stale
        self._copy_chars = 0  # length of the last full copy
        self._journal_bytes = 0
        self.full_copies = 0  # how many full copies were written (benchmarks read it)
        if store is not None:
            self._editor.document().contentsChange.connect(self._on_contents_change)

    def new_document(self, modified: bool) -> None:
        """Another document is in the window: its copy starts afresh under a new key."""
        self.discard()
        self.doc_key = uuid.uuid4().hex
        self.dirty = modified

    def mark_changed(self) -> None:
        self.dirty = True

    def discard(self) -> None:
        """The document was saved (or undone back to the saved text): no copy is needed."""
        if self.store is not None:
            self.store.remove(self.doc_key)
        self._edits.clear()
        self._full_needed = True
        self.dirty = self._window.is_modified()

    def write(self) -> bool:
        """Bring the recovery copy up to date if the document changed since the last
        one; True when something was written."""
        window, store = self._window, self.store
        if store is None or not self.dirty or not window.is_modified():
            return False
        try:
            if self._full_needed or self._journal_bytes > max(MIN_JOURNAL_BYTES,
                                                              2 * self._copy_chars):
                self._write_full()
            elif self._edits:
                self._journal_bytes = store.append(self.doc_key, self._edits)
                self._edits.clear()
        except DocumentError as exc:
            if not self._failed:  # say it once, not every interval
                window.show_notice(f"Recovery copy not written: {exc}", 15000, error=True)
            self._failed = True
            self._full_needed = True  # a journal line may be cut short: start over
            self._edits.clear()
            return False
        self.dirty = False
        self._failed = False
        return True

    def _write_full(self) -> None:
        window = self._window
        text = window.document_text()
        self._edits.clear()  # before the copy: edits made during it come after it
        path = window.current_path
        self.store.save(self.doc_key, text, str(path) if path else None)
        self._full_needed = False
        self._copy_chars = len(text)
        self._journal_bytes = 0
        self.full_copies += 1

    @Slot(int, int, int)
    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._full_needed or self._editor.painting_ghost:
            return  # the next copy is a full one anyway; ghost text is not document text
        document = self._editor.document()
        last = document.characterCount() - 1  # the final paragraph end is not text
        if added > MAX_JOURNALED_CHARS or position + added > last or position < 0:
            self._full_needed = True  # a replace of everything: cheaper as a full copy
            self._edits.clear()
            return
        inserted = ""
        if added:
            cursor = QTextCursor(document)
            cursor.setPosition(position)
            cursor.setPosition(position + added, QTextCursor.MoveMode.KeepAnchor)
            inserted = cursor.selectedText().replace("\u2029", "\n")
            if len(inserted.encode("utf-16-le", "surrogatepass")) != 2 * added:
                # Half a surrogate pair (a change that split one) does not survive the
                # trip into Python text: this change is taken by a full copy instead.
                self._full_needed = True
                self._edits.clear()
                return
        if removed or inserted:
            self._edits.append((position, removed, inserted))
