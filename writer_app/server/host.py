"""ThreadEngineHost: runs jobs on the engines in one thread of its own, a step at a time
and in turn, so a long completion does not hold up a check.

The engines should also be loaded in that thread (``ThreadEngineHost.loading``): torch's
OpenMP runtime (libgomp) keeps a pool of worker threads for each thread that has run a
parallel operation, and once the pools hold more threads than the machine has CPUs, it
stops letting idle workers spin between operations. Models loaded in the main thread and
run in the host's measured 2.2 times slower on 2 cores than loaded and run in one thread.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable

from writer_app.server.jobs import EngineSource, Job, UnavailableError

log = logging.getLogger(__name__)


class ThreadEngineHost:
    """``submit(job)`` from any thread; jobs step round-robin in the host's thread."""

    def __init__(self, source: EngineSource | None, name: str = "serve-engines",
                 load: Callable[[], EngineSource] | None = None) -> None:
        self.source = source
        self._jobs: deque[Job] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._load = load
        self._loaded = threading.Event()
        self._load_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @classmethod
    def loading(cls, load: Callable[[], EngineSource],
                name: str = "serve-engines") -> ThreadEngineHost:
        """A host whose thread first calls ``load()`` for its engines (the thread that
        runs them loads them); returns once they are loaded, or raises what ``load``
        raised (the thread has ended then)."""
        host = cls(None, name, load)
        host._loaded.wait()
        if host._load_error is not None:
            host._thread.join()
            raise host._load_error
        return host

    def submit(self, job: Job) -> None:
        with self._wake:
            if self._closed:
                raise RuntimeError("the engine host is closed")
            self._jobs.append(job)
            self._wake.notify()

    def close(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        if self._load is not None:
            try:
                self.source = self._load()
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                self._load_error = error
                return
            finally:
                self._load = None
                self._loaded.set()
        while True:
            with self._wake:
                while not self._jobs and not self._closed:
                    self._wake.wait()
                if self._closed:
                    pending, self._jobs = list(self._jobs), deque()
                    break
                job = self._jobs.popleft()
            if not run_step(job, self.source):
                with self._wake:
                    self._jobs.append(job)
        for job in pending:
            job.fail(UnavailableError("the server is shutting down"))


def run_step(job: Job, source: EngineSource) -> bool:
    """One step of ``job``; True when it is finished (done or failed). A failure is
    logged without the text (only where it happened) and reported to the job."""
    try:
        return job.step(source)
    except Exception as error:  # a model library can raise anything; keep serving
        if not isinstance(error, UnavailableError | ValueError):
            where = "".join(traceback.format_tb(error.__traceback__))
            log.error("server job failed (%s):\n%s", type(error).__name__, where)
        job.fail(error)
        return True
