"""Fix all, document-wide, after a preview of every change.

Each change is listed with a little of the text around it, the old words struck
through and the new ones in bold, with a box to leave it out. Apply makes the ticked
changes as one undo step.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.grammar_check import DocIssue

_AROUND = 30  # characters of context on each side


def change_preview(text: str, issue: DocIssue, replacement: str) -> tuple[str, str, str, str]:
    """(before, old, new, after): the change with some text on either side."""
    start = max(0, issue.start - _AROUND)
    before = text[start:issue.start]
    after = text[issue.end:issue.end + _AROUND]
    if start > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if issue.end + _AROUND < len(text):
        after = (after.rsplit(" ", 1)[0] if " " in after else after) + "…"
    return before.replace("\n", " "), issue.original, replacement, after.replace("\n", " ")


def fixable(issues: list[DocIssue]) -> list[DocIssue]:
    """Issues with a suggestion, in document order, none overlapping an earlier one."""
    chosen: list[DocIssue] = []
    for issue in sorted(issues, key=lambda i: (i.start, i.end)):
        if issue.suggestions and (not chosen or issue.start >= chosen[-1].end):
            chosen.append(issue)
    return chosen


class FixPreviewDialog(QDialog):
    """Lists every change Fix all would make; exec() then `chosen()` gives the ticked."""

    def __init__(self, text: str, issues: list[DocIssue], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fix all: review the changes")
        self.resize(640, 480)
        self.issues = fixable(issues)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for issue in self.issues:
            before, old, new, after = change_preview(text, issue, issue.suggestions[0])
            item = QListWidgetItem()
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setText(f"{before}[{old or '∅'} → {new.strip() or 'delete'}]{after}"
                         f"   ({issue.title})")
            item.setToolTip(f"{html.escape(before)}<s>{html.escape(old)}</s>"
                            f"<b>{html.escape(new)}</b>{html.escape(after)}"
                            f"<br><i>{html.escape(issue.message)}</i>")
            self.list.addItem(item)
        count = len(self.issues)
        self.heading = QLabel(f"{count} change{'s' if count != 1 else ''} to make. Untick "
                              "any to leave out; one Undo takes them all back.")
        self.heading.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText("Apply changes")
        self.apply_button.setEnabled(count > 0)
        self.apply_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> list[tuple[DocIssue, str]]:
        return [(issue, issue.suggestions[0]) for row, issue in enumerate(self.issues)
                if self.list.item(row).checkState() == Qt.CheckState.Checked]
