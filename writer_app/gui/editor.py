"""The text editor with inline ghost-text suggestions and pending streamed text.

The suggestion is drawn as the block layout's pre-edit area, the mechanism
input methods use for text being composed: Qt lays it out inline (wrapping,
pushing the rest of the line along) without it ever entering the document,
so undo, saving and revision counting never see it.

"Continue writing" is different: its text does enter the document, as a pending
block (see PendingBlock) highlighted with an extra selection until the user keeps
or removes it. Its edits are programmatic: they bump the revision (the text did
change) but are not reported as user edits.

Grammar and spelling issues are wavy underlines drawn with extra selections too; their
half of the editor is IssueMarksMixin (gui/editor_issues.py).

Focus mode dims every paragraph but the cursor's with extra selections too, and
a line width narrows the text column with viewport margins: neither touches the
document, so undo, saving and the revision never see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QTextEdit, QWidget

from writer_app.core.grammar_check import DocIssue
from writer_app.core.settings import MIN_LINE_WIDTH
from writer_app.core.text_ops import consume_typed, first_word
from writer_app.gui.editor_issues import PLAIN_MODIFIERS as _PLAIN
from writer_app.gui.editor_issues import RETURN_KEYS as _RETURN_KEYS
from writer_app.gui.editor_issues import IssueMarksMixin
from writer_app.gui.pending_block import PendingBlock, seal_undo_step
from writer_app.gui.theme import dimmed_text_color, ghost_text_color, pending_text_background


def document_context(document: QTextDocument, position: int, max_before: int | None,
                     max_after: int | None) -> tuple[str, str]:
    """Text before and after `position`, read paragraph by paragraph outwards until
    each side has its limit (None: to the document's edge)."""
    block = document.findBlock(position)
    offset = position - block.position()
    text = block.text()
    before, after = [text[:offset]], [text[offset:]]
    size, previous = offset, block.previous()
    while previous.isValid() and (max_before is None or size < max_before):
        before.append(previous.text())
        size += previous.length()
        previous = previous.previous()
    size, following = len(text) - offset, block.next()
    while following.isValid() and (max_after is None or size < max_after):
        after.append(following.text())
        size += following.length()
        following = following.next()
    return (_plain("\n".join(reversed(before))), _plain("\n".join(after)))


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")  # as toPlainText: no-break spaces read as spaces


class CompletionEditor(IssueMarksMixin, QPlainTextEdit):
    sig_suggestion_accepted = Signal(str)  # the text that entered the document
    sig_suggestion_dismissed = Signal()
    sig_alternative_requested = Signal(int)  # +1 next, -1 previous
    sig_text_edited = Signal()  # a user's edit (not ghost painting, not streamed text)
    sig_pending_changed = Signal(str)  # streamed text entered the pending block
    sig_pending_closed = Signal(bool)  # the pending block was kept (True) or removed
    sig_issues_changed = Signal()  # the set of underlined issues changed
    sig_issue_ignored = Signal(object)  # DocIssue: "Ignore"
    sig_rule_ignored = Signal(object)  # DocIssue: "Ignore rule"
    sig_word_added = Signal(str)  # "Add 'word' to dictionary"
    sig_issue_fixed = Signal(object)  # DocIssue whose suggestion was applied
    sig_context_menu = Signal(object, int)  # the context menu about to show, its position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.revision = 0
        self._ghost = ""
        self._ghost_position = -1
        self._ghost_block: QTextBlock | None = None
        self._ghost_range: tuple[int, int] | None = None
        self._painting = False
        self._pending: PendingBlock | None = None
        self._editing_pending = False  # the change is the pending block's own, not the user's
        self._typing = 0  # inside a key or input-method event, or accepting a suggestion
        # Whether the last edit was typed (or an accepted suggestion): suggestions follow
        # only those, never a programmatic edit such as a grammar fix or Replace all.
        self.last_edit_typed = False
        self._focus_mode = False
        self._focus_block = -1  # the undimmed paragraph's block number
        self._line_width = 0  # characters; 0 = the viewport's width
        self._issues: list[DocIssue] = []  # in document order, positions kept current
        self.issue_menu: QMenu | None = None  # the last suggestion or context menu
        self.setTabChangesFocus(False)
        # The side margins of a narrowed column are the scroll area's own: paint them
        # like the page, not like the window behind it.
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.document().contentsChange.connect(self._on_contents_change)
        self.cursorPositionChanged.connect(self._on_cursor_moved)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # -- public API -------------------------------------------------------------------
    @property
    def suggestion(self) -> str:
        return self._ghost

    @property
    def painting_ghost(self) -> bool:
        """Inside the ghost text's own layout change (not a change of the text)."""
        return self._painting

    def has_suggestion(self) -> bool:
        return bool(self._ghost)

    def cursor_position(self) -> int:
        return self.textCursor().position()

    def context_at_cursor(self, position: int | None = None, *, max_before: int | None = None,
                          max_after: int | None = None) -> tuple[str, str]:
        """Text before and after the cursor (or `position`), as toPlainText has it.

        With limits, at least that many characters on each side (whole paragraphs)
        where the document has them: the cost follows the limits, not the document.
        """
        position = self.cursor_position() if position is None else position
        if max_before is None and max_after is None:
            text = self.toPlainText()
            return text[:position], text[position:]
        return document_context(self.document(), position, max_before, max_after)

    def show_suggestion(self, text: str, position: int, revision: int) -> bool:
        """Show `text` as ghost text if the cursor and document are as they were."""
        cursor = self.textCursor()
        if revision != self.revision or position != cursor.position() or cursor.hasSelection():
            return False
        if self._pending is not None:
            return False  # one kind of suggestion at a time
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
        with self._typed_edit():
            cursor.beginEditBlock()
            cursor.insertText(text)
            seal_undo_step(cursor)
            cursor.endEditBlock()
        self.setTextCursor(cursor)
        if remaining:
            self._set_ghost(remaining, cursor.position())
        self.sig_suggestion_accepted.emit(text)
        return text

    def accept_word(self) -> str:
        return self.accept_suggestion(first_word(self._ghost))

    # -- pending block (Continue writing) ---------------------------------------------
    def has_pending(self) -> bool:
        return self._pending is not None

    def pending_text(self) -> str:
        return self._pending.text() if self._pending is not None else ""

    def pending_range(self) -> tuple[int, int] | None:
        """Document positions (start, end) of the pending block, if there is one."""
        return None if self._pending is None else (self._pending.start, self._pending.end)

    def begin_pending(self) -> None:
        """Open an empty pending block at the cursor (a selection collapses to its end)."""
        self.clear_suggestion()
        self._close_pending()
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.setPosition(cursor.selectionEnd())
            self.setTextCursor(cursor)
        self._pending = PendingBlock(self.document(), cursor.position())

    def set_pending_text(self, text: str) -> bool:
        """Make the pending block's text `text` (the cumulative stream); True if it changed."""
        block = self._pending
        if block is None:
            return False
        at_end = self.cursor_position() == block.end
        with self._pending_block_edit():
            changed = block.set_text(text)
        if changed:
            self._update_extra_selections()
            if at_end:  # the cursor rides along at the end: keep it (and the text) in view
                self.ensureCursorVisible()
            self.sig_pending_changed.emit(block.text())
        return changed

    def keep_pending(self) -> str:
        """Make the pending block normal text; the cursor moves to its end if it was in it."""
        block = self._pending
        if block is None:
            return ""
        text = block.text()
        cursor = self.textCursor()
        if block.start <= cursor.position() <= block.end and not cursor.hasSelection():
            cursor.setPosition(block.end)
            self.setTextCursor(cursor)
        with self._pending_block_edit():
            block.seal()
        self._close_pending(kept=True)
        return text

    def discard_pending(self) -> None:
        """Remove the pending block; the document is as it was before it if nothing
        was edited since, modified flag and undo history included."""
        block = self._pending
        if block is None:
            return
        with self._pending_block_edit():
            if block.is_last_edit():
                self.undo()  # also puts the cursor back where the block began
                self.document().clearUndoRedoStacks(QTextDocument.Stacks.RedoStack)
            else:
                block.delete()
        self._close_pending(kept=False)

    def _close_pending(self, kept: bool | None = None) -> None:
        if self._pending is None:
            return
        self._pending = None
        self._update_extra_selections()
        if kept is not None:
            self.sig_pending_closed.emit(kept)

    @contextmanager
    def _pending_block_edit(self) -> Iterator[None]:
        self._editing_pending = True
        try:
            yield
        finally:
            self._editing_pending = False

    def _update_extra_selections(self) -> None:
        # Extra selections, not character formats: they change nothing in the document.
        # Focus dimming comes first so the pending block's tint paints over it.
        selections = self._focus_selections() + self._issue_selections()
        block = self._pending
        if block is not None and not block.is_empty():
            selection = QTextEdit.ExtraSelection()
            selection.cursor = block.selection()
            fmt = QTextCharFormat()
            fmt.setBackground(pending_text_background(self.palette()))
            selection.format = fmt
            selections.append(selection)
        self.setExtraSelections(selections)

    def paragraphs_text(self, low: int, high: int) -> tuple[str, int]:
        """(text, first position) of the whole paragraphs that [low, high] touches, as
        toPlainText has them: a region of a large document, without copying all of it."""
        document = self.document()
        block, last = document.findBlock(low), document.findBlock(high)
        if not last.isValid():
            last = document.lastBlock()
        start, parts = block.position(), []
        while block.isValid():
            parts.append(block.text())
            if block == last:
                break
            block = block.next()
        return _plain("\n".join(parts)), start

    def visible_range(self, margin: int = 0) -> tuple[int, int]:
        """Document positions (first, last) shown in the viewport, widened by `margin`."""
        first = self.cursorForPosition(QPoint(0, 0)).position()
        corner = QPoint(self.viewport().width() - 1, self.viewport().height() - 1)
        last = self.cursorForPosition(corner).position()
        return max(0, first - margin), min(self._last_position(), last + margin)

    # -- focus mode and line width ----------------------------------------------------
    @property
    def focus_mode(self) -> bool:
        return self._focus_mode

    def set_focus_mode(self, enabled: bool) -> None:
        """Dim every paragraph except the cursor's (display only)."""
        self._focus_mode = enabled
        self._focus_block = -1
        self._update_extra_selections()

    def dimmed_ranges(self) -> list[tuple[int, int]]:
        """Document ranges (start, end) that focus mode dims now."""
        return [(sel.cursor.selectionStart(), sel.cursor.selectionEnd())
                for sel in self.extraSelections() if sel.format.hasProperty(
                    QTextCharFormat.Property.ForegroundBrush)]

    def _focus_selections(self) -> list[QTextEdit.ExtraSelection]:
        if not self._focus_mode:
            return []
        current = self.textCursor().block()
        self._focus_block = current.blockNumber()
        start, end = current.position(), current.position() + current.length() - 1
        fmt = QTextCharFormat()
        fmt.setForeground(dimmed_text_color(self.palette()))
        selections = []
        for low, high in ((0, start), (end + 1, self.document().characterCount() - 1)):
            if high > low:
                selection = QTextEdit.ExtraSelection()
                selection.cursor = QTextCursor(self.document())
                selection.cursor.setPosition(low)
                selection.cursor.setPosition(high, QTextCursor.MoveMode.KeepAnchor)
                selection.format = fmt
                selections.append(selection)
        return selections

    @property
    def line_width(self) -> int:
        return self._line_width

    def set_line_width(self, characters: int) -> None:
        """Wrap lines at about `characters` average characters (0 = the viewport's width;
        otherwise at least MIN_LINE_WIDTH)."""
        self._line_width = max(MIN_LINE_WIDTH, characters) if characters > 0 else 0
        self._update_column()

    def _update_column(self, relayout: bool = True) -> None:
        # Equal viewport margins centre a column as wide as the line width asks for.
        side = 0
        if self._line_width:
            text_width = self.fontMetrics().averageCharWidth() * self._line_width
            column = text_width + 2 * self.document().documentMargin()
            side = max(0, int(self.width() - self.verticalScrollBar().sizeHint().width()
                              - column) // 2)
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)
            if relayout:  # the text wraps at the viewport's width only on a resize
                size = self.size()
                super().resizeEvent(QResizeEvent(size, size))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_column(relayout=False)  # margins first, so one layout suffices
        super().resizeEvent(event)
        self._on_scrolled()  # a taller view may show text without underlines yet

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._update_extra_selections()  # a theme switch: re-pick the tints
        elif event.type() == QEvent.Type.FontChange:
            self._update_column()  # the column is measured in characters
        super().changeEvent(event)

    # -- keys -------------------------------------------------------------------------
    @contextmanager
    def _typed_edit(self) -> Iterator[None]:
        self._typing += 1
        try:
            yield
        finally:
            self._typing -= 1

    def keyPressEvent(self, event: QKeyEvent) -> None:
        with self._typed_edit():
            self._key_press(event)

    def _key_press(self, event: QKeyEvent) -> None:
        if self._handle_issue_key(event):
            return
        if self._pending is not None and self._handle_pending_key(event):
            return
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

    def _handle_pending_key(self, event: QKeyEvent) -> bool:
        """Enter or Tab keeps the pending block, Esc removes it; other keys edit as usual."""
        key, mods = event.key(), event.modifiers()
        if mods in _PLAIN and (key in _RETURN_KEYS or key == Qt.Key.Key_Tab):
            self.keep_pending()
            return True
        if key == Qt.Key.Key_Escape and mods in _PLAIN:
            self.discard_pending()
            return True
        # Ctrl+Enter is "Continue writing"; when that is unavailable it must not type a newline.
        return key in _RETURN_KEYS and bool(mods & Qt.KeyboardModifier.ControlModifier)

    def _handle_ghost_key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        no_mods = mods in _PLAIN
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
        with self._typed_edit():
            super().inputMethodEvent(event)

    # -- change tracking --------------------------------------------------------------
    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        if self._painting:
            return
        self.revision += 1
        self._shift_issues(position, removed, added)
        self.last_edit_typed = self._typing > 0 and not self._editing_pending
        if self._editing_pending:
            return  # the pending block's own edits: not the user's
        if self._ghost:
            self._set_ghost("", -1)
            self.sig_suggestion_dismissed.emit()
        if self._pending is not None:
            self._after_user_edit_of_pending()
        elif self._focus_mode:
            self._update_extra_selections()  # a paragraph split or joined
        self.sig_text_edited.emit()

    def _after_user_edit_of_pending(self) -> None:
        # The anchors moved with the edit; a block the edit emptied is gone
        # (deleted, undone, or typed into before any text arrived).
        if self._pending.is_empty():
            self._close_pending(kept=False)
        else:
            self._update_extra_selections()

    def _on_cursor_moved(self) -> None:
        if self._ghost and self.cursor_position() != self._ghost_position:
            self.clear_suggestion()
        if self._focus_mode and self.textCursor().blockNumber() != self._focus_block:
            self._update_extra_selections()

    # -- painting ---------------------------------------------------------------------
    def _set_ghost(self, text: str, position: int) -> None:
        self._clear_ghost_layout()
        self._ghost = text
        self._ghost_position = position if text else -1
        if text:
            self._paint_ghost_layout()
        if self._issues:
            self._update_extra_selections()

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
