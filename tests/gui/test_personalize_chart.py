"""The loss chart paints 0, 1 and many points, NaN included, in the theme's colours."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from writer_app.gui.personalize.loss_chart import SMOOTH_FROM, LossChartWidget, nice_ticks, smoothed
from writer_app.gui.theme import make_palette


def _render(chart: LossChartWidget) -> QImage:
    chart.resize(480, 220)
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    chart.render(image)
    return image


def _count(image: QImage, color: QColor, tolerance: int = 12) -> int:
    """Pixels within `tolerance` of `color` on every channel."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    pixels = rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    target = np.array([color.red(), color.green(), color.blue()], dtype=np.int16)
    return int((np.abs(pixels.astype(np.int16) - target) <= tolerance).all(axis=2).sum())


@pytest.fixture
def chart(qtbot) -> LossChartWidget:
    widget = LossChartWidget()
    widget.setPalette(make_palette(dark=False))
    qtbot.addWidget(widget)
    return widget


def test_an_empty_chart_says_so_and_draws_no_series(chart):
    image = _render(chart)
    assert _count(image, chart.train_color()) == 0
    assert _count(image, chart.valid_color()) == 0


def test_one_point_is_drawn_as_a_dot(chart):
    chart.add_train(1, 2.5)
    image = _render(chart)
    train = _count(image, chart.train_color())
    assert train > 20  # the dot, plus the legend's short line
    chart.clear()
    only_legend = _count(_render(chart), chart.train_color())
    assert only_legend == 0  # cleared: back to the empty chart


def test_many_points_draw_both_lines_and_nan_leaves_a_gap(chart):
    chart.set_total_steps(100)
    for step in range(1, 101):
        chart.add_train(step, 1.0 + 3.0 * math.exp(-step / 20))
    for step in (0, 25, 50, 75, 100):
        chart.add_valid(step, 1.3 + 3.0 * math.exp(-step / 20))
    image = _render(chart)
    lines = _count(image, chart.train_color())
    assert lines > 300
    assert _count(image, chart.valid_color()) > 100

    broken = LossChartWidget()
    broken.setPalette(chart.palette())
    broken.set_total_steps(100)
    for step in range(1, 101):
        loss = math.nan if 40 <= step <= 60 else 1.0 + 3.0 * math.exp(-step / 20)
        broken.add_train(step, loss)
    broken.add_train(101, math.inf)
    gapped = _count(_render(broken), broken.train_color())
    assert 0 < gapped < lines  # NaN and inf are gaps, not a broken scale
    broken.deleteLater()


def test_the_dark_theme_uses_its_own_colours(chart):
    light_train, light_valid = chart.train_color(), chart.valid_color()
    chart.setPalette(make_palette(dark=True))
    assert chart.train_color() != light_train and chart.valid_color() != light_valid
    for step in range(1, 30):
        chart.add_train(step, 3.0 / step)
    chart.add_valid(0, 3.2)
    chart.add_valid(20, 0.4)
    image = _render(chart)
    assert _count(image, chart.train_color()) > 100
    assert _count(image, chart.valid_color()) > 20
    assert _count(image, light_train, 4) == 0


def test_a_resumed_run_replaces_the_steps_after_its_checkpoint(chart):
    for step in range(1, 8):
        chart.add_train(step, 2.0)
    chart.add_train(6, 1.5)  # resumed from the checkpoint at step 5
    assert [s for s, _ in chart.train_points()] == [1, 2, 3, 4, 5, 6]
    assert chart.train_points()[-1] == (6.0, 1.5)


def test_nice_ticks():
    assert nice_ticks(0, 100, 5) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(1.13, 3.97, 4) == [1.5, 2.0, 2.5, 3.0, 3.5]
    assert nice_ticks(2.5, 2.5, 4)  # a flat series still gets ticks
    assert nice_ticks(math.nan, 1.0) == []


def test_the_moving_average_starts_at_the_first_loss_and_keeps_gaps():
    points = [(1, 4.0), (2, 2.0), (3, math.nan), (4, 2.0)]
    trend = smoothed(points, weight=0.5)
    assert trend[0] == (1, 4.0)
    assert trend[1][1] == pytest.approx((0.25 * 4.0 + 0.5 * 2.0) / 0.75)
    assert math.isnan(trend[2][1]) and trend[3][0] == 4
    assert 2.0 < trend[3][1] < trend[1][1]


def test_noisy_steps_are_drawn_faint_under_their_trend(chart):
    base = chart.palette().color(QPalette.ColorRole.Base)
    train = chart.train_color()
    faint = QColor(*(round(c * 80 / 255 + b * (1 - 80 / 255)) for c, b in
                     zip(train.getRgb()[:3], base.getRgb()[:3], strict=True)))
    for step in range(1, SMOOTH_FROM + 12):
        chart.add_train(step, 3.0 if step % 2 else 4.0)  # a few windows a step: jumpy
    image = _render(chart)
    assert _count(image, faint, 10) > 100, "the raw steps, faint"
    assert _count(image, train) > 100, "their moving average, in the series colour"
