"""The Personalize page: teach the completion model the writer's own style.

The writer picks documents (buttons or drag and drop), sees how many words they
hold, and starts a LoRA fine-tune. Training runs in its own process
(`python -m writer_app.training.personalize`), which reports JSON lines on stdout;
`PersonalizeRunner` owns that process and keeps every event, so the page can be
closed and reopened mid-run and show the same progress. The page also lists the
saved adapters, with Activate / Deactivate / Rename / Delete.

The documents are read (and their words counted) on a worker thread. "Review
vocabulary" lists the names and words of the documents that the spelling check does not
know (core/vocabulary.py), for the personal dictionary. "Also adapt the grammar checker"
runs `python -m writer_app.training.grammar_personalize` after the adapter, shows its
before/after false-alarm report and offers "Use this grammar model".
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.doc_import import SUPPORTED_SUFFIXES, read_documents
from writer_app.core.units import human_count
from writer_app.core.vocabulary import SpellerLike, VocabularyEntry, build_vocabulary
from writer_app.gui.loss_chart import LossChartWidget
from writer_app.gui.personalize_report import PersonalizeReportView
from writer_app.gui.theme import error_color

TRAINING_MODULE = "writer_app.training.personalize"
GRAMMAR_MODULE = "writer_app.training.grammar_personalize"
DOC_FILTER = ("Documents (" + " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
              + ");;All files (*)")
FEW_WORDS = 2000  # below this, personalization has too little to learn from
QUICK_STEPS = 40  # what the quick preset caps training at
# Only for the estimate before starting (the process's own replaces it): LoRA training
# of the default model on a 2-core CPU, 2 windows of 256 tokens a step (training's
# CPU_WINDOWS), plus loading, evaluations and the report's samples (bench/finetune.py).
CPU_TOKENS_PER_S = 95.0
RUN_OVERHEAD_S = 60.0
# The report's comparison of the base and personalized models (training/report_eval.py).
REPORT_COMPARISON_S = 90.0
TOKENS_PER_WORD = 1.35
TOKENS_PER_STEP = 2 * 256
SHOW_PROGRESS_AFTER_MS = 500  # a run that fails at once never flashes a progress bar
KILL_AFTER_MS = 3000
SAVE_WAITS = 20  # a cancel waits up to this many more KILL_AFTER_MS for a checkpoint save
LOG_LINES = 20


# -- documents (Qt-free helpers) ----------------------------------------------------------
@dataclass(frozen=True)
class ScanResult:
    files: tuple[Path, ...]
    words: int
    skipped: tuple[tuple[str, str], ...]  # (path, reason)
    texts: tuple[str, ...] = field(default=(), repr=False, compare=False)  # of `files`


def scan_documents(items: Sequence[Path | str]) -> ScanResult:
    """Files found in `items` (folders searched recursively), their words, and what was
    skipped with the reason. Never raises for a bad file: it is listed as skipped."""
    result = read_documents(items)
    return ScanResult(tuple(Path(d.path) for d in result.documents), result.words,
                      tuple((s.path, s.reason) for s in result.skipped),
                      tuple(d.text for d in result.documents))


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


# -- adapters -----------------------------------------------------------------------------
class AdapterLike(Protocol):
    path: str
    name: str
    created: str  # ISO 8601
    base_model: str
    metrics: dict[str, Any]


class AdapterStoreLike(Protocol):
    """The saved adapters, as handed in by the controller (inference/adapters.py). Each
    method raises an exception whose message is shown to the user when it fails."""

    root: Path

    def list(self) -> Sequence[AdapterLike]: ...

    def rename(self, path: str, name: str) -> object: ...

    def delete(self, path: str) -> None: ...

    def new_dir(self, name: str) -> Path: ...


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def training_device(device: str) -> str:
    """The --device the training process takes, from the Models page's device."""
    return "cuda" if device.startswith("cuda") else "cpu" if device == "cpu" else "auto"


# -- work off the GUI thread --------------------------------------------------------------
class BackgroundTask(QObject):
    """Runs a function on a plain thread and hands its result back on the GUI thread.

    Reading a folder of documents or checking every word in them takes seconds; the
    page stays responsive meanwhile. Only the latest run counts: starting another (or
    `discard()`) drops what an earlier one returns. sig_finished(result) or
    sig_failed(message) arrive on the thread this object lives in.
    """

    sig_finished = Signal(object)
    sig_failed = Signal(str)
    _sig_result = Signal(int, object, str)  # generation, result, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self._sig_result.connect(self._on_result)  # queued: emitted from the thread

    def run(self, function: Callable[..., object], *args: object) -> None:
        self._generation += 1
        self.busy = True
        thread = threading.Thread(target=self._work, args=(self._generation, function, args),
                                  name="personalize-scan", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def discard(self) -> None:
        """Forget the run in progress: its result is dropped when it comes."""
        self._generation += 1
        self.busy = False

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the threads (tests and shutdown); results still come as events."""
        for thread in self._threads:
            thread.join(timeout)

    def _work(self, generation: int, function: Callable[..., object],
              args: tuple[object, ...]) -> None:
        try:
            result, error = function(*args), ""
        except Exception as exc:  # shown to the user: the page must not stay "busy"
            result, error = None, str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the page was closed meanwhile
            self._sig_result.emit(generation, result, error)

    def _on_result(self, generation: int, result: object, error: str) -> None:
        if generation != self._generation:
            return  # an earlier run, overtaken by a newer one
        self.busy = False
        if error:
            self.sig_failed.emit(error)
        else:
            self.sig_finished.emit(result)


def find_vocabulary(texts: Sequence[str], make_speller: Callable[[], SpellerLike],
                    dictionary: Callable[[], Sequence[str]]) -> list[VocabularyEntry]:
    """The personal vocabulary of `texts` (runs on the scan thread: loading the speller
    and reading the dictionary happen there too)."""
    return build_vocabulary(texts, make_speller(), dictionary())


# -- the training process -----------------------------------------------------------------
class PersonalizeRunner(QObject):
    """Runs the training process and keeps what it reported.

    States: idle, running, stopping, done, cancelled, failed. `program` and
    `prefix` say what to run (tests run a fake training script).
    """

    sig_event = Signal(dict)
    sig_state_changed = Signal(str)

    def __init__(self, program: str = sys.executable,
                 prefix: Sequence[str] = ("-m", TRAINING_MODULE),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.program = program
        self.prefix = list(prefix)
        self.state = "idle"
        self.events: list[dict] = []
        self.log_tail: deque[str] = deque(maxlen=LOG_LINES)
        self.failure = ""
        self.args: list[str] = []
        self.out_dir: Path | None = None
        self.started_at = 0.0
        self._process: QProcess | None = None
        self._stdout = b""
        self._stderr = b""
        self._cancelled = False
        self._then: tuple[PersonalizeRunner, list[str], Path] | None = None
        self._save_waits = 0
        self._kill_timer = QTimer(self, singleShot=True, interval=KILL_AFTER_MS)
        self._kill_timer.timeout.connect(self._on_kill_timeout)

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

    def then(self, follow: PersonalizeRunner, args: Sequence[str], out_dir: Path) -> None:
        """Start `follow` with `args` when the current run ends well. Kept here, not in
        the page, so that closing Preferences mid-run does not lose it."""
        self._then = (follow, list(args), out_dir)

    def resume(self) -> None:
        """Continue the last run from its checkpoint; its events so far are kept."""
        if self.can_resume():
            self._launch([*self.args, "--resume"])

    def can_resume(self) -> bool:
        saved = any(e.get("event") == "saved" for e in self.events)
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
            event = json.loads(line)
        except ValueError:
            self._log(line)  # a library printing on stdout: keep it for the log
            return
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            self.events.append(event)
            if event["event"] == "error":
                self._log(f"error: {event.get('message', '')}")
            self.sig_event.emit(event)
        else:
            self._log(line)

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
        done = next((e for e in reversed(self.events) if e.get("event") == "done"), None)
        crashed = status == QProcess.ExitStatus.CrashExit
        if self._cancelled or (done and done.get("interrupted") and code == 0):
            self._set_state("cancelled")
        elif crashed or code != 0:
            error = next((e.get("message") for e in reversed(self.events)
                          if e.get("event") == "error"), None)
            how = "crashed" if crashed else f"failed (exit code {code})"
            self.failure = str(error or f"The training process {how}.")
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
        for event in reversed(self.events):
            if event.get("event") == "saving":
                return True
            if event.get("event") in ("saved", "done", "error"):
                return False
        return False

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


# -- the page -----------------------------------------------------------------------------
def _caption(text: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _percent(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number * 100:.0f}%"


class GrammarAdaptBox(QGroupBox):
    """The grammar checker's adaptation: its run's progress, the before/after report and
    "Use this grammar model". The controller hands in (`bind`) the runner of
    `python -m writer_app.training.grammar_personalize`, where new models go, and
    `use_model(path)`, which switches the grammar checker and returns None or why not."""

    STAGES = {"train": "Training…", "export": "Saving the model…"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Grammar checker", parent)
        self.runner: PersonalizeRunner | None = None
        self.root: Path | None = None
        self.model_path = ""
        self._use_model: Callable[[str], str | None] | None = None
        layout = QVBoxLayout(self)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("step %v of %m")
        layout.addWidget(self.progress_bar)
        self.status_label = _caption("")
        self.status_label.setObjectName("grammar_status")
        layout.addWidget(self.status_label)
        self.report_label = _caption("")
        self.report_label.setObjectName("grammar_report")
        layout.addWidget(self.report_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop adapting the grammar checker; nothing is saved")
        self.use_button = QPushButton("Use this grammar model")
        self.use_button.setToolTip("Check your writing with the adapted grammar model")
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.use_button)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.use_button.clicked.connect(self.use_model)
        self.setVisible(False)

    @property
    def available(self) -> bool:
        return self.runner is not None and self.root is not None

    def bind(self, runner: PersonalizeRunner, root: Path,
             use_model: Callable[[str], str | None]) -> None:
        """Take the controller's runner (it outlives the page) and show what it did."""
        if self.runner is not None:
            self.runner.sig_event.disconnect(self._on_event)
            self.runner.sig_state_changed.disconnect(self._on_state_changed)
        self.runner, self.root, self._use_model = runner, root, use_model
        runner.sig_event.connect(self._on_event)
        runner.sig_state_changed.connect(self._on_state_changed)
        for event in runner.events:  # reopened mid-run or after it
            self._on_event(event)
        self.setVisible(bool(runner.events) or runner.is_active())
        self._on_state_changed(runner.state)

    def is_active(self) -> bool:
        return self.runner is not None and self.runner.is_active()

    def start(self, items: Sequence[Path]) -> bool:
        if not self.available or self.is_active() or not items:
            return False
        self.runner.start(*self.run_args(items))
        return True

    def run_args(self, items: Sequence[Path]) -> tuple[list[str], Path]:
        """The arguments and output folder of an adaptation on `items`."""
        out = self.root / time.strftime("grammar-%Y-%m-%d-%H%M%S")
        return ["--docs", *(str(item) for item in items), "--out", str(out),
                "--json-progress"], out

    def _show_started(self) -> None:
        self.model_path = ""
        self.progress_bar.setRange(0, 0)
        self.status_label.setText("Reading your sentences…")
        self.report_label.clear()
        self._set_error(False)
        self.setVisible(True)

    def use_model(self) -> bool:
        if not self.model_path or self._use_model is None:
            return False
        error = self._use_model(self.model_path)
        if error:
            self.status_label.setText(error)
            self._set_error(True)
            return False
        self.status_label.setText(f"The grammar checker now uses “{Path(self.model_path).name}”.")
        self._set_error(False)
        self.use_button.setEnabled(False)
        return True

    def _on_cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    # -- the run's events ---------------------------------------------------------------
    def _on_event(self, event: dict) -> None:
        handler = getattr(self, f"_on_{event.get('event')}_event", None)
        if handler is not None:
            with contextlib.suppress(TypeError, ValueError, KeyError):
                handler(event)

    def _on_start_event(self, event: dict) -> None:
        self.model_path = ""
        self.progress_bar.setRange(0, max(1, int(event["total_steps"])))
        self.progress_bar.setValue(0)
        self.status_label.setText(
            f"{event['train_sentences']:,} of your sentences to learn from, "
            f"{event['held_out']:,} held out to measure with.")

    def _on_stage_event(self, event: dict) -> None:
        stage = event["stage"]
        text = (f"Measuring the {event.get('when', '')} model on your held-out sentences…"
                if stage == "measure" else self.STAGES.get(stage, ""))
        if text:
            self.status_label.setText(text)

    def _on_progress_event(self, event: dict) -> None:
        step, total = int(event["step"]), int(event["total_steps"])
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(step)
        self.status_label.setText(f"Training: loss {float(event['loss']):.3f} · remaining "
                                  f"{duration_text(float(event.get('eta_s', -1)))}")

    def _on_report_event(self, event: dict) -> None:
        before, after = event["before"], event["after"]
        self.report_label.setText(
            f"False alarms on {after['clean_sentences']} of your held-out sentences: "
            f"{_percent(before['false_alarm_rate'])} → {_percent(after['false_alarm_rate'])}"
            " (sentences of yours it wanted to change; lower is better)\n"
            f"Errors it finds in {after['corrupted_sentences']} copies with errors put in: "
            f"{_percent(before['recall'])} → {_percent(after['recall'])}")

    def _on_done_event(self, event: dict) -> None:
        self.model_path = str(event.get("model") or "")

    def _on_state_changed(self, state: str) -> None:
        runner = self.runner
        if state == "running" and runner is not None and not runner.events:
            self._show_started()  # a new run (started here or after the adapter)
        self.cancel_button.setVisible(state in ("running", "stopping"))
        self.cancel_button.setEnabled(state == "running")
        self.use_button.setVisible(bool(self.model_path))
        self.use_button.setEnabled(bool(self.model_path) and self._use_model is not None)
        if state == "done" and self.model_path:
            self.status_label.setText("Done: the adapted model is ready.")
        elif state == "cancelled":
            self.status_label.setText("Stopped: nothing was saved.")
        elif state == "failed" and runner is not None:
            tail = "\n".join(list(runner.log_tail)[-3:])
            self.status_label.setText(f"{runner.failure}\n{tail}".strip())
            self._set_error(True)

    def _set_error(self, error: bool) -> None:
        color = error_color(self.palette()).name() if error else ""
        self.status_label.setStyleSheet(f"color: {color};" if color else "")


class PersonalizePanel(QWidget):
    """Choose documents, train, watch progress, read the report, manage adapters.

    The controller hands in `store` (the saved adapters) and `activate_adapter(path)`
    ("" = none), which makes completion use an adapter at once and returns None, or why
    it could not. Without them (no app behind the page) training and switching say so.
    The vocabulary review needs the dictionary hooks (`set_dictionary_hooks`).
    Documents are read, and the vocabulary found, on a worker thread (`scanner` is
    what reads them; tests hand in a slow one).
    """

    sig_adapter_changed = Signal(str)  # the active adapter's path, "" for none
    sig_scan_finished = Signal()  # the document list's scan (word count) is shown

    def __init__(self, runner: PersonalizeRunner | None = None, *,
                 store: AdapterStoreLike | None = None,
                 activate_adapter: Callable[[str], str | None] | None = None,
                 has_gpu: bool = False,
                 scanner: Callable[[Sequence[Path]], ScanResult] = scan_documents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or PersonalizeRunner(parent=self)
        self.store = store
        self._activate = activate_adapter
        self._has_gpu = has_gpu
        self._scanner = scanner
        self.model_reference = "default"
        self.device = "auto"
        self.active_adapter = ""
        self._items: list[Path] = []
        self.scan_result: ScanResult | None = None
        self._make_speller: Callable[[], SpellerLike] | None = None
        self._dictionary_words: Callable[[], Sequence[str]] = list
        self._add_words: Callable[[list[str]], str | None] | None = None
        self._scan_task = BackgroundTask(self)
        self._scan_task.sig_finished.connect(self._on_scan_finished)
        self._scan_task.sig_failed.connect(self._on_scan_failed)
        self._vocabulary_task = BackgroundTask(self)
        self._vocabulary_task.sig_finished.connect(self._on_vocabulary_found)
        self._vocabulary_task.sig_failed.connect(self._on_vocabulary_failed)
        self._progress_timer = QTimer(self, singleShot=True, interval=SHOW_PROGRESS_AFTER_MS)
        self._progress_timer.timeout.connect(self._on_show_progress)
        self.setAcceptDrops(True)
        self._build()
        self.runner.sig_event.connect(self._on_event)
        self.runner.sig_state_changed.connect(self._on_state_changed)
        for event in self.runner.events:  # reopened mid-run: show what happened so far
            self._on_event(event)
        if self.runner.events:
            self._on_show_progress()
        self._on_state_changed(self.runner.state)
        self.refresh_adapters()

    # -- building ---------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        self.intro = _caption("Teach the completion model your style, names and vocabulary "
                              "by fine-tuning a small add-on (an adapter) on documents you "
                              "choose. It runs on this computer; your text never leaves it.")
        self.intro.setObjectName("personalize_note")
        layout.addWidget(self.intro)
        layout.addWidget(self._build_documents())
        layout.addWidget(self._build_vocabulary())
        layout.addLayout(self._build_controls())
        layout.addWidget(self._build_progress())
        layout.addWidget(self._build_failure())
        layout.addWidget(self._build_report())
        self.grammar_box = GrammarAdaptBox()
        layout.addWidget(self.grammar_box)
        layout.addWidget(self._build_adapters())
        layout.addStretch(1)

    def _build_documents(self) -> QGroupBox:
        group = QGroupBox("Your documents")
        layout = QVBoxLayout(group)
        self.doc_list = QListWidget()
        self.doc_list.setObjectName("doc_list")
        self.doc_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.doc_list.setToolTip("Files and folders to learn from; drop them here too. "
                                 "Folders are searched for .txt, .md, .docx and .odt files.")
        self.doc_list.setMinimumHeight(70)
        self.doc_list.setMaximumHeight(110)
        layout.addWidget(self.doc_list)
        buttons = QHBoxLayout()
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected files and folders from the list")
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.scan_label = _caption("Add files or folders, or drop them here.")
        self.scan_label.setObjectName("scan_label")
        layout.addWidget(self.scan_label)
        self.warning_label = _caption("")
        self.warning_label.setObjectName("few_words_warning")
        self.warning_label.setVisible(False)
        layout.addWidget(self.warning_label)
        self.skipped_label = _caption("")
        self.skipped_label.setObjectName("skipped_label")
        self.skipped_label.setVisible(False)
        layout.addWidget(self.skipped_label)
        self.add_files_button.clicked.connect(self._on_add_files)
        self.add_folder_button.clicked.connect(self._on_add_folder)
        self.remove_button.clicked.connect(self._on_remove)
        return group

    def _build_vocabulary(self) -> QGroupBox:
        group = QGroupBox("Your vocabulary")
        layout = QVBoxLayout(group)
        layout.addWidget(_caption("Names and words you use that the spelling check does not "
                                  "know. Add the ones you mean to your personal dictionary "
                                  "and they are no longer underlined."))
        row = QHBoxLayout()
        self.review_button = QPushButton("Review vocabulary")
        self.review_button.setToolTip("Find the names and words in your documents that the "
                                      "spelling check would flag")
        row.addWidget(self.review_button)
        self.vocabulary_status = _caption("")
        self.vocabulary_status.setObjectName("vocabulary_status")
        row.addWidget(self.vocabulary_status, 1)
        layout.addLayout(row)
        self.vocabulary_list = QTreeWidget()
        self.vocabulary_list.setObjectName("vocabulary_list")
        self.vocabulary_list.setHeaderLabels(["Word", "Count", "Example"])
        self.vocabulary_list.setRootIsDecorated(False)
        self.vocabulary_list.setUniformRowHeights(True)
        self.vocabulary_list.setMinimumHeight(150)
        header = self.vocabulary_list.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.vocabulary_list.setVisible(False)
        layout.addWidget(self.vocabulary_list)
        buttons = QHBoxLayout()
        self.add_words_button = QPushButton("Add to dictionary")
        self.add_words_button.setToolTip("Add the checked words to your personal dictionary")
        buttons.addStretch(1)
        buttons.addWidget(self.add_words_button)
        layout.addLayout(buttons)
        self.add_words_button.setVisible(False)
        self.review_button.clicked.connect(self.review_vocabulary)
        self.add_words_button.clicked.connect(self.add_checked_words)
        self.vocabulary_list.itemChanged.connect(self._update_vocabulary_buttons)
        return group

    def _build_controls(self) -> QVBoxLayout:
        column = QVBoxLayout()
        options = QHBoxLayout()
        options.addWidget(QLabel("Name:"))
        self.name_edit = QLineEdit(time.strftime("My style %Y-%m-%d %H.%M"))
        self.name_edit.setToolTip("The name the new adapter is listed under")
        options.addWidget(self.name_edit, 1)
        self.quick_check = QCheckBox(f"Quick (at most {QUICK_STEPS} steps)")
        self.quick_check.setToolTip("A short run: a weaker result, in minutes on a CPU")
        options.addWidget(self.quick_check)
        column.addLayout(options)
        self.grammar_check = QCheckBox("Also adapt the grammar checker")
        self.grammar_check.setToolTip(
            "After the completion model, fine-tune the grammar checker on your sentences "
            "with errors put in, so it learns your names and style; a few minutes on a CPU")
        column.addWidget(self.grammar_check)
        self.grammar_check.toggled.connect(self._update_buttons)
        row = QHBoxLayout()
        self.estimate_label = _caption("")
        self.estimate_label.setObjectName("estimate_label")
        row.addWidget(self.estimate_label, 1)
        self.start_button = QPushButton("Start")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop training; the last checkpoint is kept for Resume")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the stopped run from its last checkpoint")
        for button in (self.start_button, self.cancel_button, self.resume_button):
            row.addWidget(button)
        column.addLayout(row)
        self.quick_check.toggled.connect(self._update_estimate)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.resume_button.clicked.connect(self.resume)
        return column

    def _build_progress(self) -> QGroupBox:
        self.progress_box = QGroupBox("Training")
        layout = QVBoxLayout(self.progress_box)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("step %v of %m")
        self.progress_bar.setRange(0, 0)  # busy until the process says how many steps
        layout.addWidget(self.progress_bar)
        self.stats_label = _caption("Reading your documents…")
        self.stats_label.setObjectName("stats_label")
        layout.addWidget(self.stats_label)
        self.warnings_label = _caption("")
        self.warnings_label.setObjectName("warnings_label")
        self.warnings_label.setVisible(False)
        layout.addWidget(self.warnings_label)
        self.chart = LossChartWidget()
        self.chart.setMinimumHeight(170)
        layout.addWidget(self.chart)
        self.progress_box.setVisible(False)
        return self.progress_box

    def _build_failure(self) -> QGroupBox:
        self.failure_box = QGroupBox("Training failed")
        layout = QVBoxLayout(self.failure_box)
        self.failure_label = _caption("")
        self.failure_label.setObjectName("failure_label")
        layout.addWidget(self.failure_label)
        self.log_view = QPlainTextEdit(readOnly=True)
        self.log_view.setObjectName("log_view")
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log_view.setMaximumHeight(140)
        layout.addWidget(self.log_view)
        self.failure_box.setVisible(False)
        return self.failure_box

    def _build_report(self) -> QGroupBox:
        self.report_box = QGroupBox("Result")
        layout = QVBoxLayout(self.report_box)
        self.report_view = PersonalizeReportView()
        layout.addWidget(self.report_view)
        self.report_label = _caption("")
        self.report_label.setObjectName("report_label")
        layout.addWidget(self.report_label)
        self.samples_grid = QGridLayout()
        self.samples_grid.setColumnStretch(0, 1)
        self.samples_grid.setColumnStretch(1, 1)
        self.samples_grid.setHorizontalSpacing(16)
        layout.addLayout(self.samples_grid)
        self.report_box.setVisible(False)
        return self.report_box

    def _build_adapters(self) -> QGroupBox:
        group = QGroupBox("Your adapters")
        layout = QVBoxLayout(group)
        self.adapter_list = QListWidget()
        self.adapter_list.setObjectName("adapter_list")
        self.adapter_list.setMinimumHeight(70)
        self.adapter_list.setMaximumHeight(150)
        self.adapter_list.setWordWrap(True)
        self.adapter_list.setSpacing(2)
        self.adapter_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.adapter_list)
        buttons = QHBoxLayout()
        self.activate_button = QPushButton("Activate")
        self.activate_button.setToolTip("Use this adapter for suggestions from now on")
        self.deactivate_button = QPushButton("Deactivate")
        self.deactivate_button.setToolTip("Go back to the plain completion model")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        for button in (self.activate_button, self.deactivate_button, self.rename_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.adapter_status = _caption("")
        self.adapter_status.setObjectName("adapter_status")
        layout.addWidget(self.adapter_status)
        self.adapter_list.currentRowChanged.connect(self._update_adapter_buttons)
        self.activate_button.clicked.connect(self._on_activate)
        self.deactivate_button.clicked.connect(self._on_deactivate)
        self.rename_button.clicked.connect(self._on_rename)
        self.delete_button.clicked.connect(self._on_delete)
        return group

    # -- documents --------------------------------------------------------------------
    def items(self) -> list[Path]:
        return list(self._items)

    def set_items(self, items: Iterable[Path | str]) -> None:
        self._items = []
        self.add_items(items)

    def add_items(self, items: Iterable[Path | str]) -> None:
        """Add files or folders (from the dialogs or a drop) and count their words."""
        for item in items:
            path = Path(item)
            if path not in self._items:
                self._items.append(path)
        self.doc_list.clear()
        for path in self._items:
            entry = QListWidgetItem(f"{path.name or path}{os.sep if path.is_dir() else ''}")
            entry.setToolTip(str(path))
            self.doc_list.addItem(entry)
        self.scan()

    @property
    def scanning(self) -> bool:
        return self._scan_task.busy

    def scan(self) -> None:
        """Read the listed documents and count their words on a worker thread; the page
        says "Scanning…" meanwhile and shows the result when it comes."""
        self.scan_result = None  # the old count no longer holds; Start waits for the new
        self._clear_vocabulary()
        self.scan_label.setText("Scanning…" if self._items
                                else "Add files or folders, or drop them here.")
        self.warning_label.setVisible(False)
        self.skipped_label.setVisible(False)
        self._scan_task.run(self._scanner, list(self._items))
        self._update_estimate()
        self._update_buttons()

    def wait_for_workers(self, timeout: float = 10.0) -> None:
        """Join the scan threads (tests, and before the page goes away)."""
        self._scan_task.join(timeout)
        self._vocabulary_task.join(timeout)

    def _on_scan_failed(self, message: str) -> None:
        self.scan_label.setText(f"Cannot read the documents: {message}")
        self._set_error_style(self.scan_label, True)
        self._update_buttons()
        self.sig_scan_finished.emit()

    def _on_scan_finished(self, result: ScanResult) -> None:
        self.scan_result = result
        self._set_error_style(self.scan_label, False)
        if not self._items:
            self.scan_label.setText("Add files or folders, or drop them here.")
        else:
            self.scan_label.setText(f"{len(result.files)} document(s), "
                                    f"{result.words:,} words found.")
        few = 0 < result.words < FEW_WORDS or (self._items and result.words == 0)
        self.warning_label.setVisible(bool(few))
        self.warning_label.setText(
            f"Only {result.words:,} words: with under {FEW_WORDS:,} words personalization "
            "will be weak. Add more of your writing if you can.")
        self._set_error_style(self.warning_label, True)
        self.skipped_label.setVisible(bool(result.skipped))
        self.skipped_label.setText(self._skipped_text(result.skipped))
        self._update_estimate()
        self._update_buttons()
        self.sig_scan_finished.emit()

    @staticmethod
    def _skipped_text(skipped: Sequence[tuple[str, str]], shown: int = 6) -> str:
        lines = [f"Skipped {len(skipped)} file(s):"]
        # Most reasons already name the file; the others get its name in front.
        lines += [f"  {reason}" if Path(path).name in reason else f"  {Path(path).name}: {reason}"
                  for path, reason in skipped[:shown]]
        if len(skipped) > shown:
            lines.append(f"  … and {len(skipped) - shown} more")
        return "\n".join(lines)

    # -- vocabulary -------------------------------------------------------------------
    def set_dictionary_hooks(self, make_speller: Callable[[], SpellerLike],
                             dictionary_words: Callable[[], Sequence[str]],
                             add_words: Callable[[list[str]], str | None]) -> None:
        """What the vocabulary review uses: a loaded-on-call spelling checker, the personal
        dictionary's words (both called on the scan thread), and `add_words(words)`, which
        saves words to the dictionary at once and returns None, or why it could not."""
        self._make_speller = make_speller
        self._dictionary_words = dictionary_words
        self._add_words = add_words
        self._update_vocabulary_buttons()

    @property
    def finding_vocabulary(self) -> bool:
        return self._vocabulary_task.busy

    def review_vocabulary(self) -> bool:
        """Look for the writer's vocabulary in the scanned documents, on a worker thread."""
        texts = self.scan_result.texts if self.scan_result else ()
        if self._make_speller is None or not texts or self.finding_vocabulary:
            return False
        self._clear_vocabulary()
        self._vocabulary_message("Scanning…")
        self._vocabulary_task.run(find_vocabulary, texts, self._make_speller,
                                  self._dictionary_words)
        self._update_vocabulary_buttons()
        return True

    def vocabulary(self) -> list[tuple[VocabularyEntry, bool]]:
        """The listed entries and whether each is checked."""
        rows = (self.vocabulary_list.topLevelItem(i)
                for i in range(self.vocabulary_list.topLevelItemCount()))
        return [(item.data(0, Qt.ItemDataRole.UserRole),
                 item.checkState(0) == Qt.CheckState.Checked) for item in rows]

    def add_checked_words(self) -> bool:
        words = [entry.word for entry, checked in self.vocabulary() if checked]
        if not words or self._add_words is None:
            return False
        error = self._add_words(words)
        if error:
            self._vocabulary_message(error, error=True)
            return False
        added = set(words)
        for row in reversed(range(self.vocabulary_list.topLevelItemCount())):
            entry = self.vocabulary_list.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole)
            if entry.word in added:
                self.vocabulary_list.takeTopLevelItem(row)
        left = self.vocabulary_list.topLevelItemCount()
        self._vocabulary_message(f"Added {len(words)} word(s) to your personal dictionary."
                                 + (f" {left} left unchecked." if left else ""))
        self._update_vocabulary_buttons()
        return True

    def _on_vocabulary_found(self, entries: list[VocabularyEntry]) -> None:
        self.vocabulary_list.blockSignals(True)  # no button update per row
        for entry in entries:
            self.vocabulary_list.addTopLevelItem(self._vocabulary_item(entry))
        self.vocabulary_list.blockSignals(False)
        suspicious = sum(entry.suspicious for entry in entries)
        if not entries:
            self._vocabulary_message("Nothing to add: the spelling check knows every word "
                                     "you use often.")
        else:
            note = f" {suspicious} look like typos and are unchecked." if suspicious else ""
            self._vocabulary_message(f"{len(entries)} word(s) found.{note} Uncheck any you "
                                     "do not want accepted.")
        self.vocabulary_list.setVisible(bool(entries))
        self.add_words_button.setVisible(bool(entries))
        self._update_vocabulary_buttons()

    def _on_vocabulary_failed(self, message: str) -> None:
        self._vocabulary_message(f"Cannot look for your vocabulary: {message}", error=True)
        self._update_vocabulary_buttons()

    @staticmethod
    def _vocabulary_item(entry: VocabularyEntry) -> QTreeWidgetItem:
        where = f"{entry.count} in {entry.documents} document(s)"
        example = f"⚠ {entry.note} “{entry.example}”" if entry.note else entry.example
        item = QTreeWidgetItem([entry.word, str(entry.count), example])
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Unchecked if entry.suspicious
                           else Qt.CheckState.Checked)
        item.setData(0, Qt.ItemDataRole.UserRole, entry)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        kind = "a name" if entry.kind == "name" else "a word"
        item.setToolTip(0, f"{entry.word}: {kind}, {where}")
        item.setToolTip(2, f"{entry.note}\n{entry.example}" if entry.note else entry.example)
        return item

    def _clear_vocabulary(self) -> None:
        self._vocabulary_task.discard()
        self.vocabulary_list.clear()
        self.vocabulary_list.setVisible(False)
        self.add_words_button.setVisible(False)
        self._vocabulary_message("")

    def _vocabulary_message(self, text: str, error: bool = False) -> None:
        self.vocabulary_status.setText(text)
        self._set_error_style(self.vocabulary_status, error)

    def _update_vocabulary_buttons(self) -> None:
        has_texts = bool(self.scan_result and self.scan_result.texts)
        available = self._make_speller is not None
        self.review_button.setEnabled(available and has_texts and not self.finding_vocabulary)
        self.review_button.setToolTip(
            "Find the names and words in your documents that the spelling check would flag"
            if available else "The vocabulary review is unavailable here.")
        checked = any(checked for _entry, checked in self.vocabulary())
        self.add_words_button.setEnabled(checked and self._add_words is not None)

    def _update_estimate(self) -> None:
        words = self.scan_result.words if self.scan_result else 0
        if not words:
            self.estimate_label.setText("")
            return
        steps, seconds = estimate_seconds(words, self.quick_check.isChecked())
        where = " (much less on the GPU)" if self._has_gpu else ""
        self.estimate_label.setText(f"About {steps} steps: roughly {duration_text(seconds)} "
                                    f"on the CPU{where}.")

    def _on_add_files(self) -> None:
        self.add_items(self._choose_files())

    def _on_add_folder(self) -> None:
        folder = self._choose_folder()
        if folder is not None:
            self.add_items([folder])

    def _on_remove(self) -> None:
        rows = sorted((self.doc_list.row(i) for i in self.doc_list.selectedItems()),
                      reverse=True)
        for row in rows:
            del self._items[row]
        self.set_items(list(self._items))

    def _choose_files(self) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(self, "Add documents", str(Path.home()),
                                                DOC_FILTER)
        return [Path(name) for name in names]

    def _choose_folder(self) -> Path | None:
        name = QFileDialog.getExistingDirectory(self, "Add a folder of documents",
                                                str(Path.home()))
        return Path(name) if name else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        local = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if local:
            self.add_items(local)
            event.acceptProposedAction()

    # -- running ----------------------------------------------------------------------
    def set_model(self, reference: str, device: str = "auto") -> None:
        """The completion model (and device) a new adapter is trained for."""
        self.model_reference = reference or "default"
        self.device = device or "auto"

    def training_args(self, out_dir: Path) -> list[str]:
        name = self.name_edit.text().strip() or out_dir.name
        return ["--docs", *(str(item) for item in self._items), "--out", str(out_dir),
                "--model", self.model_reference, "--name", name,
                "--preset", "quick" if self.quick_check.isChecked() else "full",
                "--device", training_device(self.device)]

    def set_grammar_hooks(self, runner: PersonalizeRunner, root: Path,
                          use_model: Callable[[str], str | None]) -> None:
        """What "Also adapt the grammar checker" uses: the runner of the grammar
        adaptation (the controller's), the folder new grammar models go in, and
        `use_model(path)`, which switches the grammar checker (None, or why not)."""
        self.grammar_box.bind(runner, root, use_model)
        runner.sig_state_changed.connect(self._update_buttons)
        self._update_buttons()

    def _adapt_grammar(self) -> bool:
        return self.grammar_check.isChecked() and self.grammar_box.available

    def start(self) -> bool:
        """Train the completion adapter, then (when asked) adapt the grammar checker; with
        no adapter store, only the grammar checker."""
        if (self.runner.is_active() or self.grammar_box.is_active() or not self.scan_result
                or not self.scan_result.files):
            return False
        if self.store is None:
            return self._adapt_grammar() and self.grammar_box.start(self._items)
        # A name already listed (say, of a run just cancelled) would make two alike.
        self.name_edit.setText(self._unique_name(self.name_edit.text().strip() or "My style"))
        out_dir = self.store.new_dir(self.name_edit.text())
        self._reset_run_view()
        self.runner.start(self.training_args(out_dir), out_dir)
        self._chain_grammar()
        return True

    def _chain_grammar(self) -> None:
        """When asked, adapt the grammar checker once the adapter is done."""
        if self._adapt_grammar():
            self.runner.then(self.grammar_box.runner, *self.grammar_box.run_args(self._items))

    def resume(self) -> bool:
        if not self.runner.can_resume():
            return False
        self.failure_box.setVisible(False)
        self.runner.resume()
        self._chain_grammar()
        return True

    def _reset_run_view(self) -> None:
        self.chart.clear()
        self.progress_bar.setRange(0, 0)
        self.stats_label.setText("Reading your documents…")
        self.warnings_label.clear()
        self.warnings_label.setVisible(False)
        self.progress_box.setVisible(False)
        self.failure_box.setVisible(False)
        self.report_box.setVisible(False)

    def _unique_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`… when an adapter is listed under it."""
        taken = {entry.name for entry in self.adapters()}
        candidate, counter = name, 2
        while candidate in taken:
            candidate, counter = f"{name} ({counter})", counter + 1
        return candidate

    def _on_show_progress(self) -> None:
        # Shown in place, without scrolling: Cancel stays under the pointer while the
        # run goes on (the page scrolls to the report once it is done).
        if self.runner.is_active() or self.runner.events:
            self.progress_box.setVisible(True)

    def _scroll_to(self, widget: QWidget) -> None:
        """Bring `widget` into view in the scroll area the page sits in (if any)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            # After the layout has made room for the widget just shown.
            QTimer.singleShot(0, parent, lambda: parent.ensureWidgetVisible(widget, 0, 0))

    def _on_state_changed(self, state: str) -> None:
        if state == "running":
            self._progress_timer.start()
        elif state == "failed":
            self._show_failure()
            self._set_outcome("Stopped by an error (see below).")
        elif state == "cancelled":
            self._set_outcome("Stopped. Resume continues from the last checkpoint.")
        if state in ("done", "cancelled", "failed"):
            self._progress_timer.stop()
            self.refresh_adapters()
            if state == "done":  # the next run gets a name of its own
                self.name_edit.setText(self._unique_name(time.strftime("My style %Y-%m-%d %H.%M")))
        self._update_buttons()

    def _set_outcome(self, text: str) -> None:
        """Replace the (now stale) remaining time with how the run ended."""
        first = self.stats_label.text().split("\n")[0].split(" · remaining")[0]
        self.stats_label.setText(f"{first}\n{text}")

    def _update_buttons(self) -> None:
        active = self.runner.is_active() or self.grammar_box.is_active()
        has_docs = bool(self.scan_result and self.scan_result.files)
        can_train = self.store is not None or self._adapt_grammar()
        self.start_button.setEnabled(not active and has_docs and can_train)
        self.grammar_check.setEnabled(not active and self.grammar_box.available)
        if not self.grammar_box.available:
            self.grammar_check.setToolTip("Adapting the grammar checker is unavailable here.")
        self.cancel_button.setEnabled(self.runner.state == "running")
        self.resume_button.setVisible(self.runner.can_resume())
        for widget in (self.add_files_button, self.add_folder_button, self.remove_button,
                       self.quick_check, self.name_edit):
            widget.setEnabled(not active)
        self._update_vocabulary_buttons()

    def _show_failure(self) -> None:
        self.failure_label.setText(self.runner.failure or "The training process failed.")
        self._set_error_style(self.failure_label, True)
        tail = list(self.runner.log_tail)
        self.log_view.setPlainText("\n".join(tail) if tail else "(the process printed nothing)")
        scroll = self.log_view.verticalScrollBar()
        scroll.setValue(scroll.maximum())  # the last lines tell most
        self.failure_box.setVisible(True)
        self._scroll_to(self.failure_box)

    # -- events -----------------------------------------------------------------------
    def _on_event(self, event: dict) -> None:
        handler = getattr(self, f"_on_{event.get('event')}_event", None)
        if handler is not None:
            # A malformed line from the process must not break the page.
            with contextlib.suppress(TypeError, ValueError, KeyError):
                handler(event)

    def _on_start_event(self, event: dict) -> None:
        total = int(event.get("total_steps", 0))
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(0)
        self.chart.set_total_steps(total)
        skipped = event.get("skipped") or []
        note = f", {len(skipped)} file(s) skipped" if skipped else ""
        self.stats_label.setText(
            f"{event.get('documents', 0)} document(s), {human_count(int(event.get('tokens', 0)))}"
            f" tokens{note} · on {event.get('device', '?')} · about "
            f"{duration_text(float(event.get('estimate_s', -1)))}")

    def _on_progress_event(self, event: dict) -> None:
        step, total = int(event["step"]), int(event["total_steps"])
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(step)
        self.chart.add_train(step, float(event["loss"]))
        self.stats_label.setText(
            f"{float(event.get('tokens_per_s', 0)):,.0f} tokens/s · elapsed "
            f"{duration_text(float(event.get('elapsed_s', 0)))} · remaining "
            f"{duration_text(float(event.get('eta_s', -1)))}")

    def _on_eval_event(self, event: dict) -> None:
        self.chart.add_valid(int(event["step"]), float(event["valid_loss"]))

    def _on_warning_event(self, event: dict) -> None:
        lines = [line for line in self.warnings_label.text().splitlines() if line]
        lines.append(f"⚠ {event.get('message', '')}")
        self.warnings_label.setText("\n".join(lines[-3:]))  # the latest few
        self.warnings_label.setVisible(True)

    def _on_report_event(self, event: dict) -> None:
        self.report_view.show_report(event)  # perplexity is in its details
        self.report_label.setText(
            f"{event.get('documents', 0)} document(s) · "
            f"{human_count(int(event.get('tokens', 0)))} tokens · "
            f"{duration_text(float(event.get('seconds', 0)))}")
        self._show_samples(event.get("samples") or [])
        self.report_box.setVisible(True)
        self._scroll_to(self.report_box)

    def _on_done_event(self, event: dict) -> None:
        if event.get("adapter"):
            self.refresh_adapters(select=str(event["adapter"]))

    def _show_samples(self, samples: Sequence[dict]) -> None:
        while self.samples_grid.count():
            widget = self.samples_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if not samples:
            return
        for column, title in enumerate(("Base model", "Personalized")):
            label = QLabel(f"<b>{title}</b>")
            self.samples_grid.addWidget(label, 0, column)
        row = 1
        for sample in samples[:3]:
            prompt = _caption(f"“…{str(sample.get('prompt', ''))[-160:]}”")
            font = QFont(prompt.font())
            font.setItalic(True)
            prompt.setFont(font)
            prompt.setObjectName("sample_prompt")
            self.samples_grid.addWidget(prompt, row, 0, 1, 2)
            for column, key in enumerate(("base", "tuned")):
                text = _caption(str(sample.get(key, "")).strip() or "(nothing)")
                text.setObjectName(f"sample_{key}")
                text.setAlignment(Qt.AlignmentFlag.AlignTop)
                text.setStyleSheet("QLabel { background: palette(base); "
                                   "border: 1px solid palette(mid); padding: 4px; }")
                self.samples_grid.addWidget(text, row + 1, column)
            row += 2

    # -- adapters ---------------------------------------------------------------------
    def set_active_adapter(self, path: str) -> None:
        self.active_adapter = path or ""
        self.refresh_adapters()

    def adapters(self) -> list[AdapterLike]:
        return [self.adapter_list.item(row).data(Qt.ItemDataRole.UserRole)
                for row in range(self.adapter_list.count())]

    def refresh_adapters(self, select: str | None = None) -> None:
        current = self.selected_adapter()
        keep = select or (current.path if current else self.active_adapter)
        self.adapter_list.clear()
        for entry in self._list_adapters():
            item = QListWidgetItem(self._adapter_text(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(str(entry.path))
            if self._is_active(entry):
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.adapter_list.addItem(item)
            if _same_path(entry.path, keep):
                self.adapter_list.setCurrentItem(item)
        if self.store is None:
            self._adapter_message("Adapters are unavailable here.")
        elif self.adapter_list.count() == 0:
            self._adapter_message("No adapters yet: train one above.")
        elif self.adapter_status.text() == "No adapters yet: train one above.":
            self._adapter_message("")  # one is listed now
        self._update_adapter_buttons()

    def _list_adapters(self) -> Sequence[AdapterLike]:
        if self.store is None:
            return []
        try:
            return self.store.list()
        except Exception as exc:  # the store's message says what went wrong
            self._adapter_message(f"Cannot list the adapters: {exc}", error=True)
            return []

    def _is_active(self, entry: AdapterLike) -> bool:
        return _same_path(entry.path, self.active_adapter)

    def _adapter_text(self, entry: AdapterLike) -> str:
        """Two lines: the name (marked when active), then its date, model and result."""
        date = entry.created[:16].replace("T", " ") or "date unknown"
        metrics = entry.metrics or {}
        before, after = _number(metrics.get("ppl_before")), _number(metrics.get("ppl_after"))
        ppl = f" · perplexity {before:.1f} → {after:.1f}" if before and after else ""
        name = f"✓ {entry.name} (active)" if self._is_active(entry) else entry.name
        return f"{name}\n{date} · for {entry.base_model or 'an unknown model'}{ppl}"

    def selected_adapter(self) -> AdapterLike | None:
        item = self.adapter_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_adapter_buttons(self) -> None:
        entry = self.selected_adapter()
        self.activate_button.setEnabled(entry is not None and not self._is_active(entry))
        self.deactivate_button.setEnabled(bool(self.active_adapter))
        self.rename_button.setEnabled(entry is not None)
        self.delete_button.setEnabled(entry is not None)

    def activate(self, entry: AdapterLike) -> bool:
        if not self._apply_adapter(str(entry.path)):
            return False
        self._adapter_message(f"Suggestions now use “{entry.name}”.")
        return True

    def deactivate(self) -> bool:
        if not self._apply_adapter(""):
            return False
        self._adapter_message("Suggestions use the plain completion model again.")
        return True

    def adapter_refused(self, in_use: str, message: str) -> None:
        """The worker could not switch (it found out later): show what is in use now."""
        self.set_active_adapter(in_use)
        self._adapter_message(message, error=True)

    def _apply_adapter(self, path: str) -> bool:
        if self._activate is None:
            self._adapter_message("Adapter activation is unavailable here.", error=True)
            return False
        error = self._activate(path)
        if error:
            self._adapter_message(error, error=True)
            return False
        self.set_active_adapter(path)
        self.sig_adapter_changed.emit(path)
        return True

    def _on_activate(self) -> None:
        entry = self.selected_adapter()
        if entry is not None:
            self.activate(entry)

    def _on_deactivate(self) -> None:
        self.deactivate()

    def _on_rename(self) -> None:
        entry = self.selected_adapter()
        name = self._ask_name(entry.name) if entry is not None else None
        if entry is None or self.store is None or not name or name == entry.name:
            return
        try:
            self.store.rename(str(entry.path), name)
        except Exception as exc:  # the store's message says why
            self._adapter_message(f"Cannot rename “{entry.name}”: {exc}", error=True)
            return
        self.refresh_adapters(select=str(entry.path))
        self._adapter_message(f"Renamed to “{name}”.")

    def _on_delete(self) -> None:
        entry = self.selected_adapter()
        if entry is None or self.store is None or not self._confirm(
                f"Delete the adapter “{entry.name}”? This cannot be undone."):
            return
        if self._is_active(entry) and not self.deactivate():
            return  # still in use: keep it
        try:
            self.store.delete(str(entry.path))
        except Exception as exc:  # the store's message says why
            self._adapter_message(str(exc), error=True)
            return
        self.refresh_adapters()
        self._adapter_message(f"Deleted “{entry.name}”.")

    def _ask_name(self, current: str) -> str | None:
        """Overridden in tests."""
        name, ok = QInputDialog.getText(self, "Rename adapter", "Name:", text=current)
        return name.strip() if ok else None

    def _confirm(self, question: str) -> bool:
        """Overridden in tests."""
        answer = QMessageBox.question(self, "Delete adapter", question)
        return answer == QMessageBox.StandardButton.Yes

    def _adapter_message(self, text: str, error: bool = False) -> None:
        self.adapter_status.setText(text)
        self._set_error_style(self.adapter_status, error)

    def _set_error_style(self, label: QLabel, error: bool) -> None:
        color = error_color(self.palette()).name() if error else ""
        label.setStyleSheet(f"color: {color};" if color else "")


def _same_path(a: str | Path, b: str | Path) -> bool:
    return bool(a) and bool(b) and Path(a) == Path(b)


def scrolling(panel: QWidget) -> QScrollArea:
    """The panel in a frameless scroll area: it is taller than the dialog."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
