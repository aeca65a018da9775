"""The Personalize panel: teach the completion model the writer's own style.

The writer picks documents (buttons or drag and drop), sees how many words they hold,
and starts a LoRA fine-tune. Training runs in its own process (writer_app/jobs); the
controller's `TrainingRunner` owns it and keeps every event, so the panel can be closed
and reopened mid-run, in Preferences or in the Personalize window, and show the same
progress. Below the run: the vocabulary review, the grammar checker's adaptation and the
saved adapters. `compact` (the Personalize window) keeps only the one-click path:
documents, Start, progress and chart, the report and "Use it".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.vocabulary import SpellerLike, VocabularyEntry
from writer_app.gui.personalize.adapters import AdapterLike, AdaptersBox, AdapterStoreLike
from writer_app.gui.personalize.common import caption, duration_text, estimate_seconds
from writer_app.gui.personalize.documents import DocumentsBox, ScanResult, scan_documents
from writer_app.gui.personalize.grammar import GrammarAdaptBox
from writer_app.gui.personalize.run_view import RunView
from writer_app.gui.personalize.vocabulary import VocabularyBox
from writer_app.jobs.commands import QUICK_STEPS, personalize_args
from writer_app.jobs.events import TrainingDone
from writer_app.jobs.runner import TrainingRunner


def default_name() -> str:
    return time.strftime("My style %Y-%m-%d %H.%M")


class PersonalizePanel(QWidget):
    """Choose documents, train, watch progress, read the report, manage adapters.

    The controller hands in `store` (the saved adapters) and `activate_adapter(path)`
    ("" = none), which makes completion use an adapter at once and returns None, or why
    it could not. Without them (no app behind the panel) training and switching say so.
    The vocabulary review needs the dictionary hooks (`set_dictionary_hooks`), the
    grammar adaptation its runner (`set_grammar_hooks`). Documents are read, and the
    vocabulary found, on a worker thread (`scanner` reads them; tests hand in a slow one).
    The model a new adapter is for comes from `set_model`, or, when given,
    `model_source()` -> (model reference, device), asked at each Start.
    """

    sig_adapter_changed = Signal(str)  # the active adapter's path, "" for none
    sig_scan_finished = Signal()  # the document list's scan (word count) is shown

    def __init__(self, runner: TrainingRunner | None = None, *,
                 store: AdapterStoreLike | None = None,
                 activate_adapter: Callable[[str], str | None] | None = None,
                 has_gpu: bool = False,
                 scanner: Callable[[Sequence[Path]], ScanResult] = scan_documents,
                 compact: bool = False,
                 model_source: Callable[[], tuple[str, str]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or TrainingRunner.personalize(parent=self)
        self.compact = compact
        self._model_source = model_source
        self._has_gpu = has_gpu
        self.model_reference = "default"
        self.device = "auto"
        self.setAcceptDrops(True)
        self.documents = DocumentsBox(scanner)
        self.vocabulary_box = VocabularyBox()
        self.run_view = RunView(self.runner)
        self.grammar_box = GrammarAdaptBox()
        self.adapters_box = AdaptersBox(store, activate_adapter)
        self._build()
        self.documents.sig_scan_started.connect(self._on_scan_started)
        self.documents.sig_scan_finished.connect(self._on_scan_finished)
        self.adapters_box.sig_adapter_changed.connect(self._on_adapter_changed)
        self.run_view.sig_use_adapter.connect(self._on_use_adapter)
        self._handlers = {TrainingDone: self._on_done}
        self.runner.connect_events(self._handlers)
        self.runner.sig_state_changed.connect(self._on_state_changed)
        self._on_state_changed(self.runner.state)
        self.refresh_adapters()

    # -- building ---------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        self.intro = caption("Teach the completion model your style, names and vocabulary "
                             "by fine-tuning a small add-on (an adapter) on documents you "
                             "choose. It runs on this computer; your text never leaves it.")
        self.intro.setObjectName("personalize_note")
        layout.addWidget(self.intro)
        layout.addWidget(self.documents)
        layout.addWidget(self.vocabulary_box)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.run_view)
        layout.addWidget(self.grammar_box)
        layout.addWidget(self.adapters_box)
        layout.addStretch(1)
        for widget in (self.vocabulary_box, self.adapters_box, self.grammar_check):
            widget.setVisible(not self.compact)
        if self.compact:
            self.intro.setText(
                "Pick documents you wrote, press Start and watch the model learn your style; "
                "when the result shows it helps, press Use it. It runs on this computer; your "
                "text never leaves it. Preferences › Personalize also manages your adapters, "
                "your vocabulary and the grammar checker.")

    def _build_controls(self) -> QVBoxLayout:
        column = QVBoxLayout()
        options = QHBoxLayout()
        options.addWidget(QLabel("Name:"))
        self.name_edit = QLineEdit(default_name())
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
        self.estimate_label = caption("")
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

    # -- documents and vocabulary -----------------------------------------------------
    @property
    def scan_result(self) -> ScanResult | None:
        return self.documents.scan_result

    @property
    def scanning(self) -> bool:
        return self.documents.scanning

    def items(self) -> list[Path]:
        return self.documents.items()

    def set_items(self, items: Iterable[Path | str]) -> None:
        self.documents.set_items(items)

    def add_items(self, items: Iterable[Path | str]) -> None:
        self.documents.add_items(items)

    def wait_for_workers(self, timeout: float = 10.0) -> None:
        """Join the scan threads (tests, and before the panel goes away)."""
        self.documents.wait(timeout)
        self.vocabulary_box.wait(timeout)

    def set_dictionary_hooks(self, make_speller: Callable[[], SpellerLike],
                             dictionary_words: Callable[[], Sequence[str]],
                             add_words: Callable[[list[str]], str | None]) -> None:
        """What the vocabulary review uses (see VocabularyBox.set_hooks)."""
        self.vocabulary_box.set_hooks(make_speller, dictionary_words, add_words)

    @property
    def finding_vocabulary(self) -> bool:
        return self.vocabulary_box.finding

    def review_vocabulary(self) -> bool:
        return self.vocabulary_box.review()

    def vocabulary(self) -> list[tuple[VocabularyEntry, bool]]:
        return self.vocabulary_box.entries()

    def add_checked_words(self) -> bool:
        return self.vocabulary_box.add_checked_words()

    def _on_scan_started(self) -> None:
        self.vocabulary_box.set_texts(())
        self._update_estimate()
        self._update_buttons()

    def _on_scan_finished(self) -> None:
        result = self.documents.scan_result
        self.vocabulary_box.set_texts(result.texts if result else ())
        self._update_estimate()
        self._update_buttons()
        self.sig_scan_finished.emit()

    def _update_estimate(self) -> None:
        words = self.scan_result.words if self.scan_result else 0
        if not words:
            self.estimate_label.setText("")
            return
        steps, seconds = estimate_seconds(words, self.quick_check.isChecked())
        where = " (much less on the GPU)" if self._has_gpu else ""
        self.estimate_label.setText(f"About {steps} steps: roughly {duration_text(seconds)} "
                                    f"on the CPU{where}.")

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
        return personalize_args(self.items(), out_dir, model=self.model_reference,
                                name=self.name_edit.text().strip(),
                                quick=self.quick_check.isChecked(), device=self.device)

    def set_grammar_hooks(self, runner: TrainingRunner, root: Path,
                          use_model: Callable[[str], str | None]) -> None:
        """What "Also adapt the grammar checker" uses: the runner of the grammar
        adaptation (the controller's), the folder new grammar models go in, and
        `use_model(path)`, which switches the grammar checker (None, or why not)."""
        self.grammar_box.shown = not self.compact
        self.grammar_box.bind(runner, root, use_model)
        runner.sig_state_changed.connect(self._update_buttons)
        self._update_buttons()

    def _adapt_grammar(self) -> bool:
        return (not self.compact and self.grammar_check.isChecked()
                and self.grammar_box.available)

    def start(self) -> bool:
        """Train the completion adapter, then (when asked) adapt the grammar checker; with
        no adapter store, only the grammar checker."""
        if (self.runner.is_active() or self.grammar_box.is_active() or not self.scan_result
                or not self.scan_result.files):
            return False
        if self.store is None:
            return self._adapt_grammar() and self.grammar_box.start(self.items())
        # A name already listed (say, of a run just cancelled) would make two alike.
        name = self.adapters_box.unique_name(self.name_edit.text().strip() or "My style")
        self.name_edit.setText(name)
        out_dir = self.store.new_dir(name)
        if self._model_source is not None:
            self.set_model(*self._model_source())
        self.run_view.reset()
        self.runner.start(self.training_args(out_dir), out_dir)
        self._chain_grammar()
        return True

    def _chain_grammar(self) -> None:
        """When asked, adapt the grammar checker once the adapter is done."""
        if self._adapt_grammar():
            self.runner.then(self.grammar_box.runner, *self.grammar_box.run_args(self.items()))

    def resume(self) -> bool:
        if not self.runner.can_resume():
            return False
        self.run_view.hide_failure()
        self.runner.resume()
        self._chain_grammar()
        return True

    def _on_state_changed(self, state: str) -> None:
        self.run_view.on_state_changed(state)
        if state in ("done", "cancelled", "failed"):
            self.refresh_adapters()
            if state == "done":  # the next run gets a name of its own
                self.name_edit.setText(self.adapters_box.unique_name(default_name()))
        self._update_buttons()

    def _on_done(self, event: TrainingDone) -> None:
        if event.adapter:
            self.adapters_box.refresh(select=event.adapter)
        self.run_view.set_active_adapter(self.active_adapter)

    def _update_buttons(self) -> None:
        active = self.runner.is_active() or self.grammar_box.is_active()
        has_docs = bool(self.scan_result and self.scan_result.files)
        can_train = self.store is not None or self._adapt_grammar()
        self.start_button.setEnabled(not active and has_docs and can_train)
        self.start_button.setToolTip(
            "Waiting for the grammar checker's adaptation to finish"
            if self.grammar_box.is_active() else "")
        self.grammar_check.setEnabled(not active and self.grammar_box.available)
        if not self.grammar_box.available:
            self.grammar_check.setToolTip("Adapting the grammar checker is unavailable here.")
        self.cancel_button.setEnabled(self.runner.state == "running")
        self.resume_button.setVisible(self.runner.can_resume())
        self.documents.set_editable(not active)
        for widget in (self.quick_check, self.name_edit):
            widget.setEnabled(not active)
        self.vocabulary_box.update_buttons()

    # -- adapters ---------------------------------------------------------------------
    @property
    def store(self) -> AdapterStoreLike | None:
        return self.adapters_box.store

    @property
    def active_adapter(self) -> str:
        return self.adapters_box.active_adapter

    def set_active_adapter(self, path: str) -> None:
        self.adapters_box.set_active_adapter(path)
        self.run_view.set_active_adapter(self.active_adapter)

    def refresh_adapters(self, select: str | None = None) -> None:
        self.adapters_box.refresh(select)

    def adapters(self) -> list[AdapterLike]:
        return self.adapters_box.adapters()

    def selected_adapter(self) -> AdapterLike | None:
        return self.adapters_box.selected()

    def activate(self, entry: AdapterLike) -> bool:
        return self.adapters_box.activate(entry)

    def deactivate(self) -> bool:
        return self.adapters_box.deactivate()

    def adapter_refused(self, in_use: str, message: str) -> None:
        """The worker could not switch (it found out later): show what is in use now."""
        self.adapters_box.adapter_refused(in_use, message)
        self.run_view.set_active_adapter(self.active_adapter)
        if self.compact:
            self.run_view.use_message(message, error=True)

    def _on_use_adapter(self, path: str) -> None:
        """"Use it" under the report: the run's new adapter, at once."""
        name = self.name_for(path)
        if self.adapters_box.activate_path(path, name):
            self.run_view.use_message(f"Suggestions now use “{name}”.")
        else:
            self.run_view.use_message(self.adapters_box.adapter_status.text(), error=True)

    def name_for(self, path: str) -> str:
        entry = next((e for e in self.adapters() if Path(e.path) == Path(path)), None)
        return entry.name if entry is not None else Path(path).name

    def _on_adapter_changed(self, path: str) -> None:
        self.run_view.set_active_adapter(path)
        self.sig_adapter_changed.emit(path)
