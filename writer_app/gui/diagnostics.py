"""Measuring how responsive the GUI thread stays while models run."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class EventLoopGapMeter(QObject):
    """Longest gap between ticks of a 10 ms timer in the GUI thread.

    A gap much longer than the interval means the event loop was blocked: the
    window could not repaint or take keystrokes for that long.
    """

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._last: float | None = None
        self.longest_ms = 0.0

    def start(self) -> None:
        self._last = None
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.longest_ms = max(self.longest_ms, (now - self._last) * 1000)
        self._last = now
