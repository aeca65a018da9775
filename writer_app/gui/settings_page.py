"""The base of every Preferences page, and the two plain ones (Completion, Editor).

A page shows one section of the Settings: its fields are built from the dataclass
fields, whose docs are the tooltips (and comment the TOML file); `load()` fills them,
`collect()` returns the Settings with what they show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFontComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.settings import (
    MIN_LINE_WIDTH,
    CompletionSettings,
    EditorSettings,
    Settings,
)
from writer_app.gui.prose_font import prose_font

_THEME_LABELS = {"system": "System", "light": "Light", "dark": "Dark"}
SHORT_WIDTH = 130  # short fields (numbers, small choices) line up at one width



def field_doc(cls: type, name: str) -> str:
    """A setting's tooltip: the `doc` it carries, which also comments the TOML file."""
    return next(f.metadata["doc"] for f in dataclasses.fields(cls) if f.name == name)


def field_meta(cls: type, name: str) -> dict[str, Any]:
    return dict(next(f.metadata for f in dataclasses.fields(cls) if f.name == name))


def note_label(text: str) -> QLabel:
    """A wrapped explanatory line, set apart from the fields."""
    label = QLabel(text, wordWrap=True)
    # A wrapping label in a form otherwise settles for a narrow, tall column.
    label.setMinimumWidth(380)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.95)
    label.setFont(font)
    return label



class SettingsPage(QWidget):
    """One page: a section of Settings, shown as a form whose fields carry tooltips.

    Subclasses add fields with `_bind`, which records how to read and write each
    widget, so loading, collecting and restoring defaults need no per-field code.
    """

    title = ""
    section = ""  # the Settings attribute this page edits ("" = none)
    section_type: type | None = None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bindings: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(self.title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        self.layout_.addWidget(heading)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    # -- building -----------------------------------------------------------------------
    def _bind(self, name: str, label: str | None, widget: QWidget,
              getter: Callable[[], Any], setter: Callable[[Any], None],
              *, short: bool = False) -> None:
        """Add a field's row (label None: the widget carries its own text).

        A short field keeps its natural width instead of stretching across the page.
        """
        tip = field_doc(self.section_type, name)
        widget.setToolTip(tip)
        widget.setObjectName(name)
        row = self._left(widget) if short else widget
        # A checkbox carries its own text; it still sits in the field column, aligned.
        self.form.addRow(label or "", row)
        if label:
            self.form.labelForField(row).setToolTip(tip)
        self._bindings[name] = (getter, setter)

    def _check(self, name: str, text: str) -> QCheckBox:
        box = QCheckBox(text)
        self._bind(name, None, box, box.isChecked, box.setChecked)
        return box

    def _spin(self, name: str, label: str, suffix: str = "", special: str = "") -> QSpinBox:
        meta = field_meta(self.section_type, name)
        spin = QSpinBox(suffix=suffix)
        spin.setRange(int(meta["low"]), int(meta["high"]))
        if special:
            spin.setSpecialValueText(special)  # shown for the minimum
        spin.setMinimumWidth(SHORT_WIDTH)
        self._bind(name, label, spin, spin.value, spin.setValue, short=True)
        return spin

    def _double(self, name: str, label: str, step: float = 0.05) -> QDoubleSpinBox:
        meta = field_meta(self.section_type, name)
        spin = QDoubleSpinBox(decimals=2, singleStep=step)
        spin.setRange(float(meta["low"]), float(meta["high"]))
        spin.setMinimumWidth(SHORT_WIDTH)
        self._bind(name, label, spin, spin.value, spin.setValue, short=True)
        return spin

    def _choice(self, name: str, label: str, labels: dict[str, str]) -> QComboBox:
        combo = QComboBox(minimumWidth=SHORT_WIDTH)
        for value, text in labels.items():
            combo.addItem(text, value)
        self._bind(name, label, combo, combo.currentData,
                   lambda value: combo.setCurrentIndex(max(0, combo.findData(value))),
                   short=True)
        return combo

    @staticmethod
    def _left(widget: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget)
        row.addStretch(1)
        return holder

    def _finish(self) -> None:
        self.layout_.addLayout(self.form)
        self.layout_.addStretch(1)

    # -- values -------------------------------------------------------------------------
    def load(self, settings: Settings) -> None:
        if self.section:
            values = getattr(settings, self.section)
            for name, (_, setter) in self._bindings.items():
                setter(getattr(values, name))

    def collect(self, settings: Settings) -> Settings:
        """`settings` with this page's section replaced by what the page shows."""
        if not self.section:
            return settings
        values = {name: getter() for name, (getter, _) in self._bindings.items()}
        section = dataclasses.replace(getattr(settings, self.section), **values)
        return dataclasses.replace(settings, **{self.section: section})

    def restore_defaults(self) -> None:
        if self.section:
            self.load(dataclasses.replace(Settings(), **{self.section: self.section_type()}))



class CompletionPage(SettingsPage):
    title = "Completion"
    section = "completion"
    section_type = CompletionSettings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check("enabled", "Show suggestions while typing")
        self._spin("debounce_ms", "Wait before suggesting:", " ms")
        self._spin("max_new_tokens", "Suggestion length:", " tokens")
        self._choice("confidence", "Show suggestions:",
                     {"conservative": "Conservative: only likely ones",
                      "balanced": "Balanced", "eager": "Eager: more, less often right"})
        self._spin("continue_tokens", "Continue writing length:", " tokens")
        self._spin("alternatives", "Alternatives:")
        self._double("temperature", "Temperature:")
        self._double("top_p", "Top-p:")
        self._double("repetition_penalty", "Repetition penalty:")
        self._finish()



class EditorPage(SettingsPage):
    title = "Editor"
    section = "editor"
    section_type = EditorSettings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.system_font = QCheckBox("Use the default prose font")
        self.font_combo = QFontComboBox()
        font_row = QWidget()
        column = QVBoxLayout(font_row)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.system_font)
        column.addWidget(self.font_combo)
        self._bind("font_family", "Font:", font_row, self._font_family, self._set_font_family)
        self.system_font.toggled.connect(lambda on: self.font_combo.setEnabled(not on))
        self._spin("font_size", "Font size:", " pt")
        self._choice("theme", "Theme:", _THEME_LABELS)
        self._line_width_spin()
        self._spin("autosave_seconds", "Recovery copy every:", " s")
        self._check("autosave_to_file", "Also save documents that have a file at that "
                    "interval")
        self._check("focus_mode", "Focus mode: dim all but the current paragraph")
        self._spin("session_word_goal", "Session word goal:", " words", special="None")
        self._finish()

    def _line_width_spin(self) -> None:
        """0 (the window's width) or at least MIN_LINE_WIDTH characters: the value just
        below that minimum stands for 0 and reads "Window width"."""
        spin = QSpinBox(suffix=" characters", minimumWidth=SHORT_WIDTH)
        off = MIN_LINE_WIDTH - 1
        spin.setRange(off, int(field_meta(EditorSettings, "line_width")["high"]))
        spin.setSpecialValueText("Window width")
        self._bind("line_width", "Line width:", spin,
                   lambda: 0 if spin.value() == off else spin.value(),
                   lambda value: spin.setValue(value if value >= MIN_LINE_WIDTH else off),
                   short=True)

    def _font_family(self) -> str:
        return "" if self.system_font.isChecked() else self.font_combo.currentFont().family()

    def _set_font_family(self, family: str) -> None:
        self.system_font.setChecked(not family)
        self.font_combo.setEnabled(bool(family))
        self.font_combo.setCurrentFont(QFont(family) if family else prose_font())
