""""Your vocabulary": the names and words of the writer's documents that the spelling
check does not know (core/vocabulary.py), offered for the personal dictionary."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.vocabulary import SpellerLike, VocabularyEntry, build_vocabulary
from writer_app.gui.personalize.common import caption, set_error_style
from writer_app.jobs.background import BackgroundCall


def find_vocabulary(texts: Sequence[str], make_speller: Callable[[], SpellerLike],
                    dictionary: Callable[[], Sequence[str]]) -> list[VocabularyEntry]:
    """The personal vocabulary of `texts` (runs off the GUI thread: loading the speller
    and reading the dictionary happen there too)."""
    return build_vocabulary(texts, make_speller(), dictionary())


class VocabularyBox(QGroupBox):
    """Review the vocabulary of scanned documents and add checked words to the personal
    dictionary through the hooks the controller hands in (`set_hooks`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Your vocabulary", parent)
        self._texts: Sequence[str] = ()
        self._make_speller: Callable[[], SpellerLike] | None = None
        self._dictionary_words: Callable[[], Sequence[str]] = list
        self._add_words: Callable[[list[str]], str | None] | None = None
        self._task = BackgroundCall("personalize-vocabulary", self)
        self._task.sig_finished.connect(self._on_found)
        self._task.sig_failed.connect(self._on_failed)
        self._build()
        self.update_buttons()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(caption("Names and words you use that the spelling check does not "
                                 "know. Add the ones you mean to your personal dictionary "
                                 "and they are no longer underlined."))
        row = QHBoxLayout()
        self.review_button = QPushButton("Review vocabulary")
        row.addWidget(self.review_button)
        self.vocabulary_status = caption("")
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
        self.review_button.clicked.connect(self.review)
        self.add_words_button.clicked.connect(self.add_checked_words)
        self.vocabulary_list.itemChanged.connect(self.update_buttons)

    def set_hooks(self, make_speller: Callable[[], SpellerLike],
                  dictionary_words: Callable[[], Sequence[str]],
                  add_words: Callable[[list[str]], str | None]) -> None:
        """A loaded-on-call spelling checker and the personal dictionary's words (both
        called off the GUI thread), and `add_words(words)`, which saves words to the
        dictionary at once and returns None, or why it could not."""
        self._make_speller = make_speller
        self._dictionary_words = dictionary_words
        self._add_words = add_words
        self.update_buttons()

    def set_texts(self, texts: Sequence[str]) -> None:
        """The documents' texts a review looks in (a new scan forgets the old review)."""
        self.clear()
        self._texts = texts
        self.update_buttons()

    @property
    def finding(self) -> bool:
        return self._task.busy

    def review(self) -> bool:
        """Look for the writer's vocabulary in the texts, on a worker thread."""
        if self._make_speller is None or not self._texts or self.finding:
            return False
        self.clear()
        self._message("Scanning…")
        self._task.run(find_vocabulary, self._texts, self._make_speller,
                       self._dictionary_words)
        self.update_buttons()
        return True

    def wait(self, timeout: float = 10.0) -> None:
        self._task.join(timeout)

    def entries(self) -> list[tuple[VocabularyEntry, bool]]:
        """The listed entries and whether each is checked."""
        rows = (self.vocabulary_list.topLevelItem(i)
                for i in range(self.vocabulary_list.topLevelItemCount()))
        return [(item.data(0, Qt.ItemDataRole.UserRole),
                 item.checkState(0) == Qt.CheckState.Checked) for item in rows]

    def add_checked_words(self) -> bool:
        words = [entry.word for entry, checked in self.entries() if checked]
        if not words or self._add_words is None:
            return False
        error = self._add_words(words)
        if error:
            self._message(error, error=True)
            return False
        added = set(words)
        for row in reversed(range(self.vocabulary_list.topLevelItemCount())):
            entry = self.vocabulary_list.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole)
            if entry.word in added:
                self.vocabulary_list.takeTopLevelItem(row)
        left = self.vocabulary_list.topLevelItemCount()
        self._message(f"Added {len(words)} word(s) to your personal dictionary."
                      + (f" {left} left unchecked." if left else ""))
        self.update_buttons()
        return True

    def clear(self) -> None:
        self._task.discard()
        self.vocabulary_list.clear()
        self.vocabulary_list.setVisible(False)
        self.add_words_button.setVisible(False)
        self._message("")

    def _on_found(self, entries: list[VocabularyEntry]) -> None:
        self.vocabulary_list.blockSignals(True)  # no button update per row
        for entry in entries:
            self.vocabulary_list.addTopLevelItem(_item(entry))
        self.vocabulary_list.blockSignals(False)
        suspicious = sum(entry.suspicious for entry in entries)
        if not entries:
            self._message("Nothing to add: the spelling check knows every word you use "
                          "often.")
        else:
            note = f" {suspicious} look like typos and are unchecked." if suspicious else ""
            self._message(f"{len(entries)} word(s) found.{note} Uncheck any you do not "
                          "want accepted.")
        self.vocabulary_list.setVisible(bool(entries))
        self.add_words_button.setVisible(bool(entries))
        self.update_buttons()

    def _on_failed(self, message: str) -> None:
        self._message(f"Cannot look for your vocabulary: {message}", error=True)
        self.update_buttons()

    def _message(self, text: str, error: bool = False) -> None:
        self.vocabulary_status.setText(text)
        set_error_style(self.vocabulary_status, error)

    def update_buttons(self) -> None:
        available = self._make_speller is not None
        self.review_button.setEnabled(available and bool(self._texts) and not self.finding)
        self.review_button.setToolTip(
            "Find the names and words in your documents that the spelling check would flag"
            if available else "The vocabulary review is unavailable here.")
        checked = any(checked for _entry, checked in self.entries())
        self.add_words_button.setEnabled(checked and self._add_words is not None)


def _item(entry: VocabularyEntry) -> QTreeWidgetItem:
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
