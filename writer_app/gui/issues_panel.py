"""The issues panel: every grammar and spelling issue of the document, by category.

A dock beside the editor. Clicking an issue selects it in the text; "Fix" applies its
first suggestion; "Fix all" applies the first suggestion of every issue of a category,
after a confirmation, as one undo step. The list follows the editor's underlines and is
rebuilt shortly after they change, only while the dock is visible.

After a Fix, the keyboard goes back to the editor, and the fixed row stays in place
(greyed, ticked) while the pointer is over the panel, so the rows under it do not
move and a second click lands on the row the writer aimed at. While a check runs,
an empty list says "Checking…", not "No issues found".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.grammar_check import DocIssue
from writer_app.gui.editor import CompletionEditor
from writer_app.gui.editor_issues import ISSUE_COLOURS
from writer_app.gui.fix_preview import FixPreviewDialog

_ISSUE_ROLE = Qt.ItemDataRole.UserRole
_REBUILD_MS = 120
_MAX_LABEL_CHARS = 60


def issue_label(issue: DocIssue) -> str:
    """"'teh' → 'the'" (or the message when there is no suggestion)."""
    original = issue.original if len(issue.original) <= 30 else issue.original[:29] + "…"
    if not issue.suggestions:
        return issue.message[:_MAX_LABEL_CHARS]
    best = issue.suggestions[0]
    if not original:
        return f"add \u2018{best.strip()}\u2019"
    if not best:
        return f"delete \u2018{original}\u2019"
    return f"\u2018{original}\u2019 \u2192 \u2018{best}\u2019"


class IssuesPanel(QDockWidget):
    def __init__(self, editor: CompletionEditor, parent: QWidget | None = None) -> None:
        super().__init__("Issues", parent)
        self.setObjectName("issuesPanel")  # saveState() needs a name
        self.editor = editor
        self.tree = QTreeWidget()
        self.tree.setObjectName("issuesTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.summary = QLabel()
        self.fix_everything = QToolButton(text="Fix all…", autoRaise=True)
        self.fix_everything.setToolTip("Review every suggested change of the document, "
                                       "then apply them as one undo step")
        self.fix_everything.clicked.connect(self.review_all)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.fix_everything)
        layout.addLayout(head)
        layout.addWidget(self.tree, 1)
        self.setWidget(body)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=_REBUILD_MS)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self.tree.itemClicked.connect(self._on_item_clicked)
        self.tree.itemActivated.connect(self._on_item_clicked)
        editor.sig_issues_changed.connect(self._on_issues_changed)
        self.visibilityChanged.connect(self._on_visibility_changed)
        self._checking = False
        self._pointer_inside = False
        # Fixed rows kept in place while the pointer is over the panel: (title, row, label)
        self._settled: list[tuple[str, int, str]] = []
        self._settled_groups: list[tuple[str, str]] = []  # (title, underline group)
        self.rebuild()

    def set_checking(self, checking: bool) -> None:
        """A grammar check is running (or not): an empty list is not final yet. The
        summary follows with the next rebuild, which also takes the check's results."""
        if checking != self._checking:
            self._checking = checking
            if self.isVisible():
                self._rebuild_timer.start()

    def review_all(self) -> int:
        """Fix all, document-wide, after the writer has reviewed the changes."""
        issues = [i for i in self.editor.issues() if i.suggestions]
        if not issues:
            return 0
        chosen = self._review(issues)
        fixed = self.editor.apply_fixes(chosen) if chosen else 0
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return fixed

    def _review(self, issues: list[DocIssue]) -> list[tuple[DocIssue, str]]:
        """The changes the writer kept in the preview (overridden in tests)."""
        dialog = FixPreviewDialog(self.editor.toPlainText(), issues, self)
        return dialog.chosen() if dialog.exec() == FixPreviewDialog.DialogCode.Accepted else []

    def _update_summary(self, total: int, categories: int) -> None:
        self.fix_everything.setEnabled(any(i.suggestions for i in self.editor.issues()))
        if not total:
            self.summary.setText("Checking…" if self._checking else "No issues found.")
            return
        self.summary.setText(f"{total} issue{'s' if total != 1 else ''} in "
                             f"{categories} categor{'ies' if categories != 1 else 'y'}")

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Enter:
            self._pointer_inside = True
        elif kind == QEvent.Type.Leave:
            self._pointer_inside = False
            if self._settled:
                self._settled, self._settled_groups = [], []
                self.rebuild()
        return super().event(event)

    # -- building ---------------------------------------------------------------------
    def groups(self) -> dict[str, list[DocIssue]]:
        """The editor's issues by category title, in document order."""
        grouped: dict[str, list[DocIssue]] = {}
        for issue in self.editor.issues():
            grouped.setdefault(issue.title, []).append(issue)
        return dict(sorted(grouped.items()))

    def rebuild(self) -> None:
        self._rebuild_timer.stop()
        tree = self.tree
        scroll = tree.verticalScrollBar().value()
        tree.clear()
        groups = self.groups()
        total = sum(len(issues) for issues in groups.values())
        self._update_summary(total, len(groups))
        settled_titles = {title: self._settled_group(title) for title, _r, _l in self._settled}
        for title in sorted(set(groups) | set(settled_titles)):
            issues = groups.get(title, [])
            group = issues[0].group if issues else settled_titles[title]
            top = QTreeWidgetItem([f"{title} ({len(issues)})"])
            top.setForeground(0, ISSUE_COLOURS.get(group, ISSUE_COLOURS["grammar"]))
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            tree.addTopLevelItem(top)
            tree.setItemWidget(top, 1, self._button(
                "Fix all", f"Apply the first suggestion of all {len(issues)} "
                f"{title.lower()} issues", lambda _=False, t=title: self.fix_all(t)))
            for issue in issues:
                child = QTreeWidgetItem([issue_label(issue)])
                child.setData(0, _ISSUE_ROLE, issue)
                child.setToolTip(0, self.editor.issue_tooltip(issue))
                top.addChild(child)
                if issue.suggestions:
                    tree.setItemWidget(child, 1, self._button(
                        "Fix", "Apply the first suggestion",
                        lambda _=False, i=issue: self.fix(i)))
            self._insert_settled(top, title)
            top.setExpanded(True)
        tree.verticalScrollBar().setValue(scroll)
        tree.resizeColumnToContents(1)
        tree.header().setStretchLastSection(False)
        tree.header().setSectionResizeMode(0, tree.header().ResizeMode.Stretch)

    @staticmethod
    def _button(text: str, tip: str, slot) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        button = QToolButton(text=text, toolTip=tip, autoRaise=True)
        button.setObjectName(text.replace(" ", "_").lower())
        button.clicked.connect(slot)
        row.addWidget(button)
        return holder

    def _settled_group(self, title: str) -> str:
        return next((group for t, group in self._settled_groups if t == title), "grammar")

    def _insert_settled(self, top: QTreeWidgetItem, title: str) -> None:
        """Put the fixed rows of this category back where they were, greyed."""
        for settled_title, row, label in sorted(self._settled, key=lambda s: s[1]):
            if settled_title != title:
                continue
            item = QTreeWidgetItem(["\u2713 " + label])
            item.setDisabled(True)
            item.setToolTip(0, "Fixed")
            top.insertChild(min(row, top.childCount()), item)

    # -- actions ----------------------------------------------------------------------
    def fix(self, issue: DocIssue) -> bool:
        current = self._current(issue)
        if current is None or not current.suggestions:
            return False
        row = self._row_of(issue)
        fixed = self.editor.apply_suggestion(current, current.suggestions[0])
        if fixed and row is not None and self._pointer_inside:
            self._settled.append((current.title, row, issue_label(current)))
            self._settled_groups.append((current.title, current.group))
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)  # typing goes on in the text
        return fixed

    def _row_of(self, issue: DocIssue) -> int | None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                shown = top.child(j).data(0, _ISSUE_ROLE)
                if shown is not None and shown.key == issue.key:
                    return j
        return None

    def fix_all(self, title: str) -> int:
        """Fix every issue of a category after confirmation, as one undo step."""
        issues = [i for i in self.groups().get(title, []) if i.suggestions]
        if not issues or not self._confirm_fix_all(title, len(issues)):
            return 0
        fixed = self.editor.apply_fixes([(issue, issue.suggestions[0]) for issue in issues])
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return fixed

    def _current(self, issue: DocIssue) -> DocIssue | None:
        """The issue as the editor has it now (positions move with edits)."""
        return next((i for i in self.editor.issues() if i.key == issue.key), None)

    def _confirm_fix_all(self, title: str, count: int) -> bool:
        """Overridden in tests."""
        answer = QMessageBox.question(
            self, "Fix all",
            f"Apply the first suggestion to all {count} {title.lower()} issue"
            f"{'s' if count != 1 else ''}? One Undo takes them all back.")
        return answer == QMessageBox.StandardButton.Yes

    def _on_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        issue = item.data(0, _ISSUE_ROLE)
        current = self._current(issue) if issue is not None else None
        if current is not None:
            self.editor.select_issue(current)
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_issues_changed(self) -> None:
        if self.isVisible():
            self._rebuild_timer.start()

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible:
            self.rebuild()
