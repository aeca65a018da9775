"""Small helpers the Personalize views share: labels, numbers and times as text, the
error colour, the pre-run time estimate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from writer_app.gui.theme import error_color
from writer_app.jobs.commands import QUICK_STEPS

# Only for the estimate before starting (the process's own replaces it): LoRA training
# of the default model on a 2-core CPU, 2 windows of 256 tokens a step (training's
# CPU_WINDOWS), plus loading, evaluations and the report's samples (bench/finetune.py).
CPU_TOKENS_PER_S = 95.0
RUN_OVERHEAD_S = 60.0
# The report's comparison of the base and personalized models (training/report_eval.py).
REPORT_COMPARISON_S = 90.0
TOKENS_PER_WORD = 1.35
TOKENS_PER_STEP = 2 * 256


def caption(text: str) -> QLabel:
    """A wrapping label whose text can be selected."""
    label = QLabel(text, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def set_error_style(label: QLabel, error: bool) -> None:
    color = error_color(label.palette()).name() if error else ""
    label.setStyleSheet(f"color: {color};" if color else "")


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def percent(value: Any) -> str:
    found = number(value)
    return "–" if found is None else f"{found * 100:.0f}%"


def same_path(a: str | Path, b: str | Path) -> bool:
    return bool(a) and bool(b) and Path(a) == Path(b)


def estimate_seconds(words: int, quick: bool) -> tuple[int, float]:
    """(optimizer steps, seconds) a CPU run would take, roughly: 1-3 epochs by size."""
    tokens = words * TOKENS_PER_WORD * 0.9  # 10% is held out for validation
    epochs = 3 if tokens < 50_000 else 2 if tokens < 200_000 else 1
    steps = max(1, math.ceil(epochs * tokens / TOKENS_PER_STEP))
    if quick:
        steps = min(steps, QUICK_STEPS)
    return steps, (steps * TOKENS_PER_STEP / CPU_TOKENS_PER_S + RUN_OVERHEAD_S
                   + REPORT_COMPARISON_S)


def duration_text(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def scrolling(panel: QWidget) -> QScrollArea:
    """The panel in a frameless scroll area: it is taller than the dialog."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
