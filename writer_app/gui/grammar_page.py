"""Preferences › Grammar: what is checked, how eagerly, and the personal dictionary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.dictionary import clean_word, format_word_list, parse_word_list
from writer_app.core.documents import DocumentError, atomic_write_text
from writer_app.core.grammar_check import SENSITIVITY_LEVELS, knobs_for
from writer_app.core.settings import (
    GRAMMAR_CATEGORIES,
    GrammarSettings,
)
from writer_app.gui.settings_page import (
    SettingsPage,
    note_label,
)
from writer_app.gui.theme import error_color

WORD_LIST_FILTER = "Word lists (*.txt *.dic);;All files (*)"


class GrammarPage(SettingsPage):
    title = "Grammar and spelling"
    section = "grammar"
    section_type = GrammarSettings

    def __init__(self, words: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = note_label("Spelling mistakes are underlined in red, grammar in blue, style "
                          "and punctuation in amber. Right-click an underline (or press F8 "
                          "to reach it and Alt+Enter) for suggestions; View › Issues "
                          "Panel lists them all.")
        self.note.setObjectName("grammar_note")
        self.layout_.addWidget(self.note)
        self._check("grammar_enabled", "Check grammar")
        self._check("spelling_enabled", "Check spelling")
        self._build_sensitivity()
        self._choice("language_variant", "English variant:",
                     {"auto": "From the system language", "en-US": "American (en-US)",
                      "en-GB": "British (en-GB)", "en": "Accept both"})
        self._build_categories()
        self._spin("check_delay_ms", "Check after a pause of:", " ms")
        self.keep_spin = self._double("keep_confidence", "Keep bias (advanced):")
        self.error_spin = self._double("min_error_probability", "Min. error probability:")
        for spin in (self.keep_spin, self.error_spin):
            spin.setSpecialValueText("From sensitivity")  # shown for -1
        self._finish()
        self._build_dictionary(words)

    def _build_sensitivity(self) -> None:
        """Relaxed / Balanced / Picky as a 3-step slider, with what each step means."""
        self.sensitivity_slider = QSlider(Qt.Orientation.Horizontal)
        self.sensitivity_slider.setRange(0, len(SENSITIVITY_LEVELS) - 1)
        self.sensitivity_slider.setPageStep(1)
        self.sensitivity_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.sensitivity_slider.setTickInterval(1)
        self.sensitivity_slider.setMaximumWidth(220)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.sensitivity_slider)
        ends = QHBoxLayout()
        for text in ("Relaxed", "Balanced", "Picky"):
            ends.addWidget(QLabel(text))
            ends.addStretch(1)
        ends.takeAt(ends.count() - 1)
        column.addLayout(ends)
        self.sensitivity_details = QLabel()
        self.sensitivity_details.setObjectName("sensitivity_details")
        column.addWidget(self.sensitivity_details)
        holder.setMaximumWidth(260)
        self._bind("sensitivity", "Sensitivity:", holder, self._sensitivity,
                   self._set_sensitivity, short=True)
        self.sensitivity_slider.setToolTip(holder.toolTip())
        self.sensitivity_slider.valueChanged.connect(self._show_sensitivity)

    def _sensitivity(self) -> str:
        return SENSITIVITY_LEVELS[self.sensitivity_slider.value()]

    def _set_sensitivity(self, value: str) -> None:
        index = SENSITIVITY_LEVELS.index(value) if value in SENSITIVITY_LEVELS else 1
        self.sensitivity_slider.setValue(index)
        self._show_sensitivity()

    def _show_sensitivity(self) -> None:
        knobs = knobs_for(self._sensitivity())
        self.sensitivity_details.setText(
            f"keep bias {knobs.keep_confidence:.2f} · min. error probability "
            f"{knobs.min_error_probability:.2f}")

    def _build_categories(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.category_boxes = {}
        for name in GRAMMAR_CATEGORIES:
            check = QCheckBox(name.replace("-", " ").capitalize())
            self.category_boxes[name] = check
            row.addWidget(check)
        row.addStretch(1)
        self._bind("disabled_categories", "Check for:", box,
                   self._disabled_categories, self._set_disabled_categories)
        for check in self.category_boxes.values():
            check.setToolTip("Unticked categories are never flagged")

    def _disabled_categories(self) -> str:
        return ",".join(name for name, check in self.category_boxes.items()
                        if not check.isChecked())

    def _set_disabled_categories(self, value: str) -> None:
        disabled = GrammarSettings(disabled_categories=value).disabled_set()
        for name, check in self.category_boxes.items():
            check.setChecked(name not in disabled)

    # -- personal dictionary ------------------------------------------------------------
    def _build_dictionary(self, words: Sequence[str]) -> None:
        group = QGroupBox("Personal dictionary")
        group.setToolTip("Words the spelling check always accepts; saved one a line in "
                         "dictionary.txt")
        layout = QVBoxLayout(group)
        entry = QHBoxLayout()
        self.word_edit = QLineEdit(placeholderText="Add a word")
        self.word_edit.setToolTip("Type a word and press Enter to add it")
        self.add_button = QPushButton("Add")
        entry.addWidget(self.word_edit, 1)
        entry.addWidget(self.add_button)
        layout.addLayout(entry)
        self.word_list = QListWidget()
        self.word_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.word_list.setSortingEnabled(True)
        self.word_list.setMinimumHeight(90)
        layout.addWidget(self.word_list, 1)
        buttons = QHBoxLayout()
        self.remove_button = QPushButton("Remove", toolTip="Remove the selected words")
        self.import_button = QPushButton("Import…", toolTip="Add the words of a word list "
                                                            "(one word a line, UTF-8)")
        self.export_button = QPushButton("Export…", toolTip="Save the words as a word list")
        for button in (self.remove_button, self.import_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.dictionary_status = QLabel()
        buttons.addWidget(self.dictionary_status)
        layout.addLayout(buttons)
        self.layout_.insertWidget(self.layout_.count() - 1, group, 1)
        self.set_words(words)
        self.saved_words = self.words()
        self.word_edit.returnPressed.connect(self._on_add_word)
        self.add_button.clicked.connect(self._on_add_word)
        self.remove_button.clicked.connect(self._on_remove_words)
        self.import_button.clicked.connect(self._on_import)
        self.export_button.clicked.connect(self._on_export)

    def words(self) -> list[str]:
        return [self.word_list.item(row).text() for row in range(self.word_list.count())]

    def set_words(self, words: Sequence[str]) -> None:
        self.word_list.clear()
        self.add_words(words)

    def add_words(self, words: Sequence[str]) -> int:
        """Add words not yet listed; returns how many were new."""
        have = set(self.words())
        added = 0
        for word in words:
            word = clean_word(word)
            if word and word not in have:
                self.word_list.addItem(QListWidgetItem(word))
                have.add(word)
                added += 1
        return added

    def _on_add_word(self) -> None:
        if self.add_words([self.word_edit.text()]):
            self.word_edit.clear()
            self._set_status("")
        elif self.word_edit.text().strip():
            self._set_status("Already in the dictionary.")

    def _on_remove_words(self) -> None:
        for item in self.word_list.selectedItems():
            self.word_list.takeItem(self.word_list.row(item))

    def _on_import(self) -> None:
        path = self._choose_import_path()
        if path is None:
            return
        try:
            words = parse_word_list(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self._set_status(f"Cannot import {path.name}: "
                             f"{getattr(exc, 'strerror', None) or exc}", error=True)
            return
        self._set_status(f"Imported {self.add_words(words)} new word(s).")

    def _on_export(self) -> None:
        path = self._choose_export_path()
        if path is None:
            return
        try:
            atomic_write_text(path, format_word_list(self.words()))
        except DocumentError as exc:
            self._set_status(str(exc), error=True)
            return
        self._set_status(f"Exported {self.word_list.count()} word(s).")

    def lock_dictionary(self, problem: str) -> None:
        """The dictionary file could not be read: say so, and allow no edit that would
        overwrite it with the (empty) list shown."""
        for widget in (self.word_edit, self.add_button, self.remove_button,
                       self.import_button, self.word_list):
            widget.setEnabled(False)
        self._set_status(f"{problem} Fix or remove the file, then reopen Preferences.",
                         error=True)
        self.dictionary_status.setWordWrap(True)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.dictionary_status.setText(text)
        color = error_color(self.palette()).name() if error else ""
        self.dictionary_status.setStyleSheet(f"color: {color};" if color else "")

    def _choose_import_path(self) -> Path | None:
        """Overridden in tests."""
        name, _ = QFileDialog.getOpenFileName(self, "Import word list", str(Path.home()),
                                              WORD_LIST_FILTER)
        return Path(name) if name else None

    def _choose_export_path(self) -> Path | None:
        """Overridden in tests."""
        name, _ = QFileDialog.getSaveFileName(self, "Export word list",
                                              str(Path.home() / "dictionary.txt"),
                                              WORD_LIST_FILTER)
        return Path(name) if name else None

    def restore_defaults(self) -> None:
        # The dictionary is the user's own data, not a setting: it stays.
        super().restore_defaults()
