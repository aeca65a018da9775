"""Grammar and spelling issues in the editor: wavy underlines, tooltips, the
suggestion menu, fixes, and keeping positions current as the text changes.

A mixin of CompletionEditor (its own file, as novelWriter gives each editor helper),
so that the widget keeps one public API: `editor.set_issues()`, `editor.apply_fixes()`,
`editor.goto_issue()`… It uses the editor's signals (sig_issues_changed,
sig_issue_ignored, sig_rule_ignored, sig_word_added, sig_issue_fixed,
sig_context_menu), its ghost-text state (an underline on a line the ghost text
shifts is hidden until the ghost goes) and `_update_extra_selections()`, which
paints the underlines together with the focus dimming and the pending block.

Underlines are drawn with extra selections (red spelling, blue grammar, amber style
and punctuation): they change nothing in the document. Their positions move with every
edit, and an issue whose own text is edited disappears at once; the controller puts
them back (from its cache) or replaces them after the next check.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QHelpEvent,
    QKeyEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu, QTextEdit, QToolTip

from writer_app.core.grammar_check import DocIssue, shift_issues
from writer_app.core.large_document import (
    ALL_UNDERLINES_CHARS,
    UNDERLINE_MARGIN_CHARS,
    visible_indices,
)
from writer_app.gui.pending_block import seal_undo_step

PLAIN_MODIFIERS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# Underline colours by issue group; readable on light and dark pages alike.
ISSUE_COLOURS = {"spelling": QColor("#e53935"), "grammar": QColor("#1e88e5"),
                 "style": QColor("#f39c12")}
_MAX_MENU_SUGGESTIONS = 5
_MAX_INSERTED_LOOKUP = 64  # longer insertions count as touching the issues at their edges


class IssueMarksMixin:
    """The issue half of CompletionEditor (mixed into a QPlainTextEdit)."""

    _issues: list[DocIssue]
    issue_menu: QMenu | None
    # What the underlines were last built from: the issues drawn, and the range of the
    # document they cover (None: all of it). Forgotten at every edit of the text.
    _drawn: list[DocIssue] | None = None
    _drawn_range: tuple[int, int] | None = None

    def issues(self) -> list[DocIssue]:
        """The underlined issues, in document order, at their current positions."""
        return list(self._issues)

    def set_issues(self, issues: Iterable[DocIssue]) -> None:
        """Underline these issues (document positions), replacing the previous ones."""
        issues = sorted(issues, key=lambda i: (i.start, i.end))
        if issues == self._issues:
            return
        self._issues = issues
        if self._drawn is None or self._drawn_issues() != self._drawn:
            self._update_extra_selections()  # not when only issues out of view changed
        self.sig_issues_changed.emit()

    def issue_at(self, position: int) -> DocIssue | None:
        """The issue under `position` (its end counts: the cursor right after a word)."""
        for issue in self._issues:
            if issue.start <= position <= max(issue.end, issue.start + 1):
                return issue
        return None

    def issue_text(self, issue: DocIssue) -> str:
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(issue.start, self._last_position()))
        cursor.setPosition(min(issue.end, self._last_position()), QTextCursor.MoveMode.KeepAnchor)
        return cursor.selectedText()

    def issue_tooltip(self, issue: DocIssue) -> str:
        """Rich text: the category, a one-line explanation and the suggestions."""
        suggestions = ", ".join(f"<b>{html.escape(s, quote=False) or '(delete)'}</b>"
                                for s in issue.suggestions[:_MAX_MENU_SUGGESTIONS])
        colour = ISSUE_COLOURS.get(issue.group, ISSUE_COLOURS["grammar"]).name()
        title = html.escape(issue.title, quote=False)
        lines = [f"<span style='color:{colour}'>●</span> <b>{title}</b>",
                 html.escape(issue.message, quote=False)]
        if suggestions:
            lines.append(f"Suggestion{'s' if len(issue.suggestions) > 1 else ''}: {suggestions}")
        return "<br>".join(lines)

    def apply_suggestion(self, issue: DocIssue, replacement: str) -> bool:
        """Replace the issue's text with `replacement` as one undo step."""
        return self.apply_fixes([(issue, replacement)]) == 1

    def apply_fixes(self, fixes: Sequence[tuple[DocIssue, str]]) -> int:
        """Apply several fixes as one undo step (last first, so positions hold); an issue
        whose text changed since is skipped. Returns how many were applied."""
        valid = [(i, r) for i, r in fixes if self.issue_text(i) == i.original]
        valid.sort(key=lambda fix: fix[0].start, reverse=True)
        applied, last_start = [], None
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for issue, replacement in valid:
            if last_start is not None and issue.end > last_start:
                continue  # overlaps a fix already made
            cursor.setPosition(issue.start)
            cursor.setPosition(issue.end, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(replacement)
            applied.append(issue)
            last_start = issue.start
        if applied:
            seal_undo_step(cursor)
        cursor.endEditBlock()
        if len(applied) == 1:
            view = self.textCursor()
            view.setPosition(cursor.position())
            self.setTextCursor(view)
        for issue in applied:
            self.sig_issue_fixed.emit(issue)
        return len(applied)

    def select_issue(self, issue: DocIssue) -> None:
        """Select the issue's text and bring it into view."""
        cursor = self.textCursor()
        cursor.setPosition(min(issue.start, self._last_position()))
        cursor.setPosition(min(issue.end, self._last_position()), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def goto_issue(self, step: int) -> DocIssue | None:
        """Select the next (+1) or previous (-1) issue from the cursor, wrapping around."""
        if not self._issues:
            return None
        cursor = self.textCursor()
        if step > 0:
            here = cursor.selectionEnd() if cursor.hasSelection() else cursor.position()
            after = [i for i in self._issues if i.start >= here
                     and (i.start > cursor.selectionStart() or not cursor.hasSelection())]
            target = after[0] if after else self._issues[0]
        else:
            here = cursor.selectionStart()
            before = [i for i in self._issues if i.start < here]
            target = before[-1] if before else self._issues[-1]
        self.select_issue(target)
        return target

    def show_issue_menu(self, issue: DocIssue | None = None) -> QMenu | None:
        """The suggestion menu for the issue at the cursor (Alt+Enter), under the cursor."""
        cursor = self.textCursor()
        issue = issue or self.issue_at(cursor.selectionStart())
        if issue is None:
            return None
        menu = QMenu(self)
        self._add_issue_actions(menu, issue)
        rect = self.cursorRect(cursor)
        self._popup(menu, self.viewport().mapToGlobal(rect.bottomLeft()))
        return menu

    def _popup(self, menu: QMenu, where: QPoint) -> None:
        old, self.issue_menu = self.issue_menu, menu
        if old is not None:
            old.deleteLater()
        menu.popup(where)

    def _add_issue_actions(self, menu: QMenu, issue: DocIssue) -> None:
        """Suggestions first, then Ignore, Ignore rule or Add to dictionary."""
        first = menu.actions()[0] if menu.actions() else None
        actions = []
        for suggestion in issue.suggestions[:_MAX_MENU_SUGGESTIONS]:
            action = menu.addAction(suggestion or "(delete)")
            action.triggered.connect(
                lambda _=False, s=suggestion: self.apply_suggestion(issue, s))
            action.setToolTip(issue.explanation())
            actions.append(action)
        if actions:
            font = actions[0].font()
            font.setBold(True)
            actions[0].setFont(font)
        actions.append(menu.addSeparator())
        ignore = menu.addAction("Ignore")
        ignore.triggered.connect(lambda: self._ignore(issue))
        actions.append(ignore)
        if issue.is_spelling:
            word = issue.original
            add = menu.addAction(f"Add ‘{word}’ to dictionary")
            add.triggered.connect(lambda: self.sig_word_added.emit(word))
            actions.append(add)
        else:
            rule = menu.addAction(f"Ignore rule ({issue.title.lower()})")
            rule.triggered.connect(lambda: self.sig_rule_ignored.emit(issue))
            actions.append(rule)
        if first is not None:
            actions.append(menu.addSeparator())
            for action in actions:  # before the standard edit actions
                menu.removeAction(action)
                menu.insertAction(first, action)
        menu.setToolTipsVisible(True)

    def _ignore(self, issue: DocIssue) -> None:
        self.set_issues([i for i in self._issues if i != issue])
        self.sig_issue_ignored.emit(issue)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        issue = self.issue_at(self.cursorForPosition(event.pos()).position())
        if issue is not None:
            self._add_issue_actions(menu, issue)
        self.sig_context_menu.emit(menu, self.cursorForPosition(event.pos()).position())
        self._popup(menu, event.globalPos())

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event
            issue = self._issue_under(help_event.pos())
            if issue is not None:
                QToolTip.showText(help_event.globalPos(), self.issue_tooltip(issue),
                                  self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def _issue_under(self, point: QPoint) -> DocIssue | None:
        """The issue drawn under a viewport point (not just the nearest character)."""
        position = self.cursorForPosition(point).position()
        for issue in self._issues:
            if issue.start <= position <= issue.end:
                first = self.cursorRect(self._cursor_at(issue.start))
                last = self.cursorRect(self._cursor_at(issue.end))
                same_line = first.top() == last.top()
                if not same_line or first.left() - 2 <= point.x() <= last.right() + 2:
                    return issue
        return None

    def _cursor_at(self, position: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(position, self._last_position()))
        return cursor

    def _last_position(self) -> int:
        return self.document().characterCount() - 1

    def _handle_issue_key(self, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        if key == Qt.Key.Key_F8 and mods in (*PLAIN_MODIFIERS, Qt.KeyboardModifier.ShiftModifier):
            self.goto_issue(-1 if mods == Qt.KeyboardModifier.ShiftModifier else 1)
            return True
        if key in RETURN_KEYS and mods == Qt.KeyboardModifier.AltModifier:
            self.show_issue_menu()
            return True
        return False

    def _shift_issues(self, position: int, removed: int, added: int) -> None:
        self._drawn = None  # the underlines' cursors moved with the text: compare no more
        if not self._issues or (removed == 0 and added == 0):
            return
        inserted = None
        if 0 < added <= _MAX_INSERTED_LOOKUP:
            cursor = self._cursor_at(position)
            cursor.setPosition(min(position + added, self._last_position()),
                               QTextCursor.MoveMode.KeepAnchor)
            inserted = cursor.selectedText()
        elif added == 0:
            inserted = ""
        kept, dropped = shift_issues(self._issues, position, removed, added, inserted)
        self._issues = kept
        # A long paste or cut moves other issues into the view than those drawn.
        moved_far = self._drawn_range is not None \
            and abs(added - removed) > UNDERLINE_MARGIN_CHARS // 2
        if dropped or moved_far:
            self._update_extra_selections()
        if dropped:
            self.sig_issues_changed.emit()

    def _drawn_range_now(self) -> tuple[int, int] | None:
        """The range of the document to underline: None (all of it) in a short one."""
        if self._last_position() <= ALL_UNDERLINES_CHARS:
            return None
        return self.visible_range(UNDERLINE_MARGIN_CHARS)

    def _drawn_issues(self, bounds: tuple[int, int] | None = None) -> list[DocIssue]:
        """Every issue of a short document; of a long one, those in and near the view
        (the underlines are built again when the view leaves that range)."""
        bounds = bounds or self._drawn_range_now()
        if bounds is None or not self._issues:
            return self._issues
        starts = [issue.start for issue in self._issues]
        ends = [issue.end for issue in self._issues]
        return [self._issues[i] for i in visible_indices(starts, ends, *bounds)]

    def _on_scrolled(self, _value: int = 0) -> None:
        """The view moved (or grew): underlines again once it leaves the drawn range."""
        drawn = self._drawn_range
        if drawn is None:
            if self._drawn is not None and self._drawn_range_now() is not None:
                self._update_extra_selections()  # the document grew long
            return
        low, high = self.visible_range()
        if low < drawn[0] or high > drawn[1]:
            self._update_extra_selections()

    def _issue_selections(self) -> list[QTextEdit.ExtraSelection]:
        selections = []
        ghost_block = self._ghost_block.blockNumber() if self._ghost and self._ghost_block \
            else -1
        document = self.document()
        self._drawn_range = self._drawn_range_now()
        self._drawn = self._drawn_issues(self._drawn_range)
        formats: dict[str, QTextCharFormat] = {}
        for issue in self._drawn:
            cursor = QTextCursor(document)
            cursor.setPosition(min(issue.start, self._last_position()))
            if ghost_block >= 0 and issue.start >= self._ghost_position \
                    and cursor.blockNumber() == ghost_block:
                continue  # the ghost text shifts its line: hide these until it goes
            end = issue.end if issue.end > issue.start else issue.start + 1
            cursor.setPosition(min(end, self._last_position()), QTextCursor.MoveMode.KeepAnchor)
            fmt = formats.get(issue.group)
            if fmt is None:
                fmt = formats[issue.group] = QTextCharFormat()
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                fmt.setUnderlineColor(ISSUE_COLOURS.get(issue.group, ISSUE_COLOURS["grammar"]))
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
        return selections

    def underlined_ranges(self) -> list[tuple[int, int, str]]:
        """(start, end, colour name) of every wavy underline drawn now."""
        return [(sel.cursor.selectionStart(), sel.cursor.selectionEnd(),
                 sel.format.underlineColor().name())
                for sel in self.extraSelections()
                if sel.format.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline]
