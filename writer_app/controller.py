"""EditorController: wires the editor window to the inference worker.

The only module that knows both the GUI and the inference side. It owns the
worker thread, turns typing pauses into requests, drops stale results and
decides what the user sees when something fails.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from writer_app.core import paths
from writer_app.core.dictionary import dictionary_file, load_dictionary, save_dictionary
from writer_app.core.documents import DocumentError
from writer_app.core.passage import PassageDrafts, passage_seed
from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    GenerationParams,
    ModelInfo,
    ModelSpec,
)
from writer_app.core.settings import Settings, save_settings
from writer_app.core.text_ops import clip_context, should_suggest
from writer_app.core.tracker import RequestTracker
from writer_app.core.units import human_size
from writer_app.core.variant import resolve_variant
from writer_app.grammar_controller import GrammarController
from writer_app.gui.main_window import MainWindow
from writer_app.gui.model_scan import ModelScan
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.gui.personalize.window import PersonalizeWindow
from writer_app.gui.settings_dialog import SettingsDialog, with_adapter
from writer_app.inference import adapters
from writer_app.inference.worker import BackendFactory, GrammarFactory, InferenceWorker
from writer_app.jobs.runner import TrainingRunner
from writer_app.serve_controller import ServeController
from writer_app.word_choice_controller import WordChoiceController

_TEXT_AFTER_CHARS = 200
_PEEK_CHARS = 80  # enough text around the cursor to decide whether to suggest
GIL_SWITCH_INTERVAL_S = 0.001


@dataclass
class _Alternatives:
    """Alt+] / Alt+[ for the suggestion on screen: fetched on the first press."""

    request_id: int
    revision: int
    position: int
    first_step: int  # applied when the texts arrive
    texts: tuple[str, ...] = ()  # empty while they are being computed
    index: int = 0


def _known_models() -> list:
    # Imported here: the registry pulls in torch, which the GUI tests do without.
    from writer_app.inference.registry import list_known_models

    return list_known_models()


def _known_grammar_models() -> list:
    from writer_app.inference.registry import list_grammar_models

    return list_grammar_models()


def _validate_grammar_folder(folder: Path) -> str | None:
    """None for a folder that holds a grammar model (config and label maps), else why not
    (a ConsentNeeded when only the writer's consent to pickle weights is missing)."""
    from writer_app.core.trusted import ConsentNeeded
    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.registry import validate_grammar_folder
    from writer_app.inference.trust import PickleOnlyError

    try:
        validate_grammar_folder(folder, folder.name)
    except PickleOnlyError as exc:
        return ConsentNeeded(str(exc), exc.folder)
    except ModelLoadError as exc:
        return str(exc)
    return None


def _devices() -> list:
    from writer_app.inference.devices import available_devices

    return available_devices()


def _validate_folder(folder: Path) -> str | None:
    """None for a folder that holds a usable text-generation model, else why not."""
    from writer_app.core.trusted import ConsentNeeded
    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.registry import validate_model_folder
    from writer_app.inference.trust import PickleOnlyError

    try:
        validate_model_folder(folder, folder.name)
    except PickleOnlyError as exc:
        return ConsentNeeded(str(exc), exc.folder)
    except ModelLoadError as exc:
        return str(exc)
    return None


class AdapterStore:
    """The saved adapters as the Personalize page uses them (see AdapterStoreLike)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or adapters.adapters_dir()

    def list(self) -> list[adapters.AdapterInfo]:
        return adapters.list_adapters(self.root)

    def rename(self, path: str, name: str) -> adapters.AdapterInfo:
        return adapters.rename_adapter(path, name)

    def delete(self, path: str) -> None:
        adapters.delete_adapter(path)

    def new_dir(self, name: str) -> Path:
        return adapters.new_adapter_dir(name, self.root)


def _device_text(info: ModelInfo) -> str:
    memory = f" · {human_size(info.memory_bytes)} in use" if info.memory_bytes else ""
    where = f"{info.device_name} ({info.device})" if info.device_name else info.device
    return f"{where} · {info.dtype}{memory}"


def _distinct(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Non-blank texts in order, each once."""
    return tuple(dict.fromkeys(text for text in texts if text.strip()))


class EditorController(QObject):
    # to the worker (queued: the worker lives in its own thread)
    sig_request_completion = Signal(object, object)  # CompletionRequest, threading.Event
    sig_request_alternatives = Signal(object, str, int, object)  # request, shown, count, cancel
    sig_load_model = Signal(object)  # ModelSpec
    # GUI-thread signals, for the window and for tests to wait on
    sig_suggestion_shown = Signal(str)
    sig_completion_finished = Signal(object)  # CompletionResult of a current request
    sig_alternative_shown = Signal(int, int)  # index (from 0), how many
    sig_writing_chunk = Signal(str)  # the pending block's text after a streamed chunk
    sig_writing_finished = Signal(object)  # CompletionResult of a Continue writing request
    sig_model_ready = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)
    sig_set_adapter = Signal(str)  # to the worker: the LoRA adapter folder ("" = none)

    def __init__(
        self,
        window: MainWindow,
        settings: Settings,
        backend_factory: BackendFactory | None = None,
        settings_path: Path | None = None,
        *,
        known_models: Callable[[], Sequence] = _known_models,
        devices: Callable[[], Sequence] = _devices,
        validate_folder: Callable[[Path], str | None] = _validate_folder,
        dictionary_path: Path | None = None,
        grammar_factory: GrammarFactory | None = None,
        known_grammar_models: Callable[[], Sequence] = _known_grammar_models,
        validate_grammar_folder: Callable[[Path], str | None] = _validate_grammar_folder,
    ) -> None:
        """`settings_path` and `dictionary_path` default to the user's files; the
        callables feed the Preferences dialog (tests pass their own). The model lists
        are scanned off the GUI thread (see ModelScan)."""
        super().__init__()
        self.window = window
        self.editor = window.editor
        self.settings = settings
        self.settings_path = settings_path or paths.settings_file()
        self.dictionary_path = dictionary_path or dictionary_file()
        self._devices = devices
        self._validate_folder = validate_folder
        self._validate_grammar_folder = validate_grammar_folder
        self.model_scan = ModelScan({"completion": known_models,
                                     "grammar": known_grammar_models}, self)
        self.model_scan.sig_finished.connect(self._on_models_scanned)
        self.settings_dialog: SettingsDialog | None = None
        # Owned here, not by the dialog: training goes on while Preferences is closed.
        self.personalize_runner = TrainingRunner.personalize(parent=self)
        self.personalize_runner.sig_state_changed.connect(self._on_personalize_state)
        self.grammar_personalize_runner = TrainingRunner.grammar(parent=self)
        self.personalize_window: PersonalizeWindow | None = None  # one, made when asked
        self.model_info: ModelInfo | None = None
        # Specs sent to the worker, answered in order; the one serving now.
        self._loads: deque[ModelSpec] = deque()
        self._active_spec: ModelSpec | None = None
        # One tracker for every kind: only one request is wanted at a time, and a new
        # one (inline, alternatives or Continue writing) supersedes the previous.
        self._tracker = RequestTracker()
        self._request_position = -1
        self._shown_request: CompletionRequest | None = None  # of the inline suggestion
        self._alternatives: _Alternatives | None = None
        self._writing_id: int | None = None  # the last Continue writing request
        self._drafts = PassageDrafts()  # passages written at the pending block's place
        self._seed = 0  # the first passage's seed there; Try again adds the attempt
        self._attempt = 0
        self._streaming = False  # its chunks still go into the pending block
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_typing_paused)
        self._apply_completion_settings()
        self._thread = QThread()
        self._thread.setObjectName("inference")
        self._worker = InferenceWorker(backend_factory, grammar_factory)
        self._worker.moveToThread(self._thread)
        self._connect_worker()
        self._connect_editor()
        if settings.models.adapter:  # remembered: applied to the model once it has loaded
            self.sig_set_adapter.emit(settings.models.adapter)
        # Grammar and spelling: its own controller, on the same worker thread.
        self.grammar = GrammarController(window, settings.grammar, self.dictionary_path, self,
                                         model=settings.models.grammar_model,
                                         device=settings.models.device)
        self.grammar.connect_worker(self._worker)
        self.grammar.sig_model_kept.connect(self._on_grammar_model_kept)
        # "Let other apps use writer_app": served by this worker's engines.
        self.serve = ServeController(self._worker, self._thread, window, self)
        self.word_choice = WordChoiceController(
            window, self, lambda: self.settings.completion.context_chars)
        self.word_choice.connect_worker(self._worker)
        # The worker runs pure-Python text checking next to the event loop; at the default
        # 5 ms GIL switch interval the window stalled 127 ms during a full check of a
        # 5,000-word document, at 1 ms 32 ms (bench/grammar_editor.py).
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._thread.start()
        # After the event loop turns: a completion model asked for right after this
        # constructor loads first.
        QTimer.singleShot(0, self.grammar.start)
        self.serve.apply(settings.server, resolve_variant(settings.grammar.language_variant))

    # -- wiring -----------------------------------------------------------------------
    def _connect_worker(self) -> None:
        worker = self._worker
        self.sig_request_completion.connect(worker._on_complete)
        self.sig_request_alternatives.connect(worker._on_alternatives)
        self.sig_load_model.connect(worker._on_load_model)
        worker.sig_model_loading.connect(self._on_model_loading)
        worker.sig_model_ready.connect(self._on_model_ready)
        worker.sig_model_failed.connect(self._on_model_failed)
        worker.sig_completion_chunk.connect(self._on_chunk)
        worker.sig_completion_done.connect(self._on_done)
        worker.sig_alternatives_done.connect(self._on_alternatives_done)
        worker.sig_request_failed.connect(self._on_request_failed)
        self.sig_set_adapter.connect(worker._on_set_adapter)
        worker.sig_adapter_ready.connect(self._on_adapter_ready)
        worker.sig_adapter_failed.connect(self._on_adapter_failed)

    def _connect_editor(self) -> None:
        editor, window = self.editor, self.window
        editor.sig_text_edited.connect(self._on_text_edited)
        editor.sig_suggestion_dismissed.connect(self._on_suggestion_dismissed)
        editor.sig_alternative_requested.connect(self._on_alternative_requested)
        editor.sig_pending_closed.connect(self._on_pending_closed)
        window.sig_document_replaced.connect(self._on_document_replaced)
        window.sig_settings_changed.connect(self._on_window_settings_changed)
        window.sig_preferences_requested.connect(self.open_preferences)
        window.action_continue.triggered.connect(self._on_continue_triggered)
        window.action_stop.triggered.connect(self._on_stop_triggered)
        window.action_try_again.triggered.connect(self._on_try_again_triggered)
        window.action_personalize.triggered.connect(self.open_personalize)

    def _apply_completion_settings(self) -> None:
        self._timer.setInterval(self.settings.completion.debounce_ms)

    # -- public -----------------------------------------------------------------------
    def load_model(self, spec: ModelSpec | None = None) -> None:
        spec = spec or self.settings.models.completion_spec()
        self.window.set_state("loading…")
        self._loads.append(spec)
        self.sig_load_model.emit(spec)

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        self._apply_completion_settings()
        if not settings.completion.enabled:
            self._cancel()
            self.editor.clear_suggestion()
        if old.models.completion_spec() != settings.models.completion_spec():
            self.load_model()
        if (old.grammar != settings.grammar
                or old.models.grammar_model != settings.models.grammar_model
                or old.models.device != settings.models.device):
            self.grammar.apply_settings(settings.grammar, settings.models.grammar_model,
                                        settings.models.device)
        self.serve.apply(settings.server, resolve_variant(settings.grammar.language_variant))

    def open_personalize(self) -> PersonalizeWindow:
        """Tools › Personalize…: the Personalize window (one per app, non-modal). It shows
        the same runner as Preferences › Personalize, so there is only ever one run."""
        window = self.personalize_window
        if window is None:
            panel = PersonalizePanel(
                self.personalize_runner, store=AdapterStore(),
                activate_adapter=self.activate_adapter, compact=True,
                has_gpu=any(device.id.startswith("cuda") for device in self._devices()),
                model_source=lambda: (self.settings.models.completion_model,
                                      self.settings.models.device))
            # Without its own box there: Start waits while the grammar checker adapts.
            panel.set_grammar_hooks(self.grammar_personalize_runner,
                                    paths.personal_grammar_dir(), self.use_grammar_model)
            window = self.personalize_window = PersonalizeWindow(panel, parent=self.window)
        window.panel.set_active_adapter(self.settings.models.adapter)
        window.present()
        return window

    def _personalize_panels(self) -> list[PersonalizePanel]:
        """The open views of the runner: the window's and Preferences' panel."""
        panels = [self.personalize_window.panel] if self.personalize_window else []
        if self.settings_dialog is not None:
            panels.append(self.settings_dialog.personalize_page.panel)
        return panels

    def open_preferences(self) -> SettingsDialog:
        """Show Edit > Preferences (window-modal), or raise it if it is open."""
        dialog = self.settings_dialog
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        problem = ""
        try:
            words = load_dictionary(self.dictionary_path)
        except DocumentError as exc:
            words, problem = [], str(exc)
            self.window.show_notice(problem, 15000, error=True)
        scan = self.model_scan
        scan.start()  # the cache may have changed: the dialog updates when this ends
        dialog = SettingsDialog(
            self.settings, known_models=scan.get("completion"), devices=self._devices(),
            validate_folder=self._validate_folder, grammar_models=scan.get("grammar"),
            validate_grammar_folder=self._validate_grammar_folder, scanning=scan.running,
            grammar_parameters=self.grammar.parameters,
            model_info=self.model_info,
            dictionary_words=words, personalize_runner=self.personalize_runner,
            adapter_store=AdapterStore(), activate_adapter=self.activate_adapter,
            parent=self.window)
        if problem:  # shown, and locked: an edit must not overwrite the unread file
            dialog.grammar_page.lock_dictionary(problem)
        dialog.sig_settings_applied.connect(self._on_settings_applied)
        dialog.sig_dictionary_applied.connect(self._on_dictionary_applied)
        dialog.finished.connect(self._on_preferences_closed)
        dialog.personalize_page.panel.set_dictionary_hooks(
            self._make_speller, lambda: load_dictionary(self.dictionary_path),
            self.add_dictionary_words)
        dialog.personalize_page.panel.set_grammar_hooks(
            self.grammar_personalize_runner, paths.personal_grammar_dir(),
            self.use_grammar_model)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def activate_adapter(self, path: str) -> str | None:
        """Make completion use the LoRA adapter in folder `path` ("" = none) at once, with
        no model reload, and remember it in the settings; None, or why it cannot.

        An adapter of another base model is refused here when the loaded model's files
        tell; the worker checks again, and a late refusal comes as sig_adapter_failed.
        """
        if path:
            try:
                adapters.check_compatible(adapters.read_adapter(path), *self._base_identity())
            except adapters.AdapterError as exc:
                return str(exc)
        self.sig_set_adapter.emit(path)
        self._remember_adapter(path)
        for panel in self._personalize_panels():  # whichever view asked, both show it
            panel.set_active_adapter(path)
        return None

    def _base_identity(self) -> tuple[str, str]:
        """(fingerprint, name) of the loaded model; no fingerprint when it has no folder."""
        info = self.model_info
        if info is None or not info.path:
            return "", ""
        try:
            return adapters.model_fingerprint(info.path), info.name
        except adapters.AdapterError:
            return "", info.name

    def _remember_adapter(self, path: str) -> None:
        if self.settings.models.adapter == path:
            return
        self.settings = with_adapter(self.settings, path)
        self.window.apply_settings(self.settings)  # its copy must not bring the old one back
        self.save_settings(self.settings)

    @Slot(str)
    def _on_adapter_ready(self, path: str) -> None:
        name = Path(path).name
        with contextlib.suppress(adapters.AdapterError):
            name = adapters.read_adapter(path).name if path else ""
        self.window.show_notice(f"Suggestions use your adapter “{name}”." if path
                                else "Suggestions use the plain model.", 5000)
        self.window.set_adapter_status(name)

    @Slot(str, str)
    def _on_adapter_failed(self, message: str, in_use: str) -> None:
        """The worker refused the adapter: keep (and remember) the one that serves."""
        self._remember_adapter(in_use)
        self.window.show_notice(message, 15000, error=True)
        name = ""
        with contextlib.suppress(adapters.AdapterError):
            name = adapters.read_adapter(in_use).name if in_use else ""
        self.window.set_adapter_status(name)
        if self.settings_dialog is not None:
            self.settings_dialog.adapter_refused(in_use, message)
        if self.personalize_window is not None:
            self.personalize_window.panel.adapter_refused(in_use, message)

    def save_settings(self, settings: Settings) -> bool:
        """Write the settings file; a failure is a status-bar error, never silent."""
        try:
            save_settings(settings, self.settings_path)
        except DocumentError as exc:
            self.window.show_notice(f"Settings not saved: {exc}", 15000, error=True)
            return False
        return True

    def request_now(self) -> bool:
        """Ask for a suggestion at the cursor without waiting for the debounce."""
        self._timer.stop()
        return self._send_request()

    def shutdown(self) -> None:
        """Stop the worker thread; call before the window goes away."""
        self._timer.stop()
        self._tracker.cancel_current()
        self.personalize_runner.stop_now()
        self.grammar_personalize_runner.stop_now()
        self.grammar.shutdown()
        self.serve.stop()
        self._thread.quit()
        self._thread.wait()
        self.model_scan.wait(10.0)

    # -- preferences ------------------------------------------------------------------
    @Slot(object)
    def _on_settings_applied(self, settings: Settings) -> None:
        self.save_settings(settings)
        self.window.apply_settings(settings)
        self.apply_settings(settings)

    @Slot(object)
    def _on_window_settings_changed(self, settings: Settings) -> None:
        """A setting changed from the menus (the theme): keep it, and take it."""
        self.save_settings(settings)
        self.apply_settings(settings)

    @Slot(list)
    def _on_dictionary_applied(self, words: list[str]) -> None:
        try:
            save_dictionary(words, self.dictionary_path)
        except DocumentError as exc:
            self.window.show_notice(f"Personal dictionary not saved: {exc}", 15000, error=True)
            return
        self.grammar.set_words(words)

    def add_dictionary_words(self, words: Sequence[str]) -> str | None:
        """Add `words` to the personal dictionary (saved at once, underlines go); None,
        or why not. An open Grammar page lists them too."""
        try:
            merged = save_dictionary([*load_dictionary(self.dictionary_path), *words],
                                     self.dictionary_path)
        except DocumentError as exc:
            return f"Personal dictionary not saved: {exc}"
        self.grammar.set_words(merged)
        dialog = self.settings_dialog
        if dialog is not None:
            page = dialog.grammar_page
            unedited = page.words() == page.saved_words
            page.add_words(words)
            if unedited:  # nothing of the user's pending there: the page is saved as is
                page.saved_words = page.words()
        return None

    def use_grammar_model(self, path: str) -> str | None:
        """Check with the grammar model in folder `path` from now on (saved in the
        settings; the checker reloads); None, or why not."""
        if not (Path(path) / "config.json").is_file():
            return f"No grammar model in {path}."
        settings = replace(self.settings, models=replace(self.settings.models,
                                                         grammar_model=path))
        if not self.save_settings(settings):
            return "The settings could not be saved (see the status bar)."
        self.window.apply_settings(settings)
        self.apply_settings(settings)
        if self.settings_dialog is not None:  # its Models page shows the model in use
            self.settings_dialog.models_page.grammar.select(path)
        return None

    def _make_speller(self):
        """A loaded spelling checker in the editor's language (called off the GUI thread)."""
        # Its package loads the tagger's torch modules: only when a review asks.
        from writer_app.inference.grammar.spelling import SpellingChecker

        return SpellingChecker(resolve_variant(self.settings.grammar.language_variant)).load()

    @Slot(str)
    def _on_personalize_state(self, state: str) -> None:
        """Training may end while its views are closed: say so in the status bar."""
        messages = {"done": "Personalization finished: use the new adapter from "
                            "Tools > Personalize.",
                    "failed": "Personalization failed; Tools > Personalize shows why."}
        if state in messages:
            self.window.show_notice(messages[state], 15000, error=state == "failed")

    @Slot()
    def _on_models_scanned(self) -> None:
        if self.settings_dialog is not None:
            scan = self.model_scan
            self.settings_dialog.set_known_models(scan.get("completion"), scan.get("grammar"))

    @Slot(str, str)
    def _on_grammar_model_kept(self, reference: str, message: str) -> None:
        """The grammar model asked for did not load: keep the settings on the one that
        serves, so the next start loads it (the status bar says why)."""
        if self.settings.models.grammar_model == reference:
            return
        models = replace(self.settings.models, grammar_model=reference)
        self.settings = replace(self.settings, models=models)
        self.window.apply_settings(self.settings)  # its copy must not bring the old one back
        self.save_settings(self.settings)
        if self.settings_dialog is not None:
            self.settings_dialog.grammar_model_kept(reference, message)

    @Slot(int)
    def _on_preferences_closed(self, _result: int) -> None:
        dialog, self.settings_dialog = self.settings_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # -- requests ---------------------------------------------------------------------
    @Slot()
    def _on_text_edited(self) -> None:
        self._reset_alternatives()
        self.stop_writing()  # typing takes over; what was streamed stays pending
        self._cancel()
        # Only after the writer's own typing: a fix or a replacement is no place to suggest.
        if self.settings.completion.enabled and self.editor.last_edit_typed:
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _on_typing_paused(self) -> None:
        self._send_request()

    def _send_request(self) -> bool:
        editor = self.editor
        if self.model_info is None or editor.has_suggestion() or editor.has_pending():
            return False
        if editor.textCursor().hasSelection():
            return False
        before, after = editor.context_at_cursor(max_before=_PEEK_CHARS, max_after=_PEEK_CHARS)
        if not should_suggest(before, after):
            return False
        request, cancel = self._request_at_cursor(self.settings.completion.inline_params())
        self._shown_request = request
        self._request_position = editor.cursor_position()
        self.window.set_state("thinking…")
        self.sig_request_completion.emit(request, cancel)
        return True

    def _request_at_cursor(
        self, params: GenerationParams, position: int | None = None
    ) -> tuple[CompletionRequest, threading.Event]:
        """A new current request for the text around the cursor, or around `position`
        (supersedes the last one)."""
        editor = self.editor
        # Only the text the model reads is copied out of the document: in a large one,
        # copying all of it on every request cost more than the suggestion itself.
        before, after = editor.context_at_cursor(
            position, max_before=self.settings.completion.context_chars + _PEEK_CHARS,
            max_after=_TEXT_AFTER_CHARS)
        request_id, cancel = self._tracker.start(editor.revision)
        request = CompletionRequest(
            request_id=request_id,
            revision=editor.revision,
            text_before=clip_context(before, self.settings.completion.context_chars),
            text_after=after[:_TEXT_AFTER_CHARS],
            params=params,
        )
        return request, cancel

    def _cancel(self) -> None:
        """Cancel the inline or alternatives request; Continue writing has stop_writing."""
        if self._tracker.pending_id is not None and not self._streaming:
            self._tracker.cancel_current()
            self.window.set_state("ready" if self.model_info else "loading…")

    def _is_current(self, request_id: int, revision: int) -> bool:
        return (
            self._tracker.is_current(request_id, revision, self.editor.revision)
            and self.editor.cursor_position() == self._request_position
        )

    # -- results (queued from the worker, run in the GUI thread) ------------------------
    @Slot(int, int, str)
    def _on_chunk(self, request_id: int, revision: int, text: str) -> None:
        if request_id == self._writing_id:
            self._on_writing_chunk(request_id, text)
        elif self._is_current(request_id, revision) and self.editor.show_suggestion(
            text, self._request_position, revision
        ):
            self.sig_suggestion_shown.emit(text)

    @Slot(object)
    def _on_done(self, result: CompletionResult) -> None:
        if result.request_id == self._writing_id:
            self._on_writing_done(result)
            return
        if not self._is_current(result.request_id, result.revision):
            return
        self._tracker.finish(result.request_id)
        self.window.set_state("ready")
        self.window.set_latency(result.first_token_ms if result.text else None)
        if result.text and self.editor.suggestion != result.text:
            self._on_chunk(result.request_id, result.revision, result.text)
        self.sig_completion_finished.emit(result)

    @Slot(int, str)
    def _on_request_failed(self, request_id: int, message: str) -> None:
        if request_id != self._tracker.pending_id:
            return
        what = "Continue writing" if request_id == self._writing_id else "Suggestion"
        self.stop_writing()
        self._tracker.finish(request_id)
        self._reset_alternatives()
        self.window.set_state("ready" if self.model_info else "error")
        self.window.show_notice(f"{what} failed: {message}", error=True)

    @Slot()
    def _on_suggestion_dismissed(self) -> None:
        self._reset_alternatives()
        self._cancel()

    @Slot()
    def _on_document_replaced(self) -> None:
        self._timer.stop()
        self.stop_writing()
        self._cancel()

    # -- alternatives (Alt+] / Alt+[) -------------------------------------------------
    @Slot(int)
    def _on_alternative_requested(self, step: int) -> None:
        """Cycle through other suggestions for the same place, fetched on the first press;
        over a pending passage, through its drafts."""
        if self.editor.has_pending():
            if not self._streaming:
                self._show_draft(step)
            return
        if not self.editor.has_suggestion():
            return
        alternatives = self._alternatives
        if alternatives is None:
            self._request_alternatives(step)
        elif alternatives.texts:
            self._show_alternative(alternatives.index + step)
        # else: still being computed; the first press's step applies when they arrive

    def _request_alternatives(self, step: int) -> None:
        editor = self.editor
        shown = self._shown_request
        if (shown is not None and shown.revision == editor.revision
                and self._request_position == editor.cursor_position()):
            # The context of the suggestion on screen, under a new id.
            request_id, cancel = self._tracker.start(editor.revision)
            request = replace(shown, request_id=request_id)
        else:  # partly accepted or typed through since: its context is the text now
            request, cancel = self._request_at_cursor(self.settings.completion.inline_params())
        self._alternatives = _Alternatives(
            request.request_id, request.revision, editor.cursor_position(), step)
        self.window.set_state("thinking…")
        self.sig_request_alternatives.emit(
            request, editor.suggestion, self.settings.completion.alternatives, cancel)

    @Slot(object)
    def _on_alternatives_done(self, result: AlternativesResult) -> None:
        alternatives, editor = self._alternatives, self.editor
        if (alternatives is None or alternatives.request_id != result.request_id
                or not self._tracker.is_current(result.request_id, result.revision,
                                                editor.revision)
                or editor.cursor_position() != alternatives.position
                or not editor.has_suggestion()):
            return  # stale: the text, the cursor or the suggestion changed meanwhile
        self._tracker.finish(result.request_id)
        self.window.set_state("ready")
        # The suggestion on screen comes first, whatever the backend returned.
        alternatives.texts = _distinct((editor.suggestion, *result.texts))
        self._show_alternative(alternatives.first_step)

    def _show_alternative(self, index: int) -> None:
        alternatives = self._alternatives
        total = len(alternatives.texts)
        alternatives.index = index % total
        text = alternatives.texts[alternatives.index]
        if self.editor.show_suggestion(text, alternatives.position, alternatives.revision):
            self.window.set_alternative_index(alternatives.index, total)
            self.sig_alternative_shown.emit(alternatives.index, total)

    def _reset_alternatives(self) -> None:
        if self._alternatives is not None:
            self._alternatives = None
            self.window.set_alternative_index(None)

    # -- Continue writing -------------------------------------------------------------
    def continue_writing(self) -> bool:
        """Stream a longer continuation into the document at the cursor, as a pending block.

        The block is real document text, highlighted until the user keeps it (Enter or
        Tab) or removes it (Esc). Stop ends the stream and leaves the block pending.
        Typing anywhere also ends the stream: the keystroke goes where the user typed
        and the streamed text stays pending, so nothing is lost either way. A block
        still pending from before is kept first: continuing means going on from it.
        """
        if self.model_info is None or self._streaming:
            return False
        editor = self.editor
        editor.keep_pending()
        self._timer.stop()
        editor.begin_pending()  # also clears any ghost text (cancelling its request)
        self._drafts.clear()
        self._seed, self._attempt = passage_seed(self.settings.completion.continue_seed), 0
        self._start_passage()
        self.window.show_notice("Enter or Tab keeps the new text, Esc removes it; "
                                "Ctrl+Shift+Enter tries again.", 15000)
        return True

    def try_again(self) -> bool:
        """Write another passage in place of the pending one (which is kept among the
        drafts that Alt+] and Alt+[ cycle through)."""
        editor = self.editor
        if self.model_info is None or self._streaming or not editor.has_pending():
            return False
        self._drafts.add(editor.pending_text())
        self._attempt += 1
        editor.set_pending_text("")
        self._start_passage()
        return True

    def _start_passage(self) -> None:
        """Stream a passage into the (empty) pending block, written after the text
        before it."""
        params = self.settings.completion.continue_params(self._seed + self._attempt)
        request, cancel = self._request_at_cursor(params, self.editor.pending_range()[0])
        self._writing_id = request.request_id
        self._set_streaming(True)
        self.sig_request_completion.emit(request, cancel)

    def _show_draft(self, step: int) -> None:
        text = self._drafts.step(step)
        if text is not None and self.editor.set_pending_text(text):
            self.window.set_alternative_index(self._drafts.index, len(self._drafts.texts))

    def stop_writing(self) -> None:
        """End the stream within a token; the text so far stays pending."""
        if not self._streaming:
            return
        self._tracker.cancel_current()
        self._set_streaming(False)
        if self.editor.has_pending() and not self.editor.pending_text():
            self._show_draft(0)  # Try again stopped early: the last draft comes back
        if self.editor.has_pending() and not self.editor.pending_text():
            self.editor.discard_pending()  # nothing arrived: nothing to keep

    def _set_streaming(self, streaming: bool) -> None:
        self._streaming = streaming
        self._update_writing_state()
        self.window.set_state("writing…" if streaming else "ready")

    def _update_writing_state(self) -> None:
        self.window.set_writing_state(available=self.model_info is not None,
                                      streaming=self._streaming,
                                      pending=self.editor.has_pending())

    @Slot()
    def _on_continue_triggered(self) -> None:
        self.continue_writing()

    @Slot()
    def _on_try_again_triggered(self) -> None:
        self.try_again()

    @Slot()
    def _on_stop_triggered(self) -> None:
        self.stop_writing()

    @Slot(bool)
    def _on_pending_closed(self, _kept: bool) -> None:
        self.stop_writing()  # Enter, Tab or Esc while streaming: the stream ends too
        self._drafts.clear()
        self.window.set_alternative_index(None)
        self._update_writing_state()

    def _on_writing_chunk(self, request_id: int, text: str) -> None:
        if (self._streaming and self._tracker.pending_id == request_id
                and self.editor.set_pending_text(text)):
            self.sig_writing_chunk.emit(self.editor.pending_text())

    def _on_writing_done(self, result: CompletionResult) -> None:
        self._writing_id = None
        if self._streaming and self._tracker.pending_id == result.request_id:
            self._on_writing_chunk(result.request_id, result.text)  # the final text
            self._tracker.finish(result.request_id)
            self._set_streaming(False)
            self.window.set_latency(result.first_token_ms if result.text else None)
            if not self.editor.pending_text():
                self._show_draft(0)  # Try again wrote nothing: the last draft comes back
            if not self.editor.pending_text():
                self.editor.discard_pending()
                self.window.show_notice("The model had nothing to add here.", 5000)
            else:
                self._drafts.add(self.editor.pending_text())
                if len(self._drafts.texts) > 1:
                    self.window.set_alternative_index(self._drafts.index,
                                                      len(self._drafts.texts))
            self._update_writing_state()
        self.sig_writing_finished.emit(result)

    # -- model state ------------------------------------------------------------------
    @Slot(str)
    def _on_model_loading(self, message: str) -> None:
        self.window.set_state("loading…")
        self.window.show_notice(message, 0)

    @Slot(object)
    def _on_model_ready(self, info: ModelInfo) -> None:
        self.model_info = info
        if not self.model_scan.started:  # the models the Preferences offer, found early
            self.model_scan.start()
        self._active_spec = self._loads.popleft() if self._loads else self._active_spec
        self.window.set_model_status(info.name, _device_text(info))
        self.window.set_state("writing…" if self._streaming else "ready")
        self._update_writing_state()
        self.window.show_notice(info.note or f"{info.name} ready ({info.load_seconds:.1f} s)")
        self.sig_model_ready.emit(info)

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        failed = self._loads.popleft() if self._loads else None
        self.window.set_state("ready" if self.model_info else "error")
        kept = f" Still using {self.model_info.name}." if self.model_info else ""
        self.window.show_notice(message + kept, error=True)
        self._forget_failed_model(failed)
        self.sig_model_failed.emit(message)

    def _forget_failed_model(self, failed: ModelSpec | None) -> None:
        """Keep the settings on the model that serves, so the next start loads it."""
        active = self._active_spec
        models = self.settings.models
        if failed is None or active is None or models.completion_spec() != failed:
            return
        restored = replace(models, completion_model=active.reference, device=active.device,
                           dtype=active.dtype, cpu_threads=active.threads)
        self.settings = replace(self.settings, models=restored)
        self.save_settings(self.settings)
