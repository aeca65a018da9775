"""GrammarController: incremental grammar and spelling checks for the editor.

After a typing pause only the sentences whose text has no cached result are sent to the
worker (the cursor's first); results come back in batches, keyed by the hash of the text
they were computed for, and are cached. Because a result belongs to a text, not to a
place, it is always shown where that text is now: a sentence edited while it was being
checked simply has another hash, and the late result never lands on it. A result made
under other settings (another generation) is dropped.

This controller knows the editor and the worker's public slots and signals, not the
inference modules: EditorController builds it and hands it the worker (see
connect_worker). It reads the grammar settings from the SettingsStore and follows its
changes; when a chosen grammar model fails and another serves, it records that in the
store, so that the next start loads the one that works.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from writer_app.core.dictionary import load_dictionary, normalize_words, save_dictionary
from writer_app.core.documents import DocumentError
from writer_app.core.grammar_check import (
    DocIssue,
    GrammarConfig,
    GrammarRequest,
    GrammarResult,
    GrammarStatus,
    IssueFilter,
    ResultCache,
    UnitSplitter,
    Utf16Positions,
    cursor_first,
    knobs_for,
    units_to_check,
)
from writer_app.core.large_document import check_region, is_large
from writer_app.core.settings import GrammarSettings, Settings
from writer_app.core.shown_issues import ShownIssues
from writer_app.core.tracker import RequestTracker
from writer_app.core.variant import resolve_variant

PROGRESS_MIN_UNITS = 12  # a check this big shows its progress in the status bar
RENDER_INTERVAL_MS = 150  # while a big check runs, underlines are refreshed this often


def grammar_config(settings: GrammarSettings, device: str = "cpu",
                   model: str = "default") -> GrammarConfig:
    """`model` is ModelSettings.grammar_model: "default", a folder or a cached HF id."""
    knobs = knobs_for(settings.sensitivity, settings.keep_confidence,
                      settings.min_error_probability)
    return GrammarConfig(variant=resolve_variant(settings.language_variant),
                         spelling=settings.spelling_enabled, grammar=settings.grammar_enabled,
                         keep_confidence=knobs.keep_confidence,
                         min_error_probability=knobs.min_error_probability, device=device,
                         model=model or "default")


class GrammarController(QObject):
    # to the worker (queued)
    sig_check = Signal(object, object)  # GrammarRequest, threading.Event
    sig_configure = Signal(object, int, object)  # GrammarConfig, generation, words
    sig_words = Signal(object)  # the personal dictionary's words
    # GUI-thread signals, for the window and for tests to wait on
    sig_issues_updated = Signal()  # underlines were refreshed from new results
    sig_check_finished = Signal()  # the last batch of the current check arrived
    sig_status = Signal(object)  # GrammarStatus of the loaded checker
    # a chosen grammar model failed: (the model serving instead, why)
    sig_model_kept = Signal(str, str)

    def __init__(self, window, store, dictionary_path: Path,
                 parent: QObject | None = None) -> None:
        """`store`: the SettingsStore (grammar settings, and the grammar model and device
        of the models settings: the tagger runs where completion runs)."""
        super().__init__(parent)
        self.window = window
        self.editor = window.editor
        self._store = store
        # The checker asked of the worker; the store may name another model only while
        # a change is on its way here (see _on_settings_changed).
        self._configured: GrammarConfig | None = None
        self._loading_model = False  # a model switch was announced in the status bar
        self.dictionary_path = dictionary_path
        self.status: GrammarStatus | None = None
        self.cache = ResultCache()
        self._splitter = UnitSplitter()
        self._generation = 0
        self._broken = False  # the checker failed to load: nothing to send until reconfigured
        self._closed = False  # after shutdown, late results find no editor to paint
        self._tracker = RequestTracker()
        self._progress: tuple[int, int] | None = None  # (checked, total) of a big check
        self._shown: ShownIssues | None = None  # what the last render drew, per unit
        self._arrived: set[str] = set()  # keys whose results came since the last render
        self._whole = False  # Check Document: the whole of a large document, until an edit
        self._ignored: dict[str, set[tuple]] = {}  # document key -> issue keys
        self._filter = IssueFilter()
        self._apply_filter_settings()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.check_now)
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._on_render_timer)
        self._apply_delay()
        self._words = self._load_words()
        self._filter.set_words(self._words)
        self._connect_editor()
        store.sig_changed.connect(self._on_settings_changed)

    @property
    def settings(self) -> GrammarSettings:
        return self._store.current().grammar

    # -- wiring -----------------------------------------------------------------------
    def connect_worker(self, worker) -> None:
        self.sig_check.connect(worker.check_grammar)
        self.sig_configure.connect(worker.load_grammar)
        self.sig_words.connect(worker.set_grammar_words)
        worker.sig_grammar_result.connect(self._on_result)
        worker.sig_grammar_ready.connect(self._on_ready)
        worker.sig_grammar_failed.connect(self._on_failed)
        worker.sig_grammar_model_kept.connect(self._on_model_kept)
        worker.sig_grammar_check_failed.connect(self._on_check_failed)

    def _connect_editor(self) -> None:
        editor = self.editor
        editor.sig_text_edited.connect(self._on_text_edited)
        editor.sig_pending_closed.connect(self._on_text_edited)
        editor.sig_issue_ignored.connect(self._on_issue_ignored)
        editor.sig_rule_ignored.connect(self._on_rule_ignored)
        editor.sig_word_added.connect(self.add_word)
        self.window.sig_document_replaced.connect(self._on_document_replaced)
        self.window.action_check_document.triggered.connect(self._on_check_document)
        # A large document is checked around the view: scrolling brings more in.
        editor.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def _apply_delay(self) -> None:
        self._timer.setInterval(self.settings.check_delay_ms)

    def _apply_filter_settings(self) -> None:
        settings, shown = self.settings, self._filter
        shown.spelling = settings.spelling_enabled
        shown.grammar = settings.grammar_enabled
        shown.disabled = settings.disabled_set()
        shown.min_confidence = knobs_for(settings.sensitivity).min_confidence

    @property
    def enabled(self) -> bool:
        return self.settings.spelling_enabled or self.settings.grammar_enabled

    # -- public -----------------------------------------------------------------------
    def start(self) -> None:
        """Load the checker and check the whole document in the background."""
        self._configure()
        self.check_now()

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        """New grammar settings (or grammar model, or device) apply at once: what is
        shown changes now; a checker built differently is reloaded (the one serving
        goes on until then) and the document checked again."""
        if (old.grammar == new.grammar and self._configured is not None
                and self._config() == self._configured):
            return  # nothing of the checker's changed (or the store caught up with it)
        self._apply_delay()
        self._apply_filter_settings()
        configured = self._configured
        if (configured is not None and configured.model != self._config().model
                and self.settings.grammar_enabled):
            # The checker that serves goes on until the new model is ready.
            self._loading_model = True
            label = self._config().model_label
            self.window.show_notice(f"Loading {label}…", 0)
        if configured != self._config() or not self.enabled:
            self._configure()
        self.render()
        self.check_now()

    def set_words(self, words) -> None:
        """The personal dictionary changed (it is saved already)."""
        removed = set(self._words) - set(normalize_words(words))
        self._words = normalize_words(words)
        self._filter.set_words(self._words)
        self.sig_words.emit(list(self._words))
        if removed:  # results made while those words were accepted never flag them
            self.cache.clear()
            self.check_now()
        self.render()

    def add_word(self, word: str) -> bool:
        """Add `word` to the personal dictionary file; its underlines go at once."""
        try:
            words = load_dictionary(self.dictionary_path)
            words = save_dictionary([*words, word], self.dictionary_path)
        except DocumentError as exc:
            self.window.show_notice(f"Personal dictionary not saved: {exc}", 15000,
                                    error=True)
            return False
        self.set_words(words)
        self.window.show_notice(f"Added \u2018{word}\u2019 to the personal dictionary.", 4000)
        return True

    def check_now(self, whole: bool = False) -> bool:
        """Send the units without a result now (the cursor's first); True if any. In a
        large document, only those around the visible text and the cursor, unless
        `whole` (Tools › Check Document)."""
        self._timer.stop()
        if self._closed or not self.enabled or self._generation == 0 or self._broken:
            return False
        text, base = self._view(whole)
        units = self._splitter.split(text)
        self.render(units, text, base)
        cursor = min(max(0, self.editor.cursor_position() - base), len(text))
        position = Utf16Positions(text).to_offset(cursor)
        wanted = units_to_check(cursor_first(units, position), self.cache)
        self._cancel()
        if not wanted:
            return False
        request_id, cancel = self._tracker.start(self.editor.revision)
        self._show_checking(True)
        request = GrammarRequest(request_id, self.editor.revision, self._generation,
                                 tuple((unit.key, unit.text) for unit in wanted))
        self._set_progress((0, len(wanted)) if len(wanted) >= PROGRESS_MIN_UNITS else None)
        self.sig_check.emit(request, cancel)
        return True

    def _view(self, whole: bool = False) -> tuple[str, int]:
        """(text, its first position): the whole document, or in a large one the whole
        paragraphs around what is visible and the cursor (core/large_document.py)."""
        editor = self.editor
        length = editor.document().characterCount() - 1
        if whole or self._whole or not is_large(length):
            return editor.toPlainText(), 0
        low, high = check_region(length, editor.visible_range(), editor.cursor_position())
        return editor.paragraphs_text(low, high)

    def render(self, units=None, text: str | None = None, base: int = 0) -> list[DocIssue]:
        """Underline the cached issues of the document as it is now (in a large one, of
        the region around the view; the underlines elsewhere stay as they are)."""
        self._render_timer.stop()
        self._arrived.clear()
        if not self.enabled:
            self._shown = None
            self.editor.set_issues([])
            return []
        if text is None:
            text, base = self._view()
        units = self._splitter.split(text) if units is None else units
        self._shown = ShownIssues(text, base, units)
        self._shown.fill(self.cache, self._filter)
        return self._show(self._shown)

    def _render_arrived(self) -> list[DocIssue]:
        """Underline the results that arrived since the last render: only their units'
        issues are made again, while the text is the one drawn."""
        shown = self._shown
        if shown is None or not self.enabled:
            return self.render()
        text, base = self._view()
        if not shown.matches(text, base):
            return self.render(None, text, base)
        self._render_timer.stop()
        arrived, self._arrived = self._arrived, set()
        shown.update(arrived, self.cache, self._filter)
        return self._show(shown)

    def _show(self, shown: ShownIssues) -> list[DocIssue]:
        issues, base, end = shown.issues(), shown.base, shown.end
        if base or end < self.editor.document().characterCount() - 1:  # a region
            issues = [i for i in self.editor.issues() if i.end < base or i.start > end] \
                + issues
        self.editor.set_issues(issues)
        return issues

    def is_checking(self) -> bool:
        return self._tracker.pending_id is not None

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._render_timer.stop()
        self._cancel()

    # -- internals --------------------------------------------------------------------
    def _configure(self) -> None:
        self._cancel()
        self._generation += 1
        self._broken = False
        self.cache.clear()
        self._configured = self._config()
        if self.enabled:
            self.sig_configure.emit(self._configured, self._generation, list(self._words))

    def _config(self) -> GrammarConfig:
        models = self._store.current().models
        return grammar_config(self.settings, device=models.device, model=models.grammar_model)

    def _cancel(self) -> None:
        self._tracker.cancel_current()
        self._set_progress(None)
        self._show_checking(False)

    def _show_checking(self, checking: bool) -> None:
        panel = getattr(self.window, "issues_panel", None)
        if panel is not None:
            panel.set_checking(checking)

    def _set_progress(self, progress: tuple[int, int] | None) -> None:
        self._progress = progress
        self.window.status_bar.set_grammar_progress(*(progress or (0, 0)))

    def _load_words(self) -> list[str]:
        try:
            return load_dictionary(self.dictionary_path)
        except DocumentError as exc:
            self.window.show_notice(str(exc), 15000, error=True)
            return []

    def _document_key(self) -> str:
        path = self.window.current_path
        return str(path) if path else f"untitled:{id(self.editor.document())}"

    @Slot()
    def _on_render_timer(self) -> None:
        self._render_arrived()
        self.sig_issues_updated.emit()

    # -- editor events ----------------------------------------------------------------
    @Slot()
    def _on_text_edited(self, *_args) -> None:
        self._whole = False
        if self.enabled:
            self._timer.start()

    @Slot()
    def _on_document_replaced(self) -> None:
        self._cancel()
        self._filter.ignored = self._ignored.setdefault(self._document_key(), set())
        self.editor.set_issues([])
        self.check_now()

    @Slot()
    def _on_check_document(self) -> None:
        """Tools › Check Document: the issues panel, and a check of what is not checked."""
        self.window.issues_panel.show()
        self.window.issues_panel.raise_()
        if not self.enabled:
            self.window.show_notice("Grammar and spelling checking are off (Preferences).")
        else:
            self._whole = True  # results are drawn everywhere until the next edit
            if not self.check_now(whole=True) and not self.is_checking():
                self.render()

    @Slot(int)
    def _on_scrolled(self, _value: int) -> None:
        if self.enabled and is_large(self.editor.document().characterCount()) \
                and not self._timer.isActive():
            self._timer.start()

    @Slot(object)
    def _on_issue_ignored(self, issue: DocIssue) -> None:
        self._filter.ignored.add(issue.key)
        self._ignored[self._document_key()] = self._filter.ignored
        self.render()

    @Slot(object)
    def _on_rule_ignored(self, issue: DocIssue) -> None:
        self._filter.ignored_rules.add(issue.rule_id)
        self.window.show_notice(f"Ignoring \u2018{issue.title}\u2019 issues of this kind "
                                "until the app is closed.", 5000)
        self.render()

    # -- worker events ----------------------------------------------------------------
    @property
    def parameters(self) -> int | None:
        """The loaded tagger's parameter count (None before it loads, or spelling only)."""
        return self.status.parameters if self.status is not None else None

    @Slot(object)
    def _on_ready(self, status: GrammarStatus) -> None:
        if status.generation != self._generation:
            return
        self.status = status
        self.window.status_bar.set_grammar_status(
            "Spelling only" if not status.grammar_available and self.settings.grammar_enabled
            else "", status.note)
        if status.note:
            self.window.show_notice(status.note, 10000, error=self._loading_model)
        elif self._loading_model:
            label = self._config().model_label
            self.window.show_notice(f"{label[0].upper()}{label[1:]} is ready.", 4000)
        self._loading_model = False
        self.sig_status.emit(status)

    @Slot(int, str, str)
    def _on_model_kept(self, generation: int, model: str, message: str) -> None:
        """The grammar model asked for did not load; `model` serves (the status note
        that follows says why). The settings follow, so the next start loads it."""
        if generation != self._generation or self._closed:
            return
        if self._configured is not None:
            self._configured = replace(self._configured, model=model)
        self._store.update({"models": {"grammar_model": model}})
        self.sig_model_kept.emit(model, message)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.status = None
        self._broken = True
        self._loading_model = False
        self._cancel()
        self.window.status_bar.set_grammar_status("Grammar off", message)
        self.window.show_notice(message, 15000, error=True)

    @Slot(object)
    def _on_result(self, result: GrammarResult) -> None:
        if self._closed or result.generation != self._generation:
            return  # computed under other settings
        for key, edits in result.results:
            self.cache.put(key, edits)
            self._arrived.add(key)
        current = self._tracker.pending_id == result.request_id
        if current:
            if self._progress is not None:
                self._set_progress((result.checked, result.total))
            if result.finished:
                self._tracker.finish(result.request_id)
                self._set_progress(None)
        if current and (result.finished or result.checked == len(result.results)):
            self._render_arrived()  # the first batch (the cursor's) and the last at once
            self.sig_issues_updated.emit()
            if result.finished:
                self._show_checking(False)  # after the underlines: no empty list between
                self.sig_check_finished.emit()
        elif not self._render_timer.isActive():
            self._render_timer.start()

    @Slot(int, str)
    def _on_check_failed(self, request_id: int, message: str) -> None:
        if request_id != self._tracker.pending_id:
            return
        self._tracker.finish(request_id)
        self._set_progress(None)
        self._show_checking(False)
        self.window.show_notice(f"Grammar check failed: {message}", 10000, error=True)
