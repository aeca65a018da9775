"""A small custom-painted chart of training and validation loss against the step.

PySide6-Essentials ships without QtCharts, so the chart draws itself: two series
(the training loss smoothed once there are enough steps),
axes with "nice" ticks, a legend, and colours taken from the palette so it reads
in the light and the dark theme alike. Non-finite losses (a diverged step) leave a
gap in the line instead of breaking the scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from writer_app.gui.theme import is_dark

Point = tuple[float, float]

_MARGIN = 8
_TICK = 4
# From this many training points on, the (noisy, a few windows a step) losses are drawn
# faint with their moving average on top.
SMOOTH_FROM = 8
SMOOTHING = 0.8


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering low..high."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        high = low + (abs(low) * 0.1 or 1.0)
    power = 10.0 ** math.floor(math.log10((high - low) / max(1, count)))

    def ticks_of(step: float) -> int:
        return math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9) + 1

    # The round step whose tick count comes closest to the one asked for.
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda s: abs(ticks_of(s) - count))
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(float(round(value, 10)))
        value += step
    return ticks


def _tick_label(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def _finite(points: Iterable[Point]) -> list[Point]:
    return [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]


def smoothed(points: Sequence[Point], weight: float = SMOOTHING) -> list[Point]:
    """An exponential moving average of the losses (debiased, so the line starts at the
    first loss, as TensorBoard draws it); points that are not numbers stay gaps."""
    out, average, seen = [], 0.0, 0
    for x, y in points:
        if not math.isfinite(y):
            out.append((x, y))
            continue
        seen += 1
        average = weight * average + (1 - weight) * y
        out.append((x, average / (1 - weight ** seen)))
    return out


class LossChartWidget(QWidget):
    """Training loss as a line, validation loss as a line with dots, against the step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._train: list[Point] = []
        self._valid: list[Point] = []
        self._total_steps = 0
        self.setMinimumSize(260, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Loss chart")

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    # -- data -------------------------------------------------------------------------
    def clear(self) -> None:
        self._train.clear()
        self._valid.clear()
        self._total_steps = 0
        self.update()

    def set_total_steps(self, steps: int) -> None:
        """Fix the step axis to the whole run, so it does not rescale as steps arrive."""
        self._total_steps = max(0, int(steps))
        self.update()

    def add_train(self, step: float, loss: float) -> None:
        """Add a point; a step at or before the last one (a run resumed from an earlier
        checkpoint) replaces the points from there on."""
        self._append(self._train, step, loss)

    def add_valid(self, step: float, loss: float) -> None:
        self._append(self._valid, step, loss)

    def _append(self, series: list[Point], step: float, loss: float) -> None:
        while series and series[-1][0] >= step:
            series.pop()
        series.append((float(step), float(loss)))
        self.update()

    def set_series(self, train: Sequence[Point], valid: Sequence[Point]) -> None:
        self._train = [(float(x), float(y)) for x, y in train]
        self._valid = [(float(x), float(y)) for x, y in valid]
        self.update()

    def train_points(self) -> list[Point]:
        return list(self._train)

    def valid_points(self) -> list[Point]:
        return list(self._valid)

    # -- colours ----------------------------------------------------------------------
    def train_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Highlight)

    def valid_color(self) -> QColor:
        # Orange against the blue accent: told apart also by most colour-blind readers.
        return QColor("#ffa657") if is_dark(self.palette()) else QColor("#c05a00")

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        train, valid = _finite(self._train), _finite(self._valid)
        if not train and not valid:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Loss appears here once training starts")
            painter.end()
            return
        x_range, y_range = self._ranges(train + valid)
        plot = self._plot_rect(painter.fontMetrics(), y_range)
        self._draw_axes(painter, plot, x_range, y_range)
        if len(train) >= SMOOTH_FROM:  # the raw steps faint, their trend on top
            faint = QColor(self.train_color())
            faint.setAlpha(80)
            self._draw_series(painter, plot, x_range, y_range, self._train, faint, dots=False,
                              width=1)
            self._draw_series(painter, plot, x_range, y_range, smoothed(self._train),
                              self.train_color(), dots=False)
        else:
            self._draw_series(painter, plot, x_range, y_range, self._train,
                              self.train_color(), dots=len(train) == 1)
        self._draw_series(painter, plot, x_range, y_range, self._valid, self.valid_color(),
                          dots=True)
        self._draw_legend(painter, plot)
        painter.end()

    def _ranges(self, points: list[Point]) -> tuple[tuple[float, float], tuple[float, float]]:
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        x_high = max(max(xs), float(self._total_steps), 1.0)
        x_range = (min(0.0, min(xs)), x_high)
        y_low, y_high = min(ys), max(ys)
        pad = (y_high - y_low) * 0.08 or max(abs(y_high) * 0.1, 0.1)
        ticks = nice_ticks(y_low - pad, y_high + pad, 4)
        return x_range, (min(ticks[0], y_low), max(ticks[-1], y_high))

    def _plot_rect(self, metrics: QFontMetrics, y_range: tuple[float, float]) -> QRectF:
        labels = [_tick_label(v) for v in nice_ticks(*y_range, 4)]
        left = max(metrics.horizontalAdvance(text) for text in labels) + _MARGIN + _TICK + 4
        top = metrics.height() + _MARGIN  # room for the legend
        bottom = 2 * metrics.height() + _MARGIN  # tick labels and the axis title
        rect = QRectF(self.rect())
        return rect.adjusted(left + metrics.height(), top, -_MARGIN * 2, -bottom)

    @staticmethod
    def _map(plot: QRectF, x_range, y_range, x: float, y: float) -> QPointF:
        x_span = (x_range[1] - x_range[0]) or 1.0
        y_span = (y_range[1] - y_range[0]) or 1.0
        return QPointF(plot.left() + (x - x_range[0]) / x_span * plot.width(),
                       plot.bottom() - (y - y_range[0]) / y_span * plot.height())

    def _draw_axes(self, painter: QPainter, plot: QRectF, x_range, y_range) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        grid = palette.color(QPalette.ColorRole.Mid)
        metrics = painter.fontMetrics()
        for value in nice_ticks(*y_range, 4):
            if not y_range[0] <= value <= y_range[1]:
                continue
            y = self._map(plot, x_range, y_range, x_range[0], value).y()
            painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = _tick_label(value)
            width = metrics.horizontalAdvance(label)
            painter.drawText(QPointF(plot.left() - _TICK - 4 - width,
                                     y + metrics.ascent() / 2 - 1), label)
        steps = [v for v in nice_ticks(*x_range, 6) if v.is_integer()]
        for value in steps:
            x = self._map(plot, x_range, y_range, value, y_range[0]).x()
            painter.setPen(text)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + _TICK))
            label = _tick_label(value)
            painter.drawText(QPointF(x - metrics.horizontalAdvance(label) / 2,
                                     plot.bottom() + _TICK + metrics.ascent()), label)
        painter.setPen(text)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.drawText(QRectF(plot.left(), plot.bottom() + metrics.height(), plot.width(),
                                metrics.height() + _TICK),
                         Qt.AlignmentFlag.AlignCenter, "step")
        painter.save()
        painter.translate(_MARGIN / 2, plot.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-plot.height() / 2, 0, plot.height(), metrics.height()),
                         Qt.AlignmentFlag.AlignCenter, "loss")
        painter.restore()

    def _draw_series(self, painter: QPainter, plot: QRectF, x_range, y_range,
                     points: list[Point], color: QColor, *, dots: bool,
                     width: float = 2) -> None:
        path = QPainterPath()
        pen_down = False
        mapped = []
        for x, y in points:
            if not (math.isfinite(x) and math.isfinite(y)):
                pen_down = False  # a gap where the loss was not a number
                continue
            point = self._map(plot, x_range, y_range, x, y)
            mapped.append(point)
            if pen_down:
                path.lineTo(point)
            else:
                path.moveTo(point)
                pen_down = True
        painter.setPen(QPen(color, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        if dots:
            painter.setBrush(color)
            for point in mapped:
                painter.drawEllipse(point, 3.5, 3.5)

    def _draw_legend(self, painter: QPainter, plot: QRectF) -> None:
        metrics = painter.fontMetrics()
        entries = [("training", self.train_color()), ("validation", self.valid_color())]
        x = plot.right()
        y = _MARGIN / 2
        for label, color in reversed(entries):
            width = metrics.horizontalAdvance(label)
            x -= width
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            painter.drawText(QPointF(x, y + metrics.ascent()), label)
            x -= 22
            middle = y + metrics.height() / 2
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(x, middle), QPointF(x + 16, middle))
            x -= 14
