"""The text editor with inline ghost-text suggestions.

The suggestion is drawn as the block layout's pre-edit area, the mechanism
input methods use for text being composed: Qt lays it out inline (wrapping,
pushing the rest of the line along) without it ever entering the document,
so undo, saving and revision counting never see it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextBlock, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from writer_app.core.text_ops import consume_typed, first_word
from writer_app.gui.theme import ghost_text_color


class CompletionEditor(QPlainTextEdit):
    sig_suggestion_accepted = Signal(str)  # the text that entered the document
    sig_suggestion_dismissed = Signal()
    sig_alternative_requested = Signal(int)  # +1 next, -1 previous
    sig_text_edited = Signal()  # a real edit of the document (not ghost painting)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.revision = 0
        self._ghost = ""
        self._ghost_position = -1
        self._ghost_block: QTextBlock | None = None
        self._ghost_range: tuple[int, int] | None = None
        self._painting = False
        self.setTabChangesFocus(False)
        self.document().contentsChange.connect(self._on_contents_change)
        self.cursorPositionChanged.connect(self._on_cursor_moved)

    # -- public API -------------------------------------------------------------------
    @property
    def suggestion(self) -> str:
        return self._ghost

    def has_suggestion(self) -> bool:
        return bool(self._ghost)

    def cursor_position(self) -> int:
        return self.textCursor().position()

    def context_at_cursor(self) -> tuple[str, str]:
        """Text before and after the cursor (whole document)."""
        text = self.toPlainText()
        position = self.cursor_position()
        return text[:position], text[position:]

    def show_suggestion(self, text: str, position: int, revision: int) -> bool:
        """Show `text` as ghost text if the cursor and document are as they were."""
        cursor = self.textCursor()
        if revision != self.revision or position != cursor.position() or cursor.hasSelection():
            return False
        if not text:
            self.clear_suggestion()
            return False
        self._set_ghost(text, position)
        return True

    def clear_suggestion(self) -> None:
        if self._ghost:
            self._set_ghost("", -1)
            self.sig_suggestion_dismissed.emit()

    def accept_suggestion(self, part: str | None = None) -> str:
        """Insert the suggestion (or its leading `part`) as one undo step."""
        if not self._ghost:
            return ""
        text = self._ghost if part is None else part
        remaining = self._ghost[len(text) :]
        self._set_ghost("", -1)
        cursor = self.textCursor()
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        self.setTextCursor(cursor)
        if remaining:
            self._set_ghost(remaining, cursor.position())
        self.sig_suggestion_accepted.emit(text)
        return text

    def accept_word(self) -> str:
        return self.accept_suggestion(first_word(self._ghost))

    # -- keys -------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._handle_alternative_key(event):
            return
        if self._ghost and self._handle_ghost_key(event):
            return
        super().keyPressEvent(event)

    def _handle_alternative_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() != Qt.KeyboardModifier.AltModifier:
            return False
        step = {Qt.Key.Key_BracketRight: 1, Qt.Key.Key_BracketLeft: -1}.get(event.key())
        if step is None:
            return False
        self.sig_alternative_requested.emit(step)
        return True

    def _handle_ghost_key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        no_mods = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if key == Qt.Key.Key_Tab and no_mods:
            self.accept_suggestion()
            return True
        if key == Qt.Key.Key_Right and mods == Qt.KeyboardModifier.ControlModifier:
            self.accept_word()
            return True
        if key == Qt.Key.Key_Escape:
            self.clear_suggestion()
            return True
        typed = event.text()
        if typed and typed.isprintable():
            return self._type_through(event, typed)
        return False

    def _type_through(self, event: QKeyEvent, typed: str) -> bool:
        """Typing the suggestion's next characters keeps the rest of it."""
        remaining = consume_typed(self._ghost, typed)
        if remaining is None:
            return False
        self._set_ghost("", -1)
        super().keyPressEvent(event)
        if remaining and not self.textCursor().hasSelection():
            self._set_ghost(remaining, self.cursor_position())
        elif not remaining:
            self.sig_suggestion_accepted.emit(typed)
        return True

    def inputMethodEvent(self, event) -> None:
        self._set_ghost("", -1)  # the pre-edit area belongs to the input method now
        super().inputMethodEvent(event)

    # -- change tracking --------------------------------------------------------------
    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._painting:
            return
        self.revision += 1
        if self._ghost:
            self._set_ghost("", -1)
            self.sig_suggestion_dismissed.emit()
        self.sig_text_edited.emit()

    def _on_cursor_moved(self) -> None:
        if self._ghost and self.cursor_position() != self._ghost_position:
            self.clear_suggestion()

    # -- painting ---------------------------------------------------------------------
    def _set_ghost(self, text: str, position: int) -> None:
        self._clear_ghost_layout()
        self._ghost = text
        self._ghost_position = position if text else -1
        if text:
            self._paint_ghost_layout()

    def _paint_ghost_layout(self) -> None:
        block = self.document().findBlock(self._ghost_position)
        layout = block.layout()
        if layout is None:
            return
        offset = self._ghost_position - block.position()
        fmt = QTextCharFormat()
        fmt.setForeground(ghost_text_color(self.palette()))
        ghost_range = QTextLayout.FormatRange()
        ghost_range.start, ghost_range.length, ghost_range.format = offset, len(self._ghost), fmt
        layout.setPreeditArea(offset, self._ghost)
        layout.setFormats([*layout.formats(), ghost_range])
        self._ghost_block, self._ghost_range = block, (offset, len(self._ghost))
        self._relayout(block)

    def _clear_ghost_layout(self) -> None:
        block, self._ghost_block = self._ghost_block, None
        ghost_range, self._ghost_range = self._ghost_range, None
        if block is None or not block.isValid() or block.layout() is None:
            return
        layout = block.layout()
        layout.setPreeditArea(-1, "")
        kept = [r for r in layout.formats() if (r.start, r.length) != ghost_range]
        layout.setFormats(kept)
        self._relayout(block)

    def _relayout(self, block: QTextBlock) -> None:
        self._painting = True
        try:
            self.document().markContentsDirty(block.position(), block.length())
        finally:
            self._painting = False
        self.viewport().update()
