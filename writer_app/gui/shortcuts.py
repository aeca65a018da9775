"""The empty-state hint and Help › Keyboard Shortcuts.

The hint is the editor's placeholder text: shown while the document is empty, gone
with the first letter, never part of the document.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout, QWidget

EMPTY_HINT = (
    "Start writing. Suggestions appear in grey as you pause.\n\n"
    "Tab  accept a suggestion  ·  Ctrl+→  accept one word  ·  Esc  dismiss it\n"
    "Ctrl+Enter  continue writing  ·  Ctrl+Shift+Enter  try again\n"
    "F8  next grammar issue  ·  Alt+Enter  its suggestions\n"
    "Ctrl+F  find  ·  Ctrl+H  replace  ·  F1  all keyboard shortcuts"
)

# Keys handled by the editor itself (no menu action carries them).
EDITOR_KEYS = [
    ("Suggestions", [
        ("Tab", "Accept the grey suggestion"),
        ("Ctrl+Right", "Accept its next word"),
        ("Esc", "Dismiss it"),
        ("Alt+] / Alt+[", "Next / previous suggestion, or draft of new text"),
    ]),
    ("Continue writing", [
        ("Enter or Tab", "Keep the new (highlighted) text"),
        ("Esc", "Remove it"),
    ]),
    ("Grammar and spelling", [
        ("F8 / Shift+F8", "Next / previous issue"),
        ("Alt+Enter", "Suggestions for the issue at the cursor"),
    ]),
]


def menu_shortcuts(menus: list[QMenu]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(keys, action text)]) for every action with a shortcut."""
    sections = []
    for menu in menus:
        rows = []
        for action in _actions(menu):
            keys = [s.toString(QKeySequence.SequenceFormat.NativeText)
                    for s in action.shortcuts() if not s.isEmpty()]
            if keys:
                rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…")))
        if rows:
            sections.append((menu.title().replace("&", ""), rows))
    return sections


def _actions(menu: QMenu) -> list[QAction]:
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found.extend(_actions(action.menu()))
        elif not action.isSeparator():
            found.append(action)
    return found


def shortcuts_html(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    parts = []
    for title, rows in sections:
        parts.append(f"<h3>{html.escape(title)}</h3><table cellspacing='0' cellpadding='3'>")
        parts.extend(f"<tr><td width='190'><b>{html.escape(keys)}</b></td>"
                     f"<td>{html.escape(text)}</td></tr>" for keys, text in rows)
        parts.append("</table>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    def __init__(self, menus: list[QMenu], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(520, 600)
        self.sections = EDITOR_KEYS + menu_shortcuts(menus)
        self.browser = QTextBrowser()
        self.browser.setHtml(shortcuts_html(self.sections))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
