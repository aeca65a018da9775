"""The grammar checker's adaptation (`python -m writer_app.training.grammar_personalize`):
its run's progress, the before/after report and "Use this grammar model"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.gui.personalize.common import caption, duration_text, percent, set_error_style
from writer_app.jobs.commands import grammar_args, grammar_out_dir
from writer_app.jobs.events import GrammarDone, GrammarReport, GrammarStarted, Progress, Stage
from writer_app.jobs.runner import TrainingRunner


class GrammarAdaptBox(QGroupBox):
    """The controller hands in (`bind`) the runner of the grammar adaptation, where new
    models go, and `use_model(path)`, which switches the grammar checker and returns
    None or why not."""

    STAGES = {"train": "Training…", "export": "Saving the model…"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Grammar checker", parent)
        self.runner: TrainingRunner | None = None
        self.root: Path | None = None
        self.model_path = ""
        self.shown = True  # False: never shown (the Personalize window's compact panel)
        self._use_model: Callable[[str], str | None] | None = None
        self._handlers = {GrammarStarted: self._on_started, Stage: self._on_stage,
                          Progress: self._on_progress, GrammarReport: self._on_report,
                          GrammarDone: self._on_done}
        layout = QVBoxLayout(self)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("step %v of %m")
        layout.addWidget(self.progress_bar)
        self.status_label = caption("")
        self.status_label.setObjectName("grammar_status")
        layout.addWidget(self.status_label)
        self.report_label = caption("")
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

    def bind(self, runner: TrainingRunner, root: Path,
             use_model: Callable[[str], str | None]) -> None:
        """Take the controller's runner (it outlives the page) and show what it did."""
        if self.runner is not None:
            self.runner.disconnect_events(self._handlers)
            self.runner.sig_state_changed.disconnect(self._on_state_changed)
        self.runner, self.root, self._use_model = runner, root, use_model
        runner.connect_events(self._handlers)  # reopened mid-run or after it: replayed
        runner.sig_state_changed.connect(self._on_state_changed)
        self.setVisible(self.shown and (bool(runner.events) or runner.is_active()))
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
        out = grammar_out_dir(self.root)
        return grammar_args(items, out), out

    def _show_started(self) -> None:
        self.model_path = ""
        self.progress_bar.setRange(0, 0)
        self.status_label.setText("Reading your sentences…")
        self.report_label.clear()
        set_error_style(self.status_label, False)
        self.setVisible(self.shown)

    def use_model(self) -> bool:
        if not self.model_path or self._use_model is None:
            return False
        error = self._use_model(self.model_path)
        if error:
            self.status_label.setText(error)
            set_error_style(self.status_label, True)
            return False
        self.status_label.setText(f"The grammar checker now uses “{Path(self.model_path).name}”.")
        set_error_style(self.status_label, False)
        self.use_button.setEnabled(False)
        return True

    def _on_cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    # -- the run's events ---------------------------------------------------------------
    def _on_started(self, event: GrammarStarted) -> None:
        self.model_path = ""
        self.progress_bar.setRange(0, max(1, event.total_steps))
        self.progress_bar.setValue(0)
        self.status_label.setText(
            f"{event.train_sentences:,} of your sentences to learn from, "
            f"{event.held_out:,} held out to measure with.")

    def _on_stage(self, event: Stage) -> None:
        text = (f"Measuring the {event.when or ''} model on your held-out sentences…"
                if event.stage == "measure" else self.STAGES.get(event.stage, ""))
        if text:
            self.status_label.setText(text)

    def _on_progress(self, event: Progress) -> None:
        self.progress_bar.setRange(0, max(1, event.total_steps))
        self.progress_bar.setValue(event.step)
        self.status_label.setText(f"Training: loss {event.loss:.3f} · remaining "
                                  f"{duration_text(event.eta_s)}")

    def _on_report(self, event: GrammarReport) -> None:
        before, after = event.before, event.after
        self.report_label.setText(
            f"False alarms on {after.clean_sentences} of your held-out sentences: "
            f"{percent(before.false_alarm_rate)} → {percent(after.false_alarm_rate)}"
            " (sentences of yours it wanted to change; lower is better)\n"
            f"Errors it finds in {after.corrupted_sentences} copies with errors put in: "
            f"{percent(before.recall)} → {percent(after.recall)}")

    def _on_done(self, event: GrammarDone) -> None:
        self.model_path = event.model or ""

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
            set_error_style(self.status_label, True)
