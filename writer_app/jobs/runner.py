"""TrainingRunner: runs one training process (QProcess) and re-emits what it reports
as typed signals.

The runner keeps every event of the current run (`events`), so a view opened mid-run
(Preferences, the Personalize window) shows the same progress: `connect_events` connects
a view's handlers and replays what happened so far. Lines that are not events go to
`log_tail` (shown when a run fails); malformed or unknown events are logged there too,
never handed to a view. A handler that raises is a bug: nothing here swallows it.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from writer_app.jobs.commands import GRAMMAR_MODULE, TRAINING_MODULE
from writer_app.jobs.events import (
    DONE_EVENTS,
    GRAMMAR_EVENTS,
    TRAINING_EVENTS,
    Evaluated,
    Event,
    GrammarDone,
    GrammarReport,
    GrammarStarted,
    Measured,
    ProcessError,
    ProcessWarning,
    Progress,
    Saved,
    Saving,
    Stage,
    TrainingDone,
    TrainingReport,
    TrainingStarted,
)
from writer_app.jobs.protocol import LineError, NotAnEventError, decode

KILL_AFTER_MS = 3000
SAVE_WAITS = 20  # a cancel waits up to this many more KILL_AFTER_MS for a checkpoint save
LOG_LINES = 20

Handlers = Mapping[type[Event], Callable[[Event], None]]

# The signal that carries each event class.
_SIGNALS: dict[type[Event], str] = {
    TrainingStarted: "sig_training_started", GrammarStarted: "sig_grammar_started",
    Stage: "sig_stage", Measured: "sig_measured", Progress: "sig_progress",
    Evaluated: "sig_evaluated", Saving: "sig_saving", Saved: "sig_saved",
    TrainingReport: "sig_training_report", GrammarReport: "sig_grammar_report",
    TrainingDone: "sig_training_done", GrammarDone: "sig_grammar_done",
    ProcessWarning: "sig_warning", ProcessError: "sig_error",
}


class TrainingRunner(QObject):
    """Runs a training process and keeps what it reported.

    States: idle, running, stopping, done, cancelled, failed. `program` and `prefix`
    say what to run, `kinds` which events it sends (tests run a fake training script).
    Use `personalize()` or `grammar()` for the app's two processes.
    """

    sig_state_changed = Signal(str)
    sig_event = Signal(object)  # every event, after its own signal
    sig_training_started = Signal(object)  # TrainingStarted
    sig_grammar_started = Signal(object)  # GrammarStarted
    sig_stage = Signal(object)  # Stage
    sig_measured = Signal(object)  # Measured
    sig_progress = Signal(object)  # Progress
    sig_evaluated = Signal(object)  # Evaluated
    sig_saving = Signal(object)  # Saving
    sig_saved = Signal(object)  # Saved
    sig_training_report = Signal(object)  # TrainingReport
    sig_grammar_report = Signal(object)  # GrammarReport
    sig_training_done = Signal(object)  # TrainingDone
    sig_grammar_done = Signal(object)  # GrammarDone
    sig_warning = Signal(object)  # ProcessWarning
    sig_error = Signal(object)  # ProcessError

    def __init__(self, program: str = sys.executable,
                 prefix: Sequence[str] = ("-m", TRAINING_MODULE),
                 kinds: Mapping[str, type[Event]] = TRAINING_EVENTS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.program = program
        self.prefix = list(prefix)
        self.kinds = dict(kinds)
        self.state = "idle"
        self.events: list[Event] = []
        self.log_tail: deque[str] = deque(maxlen=LOG_LINES)
        self.failure = ""
        self.args: list[str] = []
        self.out_dir: Path | None = None
        self.started_at = 0.0
        self._process: QProcess | None = None
        self._stdout = b""
        self._stderr = b""
        self._cancelled = False
        self._then: tuple[TrainingRunner, list[str], Path] | None = None
        self._save_waits = 0
        self._kill_timer = QTimer(self, singleShot=True, interval=KILL_AFTER_MS)
        self._kill_timer.timeout.connect(self._on_kill_timeout)

    @classmethod
    def personalize(cls, parent: QObject | None = None) -> TrainingRunner:
        """The completion model's personalization (LoRA)."""
        return cls(prefix=("-m", TRAINING_MODULE), kinds=TRAINING_EVENTS, parent=parent)

    @classmethod
    def grammar(cls, parent: QObject | None = None) -> TrainingRunner:
        """The grammar tagger's adaptation."""
        return cls(prefix=("-m", GRAMMAR_MODULE), kinds=GRAMMAR_EVENTS, parent=parent)

    # -- subscribers ------------------------------------------------------------------
    def connect_events(self, handlers: Handlers, replay: bool = True) -> None:
        """Connect each handler to its event class's signal, then (with `replay`) hand
        it the events of the current run so far, in order."""
        for cls, handler in handlers.items():
            getattr(self, _SIGNALS[cls]).connect(handler)
        if replay:
            for event in list(self.events):
                handler = handlers.get(type(event))
                if handler is not None:
                    handler(event)

    def disconnect_events(self, handlers: Handlers) -> None:
        for cls, handler in handlers.items():
            getattr(self, _SIGNALS[cls]).disconnect(handler)

    def last(self, cls: type[Event] | tuple[type[Event], ...]) -> Event | None:
        """The latest event of the current run of class `cls`, or None."""
        return next((e for e in reversed(self.events) if isinstance(e, cls)), None)

    # -- control ----------------------------------------------------------------------
    def is_active(self) -> bool:
        return self.state in ("running", "stopping")

    def start(self, args: Sequence[str], out_dir: Path) -> None:
        """Start a new run; what an earlier run reported is forgotten."""
        if self.is_active():
            return
        self.events.clear()
        self.args, self.out_dir = list(args), out_dir
        self._launch(self.args)

    def then(self, follow: TrainingRunner, args: Sequence[str], out_dir: Path) -> None:
        """Start `follow` with `args` when the current run ends well. Kept here, not in
        a view, so that closing the view mid-run does not lose it."""
        self._then = (follow, list(args), out_dir)

    def resume(self) -> None:
        """Continue the last run from its checkpoint; its events so far are kept."""
        if self.can_resume():
            self._launch([*self.args, "--resume"])

    def can_resume(self) -> bool:
        saved = self.last(Saved) is not None
        has_checkpoint = saved or (self.out_dir is not None and self.out_dir.exists())
        return self.state in ("cancelled", "failed") and bool(self.args) and has_checkpoint

    def cancel(self) -> None:
        """Ask the process to stop (it keeps its last good checkpoint); kill it after 3 s."""
        if self._process is None or not self.is_active():
            return
        self._cancelled = True
        self._set_state("stopping")
        self._process.terminate()
        self._save_waits = 0
        self._kill_timer.start()

    def stop_now(self) -> None:
        """Stop at once and wait (the app is quitting): never leave an orphan process."""
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self._cancelled = True
        process.terminate()
        finished = process.waitForFinished(KILL_AFTER_MS)
        for _ in range(SAVE_WAITS):  # a checkpoint being written is finished first
            if finished:
                break
            self._on_stdout()
            if not self._saving():
                break
            finished = process.waitForFinished(KILL_AFTER_MS)
        if not finished:
            process.kill()
            process.waitForFinished(KILL_AFTER_MS)

    def _launch(self, args: list[str]) -> None:
        if self.is_active():
            return
        self.log_tail.clear()
        self.failure = ""
        self._stdout = self._stderr = b""
        self._cancelled = False
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")  # progress lines as they happen
        environment.insert("PYTHONIOENCODING", "utf-8")
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._on_stdout)
        process.readyReadStandardError.connect(self._on_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._process = process
        self.started_at = time.monotonic()
        self._set_state("running")
        process.start(self.program, [*self.prefix, *args])

    # -- output -----------------------------------------------------------------------
    def _on_stdout(self) -> None:
        if self._process is not None:
            self._stdout += bytes(self._process.readAllStandardOutput())
            self._stdout = self._take_lines(self._stdout, self._on_stdout_line)

    def _on_stderr(self) -> None:
        if self._process is not None:
            self._stderr += bytes(self._process.readAllStandardError())
            self._stderr = self._take_lines(self._stderr, self._log)

    @staticmethod
    def _take_lines(buffer: bytes, handle: Callable[[str], None]) -> bytes:
        """Hand over every complete line; the unfinished rest stays buffered."""
        *lines, rest = buffer.split(b"\n")
        for line in lines:
            handle(line.decode("utf-8", "replace").rstrip("\r"))
        return rest

    def _log(self, line: str) -> None:
        if line.strip():
            self.log_tail.append(line)

    def _on_stdout_line(self, line: str) -> None:
        try:
            event = decode(line, self.kinds)
        except NotAnEventError:
            self._log(line)  # a library printing on stdout: keep it for the log
            return
        except LineError as exc:  # unknown or malformed: logged, never shown as progress
            self._log(f"{exc}: {line[:200]}")
            return
        self.events.append(event)
        if isinstance(event, ProcessError):
            self._log(f"error: {event.message}")
        getattr(self, _SIGNALS[type(event)]).emit(event)
        self.sig_event.emit(event)

    def _flush(self) -> None:
        self._on_stdout()
        self._on_stderr()
        rest_out, rest_err = self._stdout, self._stderr
        self._stdout = self._stderr = b""
        if rest_out.strip():
            self._on_stdout_line(rest_out.decode("utf-8", "replace"))
        if rest_err.strip():
            self._log(rest_err.decode("utf-8", "replace"))

    # -- endings ----------------------------------------------------------------------
    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._kill_timer.stop()
        self._flush()
        done = self.last(DONE_EVENTS)
        crashed = status == QProcess.ExitStatus.CrashExit
        if self._cancelled or (done is not None and done.interrupted and code == 0):
            self._set_state("cancelled")
        elif crashed or code != 0:
            error = self.last(ProcessError)
            how = "crashed" if crashed else f"failed (exit code {code})"
            self.failure = error.message if error and error.message \
                else f"The training process {how}."
            self._set_state("failed")
        else:
            self._set_state("done")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            reason = self._process.errorString() if self._process else ""
            self.failure = f"Could not start the training process: {reason}"
            self._log(self.failure)
            self._set_state("failed")

    def _saving(self) -> bool:
        """Whether the process is writing a checkpoint ("saving" not yet followed)."""
        last = self.last((Saving, Saved, ProcessError, *DONE_EVENTS))
        return isinstance(last, Saving)

    def _on_kill_timeout(self) -> None:
        if self._process is not None and self.is_active():
            if self._saving() and self._save_waits < SAVE_WAITS:  # never kill mid-save
                self._save_waits += 1
                self._kill_timer.start()
                return
            self._log("The training process did not stop within 3 s; it was killed.")
            self._process.kill()

    def _set_state(self, state: str) -> None:
        self.state = state
        if state in ("done", "cancelled", "failed"):
            follow, self._then = self._then, None
            if follow is not None and state == "done":
                follow[0].start(follow[1], follow[2])
        self.sig_state_changed.emit(state)
