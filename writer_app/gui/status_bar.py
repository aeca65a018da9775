"""WindowStatusBar: what the writer sees at the bottom of the window.

Notices (errors in the theme's red, with the full text as a tooltip) on the left; on the
right, permanent labels that appear once there is something to say: word count, grammar
progress and state, which suggestion shows, the completion model, the personal adapter,
the device, the model state and the last suggestion's latency.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from writer_app.gui.theme import error_color
from writer_app.gui.word_count import WordCountLabel


class WindowStatusBar(QStatusBar):
    def __init__(self, editor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self._notice_is_error = False
        self.label_model = _status_label("Completion model")
        self.label_adapter = _status_label("The personal adapter suggestions use "
                                           "(Preferences › Personalize)")
        self.label_device = _status_label("Where the model runs")
        self.label_state = _status_label("Model state")
        self.label_latency = _status_label("Time taken by the last suggestion")
        self.label_alternative = _status_label(
            "Which suggestion is showing; Alt+] and Alt+[ switch")
        self.label_grammar = _status_label("Grammar and spelling checking")
        self.grammar_progress = QProgressBar(maximumWidth=90, maximumHeight=14,
                                             textVisible=False)
        self.grammar_progress.setToolTip("Checking the document's grammar and spelling")
        self.grammar_progress.hide()
        self.word_count = WordCountLabel(editor)
        for widget in (self.word_count, self.grammar_progress, self.label_grammar,
                       self.label_alternative, self.label_model, self.label_adapter,
                       self.label_device, self.label_state, self.label_latency):
            self.addPermanentWidget(widget)
        self.messageChanged.connect(self._on_message_changed)

    def set_model_status(self, name: str, device: str) -> None:
        _show_label(self.label_model, name)
        _show_label(self.label_device, device)

    def set_adapter_status(self, name: str) -> None:
        """The active personal adapter's name; "" hides it."""
        _show_label(self.label_adapter, f"\u2713 {name}" if name else "")

    def set_state(self, state: str) -> None:
        """Model state, e.g. "loading…", "ready", "thinking…" or "error"."""
        _show_label(self.label_state, state)
        self._style_state_label()

    def set_latency(self, ms: float | None) -> None:
        _show_label(self.label_latency, "" if ms is None else f"{ms:.0f} ms")

    def set_alternative_index(self, index: int | None, total: int = 0) -> None:
        """Which suggestion shows, counting from 0: (1, 3) reads "2/3"; None hides it."""
        _show_label(self.label_alternative, "" if index is None else f"{index + 1}/{total}")

    def set_grammar_progress(self, checked: int, total: int) -> None:
        """A small progress bar while a whole document is checked; (0, 0) hides it."""
        bar = self.grammar_progress
        bar.setVisible(total > 0)
        if total > 0:
            bar.setRange(0, total)
            bar.setValue(checked)
            bar.setToolTip(f"Checking grammar and spelling: {checked} of {total} sentences")

    def set_grammar_status(self, text: str, tip: str = "") -> None:
        """E.g. "Spelling only" when the grammar model is unavailable; "" hides it."""
        _show_label(self.label_grammar, text)
        self.label_grammar.setToolTip(tip or "Grammar and spelling checking")

    def show_notice(self, message: str, timeout_ms: int = 8000, *, error: bool = False) -> None:
        """A non-modal message; errors are red, with a tooltip."""
        self._notice_is_error = error
        self.setToolTip(message if error else "")
        self._style_notice()
        self.showMessage(message, timeout_ms)

    @property
    def notice_is_error(self) -> bool:
        """Whether the notice showing now is an error (red)."""
        return self._notice_is_error

    def restyle(self) -> None:
        """Re-pick the error reds after a theme switch. Called by the window: a style
        sheet set here changes this bar's own palette, so the bar cannot follow its own
        palette changes without restyling itself for ever."""
        self._style_state_label()
        self._style_notice()

    def _style_state_label(self) -> None:
        error = self.label_state.text().strip().lower().startswith("error")
        _set_text_color(self.label_state, error_color(self.palette()) if error else None)

    def _style_notice(self) -> None:
        _set_text_color(self, error_color(self.palette()) if self._notice_is_error else None,
                        "QStatusBar")

    def _on_message_changed(self, text: str) -> None:
        if not text and self._notice_is_error:
            self._notice_is_error = False
            self.setToolTip("")
            self._style_notice()


def _status_label(tip: str) -> QLabel:
    label = QLabel(toolTip=tip)
    label.setContentsMargins(6, 0, 6, 0)
    label.hide()  # shown once the controller has something to say
    return label


def _show_label(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _set_text_color(widget: QWidget, color: QColor | None, selector: str = "") -> None:
    """Override a widget's text colour, or (None) go back to the theme's.

    A type-selected style sheet, unlike a palette, does not spill over into child
    widgets (the status bar's permanent labels).
    """
    selector = selector or widget.metaObject().className()
    sheet = f"{selector} {{ color: {color.name()}; }}" if color else ""
    widget.setStyleSheet(sheet)
