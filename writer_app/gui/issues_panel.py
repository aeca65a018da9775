"""The issues panel: every grammar and spelling issue of the document, by category.

A dock beside the editor. Clicking an issue selects it in the text; "Fix" applies its
first suggestion; "Fix all" applies the first suggestion of every issue of a category,
after a confirmation, as one undo step. The list follows the editor's underlines and is
rebuilt shortly after they change, only while the dock is visible.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
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
from writer_app.gui.editor import ISSUE_COLOURS, CompletionEditor

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
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        self.setWidget(body)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=_REBUILD_MS)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self.tree.itemClicked.connect(self._on_item_clicked)
        self.tree.itemActivated.connect(self._on_item_clicked)
        editor.sig_issues_changed.connect(self._on_issues_changed)
        self.visibilityChanged.connect(self._on_visibility_changed)
        self.rebuild()

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
        tree.clear()
        groups = self.groups()
        total = sum(len(issues) for issues in groups.values())
        self.summary.setText("No issues found." if not total else
                             f"{total} issue{'s' if total != 1 else ''} in "
                             f"{len(groups)} categor{'ies' if len(groups) != 1 else 'y'}")
        for title, issues in groups.items():
            top = QTreeWidgetItem([f"{title} ({len(issues)})"])
            top.setForeground(0, ISSUE_COLOURS.get(issues[0].group, ISSUE_COLOURS["grammar"]))
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
            top.setExpanded(True)
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

    # -- actions ----------------------------------------------------------------------
    def fix(self, issue: DocIssue) -> bool:
        current = self._current(issue)
        return current is not None and bool(current.suggestions) and \
            self.editor.apply_suggestion(current, current.suggestions[0])

    def fix_all(self, title: str) -> int:
        """Fix every issue of a category after confirmation, as one undo step."""
        issues = [i for i in self.groups().get(title, []) if i.suggestions]
        if not issues or not self._confirm_fix_all(title, len(issues)):
            return 0
        return self.editor.apply_fixes([(issue, issue.suggestions[0]) for issue in issues])

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
