"""ModelScan: lists the models Preferences offers without blocking the GUI thread.

Scanning the Hugging Face cache reads every cached model's config and may first import
the model libraries, which can take seconds. The scan runs on a plain thread; its result
comes back to the GUI thread by a queued signal, and Preferences shows the last result
at once and updates when a new one arrives.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Scan = Callable[[], Sequence]


class ModelScan(QObject):
    """Runs named listings (e.g. "completion", "grammar") together, one scan at a time.

    `results` holds the last finished scan's lists ({} before the first one ends);
    sig_finished is emitted in the GUI thread after each scan.
    """

    sig_finished = Signal()
    _sig_found = Signal(object)  # emitted from the scan thread, delivered queued

    def __init__(self, scans: dict[str, Scan], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scans = dict(scans)
        self.results: dict[str, list] = {}
        self._thread: threading.Thread | None = None
        self._sig_found.connect(self._on_found, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def get(self, name: str) -> list:
        return list(self.results.get(name, ()))

    def start(self) -> None:
        """Scan again in the background, unless a scan is running already."""
        if self.running:
            return
        self._thread = threading.Thread(target=self._run, name="model-scan", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the scan thread (at shutdown, and in tests); True when none is running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        found: dict[str, list] = {}
        for name, scan in self._scans.items():
            try:
                found[name] = list(scan())
            except Exception:  # noqa: BLE001 - an unreadable cache lists nothing, never crashes
                log.warning("model scan %r failed:\n%s", name, traceback.format_exc())
                found[name] = []
        with contextlib.suppress(RuntimeError):  # the app is closing: this object is gone
            self._sig_found.emit(found)

    @Slot(object)
    def _on_found(self, found: dict[str, list]) -> None:
        self.results = found
        self.sig_finished.emit()
