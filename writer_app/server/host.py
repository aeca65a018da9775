"""ThreadEngineHost: runs jobs on the engines in one thread of its own, a step at a time
and in turn, so a long completion does not hold up a check."""

from __future__ import annotations

import logging
import threading
import traceback
from collections import deque

from writer_app.server.jobs import EngineSource, Job, UnavailableError

log = logging.getLogger(__name__)


class ThreadEngineHost:
    """``submit(job)`` from any thread; jobs step round-robin in the host's thread."""

    def __init__(self, source: EngineSource, name: str = "serve-engines") -> None:
        self.source = source
        self._jobs: deque[Job] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

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
