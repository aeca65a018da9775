"""The synonym popup: alternatives for one word, ranked for its sentence, by sense.

A frameless popup under the word. Each sense the suggestions belong to is a grey
heading (part of speech and a short gloss), the best sense first; the suggestions
follow it, best first, the very best selected. Up/Down move, Enter (or a click) applies
the selected one, Esc closes. The popup knows no document: it hands the chosen
Suggestion to whoever listens (sig_chosen).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.word_choice import Suggestion, SynonymResult

_SUGGESTION_ROLE = Qt.ItemDataRole.UserRole
_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_MAX_ROWS = 14
_WIDTH = 340


class SynonymPopup(QFrame):
    sig_chosen = Signal(object)  # Suggestion
    sig_closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("synonymPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.result: SynonymResult | None = None
        self.title = QLabel(self)
        self.title.setObjectName("synonymTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget(self)
        self.list.setObjectName("synonymList")
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)
        self.list.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.list)

    # -- content ----------------------------------------------------------------------
    def set_result(self, result: SynonymResult) -> None:
        """Fill the popup: senses as headings, their suggestions under them."""
        self.result = result
        self.list.clear()
        if not result.suggestions:
            self.title.setText(f"No synonyms for “{result.word}”")
            return
        self.title.setText(f"Synonyms for “{result.word}”")
        heading_font = QFont(self.list.font())
        heading_font.setItalic(True)
        first = None
        for sense, suggestions in result.grouped():
            heading = QListWidgetItem(f"{sense.pos} · {sense.gloss}")
            heading.setFlags(Qt.ItemFlag.NoItemFlags)
            heading.setFont(heading_font)
            heading.setToolTip(sense.gloss)
            self.list.addItem(heading)
            for suggestion in suggestions:
                item = QListWidgetItem(f"    {_shown_text(suggestion)}")
                item.setData(_SUGGESTION_ROLE, suggestion)
                item.setToolTip(f"{suggestion.score:.0%} of the model's preference here")
                self.list.addItem(item)
                if first is None or suggestion.score > first.data(_SUGGESTION_ROLE).score:
                    first = item
        if first is not None:
            self.list.setCurrentItem(first)

    def suggestions(self) -> list[Suggestion]:
        """The suggestions in the order shown."""
        return [item.data(_SUGGESTION_ROLE) for item in self._items()
                if item.data(_SUGGESTION_ROLE) is not None]

    def headings(self) -> list[str]:
        return [item.text() for item in self._items() if item.data(_SUGGESTION_ROLE) is None]

    def current(self) -> Suggestion | None:
        item = self.list.currentItem()
        return None if item is None else item.data(_SUGGESTION_ROLE)

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(row) for row in range(self.list.count())]

    # -- showing ----------------------------------------------------------------------
    def show_at(self, where: QPoint) -> None:
        rows = min(max(self.list.count(), 1), _MAX_ROWS)
        row_height = self.list.sizeHintForRow(0) if self.list.count() else 20
        self.list.setFixedHeight(rows * max(row_height, 16) + 6)
        self.setFixedWidth(_WIDTH)
        self.adjustSize()
        self.move(_on_screen(self, where))
        self.show()
        self.list.setFocus()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.sig_closed.emit()

    # -- keys -------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if watched is self.list and event.type() == event.Type.KeyPress:
            return self._handle_key(event)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._handle_key(event):
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.hide()
            return True
        if key in _RETURN_KEYS:
            self.choose(self.current())
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._step(-1 if key == Qt.Key.Key_Up else 1)
            return True
        return False

    def _step(self, step: int) -> None:
        """Move the selection to the next suggestion, over the headings."""
        rows = [row for row in range(self.list.count())
                if self.list.item(row).data(_SUGGESTION_ROLE) is not None]
        if not rows:
            return
        here = self.list.currentRow()
        later = [r for r in rows if (r > here if step > 0 else r < here)]
        target = (later[0] if step > 0 else later[-1]) if later else (
            rows[0] if step > 0 else rows[-1])
        self.list.setCurrentRow(target)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.choose(item.data(_SUGGESTION_ROLE))

    def choose(self, suggestion: Suggestion | None) -> None:
        if suggestion is None:
            return
        self.hide()
        self.sig_chosen.emit(suggestion)


def _shown_text(suggestion: Suggestion) -> str:
    """The word, with its new article when that changes too ("an elderly")."""
    return suggestion.replacement if suggestion.article else suggestion.text


def _on_screen(widget: QWidget, where: QPoint) -> QPoint:
    """`where`, moved so that the widget stays on its screen."""
    screen = widget.screen()
    if screen is None:
        return where
    area = screen.availableGeometry()
    x = min(max(where.x(), area.left()), area.right() - widget.width())
    y = where.y()
    if y + widget.height() > area.bottom():
        y = max(area.top(), where.y() - widget.height() - 24)
    return QPoint(x, y)
