"""CompletionController: inline suggestions, their alternatives, and Continue writing.

Typing pauses become requests; results and streamed chunks come back from the worker
and are shown only while they are still wanted (request id, document revision and
cursor position, through one RequestTracker: a new request of any kind supersedes the
last). Nothing changes in the document until the writer accepts: ghost text is painted
by the editor, and a Continue writing passage is a pending block the writer keeps or
removes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from writer_app.core.passage import PassageDrafts, passage_seed
from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    GenerationParams,
)
from writer_app.core.settings import CompletionSettings, Settings
from writer_app.core.text_ops import clip_context, should_suggest
from writer_app.core.tracker import RequestTracker

_TEXT_AFTER_CHARS = 200
_PEEK_CHARS = 80  # enough text around the cursor to decide whether to suggest


@dataclass
class _Alternatives:
    """Alt+] / Alt+[ for the suggestion on screen: fetched on the first press."""

    request_id: int
    revision: int
    position: int
    first_step: int  # applied when the texts arrive
    texts: tuple[str, ...] = ()  # empty while they are being computed
    index: int = 0


def _distinct(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Non-blank texts in order, each once."""
    return tuple(dict.fromkeys(text for text in texts if text.strip()))



class CompletionController(QObject):
    # to the worker (queued: the worker lives in its own thread)
    sig_request_completion = Signal(object, object)  # CompletionRequest, threading.Event
    sig_request_alternatives = Signal(object, str, int, object)  # request, shown, count, cancel
    # GUI-thread signals, for the window and for tests to wait on
    sig_suggestion_shown = Signal(str)
    sig_completion_finished = Signal(object)  # CompletionResult of a current request
    sig_alternative_shown = Signal(int, int)  # index (from 0), how many
    sig_writing_chunk = Signal(str)  # the pending block's text after a streamed chunk
    sig_writing_finished = Signal(object)  # CompletionResult of a Continue writing request

    def __init__(self, window, store, models, parent: QObject | None = None) -> None:
        """`store`: the SettingsStore; `models`: the ModelController (is a model loaded)."""
        super().__init__(parent)
        self.window = window
        self.editor = window.editor
        self._store = store
        self._models = models
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
        self._timer.setInterval(self.settings.debounce_ms)
        self._connect_window()
        store.sig_changed.connect(self._on_settings_changed)
        models.sig_model_ready.connect(self._on_model_ready)

    @property
    def settings(self) -> CompletionSettings:
        return self._store.current().completion

    @property
    def model_info(self):
        return self._models.model_info

    # -- wiring -----------------------------------------------------------------------
    def connect_worker(self, worker) -> None:
        self.sig_request_completion.connect(worker.request_completion)
        self.sig_request_alternatives.connect(worker.request_alternatives)
        worker.sig_completion_chunk.connect(self._on_chunk)
        worker.sig_completion_done.connect(self._on_done)
        worker.sig_alternatives_done.connect(self._on_alternatives_done)
        worker.sig_request_failed.connect(self._on_request_failed)

    def _connect_window(self) -> None:
        editor, window = self.editor, self.window
        editor.sig_text_edited.connect(self._on_text_edited)
        editor.sig_suggestion_dismissed.connect(self._on_suggestion_dismissed)
        editor.sig_alternative_requested.connect(self._on_alternative_requested)
        editor.sig_pending_closed.connect(self._on_pending_closed)
        window.sig_document_replaced.connect(self._on_document_replaced)
        window.action_continue.triggered.connect(self._on_continue_triggered)
        window.action_stop.triggered.connect(self._on_stop_triggered)
        window.action_try_again.triggered.connect(self._on_try_again_triggered)

    # -- public -----------------------------------------------------------------------
    def request_now(self) -> bool:
        """Ask for a suggestion at the cursor without waiting for the debounce."""
        self._timer.stop()
        return self._send_request()

    def shutdown(self) -> None:
        self._timer.stop()
        self._tracker.cancel_current()

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        if old.completion == new.completion:
            return
        self._timer.setInterval(new.completion.debounce_ms)
        if not new.completion.enabled:
            self._cancel()
            self.editor.clear_suggestion()

    @Slot(object)
    def _on_model_ready(self, _info) -> None:
        self.window.status_bar.set_state("writing…" if self._streaming else "ready")
        self._update_writing_state()

    # -- requests ---------------------------------------------------------------------
    @Slot()
    def _on_text_edited(self) -> None:
        self._reset_alternatives()
        self.stop_writing()  # typing takes over; what was streamed stays pending
        self._cancel()
        # Only after the writer's own typing: a fix or a replacement is no place to suggest.
        if self.settings.enabled and self.editor.last_edit_typed:
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
        request, cancel = self._request_at_cursor(self.settings.inline_params())
        self._shown_request = request
        self._request_position = editor.cursor_position()
        self.window.status_bar.set_state("thinking…")
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
            position, max_before=self.settings.context_chars + _PEEK_CHARS,
            max_after=_TEXT_AFTER_CHARS)
        request_id, cancel = self._tracker.start(editor.revision)
        request = CompletionRequest(
            request_id=request_id,
            revision=editor.revision,
            text_before=clip_context(before, self.settings.context_chars),
            text_after=after[:_TEXT_AFTER_CHARS],
            params=params,
        )
        return request, cancel

    def _cancel(self) -> None:
        """Cancel the inline or alternatives request; Continue writing has stop_writing."""
        if self._tracker.pending_id is not None and not self._streaming:
            self._tracker.cancel_current()
            self.window.status_bar.set_state("ready" if self.model_info else "loading…")

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
        self.window.status_bar.set_state("ready")
        self.window.status_bar.set_latency(result.first_token_ms if result.text else None)
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
        self.window.status_bar.set_state("ready" if self.model_info else "error")
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
            request, cancel = self._request_at_cursor(self.settings.inline_params())
        self._alternatives = _Alternatives(
            request.request_id, request.revision, editor.cursor_position(), step)
        self.window.status_bar.set_state("thinking…")
        self.sig_request_alternatives.emit(
            request, editor.suggestion, self.settings.alternatives, cancel)

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
        self.window.status_bar.set_state("ready")
        # The suggestion on screen comes first, whatever the backend returned.
        alternatives.texts = _distinct((editor.suggestion, *result.texts))
        self._show_alternative(alternatives.first_step)

    def _show_alternative(self, index: int) -> None:
        alternatives = self._alternatives
        total = len(alternatives.texts)
        alternatives.index = index % total
        text = alternatives.texts[alternatives.index]
        if self.editor.show_suggestion(text, alternatives.position, alternatives.revision):
            self.window.status_bar.set_alternative_index(alternatives.index, total)
            self.sig_alternative_shown.emit(alternatives.index, total)

    def _reset_alternatives(self) -> None:
        if self._alternatives is not None:
            self._alternatives = None
            self.window.status_bar.set_alternative_index(None)

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
        self._seed, self._attempt = passage_seed(self.settings.continue_seed), 0
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
        params = self.settings.continue_params(self._seed + self._attempt)
        request, cancel = self._request_at_cursor(params, self.editor.pending_range()[0])
        self._writing_id = request.request_id
        self._set_streaming(True)
        self.sig_request_completion.emit(request, cancel)

    def _show_draft(self, step: int) -> None:
        text = self._drafts.step(step)
        if text is not None and self.editor.set_pending_text(text):
            self.window.status_bar.set_alternative_index(self._drafts.index,
                                                         len(self._drafts.texts))

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
        self.window.status_bar.set_state("writing…" if streaming else "ready")

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
        self.window.status_bar.set_alternative_index(None)
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
            self.window.status_bar.set_latency(result.first_token_ms if result.text else None)
            if not self.editor.pending_text():
                self._show_draft(0)  # Try again wrote nothing: the last draft comes back
            if not self.editor.pending_text():
                self.editor.discard_pending()
                self.window.show_notice("The model had nothing to add here.", 5000)
            else:
                self._drafts.add(self.editor.pending_text())
                if len(self._drafts.texts) > 1:
                    self.window.status_bar.set_alternative_index(self._drafts.index,
                                                      len(self._drafts.texts))
            self._update_writing_state()
        self.sig_writing_finished.emit(result)

