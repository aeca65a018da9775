"""A stretch of streamed text in the document that the user has not kept yet.

"Continue writing" puts its text into the document itself (so it wraps, scrolls
and saves like any text) and marks it as pending; the editor highlights it and
lets the user keep or remove it. This class only does the document work.
"""

from __future__ import annotations

from PySide6.QtGui import QTextCursor, QTextDocument

_KEEP_ANCHOR = QTextCursor.MoveMode.KeepAnchor


def seal_undo_step(cursor: QTextCursor) -> None:
    """Keep the next typed text out of the current edit block's undo step.

    Qt merges a typed insertion into the preceding edit block when their text is
    adjacent in the document's internal buffer. Inserting and removing a zero-width
    character inside the block moves the buffer on, so the merge cannot happen;
    the document's text is unchanged.
    """
    cursor.insertText("\u200b")
    cursor.deletePreviousChar()


def _utf16_len(text: str) -> int:
    """Length in document positions: Qt counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _common_prefix_len(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class PendingBlock:
    """Anchors, streamed edits and removal of one pending block.

    Two cursors anchor the block so that it moves with edits elsewhere. Text typed
    exactly at its start pushes the start cursor along and text typed exactly at its
    end leaves the end cursor in place: the user's typing at either edge lands
    outside the block; typing inside it becomes part of it.

    All streamed edits form one undo command (the first opens it, later ones join
    it), so a kept block is one undo step, and removing it can simply undo that
    command as long as nothing else has edited the document since.
    """

    def __init__(self, document: QTextDocument, position: int) -> None:
        self._document = document
        self._start = QTextCursor(document)
        self._start.setPosition(position)
        self._end = QTextCursor(document)
        self._end.setPosition(position)
        self._end.setKeepPositionOnInsert(True)
        self._streamed = ""
        self._revision: int | None = None  # the document's revision after our last edit

    @property
    def start(self) -> int:
        return self._start.position()

    @property
    def end(self) -> int:
        return max(self._start.position(), self._end.position())

    def is_empty(self) -> bool:
        return self.end <= self.start

    def selection(self) -> QTextCursor:
        """A cursor selecting the whole block."""
        cursor = QTextCursor(self._document)
        cursor.setPosition(self.start)
        cursor.setPosition(self.end, _KEEP_ANCHOR)
        return cursor

    def text(self) -> str:
        """The block as it is now, including anything the user typed inside it."""
        return self.selection().selectedText().replace("\u2029", "\n")

    def set_text(self, text: str) -> bool:
        """Make the streamed text `text`, editing only what changed. False if nothing did."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text == self._streamed:
            return False
        start = self.start
        kept = _common_prefix_len(self._streamed, text)
        cursor = QTextCursor(self._document)
        cursor.setPosition(start + _utf16_len(self._streamed[:kept]))
        cursor.setPosition(self.end, _KEEP_ANCHOR)
        if self.is_last_edit():
            cursor.joinPreviousEditBlock()
        else:
            cursor.beginEditBlock()
        cursor.insertText(text[kept:])
        cursor.endEditBlock()
        # An insert at the very start pushed the start anchor along: put it back.
        self._start.setPosition(start)
        self._end.setPosition(cursor.position())
        self._streamed = text
        self._revision = self._document.revision()
        return True

    def is_last_edit(self) -> bool:
        """True while undoing once would remove exactly this block's text.

        Undo-stack sizes cannot tell: Qt merges text typed right after an inserted
        edit block into that block's command. Any edit bumps the revision, though.
        """
        return self._revision is not None and self._document.revision() == self._revision

    def seal(self) -> None:
        """End the block's undo step so that text typed next is a step of its own."""
        if not self.is_last_edit():
            return
        cursor = QTextCursor(self._document)
        cursor.setPosition(self.end)
        cursor.joinPreviousEditBlock()
        seal_undo_step(cursor)
        cursor.endEditBlock()
        self._revision = self._document.revision()

    def delete(self) -> None:
        """Remove the block's text with an ordinary (undoable) edit."""
        cursor = self.selection()
        if cursor.hasSelection():
            cursor.removeSelectedText()
