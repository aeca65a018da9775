"""The Personalize report's comparison, in a writer's terms: what the base model and the
personalized one would have done on the writer's own held-out text (the `report`
event's `evaluation`, from training/report_eval.py). Keystroke savings, next-word
accuracy, BLEU and ROUGE-L in plain words and a small bar chart; perplexity in the
details."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget

from writer_app.jobs.events import ModelFigures, TrainingReport

BASE_COLOR = QColor("#9a9a9a")
TUNED_COLOR = QColor("#2f7fd8")


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _compare(mine: float, base: float, unit: str = "%") -> str:
    """"up from 11%", "down from 11%" or "the same as with the base model"."""
    shown = (lambda v: f"{100 * v:.0f}%") if unit == "%" else (lambda v: f"{v:.1f}")
    if shown(mine) == shown(base):
        return "the same as with the base model"
    return f"{'up' if mine > base else 'down'} from {shown(base)}"


class MetricBars(QWidget):
    """Pairs of bars (base, personalized) on a 0-100% scale, one pair per metric."""

    scores = {"BLEU"}  # labelled as a score (0-100), not as a percentage

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics: list[tuple[str, float, float]] = []
        self.setMinimumHeight(150)

    def set_metrics(self, metrics: Sequence[tuple[str, float, float]]) -> None:
        self.metrics = [(name, max(0.0, min(1.0, b)), max(0.0, min(1.0, t)))
                        for name, b, t in metrics]
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, 170)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if not self.metrics:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        metrics = painter.fontMetrics()
        legend = metrics.height() + 4
        label_h = metrics.height() * 2 + 4
        top, bottom = legend + metrics.height() + 2, self.height() - label_h
        height = max(10, bottom - top)
        slot = self.width() / len(self.metrics)
        bar = min(28.0, slot / 3)
        for index, (name, base, tuned) in enumerate(self.metrics):
            left = index * slot + (slot - 2 * bar - 4) / 2
            for offset, value, color in ((0, base, BASE_COLOR), (bar + 4, tuned, TUNED_COLOR)):
                rect = QRectF(left + offset, bottom - value * height, bar, value * height)
                painter.fillRect(rect, color)
                painter.setPen(text)
                label = f"{100 * value:.1f}" if name in self.scores else _pct(value)
                painter.drawText(QRectF(left + offset - 8, rect.top() - metrics.height() - 1,
                                        bar + 16, metrics.height()),
                                 Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(text)
            painter.drawText(QRectF(index * slot, bottom + 2, slot, label_h),
                             Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, name)
        painter.drawLine(0, int(bottom), self.width(), int(bottom))
        x = 0.0
        for label, color in (("base model", BASE_COLOR), ("personalized", TUNED_COLOR)):
            painter.fillRect(QRectF(x, 2, 10, 10), color)
            painter.setPen(text)
            painter.drawText(QRectF(x + 14, 0, 120, legend), Qt.AlignmentFlag.AlignLeft, label)
            x += 24 + metrics.horizontalAdvance(label)
        painter.end()


class PersonalizeReportView(QWidget):
    """What personalization gives: shown from a `report` event."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = self._label("report_headline")
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.accuracy = self._label("report_accuracy")
        self.overlap = self._label("report_overlap")
        self.bars = MetricBars()
        self.bars.setObjectName("report_bars")
        self.details_button = QToolButton(text="Details", checkable=True)
        self.details_button.setObjectName("report_details_button")
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details = self._label("report_details")
        self.details.setVisible(False)
        self.details_button.toggled.connect(self._on_details_toggled)
        for widget in (self.headline, self.accuracy, self.overlap, self.bars,
                       self.details_button, self.details):
            layout.addWidget(widget)

    @staticmethod
    def _label(name: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setObjectName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _on_details_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def clear(self) -> None:
        for label in (self.headline, self.accuracy, self.overlap, self.details):
            label.clear()
        self.bars.set_metrics([])

    def show_report(self, report: TrainingReport) -> None:
        self.details.setText(self._perplexity_text(report))
        measured = report.evaluation is not None
        for widget in (self.headline, self.accuracy, self.overlap, self.bars):
            widget.setVisible(measured)
        if report.evaluation is None:
            self.details_button.setChecked(True)  # perplexity is all there is
            return
        base, tuned = report.evaluation.base, report.evaluation.tuned
        self.details_button.setChecked(False)
        self.headline.setText(
            f"Suggestions would have saved you {_pct(tuned.keystroke_savings)} of "
            f"keystrokes on your held-out writing, "
            f"{_compare(tuned.keystroke_savings, base.keystroke_savings)}.")
        self.accuracy.setText(
            f"It guesses your next word right {_pct(tuned.next_word_top1)} of the time "
            f"({_compare(tuned.next_word_top1, base.next_word_top1)}); one of its "
            f"three best guesses is right {_pct(tuned.next_word_top3)} of the time "
            f"(base model: {_pct(base.next_word_top3)}).")
        self.overlap.setText(
            "How closely its continuations match what you really wrote next: "
            f"BLEU {tuned.bleu:.1f} (base model {base.bleu:.1f}), ROUGE-L "
            f"{_pct(tuned.rouge_l)} (base model {_pct(base.rouge_l)}); higher is "
            "closer.")
        self.bars.set_metrics([
            ("keystrokes saved", base.keystroke_savings, tuned.keystroke_savings),
            ("next word", base.next_word_top1, tuned.next_word_top1),
            ("next word, top 3", base.next_word_top3, tuned.next_word_top3),
            ("BLEU", base.bleu / 100, tuned.bleu / 100),
            ("ROUGE-L", base.rouge_l, tuned.rouge_l),
        ])
        self.details.setText(self.details.text() + "\n" + self._method_text(tuned))

    @staticmethod
    def _perplexity_text(report: TrainingReport) -> str:
        before, after = report.ppl_before, report.ppl_after
        if before is None or after is None:
            return ""
        change = (after - before) / before * 100 if before else 0.0
        return (f"Perplexity on your held-out text: {before:.1f} → {after:.1f} "
                f"({change:+.0f}%; lower means the model predicts your writing better)")

    @staticmethod
    def _method_text(tuned: ModelFigures) -> str:
        return (f"Measured on {tuned.words} words of held-out text: every word "
                f"for next-word accuracy, {tuned.positions} sampled places for "
                f"keystrokes (typing on with the '{tuned.setting}' "
                "suggestion setting) and for BLEU and ROUGE-L. 'writer-app evaluate' "
                "measures the same on any text.")
