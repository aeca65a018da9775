"""Tools › Personalize…: the one-click path in a window of its own.

Pick documents → Start → progress and the loss chart → the report → "Use it". The
window is non-modal and one per app; closing it only hides it. It shows the app's one
training runner (the controller's), which Preferences › Personalize shows too, so a run
started in either place is the same run, goes on while both are closed, and is there
when either is opened again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialogButtonBox, QVBoxLayout, QWidget

from writer_app.gui.personalize.common import scrolling
from writer_app.gui.personalize.panel import PersonalizePanel


class PersonalizeWindow(QWidget):
    """A top-level window around a compact PersonalizePanel."""

    def __init__(self, panel: PersonalizePanel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("personalize_window")
        self.setWindowTitle("Personalize")
        self.panel = panel
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(panel), 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.close)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        self.resize(680, 760)

    def present(self) -> None:
        """Show the window (again), in front."""
        self.show()
        self.raise_()
        self.activateWindow()
