"""BackgroundCall: run a function off the GUI thread, get its result on the GUI thread.

Reading a folder of documents, checking every word in them or scanning the model cache
takes seconds; the GUI stays responsive meanwhile. The function runs on a plain daemon
thread; its result (or the message of the exception it raised) comes back by a queued
signal to the thread this object lives in. Only the latest call counts: a newer `run`
(or `discard`) makes what an earlier one returns be dropped.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot


class BackgroundCall(QObject):
    """sig_finished(result) or sig_failed(message) for the latest `run`, on this
    object's thread. `busy` is True from `run` until its answer is delivered."""

    sig_finished = Signal(object)
    sig_failed = Signal(str)
    _sig_result = Signal(int, object, str)  # generation, result, error

    def __init__(self, name: str = "background", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.busy = False
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._sig_result.connect(self._on_result, Qt.ConnectionType.QueuedConnection)

    @property
    def started(self) -> bool:
        """Whether `run` was ever called."""
        return bool(self._threads)

    def run(self, function: Callable[..., object], *args: object) -> None:
        self._generation += 1
        self.busy = True
        thread = threading.Thread(target=self._work, args=(self._generation, function, args),
                                  name=self.name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def discard(self) -> None:
        """Forget the call in progress: its result is dropped when it comes."""
        self._generation += 1
        self.busy = False

    def join(self, timeout: float | None = 10.0) -> bool:
        """Wait for the threads (tests and shutdown); True when none is left running.
        Results still arrive as events, once the GUI thread's loop runs."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self._threads)

    def _work(self, generation: int, function: Callable[..., object],
              args: tuple[object, ...]) -> None:
        try:
            result, error = function(*args), ""
        except Exception as exc:  # reported to the caller: it must not stay "busy"
            result, error = None, str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the receiver was deleted meanwhile
            self._sig_result.emit(generation, result, error)

    @Slot(int, object, str)
    def _on_result(self, generation: int, result: object, error: str) -> None:
        if generation != self._generation:
            return  # an earlier call, overtaken by a newer one
        self.busy = False
        if error:
            self.sig_failed.emit(error)
        else:
            self.sig_finished.emit(result)
