"""The window's Continue writing actions: Continue, Try again and Stop.

The controller connects them and enables them once a model is ready.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QIcon, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QWidget

from writer_app.gui.theme import tinted_icon


def _action(parent: QWidget, text: str, shortcuts: list[str], tip: str, icon_text: str,
            tool_tip: str) -> QAction:
    action = QAction(text, parent)
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    action.setStatusTip(tip)
    action.setIconText(icon_text)
    action.setToolTip(tool_tip)
    action.setEnabled(False)
    return action


class WritingActions:
    """Continue writing, Try again and Stop, with icons tinted for the palette."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self.continue_ = _action(
            parent, "Continue &Writing", ["Ctrl+Return", "Ctrl+Enter"],
            "Let the model write on from the cursor; Enter or Tab keeps the text, "
            "Esc removes it", "Continue writing", "Continue writing (Ctrl+Enter)")
        self.try_again = _action(
            parent, "&Try Again", ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
            "Write another passage in place of the new text; Alt+] and Alt+[ go through "
            "the last few", "Try again", "Another passage in its place (Ctrl+Shift+Enter); "
            "Alt+] / Alt+[ cycle the drafts")
        self.stop = _action(
            parent, "St&op Writing", [], "Stop writing and keep what was written so far "
            "(Esc stops and removes it)", "Stop",
            "Stop writing (Esc stops and removes the new text)")
        self.update_icons()

    def all(self) -> list[QAction]:
        return [self.continue_, self.try_again, self.stop]

    def set_state(self, *, available: bool, streaming: bool, pending: bool) -> None:
        """Continue when a model is ready, Try again over new text, Stop while it streams."""
        self.continue_.setEnabled(available and not streaming)
        self.try_again.setEnabled(available and not streaming and pending)
        self.stop.setEnabled(streaming)

    def update_icons(self) -> None:
        palette = self._parent.palette()
        disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        text = palette.color(QPalette.ColorRole.ButtonText)
        for action, name, fallback, colour in (
                (self.continue_, "media-playback-start", QStyle.StandardPixmap.SP_MediaPlay,
                 palette.color(QPalette.ColorRole.Highlight)),
                (self.try_again, "view-refresh", QStyle.StandardPixmap.SP_BrowserReload, text),
                (self.stop, "media-playback-stop", QStyle.StandardPixmap.SP_MediaStop, text)):
            action.setIcon(tinted_icon(theme_icon(name, fallback), colour, disabled))


def theme_icon(name: str, fallback: QStyle.StandardPixmap) -> QIcon:
    """The icon theme's icon, else the style's built-in one (no theme on Windows/macOS)."""
    icon = QIcon.fromTheme(name)
    if icon.isNull():
        icon = QApplication.style().standardIcon(fallback)
    return icon
