"""Find and Replace: an inline bar under the editor.

Ctrl+F opens the find row, Ctrl+H the replace row too. Enter finds the next match,
Esc closes. Match case and Whole word narrow the search. Replace changes the selected
match and finds the next one; Replace all changes every match as one undo step (and
the editor does not take it for typing: no suggestion follows it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from writer_app.gui.pending_block import seal_undo_step

_Flag = QTextDocument.FindFlag


class FindBar(QWidget):
    """Find (and, when opened for it, Replace) in the editor's document."""

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        self.line_edit = QLineEdit(placeholderText="Find in document")
        self.line_edit.setClearButtonEnabled(True)
        self.replace_edit = QLineEdit(placeholderText="Replace with")
        self.replace_edit.setClearButtonEnabled(True)
        self.match_case = QCheckBox("Match case")
        self.whole_word = QCheckBox("Whole word")
        self.status_label = QLabel()
        self.status_label.setMinimumWidth(110)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        grid.addWidget(QLabel("Find:"), 0, 0)
        grid.addWidget(self.line_edit, 0, 1)
        grid.addWidget(self._button("Previous", "Previous match (Shift+F3)",
                                    lambda: self.find(backward=True)), 0, 2)
        grid.addWidget(self._button("Next", "Next match (Enter, F3)", self.find), 0, 3)
        grid.addWidget(self.match_case, 0, 4)
        grid.addWidget(self.whole_word, 0, 5)
        grid.addWidget(self.status_label, 0, 6)
        grid.addWidget(self._button("✕", "Close (Esc)", self.close_bar), 0, 7)
        self.replace_label = QLabel("Replace:")
        self.replace_button = self._button("Replace", "Replace this match and find the next "
                                           "(Enter)", self.replace)
        self.replace_all_button = self._button("Replace all", "Replace every match (one Undo "
                                               "takes them all back)", self.replace_all)
        grid.addWidget(self.replace_label, 1, 0)
        grid.addWidget(self.replace_edit, 1, 1)
        grid.addWidget(self.replace_button, 1, 2)
        grid.addWidget(self.replace_all_button, 1, 3)
        grid.setColumnStretch(1, 1)
        self.line_edit.returnPressed.connect(self.find)
        self.line_edit.textEdited.connect(self._on_text_edited)
        self.replace_edit.returnPressed.connect(self.replace)
        self.match_case.toggled.connect(self._on_options_changed)
        self.whole_word.toggled.connect(self._on_options_changed)
        self._set_replacing(False)
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The line edits and buttons leave Esc unhandled, so it reaches the bar.
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton(text=text, toolTip=tip, autoRaise=True)
        button.clicked.connect(slot)
        return button

    def _set_replacing(self, replacing: bool) -> None:
        for widget in (self.replace_label, self.replace_edit, self.replace_button,
                       self.replace_all_button):
            widget.setVisible(replacing)

    @property
    def replacing(self) -> bool:
        return not self.replace_edit.isHidden()

    # -- opening and closing ----------------------------------------------------------
    def open_bar(self, replace: bool = False) -> None:
        """Show the bar (with the replace row when asked), seeded with the editor's
        one-line selection."""
        selected = self._editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.line_edit.setText(selected)
        self._set_replacing(replace)
        self.show()
        target = self.replace_edit if replace and self.line_edit.text() else self.line_edit
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        target.selectAll()

    def open_replace(self) -> None:
        self.open_bar(replace=True)

    def close_bar(self) -> None:
        self.hide()
        self._editor.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- finding ----------------------------------------------------------------------
    def flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = _Flag(0)
        if backward:
            flags |= _Flag.FindBackward
        if self.match_case.isChecked():
            flags |= _Flag.FindCaseSensitively
        if self.whole_word.isChecked():
            flags |= _Flag.FindWholeWords
        return flags

    def find(self, backward: bool = False) -> bool:
        """Select the next (or previous) match, wrapping around the document."""
        needle = self.line_edit.text()
        if not needle:
            self.status_label.clear()
            return False
        flags = self.flags(backward)
        found = self._editor.find(needle, flags) or self._find_wrapped(needle, flags, backward)
        self.status_label.setText("" if found else "No matches")
        return found

    def _find_wrapped(self, needle: str, flags, backward: bool) -> bool:
        saved = self._editor.textCursor()
        cursor = self._editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End if backward else cursor.MoveOperation.Start)
        self._editor.setTextCursor(cursor)
        if self._editor.find(needle, flags):
            return True
        self._editor.setTextCursor(saved)
        return False

    def matches(self) -> list[QTextCursor]:
        """Every match in the document, in order (cursors that move with edits)."""
        needle, document = self.line_edit.text(), self._editor.document()
        found: list[QTextCursor] = []
        if not needle:
            return found
        cursor = QTextCursor(document)
        while True:
            cursor = document.find(needle, cursor, self.flags())
            if cursor.isNull():
                return found
            found.append(QTextCursor(cursor))

    def _selection_matches(self) -> bool:
        selected = self._editor.textCursor()
        return selected.hasSelection() and any(
            m.selectionStart() == selected.selectionStart()
            and m.selectionEnd() == selected.selectionEnd() for m in self._matches_near(selected))

    def _matches_near(self, selected: QTextCursor) -> list[QTextCursor]:
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(selected.selectionStart())
        found = self._editor.document().find(self.line_edit.text(), cursor, self.flags())
        return [] if found.isNull() else [found]

    # -- replacing --------------------------------------------------------------------
    def replace(self) -> bool:
        """Replace the selected match (if the selection is one) and find the next."""
        if not self.line_edit.text():
            return False
        replaced = False
        if self._selection_matches():
            cursor = self._editor.textCursor()
            cursor.beginEditBlock()
            cursor.insertText(self.replace_edit.text())
            seal_undo_step(cursor)
            cursor.endEditBlock()
            self._editor.setTextCursor(cursor)
            replaced = True
        found = self.find()
        if replaced and not found:
            self.status_label.setText("Replaced the last one")
        return replaced

    def replace_all(self) -> int:
        """Replace every match as one undo step; returns how many."""
        found = self.matches()
        if not found:
            self.status_label.setText("No matches")
            return 0
        replacement = self.replace_edit.text()
        editing = QTextCursor(self._editor.document())
        editing.beginEditBlock()
        for match in reversed(found):  # last first: earlier positions hold
            editing.setPosition(match.selectionStart())
            editing.setPosition(match.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
            editing.insertText(replacement)
        seal_undo_step(editing)
        editing.endEditBlock()
        count = len(found)
        self.status_label.setText(f"Replaced {count}")
        return count

    def _on_options_changed(self, _checked: bool) -> None:
        if self.isVisible() and self.line_edit.text():
            self._on_text_edited(self.line_edit.text())

    def _on_text_edited(self, _text: str) -> None:
        # Search as you type from the start of the current match, so it grows in place.
        cursor = self._editor.textCursor()
        cursor.setPosition(cursor.selectionStart())
        self._editor.setTextCursor(cursor)
        self.find()
