"""ServeController: "Let other apps use writer_app" (Preferences › Other apps).

Serves LanguageTool's /v2 and OpenAI's /v1 on 127.0.0.1 from the running app, with the
models the editor uses (its personal adapter and dictionary too). The HTTP server runs in
a thread of its own; its jobs run in the inference thread, where the engines live, through
a ServeQueue. The editor keeps priority: a job runs one bounded step (a few tokens, a few
texts) per turn of that thread's event loop, so an editor request queued meanwhile runs
next, and no step starts while the editor's own grammar check is in progress.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from writer_app.core.settings import ServerSettings
from writer_app.server.host import run_step
from writer_app.server.jobs import Job, UnavailableError
from writer_app.server.standalone import checker_for_variant

EDITOR_WAIT_MS = 20  # how often a waiting job looks again while the editor is checking
CHECK_UNITS_PER_STEP = 8  # paragraphs per step, as the editor's own grammar steps
TOKENS_PER_STEP = 4  # a completion step: an editor request waits for at most this many


class WorkerEngines:
    """The worker's engines as the server's EngineSource. A check in another English
    variant than the editor's gets the editor checker's sibling for it: the same tagger,
    rules, confusion layer and personal words, that variant's spelling."""

    def __init__(self, worker) -> None:
        self.worker = worker

    def checker(self, variant: str):
        return checker_for_variant(self.worker.grammar_backend, variant)

    def completion(self):
        backend = self.worker.completion_backend
        return backend if hasattr(backend, "generate_ids") else None

    def model_id(self) -> str | None:
        """The completion model's name (read from the server's thread)."""
        backend = self.completion()
        return getattr(getattr(backend, "info", None), "name", None)


class ServeQueue(QObject):
    """Lives in the inference thread; jobs arrive by a queued signal."""

    def __init__(self, worker) -> None:
        super().__init__()
        self.worker = worker
        self.source = WorkerEngines(worker)
        self._jobs: deque[Job] = deque()
        self._posted = False
        self.steps_deferred = 0  # steps that waited for the editor's check

    @Slot(object)
    def _on_job(self, job: Job) -> None:
        self._jobs.append(job)
        self._post(0)

    @Slot()
    def _on_clear(self) -> None:
        """The server stopped: its waiting jobs end."""
        jobs, self._jobs = list(self._jobs), deque()
        for job in jobs:
            job.fail(UnavailableError("the server stopped"))

    def _post(self, delay_ms: int) -> None:
        if not self._posted:
            self._posted = True
            QTimer.singleShot(delay_ms, self, self._step)

    def _step(self) -> None:
        self._posted = False
        if not self._jobs:
            return
        if self.worker.grammar_busy:
            self.steps_deferred += 1
            self._post(EDITOR_WAIT_MS)
            return
        job = self._jobs.popleft()
        if not run_step(job, self.source):
            self._jobs.append(job)
        if self._jobs:
            self._post(0)


class _QueueHost:
    """The server's EngineHost: submit() from the server's thread, queued to ServeQueue."""

    def __init__(self, signal) -> None:
        self.signal = signal
        self.submitted = 0  # jobs handed over so far

    def submit(self, job: Job) -> None:
        self.signal.emit(job)  # posted to the inference thread's queue before this returns
        self.submitted += 1


class ServeController(QObject):
    sig_job = Signal(object)  # to the ServeQueue
    sig_clear = Signal()
    sig_state = Signal(str, bool)  # what the status bar says, whether it is an error

    def __init__(self, worker, thread: QThread, window, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.queue = ServeQueue(worker)
        self.queue.moveToThread(thread)
        self.sig_job.connect(self.queue._on_job, Qt.ConnectionType.QueuedConnection)
        self.sig_clear.connect(self.queue._on_clear, Qt.ConnectionType.QueuedConnection)
        self.host = _QueueHost(self.sig_job)
        self._server = None
        self._stopping = None  # stopped without waiting; its port may still be held
        self._wanted: tuple[ServerSettings, str] | None = None

    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    def apply(self, settings: ServerSettings, variant: str) -> None:
        """Start, stop or restart the server to match the settings."""
        wanted = (settings, variant)
        if wanted == self._wanted:
            return
        self._wanted = wanted
        old = self._server
        self._close_server(wait=False)
        if settings.enabled:
            self._start(settings, variant)
        elif old is not None:
            self._say("Other apps no longer use writer_app.")

    def _start(self, settings: ServerSettings, variant: str) -> None:
        from writer_app.server.app import create_app
        from writer_app.server.config import ServeConfig
        from writer_app.server.runner import ServerThread
        from writer_app.server.services import CheckService, GenerateService, Services

        config = ServeConfig(port=settings.port, allowed_origins=settings.origins())
        services = Services(
            checks=CheckService(self.host, units_per_step=CHECK_UNITS_PER_STEP),
            generation=GenerateService(self.host, self.queue.source.model_id,
                                       tokens_per_step=TOKENS_PER_STEP),
            default_variant=variant)
        stopping, self._stopping = self._stopping, None
        if stopping is not None and stopping.port == config.port:
            stopping.stop(wait=True)  # the same port again: once the old server let go
        try:
            server = ServerThread(create_app(services, config), config.host, config.port)
            server.start(wait=False)  # the port is bound and listening: nothing to wait for
        except (OSError, RuntimeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self._say(f"Other apps cannot use writer_app: port {settings.port} is not free "
                      f"({reason}). Choose another in Preferences › Other apps.", error=True)
            return
        self._server = server
        self._say(f"Other apps can use writer_app at {server.url} (LanguageTool: "
                  f"{server.url}/v2, OpenAI: {server.url}/v1).")

    def stop(self) -> None:
        """At the app's end: the server stops and its waiting jobs end."""
        self._wanted = None
        self._close_server(wait=True)

    def _close_server(self, wait: bool) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop(wait=wait)  # without waiting, the GUI never stalls on it
            self._stopping = None if wait else server
            self.sig_clear.emit()

    def _say(self, message: str, error: bool = False) -> None:
        self.window.show_notice(message, 12000, error=error)
        self.sig_state.emit(message, error)
