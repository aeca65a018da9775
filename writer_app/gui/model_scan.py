"""ModelScan: lists the models Preferences offers without blocking the GUI thread.

Scanning the Hugging Face cache reads every cached model's config and may first import
the model libraries, which can take seconds. The scan runs off the GUI thread
(jobs/background.py); Preferences shows the last result at once and updates when a
new one arrives.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal, Slot

from writer_app.jobs.background import BackgroundCall

log = logging.getLogger(__name__)

Scan = Callable[[], Sequence]


def _scan_all(scans: dict[str, Scan]) -> dict[str, list]:
    found: dict[str, list] = {}
    for name, scan in scans.items():
        try:
            found[name] = list(scan())
        except Exception:  # noqa: BLE001 - an unreadable cache lists nothing, never crashes
            log.warning("model scan %r failed:\n%s", name, traceback.format_exc())
            found[name] = []
    return found


class ModelScan(QObject):
    """Runs named listings (e.g. "completion", "grammar") together, one scan at a time.

    `results` holds the last finished scan's lists ({} before the first one ends);
    sig_finished is emitted in the GUI thread after each scan.
    """

    sig_finished = Signal()

    def __init__(self, scans: dict[str, Scan], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scans = dict(scans)
        self.results: dict[str, list] = {}
        self._call = BackgroundCall("model-scan", self)
        self._call.sig_finished.connect(self._on_found)

    @property
    def running(self) -> bool:
        return self._call.busy

    @property
    def started(self) -> bool:
        return self._call.started

    def get(self, name: str) -> list:
        return list(self.results.get(name, ()))

    def start(self) -> None:
        """Scan again in the background, unless a scan is running already."""
        if not self.running:
            self._call.run(_scan_all, self._scans)

    def wait(self, timeout: float | None = None) -> bool:
        """Join the scan thread (at shutdown, and in tests); True when none is running."""
        return self._call.join(timeout)

    @Slot(object)
    def _on_found(self, found: dict[str, list]) -> None:
        self.results = found
        self.sig_finished.emit()
