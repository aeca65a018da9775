"""The live word and character count in the status bar, and the session's word goal.

Counting a whole large document on every keystroke would cost more than typing, so
each paragraph keeps its own word count (in the block's user state) and an edit
recounts only the paragraphs it touched; a selection is counted shortly after it
settles. The session's words are those added since the document was opened.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextBlock, QTextDocument
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from writer_app.core.text_stats import count_characters, count_words, session_words

_SELECTION_DELAY_MS = 120


class WordCounter:
    """Words of a document, kept up to date paragraph by paragraph."""

    def __init__(self, document: QTextDocument) -> None:
        self.document = document
        self.total = 0
        self._blocks = 0
        self.recount()
        document.contentsChange.connect(self._on_contents_change)

    def recount(self) -> int:
        total, block = 0, self.document.begin()
        while block.isValid():
            total += self._count(block)
            block = block.next()
        self.total, self._blocks = total, self.document.blockCount()
        return total

    @staticmethod
    def _count(block: QTextBlock) -> int:
        count = count_words(block.text())
        block.setUserState(count)
        return count

    def _on_contents_change(self, position: int, removed: int, added: int) -> None:
        document = self.document
        first = document.findBlock(position)
        last = document.findBlock(position + added)
        if not last.isValid():
            last = document.lastBlock()
        if first == last and document.blockCount() == self._blocks:
            # Within one paragraph (the same number of paragraphs and no line break
            # added means none was removed either): its old count is still its own.
            old = first.userState()
            self.total += self._count(first) - (old if old >= 0 else 0)
            return
        # Paragraphs were split or joined, and which one kept an old count is Qt's
        # business: recount the touched ones, then add up the per-paragraph counts.
        block = first
        while block.isValid():
            self._count(block)
            if block == last:
                break
            block = block.next()
        self.total, block = 0, document.begin()
        while block.isValid():
            state = block.userState()
            self.total += state if state >= 0 else self._count(block)
            block = block.next()
        self._blocks = document.blockCount()


class WordCountLabel(QLabel):
    """"1,234 words · 6,789 characters", the selection's counts while there is one, and
    the session's progress towards its goal when one is set."""

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setContentsMargins(6, 0, 6, 0)
        self.setToolTip("Words and characters (of the selection, when there is one); "
                        "the session's words towards its goal")
        self._editor = editor
        self.goal = 0
        self.counter = WordCounter(editor.document())
        self._session_start = self.counter.total
        self._selection = ""
        self._timer = QTimer(self, singleShot=True, interval=_SELECTION_DELAY_MS)
        self._timer.timeout.connect(self._count_selection)
        editor.document().contentsChange.connect(self._on_changed)
        editor.selectionChanged.connect(self._timer.start)
        self.refresh()

    def set_goal(self, words: int) -> None:
        self.goal = max(0, words)
        self.refresh()

    def start_session(self) -> None:
        """A new document (or one just opened): the session counts from here."""
        self.counter.recount()
        self._session_start = self.counter.total
        self._selection = ""
        self.refresh()

    @property
    def session_words(self) -> int:
        return session_words(self.counter.total, self._session_start)

    def _on_changed(self, *_args) -> None:
        self.refresh()

    def _count_selection(self) -> None:
        cursor = self._editor.textCursor()
        self._selection = cursor.selectedText() if cursor.hasSelection() else ""
        self.refresh()

    def refresh(self) -> None:
        if self._selection:
            words, chars = count_words(self._selection), count_characters(self._selection)
            text = f"{words:,} of {self.counter.total:,} words · {chars:,} characters selected"
        else:
            chars = max(0, self._editor.document().characterCount() - 1) \
                - max(0, self._editor.document().blockCount() - 1)
            text = f"{self.counter.total:,} words · {chars:,} characters"
        if self.goal:
            done = self.session_words
            mark = " \u2713" if done >= self.goal else ""
            text += f"   Session: {done:,} / {self.goal:,}{mark}"
        self.setText(text)
