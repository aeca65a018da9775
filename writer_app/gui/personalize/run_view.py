"""A personalization run as it goes: progress and the loss chart, the failure with the
process's last lines, and the report with samples and "Use it"."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.units import human_count
from writer_app.gui.personalize.common import caption, duration_text, set_error_style
from writer_app.gui.personalize.loss_chart import LossChartWidget
from writer_app.gui.personalize.report import PersonalizeReportView
from writer_app.jobs.events import (
    Evaluated,
    ProcessWarning,
    Progress,
    Sample,
    TrainingDone,
    TrainingReport,
    TrainingStarted,
)
from writer_app.jobs.runner import TrainingRunner

SHOW_PROGRESS_AFTER_MS = 500  # a run that fails at once never flashes a progress bar


class RunView(QWidget):
    """Shows `runner`'s current run: it subscribes to the runner's typed signals (and is
    handed what happened before it was opened). sig_use_adapter(path) asks for the
    finished run's adapter to be activated."""

    sig_use_adapter = Signal(str)

    def __init__(self, runner: TrainingRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.adapter = ""  # the finished run's adapter ("" until one is done)
        self._progress_timer = QTimer(self, singleShot=True, interval=SHOW_PROGRESS_AFTER_MS)
        self._progress_timer.timeout.connect(self.show_progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_progress())
        layout.addWidget(self._build_failure())
        layout.addWidget(self._build_report())
        self.handlers = {TrainingStarted: self._on_started, Progress: self._on_progress,
                         Evaluated: self._on_evaluated, ProcessWarning: self._on_warning,
                         TrainingReport: self._on_report, TrainingDone: self._on_done}
        runner.connect_events(self.handlers)  # reopened mid-run: what happened so far
        if runner.events:
            self.show_progress()

    # -- building ---------------------------------------------------------------------
    def _build_progress(self) -> QGroupBox:
        self.progress_box = QGroupBox("Training")
        layout = QVBoxLayout(self.progress_box)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("step %v of %m")
        self.progress_bar.setRange(0, 0)  # busy until the process says how many steps
        layout.addWidget(self.progress_bar)
        self.stats_label = caption("Reading your documents…")
        self.stats_label.setObjectName("stats_label")
        layout.addWidget(self.stats_label)
        self.warnings_label = caption("")
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
        self.failure_label = caption("")
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
        self.report_label = caption("")
        self.report_label.setObjectName("report_label")
        layout.addWidget(self.report_label)
        self.samples_grid = QGridLayout()
        self.samples_grid.setColumnStretch(0, 1)
        self.samples_grid.setColumnStretch(1, 1)
        self.samples_grid.setHorizontalSpacing(16)
        layout.addLayout(self.samples_grid)
        row = QHBoxLayout()
        self.use_status = caption("")
        self.use_status.setObjectName("use_status")
        row.addWidget(self.use_status, 1)
        self.use_button = QPushButton("Use it")
        self.use_button.setObjectName("use_adapter_button")
        self.use_button.setToolTip("Make suggestions use the adapter this run made")
        self.use_button.setVisible(False)
        self.use_button.clicked.connect(self._on_use)
        row.addWidget(self.use_button)
        layout.addLayout(row)
        self.report_box.setVisible(False)
        return self.report_box

    # -- the run ----------------------------------------------------------------------
    def reset(self) -> None:
        """A new run starts: forget what the last one showed."""
        self.chart.clear()
        self.adapter = ""
        self.progress_bar.setRange(0, 0)
        self.stats_label.setText("Reading your documents…")
        self.warnings_label.clear()
        self.warnings_label.setVisible(False)
        for box in (self.progress_box, self.failure_box, self.report_box):
            box.setVisible(False)
        self.use_button.setVisible(False)
        self.use_status.clear()

    def on_state_changed(self, state: str) -> None:
        """The panel forwards the runner's state (after its own bookkeeping)."""
        if state == "running":
            self._progress_timer.start()
        elif state == "failed":
            self._show_failure()
            self._set_outcome("Stopped by an error (see below).")
        elif state == "cancelled":
            self._set_outcome("Stopped. Resume continues from the last checkpoint.")
        if state in ("done", "cancelled", "failed"):
            self._progress_timer.stop()

    def show_progress(self) -> None:
        # Shown in place, without scrolling: Cancel stays under the pointer while the
        # run goes on (the view scrolls to the report once it is done).
        if self.runner.is_active() or self.runner.events:
            self.progress_box.setVisible(True)

    def hide_failure(self) -> None:
        self.failure_box.setVisible(False)

    def set_active_adapter(self, path: str) -> None:
        """Which adapter completion uses now: "Use it" is offered only for another."""
        in_use = bool(self.adapter) and path == self.adapter
        self.use_button.setVisible(bool(self.adapter))
        self.use_button.setEnabled(bool(self.adapter) and not in_use)
        self.use_button.setText("In use" if in_use else "Use it")

    def use_message(self, text: str, error: bool = False) -> None:
        self.use_status.setText(text)
        set_error_style(self.use_status, error)

    def _on_use(self) -> None:
        if self.adapter:
            self.sig_use_adapter.emit(self.adapter)

    def _set_outcome(self, text: str) -> None:
        """Replace the (now stale) remaining time with how the run ended."""
        first = self.stats_label.text().split("\n")[0].split(" · remaining")[0]
        self.stats_label.setText(f"{first}\n{text}")

    def _show_failure(self) -> None:
        self.failure_label.setText(self.runner.failure or "The training process failed.")
        set_error_style(self.failure_label, True)
        tail = list(self.runner.log_tail)
        self.log_view.setPlainText("\n".join(tail) if tail else "(the process printed nothing)")
        scroll = self.log_view.verticalScrollBar()
        scroll.setValue(scroll.maximum())  # the last lines tell most
        self.failure_box.setVisible(True)
        self._scroll_to(self.failure_box)

    def _scroll_to(self, widget: QWidget) -> None:
        """Bring `widget` into view in the scroll area the view sits in (if any)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            # After the layout has made room for the widget just shown.
            QTimer.singleShot(0, parent, lambda: parent.ensureWidgetVisible(widget, 0, 0))

    # -- events -----------------------------------------------------------------------
    def _on_started(self, event: TrainingStarted) -> None:
        self.progress_bar.setRange(0, max(1, event.total_steps))
        self.progress_bar.setValue(0)
        self.chart.set_total_steps(event.total_steps)
        note = f", {len(event.skipped)} file(s) skipped" if event.skipped else ""
        self.stats_label.setText(
            f"{event.documents} document(s), {human_count(event.tokens)} tokens{note} · on "
            f"{event.device} · about {duration_text(event.estimate_s)}")

    def _on_progress(self, event: Progress) -> None:
        self.progress_bar.setRange(0, max(1, event.total_steps))
        self.progress_bar.setValue(event.step)
        self.chart.add_train(event.step, event.loss)
        self.stats_label.setText(
            f"{event.tokens_per_s or 0:,.0f} tokens/s · elapsed "
            f"{duration_text(event.elapsed_s)} · remaining {duration_text(event.eta_s)}")

    def _on_evaluated(self, event: Evaluated) -> None:
        self.chart.add_valid(event.step, event.valid_loss)

    def _on_warning(self, event: ProcessWarning) -> None:
        lines = [line for line in self.warnings_label.text().splitlines() if line]
        lines.append(f"⚠ {event.message}")
        self.warnings_label.setText("\n".join(lines[-3:]))  # the latest few
        self.warnings_label.setVisible(True)

    def _on_report(self, event: TrainingReport) -> None:
        self.report_view.show_report(event)  # perplexity is in its details
        self.report_label.setText(
            f"{event.documents} document(s) · {human_count(event.tokens)} tokens · "
            f"{duration_text(event.seconds)}")
        self._show_samples(event.samples)
        self.report_box.setVisible(True)
        self._scroll_to(self.report_box)

    def _on_done(self, event: TrainingDone) -> None:
        if event.adapter and not event.interrupted:
            self.adapter = event.adapter
            self.use_message("")

    def _show_samples(self, samples: Sequence[Sample]) -> None:
        while self.samples_grid.count():
            widget = self.samples_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if not samples:
            return
        for column, title in enumerate(("Base model", "Personalized")):
            self.samples_grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        row = 1
        for sample in samples[:3]:
            prompt = caption(f"“…{sample.prompt[-160:]}”")
            font = QFont(prompt.font())
            font.setItalic(True)
            prompt.setFont(font)
            prompt.setObjectName("sample_prompt")
            self.samples_grid.addWidget(prompt, row, 0, 1, 2)
            for column, text in enumerate((sample.base, sample.tuned)):
                label = caption(text.strip() or "(nothing)")
                label.setObjectName(f"sample_{('base', 'tuned')[column]}")
                label.setAlignment(Qt.AlignmentFlag.AlignTop)
                label.setStyleSheet("QLabel { background: palette(base); "
                                    "border: 1px solid palette(mid); padding: 4px; }")
                self.samples_grid.addWidget(label, row + 1, column)
            row += 2
