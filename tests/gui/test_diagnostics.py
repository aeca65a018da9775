import time

from PySide6.QtCore import QTimer

from writer_app.gui.diagnostics import EventLoopGapMeter


def test_gap_meter_sees_a_blocked_event_loop(qtbot):
    meter = EventLoopGapMeter()
    meter.start()
    qtbot.wait(60)
    assert meter.longest_ms < 60  # idle: ticks every ~10 ms
    QTimer.singleShot(0, lambda: time.sleep(0.15))
    qtbot.wait(250)
    meter.stop()
    assert meter.longest_ms >= 140
