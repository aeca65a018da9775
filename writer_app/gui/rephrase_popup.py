"""The Rephrase popup: a few other phrasings of a sentence, side by side.

Each phrasing is a card with its text and a Use button; Left/Right (or Tab) move
between them, Enter or 1-3 uses one, Esc closes. With a small model the popup says so
plainly above the cards. It hands the chosen text to whoever listens (sig_chosen).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.word_choice import RephraseResult

_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_CARD_WIDTH = 260


def small_model_note(result: RephraseResult) -> str:
    """What to tell the writer about the model behind the phrasings ("" when it is fine)."""
    if not result.small_model:
        return ""
    size = f"{result.parameters / 1e6:.0f}M parameters"
    name = result.model_name or "The completion model"
    return (f"{name} is a small model ({size}): its rephrasings are often clumsy or "
            "change the meaning. A larger model from your Hugging Face cache "
            "(Preferences › Models) does better.")


class RephrasePopup(QFrame):
    sig_chosen = Signal(str)
    sig_closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("rephrasePopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.result: RephraseResult | None = None
        self.buttons: list[QPushButton] = []
        self._index = 0
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel(self)
        self.note.setObjectName("rephraseNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.cards = QHBoxLayout()
        self.cards.setSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addLayout(self.cards)

    def set_result(self, result: RephraseResult) -> None:
        self.result = result
        while self.cards.count():
            widget = self.cards.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        note = small_model_note(result)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if not result.texts:
            self.title.setText("The model found no other phrasing for this sentence.")
            return
        self.title.setText("Rephrase: pick a phrasing (Enter uses the highlighted one)")
        for number, text in enumerate(result.texts, start=1):
            self.cards.addWidget(self._card(number, text))
        self._select(0)

    def _card(self, number: int, text: str) -> QFrame:
        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setFixedWidth(_CARD_WIDTH)
        label = QLabel(text, card)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        button = QPushButton(f"Use &{number}", card)
        button.clicked.connect(lambda _=False, t=text: self.choose(t))
        self.buttons.append(button)
        box = QVBoxLayout(card)
        box.addWidget(label, 1)
        box.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
        return card

    def texts(self) -> list[str]:
        return list(self.result.texts) if self.result else []

    def show_at(self, where: QPoint) -> None:
        self.adjustSize()
        screen = self.screen()
        if screen is not None:
            area = screen.availableGeometry()
            where = QPoint(min(max(where.x(), area.left()), area.right() - self.width()),
                           min(where.y(), area.bottom() - self.height()))
        self.move(where)
        self.show()
        if self.buttons:
            self.buttons[self._index].setFocus()

    def _select(self, index: int) -> None:
        if not self.buttons:
            return
        self._index = index % len(self.buttons)
        for position, button in enumerate(self.buttons):
            button.setDefault(position == self._index)
        self.buttons[self._index].setFocus()

    @property
    def selected(self) -> int:
        return self._index

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.hide()
        elif key in _RETURN_KEYS and self.buttons:
            self.choose(self.texts()[self._index])
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            step = -1 if key in (Qt.Key.Key_Left, Qt.Key.Key_Backtab) else 1
            self._select(self._index + step)
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and key - Qt.Key.Key_1 < len(self.buttons):
            self.choose(self.texts()[key - Qt.Key.Key_1])
        else:
            super().keyPressEvent(event)

    def focusNextPrevChild(self, next_: bool) -> bool:
        self._select(self._index + (1 if next_ else -1))
        return True

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.sig_closed.emit()

    def choose(self, text: str) -> None:
        self.hide()
        self.sig_chosen.emit(text)
