"""WordChoiceController: synonyms and rephrasing for the editor, on the inference worker.

Synonyms (Ctrl+. or Edit › Synonyms…, also on the editor's context menu) take the word
at the cursor (or the selected word), send the text around it to the worker and show
the ranked suggestions in a popup under the word; Enter applies one as a single undo
step. Rephrase (Ctrl+Shift+R or the menus) takes the selected sentence (or the one at
the cursor) and shows a few phrasings side by side.

Like completions, each request carries a threading.Event that is set when it is
superseded, and a result is dropped when its id is no longer the current one or the
document changed since (its revision): a late ranking never lands on edited text.
EditorController builds this controller and hands it the worker (connect_worker).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import QMenu

from writer_app.core.grammar_check import Utf16Positions
from writer_app.core.text_ops import clip_context
from writer_app.core.tracker import RequestTracker
from writer_app.core.word_choice import (
    RephraseRequest,
    RephraseResult,
    Suggestion,
    SynonymRequest,
    SynonymResult,
)
from writer_app.gui.pending_block import seal_undo_step
from writer_app.gui.rephrase_popup import RephrasePopup
from writer_app.gui.synonym_popup import SynonymPopup

FIRST_REQUEST_ID = 1_000_000_000  # apart from the completion controller's ids
AFTER_CHARS = 400  # text after the word sent along (the rest of its sentence)
SYNONYM_KEYS = ("Ctrl+.",)
REPHRASE_KEYS = ("Ctrl+Shift+R",)  # Shift+. is another key on every layout
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_RE = re.compile(r"[^.!?\n]*[.!?]+[\"'”’)\]]*|[^.!?\n]+")


class WordChoiceController(QObject):
    # to the worker (queued)
    sig_request_synonyms = Signal(object, object)  # SynonymRequest, threading.Event
    sig_request_rephrase = Signal(object, object)  # RephraseRequest, threading.Event
    # GUI-thread signals, for the window and for tests to wait on
    sig_synonyms_shown = Signal(object)  # SynonymResult now in the popup
    sig_rephrase_shown = Signal(object)  # RephraseResult now in the popup
    sig_applied = Signal(str)  # the text that went into the document

    def __init__(self, window, parent: QObject | None = None,
                 context_chars: Callable[[], int] = lambda: 4000) -> None:
        super().__init__(parent)
        self.window = window
        self.editor = window.editor
        self._context_chars = context_chars
        self._tracker = RequestTracker(FIRST_REQUEST_ID)
        self.synonym_popup = SynonymPopup(self.editor)
        self.synonym_popup.sig_chosen.connect(self._on_synonym_chosen)
        self.rephrase_popup = RephrasePopup(self.editor)
        self.rephrase_popup.sig_chosen.connect(self._on_rephrase_chosen)
        self._rephrase_span: tuple[int, int, int] | None = None  # start, end, revision
        self._synonym_revision = -1
        self.action_synonyms = self._action("S&ynonyms…", SYNONYM_KEYS, self.show_synonyms,
                                            "Alternatives for the word at the cursor, "
                                            "ranked for its sentence")
        self.action_rephrase = self._action("&Rephrase…", REPHRASE_KEYS, self.rephrase,
                                            "Other ways to say the selected sentence")
        menu = getattr(window, "menu_edit", None)
        if menu is not None:
            menu.addSeparator()
            menu.addAction(self.action_synonyms)
            menu.addAction(self.action_rephrase)
        self.editor.sig_text_edited.connect(self._on_text_edited)
        context_menu = getattr(self.editor, "sig_context_menu", None)
        if context_menu is not None:
            context_menu.connect(self._on_context_menu)

    def _action(self, text: str, keys: tuple[str, ...], slot, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        return action

    def connect_worker(self, worker) -> None:
        self.sig_request_synonyms.connect(worker.request_synonyms)
        self.sig_request_rephrase.connect(worker.request_rephrase)
        worker.sig_synonyms_done.connect(self._on_synonyms_done)
        worker.sig_rephrase_done.connect(self._on_rephrase_done)
        worker.sig_request_failed.connect(self._on_request_failed)

    # -- synonyms ---------------------------------------------------------------------
    def show_synonyms(self, position: int | None = None) -> bool:
        """Ask for synonyms of the word at `position` (default: the selected word, or
        the word at the cursor). False when there is no word there."""
        editor = self.editor
        text = editor.toPlainText()
        units = Utf16Positions(text)
        span = self._word_span(text, units, position)
        if span is None:
            self.window.show_notice("Synonyms: place the cursor on a word.", 5000)
            return False
        start, end = span
        before = clip_context(text[:start], self._context_chars())
        offset = start - len(before)
        window = text[offset:end + AFTER_CHARS]
        request_id, cancel = self._tracker.start(editor.revision)
        request = SynonymRequest(request_id, editor.revision, window, start - offset,
                                 end - offset, offset)
        self._synonym_revision = editor.revision
        self.window.status_bar.set_state("thinking…")
        self.sig_request_synonyms.emit(request, cancel)
        return True

    def _word_span(self, text: str, units: Utf16Positions,
                   position: int | None) -> tuple[int, int] | None:
        """The code-point span of the selected word or the word at a position."""
        cursor = self.editor.textCursor()
        if position is None and cursor.hasSelection():
            start = units.to_offset(cursor.selectionStart())
            end = units.to_offset(cursor.selectionEnd())
            chosen = text[start:end].strip()
            match = _WORD_RE.fullmatch(chosen)
            if match is None:
                return None
            start += text[start:end].index(chosen)
            return start, start + len(chosen)
        here = units.to_offset(cursor.position() if position is None else position)
        for match in _WORD_RE.finditer(text, max(0, here - 60), here + 60):
            if match.start() <= here <= match.end():
                return match.start(), match.end()
        return None

    @Slot(object)
    def _on_synonyms_done(self, result: SynonymResult) -> None:
        if not self._tracker.is_current(result.request_id, result.revision,
                                        self.editor.revision):
            return  # superseded, or the text changed while it was ranked
        self._tracker.finish(result.request_id)
        self.window.status_bar.set_state("ready")
        self.synonym_popup.set_result(result)
        self.synonym_popup.show_at(self._below(result.start))
        self.sig_synonyms_shown.emit(result)

    @Slot(object)
    def _on_synonym_chosen(self, suggestion: Suggestion) -> None:
        result = self.synonym_popup.result
        if result is None or result.revision != self.editor.revision:
            return
        self._replace(suggestion.start, suggestion.end, suggestion.replacement)

    # -- rephrase ---------------------------------------------------------------------
    def rephrase(self) -> bool:
        """Ask for other phrasings of the selected text, or of the sentence at the cursor."""
        editor = self.editor
        text = editor.toPlainText()
        units = Utf16Positions(text)
        cursor = editor.textCursor()
        if cursor.hasSelection():
            start = units.to_offset(cursor.selectionStart())
            end = units.to_offset(cursor.selectionEnd())
        else:
            span = _sentence_at(text, units.to_offset(cursor.position()))
            if span is None:
                self.window.show_notice("Rephrase: select a sentence first.", 5000)
                return False
            start, end = span
        chosen = text[start:end]
        start += len(chosen) - len(chosen.lstrip())
        end -= len(chosen) - len(chosen.rstrip())
        if not _WORD_RE.search(text[start:end]):
            self.window.show_notice("Rephrase: select a sentence first.", 5000)
            return False
        request_id, cancel = self._tracker.start(editor.revision)
        request = RephraseRequest(request_id, editor.revision, text[start:end], start, end,
                                  clip_context(text[:start], 1000))
        self._rephrase_span = (start, end, editor.revision)
        self.window.status_bar.set_state("thinking…")
        self.window.show_notice("Rephrasing…", 0)
        self.sig_request_rephrase.emit(request, cancel)
        return True

    @Slot(object)
    def _on_rephrase_done(self, result: RephraseResult) -> None:
        if not self._tracker.is_current(result.request_id, result.revision,
                                        self.editor.revision):
            return
        self._tracker.finish(result.request_id)
        self.window.status_bar.set_state("ready")
        self.window.show_notice("", 1)
        self.rephrase_popup.set_result(result)
        self.rephrase_popup.show_at(self._below(result.start))
        self.sig_rephrase_shown.emit(result)

    @Slot(str)
    def _on_rephrase_chosen(self, text: str) -> None:
        span = self._rephrase_span
        if span is None or span[2] != self.editor.revision:
            return
        self._replace(span[0], span[1], text)

    # -- shared -----------------------------------------------------------------------
    def _replace(self, start: int, end: int, replacement: str) -> None:
        """Replace text[start:end] (code points) as one undo step."""
        units = Utf16Positions(self.editor.toPlainText())
        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        cursor.setPosition(units(start))
        cursor.setPosition(units(end), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(replacement)
        seal_undo_step(cursor)
        cursor.endEditBlock()
        view = self.editor.textCursor()
        view.setPosition(cursor.position())
        self.editor.setTextCursor(view)
        self.sig_applied.emit(replacement)

    def _below(self, offset: int) -> QPoint:
        units = Utf16Positions(self.editor.toPlainText())
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(min(units(offset), self.editor.document().characterCount() - 1))
        rect = self.editor.cursorRect(cursor)
        return self.editor.viewport().mapToGlobal(rect.bottomLeft() + QPoint(0, 4))

    @Slot()
    def _on_text_edited(self) -> None:
        if self._tracker.pending_id is not None:
            self._tracker.cancel_current()
            self.window.status_bar.set_state("ready")
        for popup in (self.synonym_popup, self.rephrase_popup):
            if popup.isVisible():
                popup.hide()

    @Slot(int, str)
    def _on_request_failed(self, request_id: int, message: str) -> None:
        if request_id != self._tracker.pending_id:
            return
        self._tracker.finish(request_id)
        self.window.status_bar.set_state("ready")
        self.window.show_notice(f"Word choice failed: {message}", error=True)

    @Slot(object, int)
    def _on_context_menu(self, menu: QMenu, position: int) -> None:
        """Synonyms of the word under the mouse and Rephrase, after an issue's suggestions
        and before the editing actions (Undo, Cut, ...)."""
        text = self.editor.toPlainText()
        span = self._word_span(text, Utf16Positions(text), position)
        first = next((a for a in menu.actions()
                      if a.text().replace("&", "").startswith("Undo")), None)
        synonyms = QAction("S&ynonyms…", menu)
        synonyms.setShortcuts(self.action_synonyms.shortcuts())
        synonyms.setEnabled(span is not None)
        synonyms.triggered.connect(lambda _=False: self.show_synonyms(position))
        rephrase = QAction("&Rephrase…", menu)
        rephrase.setShortcuts(self.action_rephrase.shortcuts())
        rephrase.triggered.connect(lambda _=False: self.rephrase())
        for action in (synonyms, rephrase):
            menu.insertAction(first, action)
        if first is not None:
            menu.insertSeparator(first)


def _sentence_at(text: str, here: int) -> tuple[int, int] | None:
    """The span of the sentence around offset `here` (within its line)."""
    line_start = text.rfind("\n", 0, here) + 1
    line_end = text.find("\n", here)
    line_end = len(text) if line_end < 0 else line_end
    for match in _SENTENCE_RE.finditer(text, line_start, line_end):
        if match.start() <= here <= match.end() and match.group().strip():
            return match.start(), match.end()
    return None
