"""EditorController: wires the editor window to the inference worker.

The only module that knows both the GUI and the inference side. It owns the
worker thread, turns typing pauses into requests, drops stale results and
decides what the user sees when something fails.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from writer_app.core.requests import CompletionRequest, CompletionResult, ModelInfo, ModelSpec
from writer_app.core.settings import Settings
from writer_app.core.text_ops import clip_context, should_suggest
from writer_app.core.tracker import RequestTracker
from writer_app.gui.main_window import MainWindow
from writer_app.inference.worker import BackendFactory, InferenceWorker


class EditorController(QObject):
    # to the worker (queued: the worker lives in its own thread)
    sig_request_completion = Signal(object, object)  # CompletionRequest, threading.Event
    sig_load_model = Signal(object)  # ModelSpec
    # GUI-thread signals, for the window and for tests to wait on
    sig_suggestion_shown = Signal(str)
    sig_completion_finished = Signal(object)  # CompletionResult of a current request
    sig_model_ready = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)

    def __init__(
        self,
        window: MainWindow,
        settings: Settings,
        backend_factory: BackendFactory | None = None,
    ) -> None:
        super().__init__()
        self.window = window
        self.editor = window.editor
        self.settings = settings
        self.model_info: ModelInfo | None = None
        self._tracker = RequestTracker()
        self._request_position = -1
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_typing_paused)
        self._apply_completion_settings()
        self._thread = QThread()
        self._thread.setObjectName("inference")
        self._worker = InferenceWorker(backend_factory)
        self._worker.moveToThread(self._thread)
        self._connect_worker()
        self._connect_editor()
        self._thread.start()

    # -- wiring -----------------------------------------------------------------------
    def _connect_worker(self) -> None:
        worker = self._worker
        self.sig_request_completion.connect(worker._on_complete)
        self.sig_load_model.connect(worker._on_load_model)
        worker.sig_model_loading.connect(self._on_model_loading)
        worker.sig_model_ready.connect(self._on_model_ready)
        worker.sig_model_failed.connect(self._on_model_failed)
        worker.sig_completion_chunk.connect(self._on_chunk)
        worker.sig_completion_done.connect(self._on_done)
        worker.sig_request_failed.connect(self._on_request_failed)

    def _connect_editor(self) -> None:
        self.editor.sig_text_edited.connect(self._on_text_edited)
        self.editor.sig_suggestion_dismissed.connect(self._on_suggestion_dismissed)
        self.window.sig_document_replaced.connect(self._on_document_replaced)
        self.window.sig_settings_changed.connect(self.apply_settings)

    def _apply_completion_settings(self) -> None:
        self._timer.setInterval(self.settings.completion.debounce_ms)

    # -- public -----------------------------------------------------------------------
    def load_model(self, spec: ModelSpec | None = None) -> None:
        spec = spec or self.settings.models.completion_spec()
        self.window.set_state("loading…")
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

    def request_now(self) -> bool:
        """Ask for a suggestion at the cursor without waiting for the debounce."""
        self._timer.stop()
        return self._send_request()

    def shutdown(self) -> None:
        """Stop the worker thread; call before the window goes away."""
        self._timer.stop()
        self._cancel()
        self._thread.quit()
        self._thread.wait()

    # -- requests ---------------------------------------------------------------------
    @Slot()
    def _on_text_edited(self) -> None:
        self._cancel()
        if self.settings.completion.enabled:
            self._timer.start()

    @Slot()
    def _on_typing_paused(self) -> None:
        self._send_request()

    def _send_request(self) -> bool:
        editor = self.editor
        if self.model_info is None or editor.has_suggestion():
            return False
        if editor.textCursor().hasSelection():
            return False
        before, after = editor.context_at_cursor()
        if not should_suggest(before, after):
            return False
        request_id, cancel = self._tracker.start(editor.revision)
        request = CompletionRequest(
            request_id=request_id,
            revision=editor.revision,
            text_before=clip_context(before, self.settings.completion.context_chars),
            text_after=after[:200],
            params=self.settings.completion.inline_params(),
        )
        self._request_position = editor.cursor_position()
        self.window.set_state("thinking…")
        self.sig_request_completion.emit(request, cancel)
        return True

    def _cancel(self) -> None:
        if self._tracker.pending_id is not None:
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
        if self._is_current(request_id, revision) and self.editor.show_suggestion(
            text, self._request_position, revision
        ):
            self.sig_suggestion_shown.emit(text)

    @Slot(object)
    def _on_done(self, result: CompletionResult) -> None:
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
        self._tracker.finish(request_id)
        self.window.set_state("ready" if self.model_info else "error")
        self.window.show_notice(f"Suggestion failed: {message}", error=True)

    @Slot()
    def _on_suggestion_dismissed(self) -> None:
        self._tracker.cancel_current()

    @Slot()
    def _on_document_replaced(self) -> None:
        self._timer.stop()
        self._cancel()

    # -- model state ------------------------------------------------------------------
    @Slot(str)
    def _on_model_loading(self, message: str) -> None:
        self.window.set_state("loading…")
        self.window.show_notice(message, 0)

    @Slot(object)
    def _on_model_ready(self, info: ModelInfo) -> None:
        self.model_info = info
        self.window.set_model_status(info.name, f"{info.device} · {info.dtype}")
        self.window.set_state("ready")
        self.window.show_notice(info.note or f"{info.name} ready ({info.load_seconds:.1f} s)")
        self.sig_model_ready.emit(info)

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        self.window.set_state("ready" if self.model_info else "error")
        kept = f" Still using {self.model_info.name}." if self.model_info else ""
        self.window.show_notice(message + kept, error=True)
        self.sig_model_failed.emit(message)
