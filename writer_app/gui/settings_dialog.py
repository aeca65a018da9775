"""Edit > Preferences: every user setting on five pages, applied without a restart.

The dialog edits a copy of the frozen Settings and emits the new one on Apply
or OK; it saves nothing and loads no model itself. What it needs from the
inference side (known models, devices, folder validation) is handed in as plain
data and callables, so this module imports no inference code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFontComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.dictionary import clean_word, format_word_list, parse_word_list
from writer_app.core.documents import DocumentError, atomic_write_text
from writer_app.core.grammar_check import SENSITIVITY_LEVELS, knobs_for
from writer_app.core.requests import ModelInfo
from writer_app.core.settings import (
    GRAMMAR_CATEGORIES,
    MIN_LINE_WIDTH,
    CompletionSettings,
    EditorSettings,
    GrammarSettings,
    ModelSettings,
    Settings,
)
from writer_app.core.trusted import ConsentNeeded
from writer_app.core.units import human_count, human_size
from writer_app.gui.personalize.adapters import AdapterStoreLike
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.gui.prose_font import prose_font
from writer_app.gui.theme import error_color
from writer_app.jobs.runner import TrainingRunner

ADD_FOLDER = "\x00add-folder"  # the combo entry that opens a folder chooser
WORD_LIST_FILTER = "Word lists (*.txt *.dic);;All files (*)"
_HALF_PRECISION = ("float16", "bfloat16")
_THEME_LABELS = {"system": "System", "light": "Light", "dark": "Dark"}
_SHORT_WIDTH = 130  # short fields (numbers, small choices) line up at one width
# The defaults' names until the model scan answers (as inference/registry.py names them).
_DEFAULT_COMPLETION_NAME = "SmolLM2-135M-Instruct (embedded)"
_DEFAULT_GRAMMAR_NAME = "Shipped grammar tagger (MiniLM)"


class KnownModelLike(Protocol):
    reference: str
    name: str
    path: str | None
    size_bytes: int | None


class DeviceLike(Protocol):
    id: str
    name: str
    total_memory: int | None
    free_memory: int | None


def _doc(cls: type, name: str) -> str:
    """A setting's tooltip: the `doc` it carries, which also comments the TOML file."""
    return next(f.metadata["doc"] for f in dataclasses.fields(cls) if f.name == name)


def _meta(cls: type, name: str) -> dict[str, Any]:
    return dict(next(f.metadata for f in dataclasses.fields(cls) if f.name == name))


def _note(text: str) -> QLabel:
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
        tip = _doc(self.section_type, name)
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
        meta = _meta(self.section_type, name)
        spin = QSpinBox(suffix=suffix)
        spin.setRange(int(meta["low"]), int(meta["high"]))
        if special:
            spin.setSpecialValueText(special)  # shown for the minimum
        spin.setMinimumWidth(_SHORT_WIDTH)
        self._bind(name, label, spin, spin.value, spin.setValue, short=True)
        return spin

    def _double(self, name: str, label: str, step: float = 0.05) -> QDoubleSpinBox:
        meta = _meta(self.section_type, name)
        spin = QDoubleSpinBox(decimals=2, singleStep=step)
        spin.setRange(float(meta["low"]), float(meta["high"]))
        spin.setMinimumWidth(_SHORT_WIDTH)
        self._bind(name, label, spin, spin.value, spin.setValue, short=True)
        return spin

    def _choice(self, name: str, label: str, labels: dict[str, str]) -> QComboBox:
        combo = QComboBox(minimumWidth=_SHORT_WIDTH)
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


class ModelChooser:
    """One model combo on the Models page: the known models, folders added by the user,
    and "Add model folder…", which validates a folder before it is accepted. Below it,
    a validation error (hidden when none) and the choice's size and location."""

    def __init__(self, page: SettingsPage, name: str, label: str, *, default_name: str,
                 validate: Callable[[Path], str | None], choose: Callable[[], Path | None],
                 describe: Callable[[str, KnownModelLike | None], tuple[str, str]],
                 object_prefix: str) -> None:
        self._page = page
        self._default_name = default_name
        self._validate, self._choose, self._describe = validate, choose, describe
        self._known: dict[str, KnownModelLike] = {}
        self._last_index = 0
        self.combo = QComboBox()
        # Long model ids must not push the dialog wider; the full name is in the tooltip.
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(28)
        self.combo.addItem("Add model folder…", ADD_FOLDER)
        page._bind(name, label, self.combo, self.value, self.select)
        self.error = _note("")
        self.error.setVisible(False)
        self.error.setObjectName(f"{object_prefix}_error")
        page.form.addRow("", self.error)
        self.details = _note("")
        self.details.setObjectName(f"{object_prefix}_details")
        page.form.addRow("", self.details)
        self.combo.activated.connect(self._on_activated)
        self.combo.currentIndexChanged.connect(self.update_details)

    def value(self) -> str:
        if self.combo.currentData() == ADD_FOLDER:  # never saved as a model
            self.combo.setCurrentIndex(self._last_index)
        return self.combo.currentData()

    def set_known(self, models: Sequence[KnownModelLike]) -> None:
        """(Re)fill the list, keeping the choice and the folders the user added."""
        current = self.combo.itemData(self._last_index)
        added = [(self.combo.itemText(i), self.combo.itemData(i))
                 for i in range(self.combo.count() - 1)
                 if self.combo.itemData(i) not in self._known]
        self._known = {model.reference: model for model in models}
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            if "default" not in self._known:  # the scan has not answered yet
                self.combo.addItem(self._default_name, "default")
            for model in models:
                self.combo.addItem(model.name, model.reference)
                self.combo.setItemData(self.combo.count() - 1, model.path or model.reference,
                                       Qt.ItemDataRole.ToolTipRole)
            for text, reference in added:
                if reference != "default" and self.combo.findData(reference) < 0:
                    self._insert(text, reference)
            self.combo.addItem("Add model folder…", ADD_FOLDER)
        finally:
            self.combo.blockSignals(False)
        if current is not None and current != ADD_FOLDER:
            self._show(current)

    def select(self, reference: str) -> None:
        self._show(reference)
        self.show_error("")

    def _show(self, reference: str) -> None:
        index = self.combo.findData(reference)
        if index < 0:  # a folder or model id typed into the settings file
            name = self._default_name if reference == "default" else (
                Path(reference).name or reference)
            index = self._insert(name, reference)
        self.combo.setCurrentIndex(index)
        self._last_index = index
        self.update_details()  # also when the index stayed the same

    def _insert(self, name: str, reference: str) -> int:
        index = self.combo.count() - 1  # before "Add model folder…"
        self.combo.insertItem(index, name, reference)
        self.combo.setItemData(index, reference, Qt.ItemDataRole.ToolTipRole)
        return index

    def _on_activated(self, index: int) -> None:
        if self.combo.itemData(index) == ADD_FOLDER:
            self.add_folder()
        else:
            self._last_index = index
            self.show_error("")

    def add_folder(self) -> bool:
        """Ask for a folder, validate it, and select it; a bad folder says why inline."""
        self.combo.setCurrentIndex(self._last_index)  # until one is accepted
        folder = self._choose()
        if folder is None:
            return False
        error = self._validate(folder)
        if isinstance(error, ConsentNeeded) and self._consent(error):
            error = self._validate(folder)
        if error:
            self.show_error(error)
            return False
        self.select(str(folder))
        return True

    def _consent(self, question: ConsentNeeded) -> bool:
        """Ask before a folder with pickle weights is allowed; remembered when granted."""
        answer = QMessageBox.warning(
            self._page, "Allow pickle weights?",
            f"{question}\n\nPickle files can run any program on this computer while they "
            "are loaded. Allow this folder only if you trust where it came from.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            question.grant()
        except DocumentError as exc:
            self.show_error(str(exc))
            return False
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.error.setStyleSheet(f"color: {error_color(self._page.palette()).name()};")

    def update_details(self) -> None:
        reference = self.combo.currentData()
        if reference is None or reference == ADD_FOLDER:
            return
        text, tip = self._describe(reference, self._known.get(reference))
        self.details.setText(text)
        self.details.setToolTip(tip)


def _size_and_place(reference: str, known: KnownModelLike | None) -> tuple[str | None, str]:
    """(human size or None, where the model lives) of a model choice."""
    path = known.path if known else reference
    size = human_size(known.size_bytes) if known and known.size_bytes else None
    if size is None and path and Path(path).is_dir():
        size = human_size(sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()))
    return size, path or "prepared on first use"


class ModelsPage(SettingsPage):
    title = "Models"
    section = "models"
    section_type = ModelSettings

    def __init__(self, known_models: Sequence[KnownModelLike], devices: Sequence[DeviceLike],
                 validate_folder: Callable[[Path], str | None],
                 model_info: ModelInfo | None, active_reference: str,
                 parent: QWidget | None = None, *,
                 grammar_models: Sequence[KnownModelLike] = (),
                 validate_grammar_folder: Callable[[Path], str | None] = lambda _f: None,
                 scanning: bool = False, grammar_parameters: int | None = None,
                 active_grammar: str = "default") -> None:
        super().__init__(parent)
        self._grammar_parameters = grammar_parameters  # of the grammar model in use
        self._active_grammar = active_grammar
        self._devices = list(devices)
        self._model_info = model_info
        self._active_reference = active_reference

        self.completion = ModelChooser(
            self, "completion_model", "Completion model:",
            default_name=_DEFAULT_COMPLETION_NAME, validate=validate_folder,
            choose=lambda: self._choose_model_folder(), describe=self._describe_completion,
            object_prefix="model")
        self.model_combo = self.completion.combo
        self.model_error, self.model_details = self.completion.error, self.completion.details
        # Device, precision and threads belong to the completion model: they follow it.
        self.device_combo = QComboBox(minimumWidth=_SHORT_WIDTH)
        self.device_combo.addItem("Auto", "auto")
        for device in self._devices:
            self.device_combo.addItem(self._device_label(device), device.id)
        self._bind("device", "Device:", self.device_combo,
                   self.device_combo.currentData, self._select_device, short=True)
        self.dtype_combo = QComboBox(minimumWidth=_SHORT_WIDTH)
        for value in ("auto", "float32", "float16", "bfloat16"):
            self.dtype_combo.addItem(value.capitalize() if value == "auto" else value, value)
        self._bind("dtype", "Precision:", self.dtype_combo,
                   self.dtype_combo.currentData,
                   lambda v: self.dtype_combo.setCurrentIndex(
                       max(0, self.dtype_combo.findData(v))), short=True)
        self.threads_spin = self._spin("cpu_threads", "CPU threads:", special="Automatic")
        self.facts = _note(self._facts_text())
        self.facts.setObjectName("device_facts")
        self.form.addRow("", self.facts)
        rule = QFrame(frameShape=QFrame.Shape.HLine, frameShadow=QFrame.Shadow.Sunken)
        self.form.addRow(rule)
        self.grammar = ModelChooser(
            self, "grammar_model", "Grammar model:",
            default_name=_DEFAULT_GRAMMAR_NAME, validate=validate_grammar_folder,
            choose=lambda: self._choose_grammar_folder(), describe=self._describe_grammar,
            object_prefix="grammar_model")
        self.grammar_combo = self.grammar.combo
        self.scan_note = _note("Looking for models in the local Hugging Face cache…")
        self.scan_note.setObjectName("scan_note")
        self.layout_.addWidget(self.scan_note)  # above the form: it concerns both lists
        self.set_known_models(known_models, grammar_models, scanning=scanning)
        self._finish()
        self.device_combo.currentIndexChanged.connect(self._on_device_changed)
        self._update_precisions()

    # -- model choice -------------------------------------------------------------------
    def set_known_models(self, known_models: Sequence[KnownModelLike],
                         grammar_models: Sequence[KnownModelLike], *,
                         scanning: bool = False) -> None:
        """Show the models found (again, when a scan of the model cache finishes)."""
        self.completion.set_known(known_models)
        self.grammar.set_known(grammar_models)
        self.scan_note.setVisible(scanning)

    def add_model_folder(self) -> bool:
        return self.completion.add_folder()

    def add_grammar_folder(self) -> bool:
        return self.grammar.add_folder()

    def _choose_model_folder(self) -> Path | None:
        """Overridden in tests."""
        name = QFileDialog.getExistingDirectory(self, "Add model folder", str(Path.home()))
        return Path(name) if name else None

    def _choose_grammar_folder(self) -> Path | None:
        """Overridden in tests."""
        name = QFileDialog.getExistingDirectory(self, "Add grammar model folder",
                                                str(Path.home()))
        return Path(name) if name else None

    def _describe_completion(self, reference: str,
                             known: KnownModelLike | None) -> tuple[str, str]:
        size, where = _size_and_place(reference, known)
        info = self._model_info if reference == self._active_reference else None
        params = human_count(info.parameters) if info and info.parameters else "known once loaded"
        return f"Size: {size or 'unknown'}  ·  Parameters: {params}\nLocation: {where}", where

    def _describe_grammar(self, reference: str,
                          known: KnownModelLike | None) -> tuple[str, str]:
        size, where = _size_and_place(reference, known)
        active = reference == self._active_grammar
        params = (human_count(self._grammar_parameters)
                  if active and self._grammar_parameters else "known once loaded")
        return (f"Size: {size or 'unknown'}  ·  Parameters: {params}\nLocation: {where}\n"
                "Runs on the completion model's device.", where)

    # -- device and precision -----------------------------------------------------------
    @staticmethod
    def _device_label(device: DeviceLike) -> str:
        if device.id.startswith("cuda"):
            free = human_size(device.free_memory) if device.free_memory is not None else "?"
            return f"{device.name} ({device.id}, {free} free)"
        if device.id == "cpu":
            return "CPU"
        return device.name

    def _select_device(self, device_id: str) -> None:
        index = self.device_combo.findData(device_id)
        if index < 0 and device_id == "cuda":
            index = self.device_combo.findData("cuda:0")
        if index < 0:  # a device not present now: keep the choice visible
            self.device_combo.addItem(f"{device_id} (not available)", device_id)
            index = self.device_combo.count() - 1
        self.device_combo.setCurrentIndex(index)

    def _effective_device(self) -> str:
        """What "auto" means on this machine: a GPU if there is one, else the CPU."""
        chosen = self.device_combo.currentData() or "auto"
        if chosen != "auto":
            return chosen
        ids = [device.id for device in self._devices]
        return next((i for i in ids if i.startswith("cuda")), "mps" if "mps" in ids else "cpu")

    def _on_device_changed(self) -> None:
        self._update_precisions()
        item = self.dtype_combo.model().item(self.dtype_combo.currentIndex())
        if item is not None and not item.isEnabled():
            self.dtype_combo.setCurrentIndex(0)  # back to Auto, which always fits

    def _update_precisions(self) -> None:
        device = self._effective_device()
        model: QStandardItemModel = self.dtype_combo.model()
        for row in range(model.rowCount()):
            value = self.dtype_combo.itemData(row)
            reason = self._precision_problem(device, value)
            item = model.item(row)
            item.setEnabled(reason is None)
            item.setToolTip(reason or "")

    @staticmethod
    def _precision_problem(device: str, dtype: str) -> str | None:
        if device == "cpu" and dtype in _HALF_PRECISION:
            return ("Not offered on the CPU: half precision there is much slower than "
                    "float32 and saves little memory.")
        if device == "mps" and dtype == "bfloat16":
            return "Apple Metal (MPS) does not support bfloat16 on most Macs; use float16."
        return None

    def precision_enabled(self, dtype: str) -> bool:
        index = self.dtype_combo.findData(dtype)
        return self.dtype_combo.model().item(index).isEnabled()

    def _facts_text(self) -> str:
        info = self._model_info
        if info is None:
            return "No model is loaded yet."
        where = info.device_name or info.device
        memory = f", {human_size(info.memory_bytes)} in use" if info.memory_bytes else ""
        return f"Running now: {info.name} on {where} ({info.dtype}{memory})."

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


class GrammarPage(SettingsPage):
    title = "Grammar and spelling"
    section = "grammar"
    section_type = GrammarSettings

    def __init__(self, words: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = _note("Spelling mistakes are underlined in red, grammar in blue, style "
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
        spin = QSpinBox(suffix=" characters", minimumWidth=_SHORT_WIDTH)
        off = MIN_LINE_WIDTH - 1
        spin.setRange(off, int(_meta(EditorSettings, "line_width")["high"]))
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


def with_adapter(settings: Settings, path: str) -> Settings:
    """`settings` with ModelSettings.adapter set to `path`."""
    if settings.models.adapter == path:
        return settings
    models = dataclasses.replace(settings.models, adapter=path)
    return dataclasses.replace(settings, models=models)


class SettingsDialog(QDialog):
    """Preferences. Emits sig_settings_applied(Settings) on Apply and OK (when changed)
    and sig_dictionary_applied(list[str]) when the personal dictionary changed."""

    sig_settings_applied = Signal(object)  # Settings
    sig_dictionary_applied = Signal(list)

    def __init__(
        self,
        settings: Settings,
        *,
        known_models: Sequence[KnownModelLike] = (),
        devices: Sequence[DeviceLike] = (),
        validate_folder: Callable[[Path], str | None] = lambda _folder: None,
        grammar_models: Sequence[KnownModelLike] = (),
        validate_grammar_folder: Callable[[Path], str | None] = lambda _folder: None,
        scanning: bool = False,
        grammar_parameters: int | None = None,
        model_info: ModelInfo | None = None,
        dictionary_words: Sequence[str] = (),
        personalize_runner: TrainingRunner | None = None,
        adapter_store: AdapterStoreLike | None = None,
        activate_adapter: Callable[[str], str | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self.models_page = ModelsPage(
            known_models, devices, validate_folder, model_info,
            settings.models.completion_model, grammar_models=grammar_models,
            validate_grammar_folder=validate_grammar_folder, scanning=scanning,
            grammar_parameters=grammar_parameters,
            active_grammar=settings.models.grammar_model)
        self.completion_page = CompletionPage()
        self.grammar_page = GrammarPage(dictionary_words)
        self.editor_page = EditorPage()
        has_gpu = any(device.id.startswith("cuda") for device in devices)
        from writer_app.gui.personalize.page import PersonalizePage  # builds on SettingsPage

        self.personalize_page = PersonalizePage(PersonalizePanel(
            personalize_runner, store=adapter_store, activate_adapter=activate_adapter,
            has_gpu=has_gpu))
        self.personalize_page.panel.sig_adapter_changed.connect(self._on_adapter_changed)
        from writer_app.gui.server_page import ServerPage  # it builds on SettingsPage

        self.server_page = ServerPage()
        self.pages: list[SettingsPage] = [
            self.models_page, self.completion_page, self.grammar_page, self.editor_page,
            self.personalize_page, self.server_page,
        ]
        self._build()
        for page in self.pages:
            page.load(settings)
        self.page_list.setCurrentRow(0)
        self.resize(760, 560)

    def _build(self) -> None:
        self.page_list = QListWidget()
        self.page_list.setObjectName("page_list")
        self.stack = QStackedWidget()
        for page in self.pages:
            self.page_list.addItem(page.title)
            self.stack.addWidget(page)
        self.page_list.setSpacing(3)
        self.page_list.setFixedWidth(self.page_list.sizeHintForColumn(0) + 40)
        self.page_list.currentRowChanged.connect(self._on_page_changed)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.restore_button.setToolTip("Put this page's settings back to their defaults")
        self.buttons.clicked.connect(self._on_button_clicked)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

    # -- buttons ------------------------------------------------------------------------
    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    @property
    def apply_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Apply)

    @property
    def cancel_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    @property
    def restore_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)

    def _on_button_clicked(self, button: QAbstractButton) -> None:
        if button is self.apply_button:
            self.apply()
        elif button is self.ok_button:
            self.apply()
            self.accept()
        elif button is self.restore_button:
            self.current_page().restore_defaults()
        else:
            self.reject()

    # -- pages --------------------------------------------------------------------------
    def current_page(self) -> SettingsPage:
        return self.stack.currentWidget()

    def show_page(self, page: SettingsPage) -> None:
        self.page_list.setCurrentRow(self.pages.index(page))

    def _on_page_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        # Personalize holds runs and adapters, no defaults to restore.
        self.restore_button.setEnabled(bool(self.pages[row].section))

    def _on_adapter_changed(self, path: str) -> None:
        """The adapter was switched (and saved) at once: Apply has nothing to add for it."""
        self._settings = with_adapter(self._settings, path)

    def set_known_models(self, known_models: Sequence[KnownModelLike],
                         grammar_models: Sequence[KnownModelLike]) -> None:
        """A scan of the model cache finished: offer what it found."""
        self.models_page.set_known_models(known_models, grammar_models)

    def grammar_model_kept(self, reference: str, message: str) -> None:
        """The grammar model applied did not load; `reference` serves instead."""
        self._settings = dataclasses.replace(
            self._settings, models=dataclasses.replace(self._settings.models,
                                                       grammar_model=reference))
        self.models_page.grammar.select(reference)
        self.models_page.grammar.show_error(message)

    def adapter_refused(self, in_use: str, message: str) -> None:
        """The worker could not use the adapter asked for; `in_use` serves instead."""
        self._on_adapter_changed(in_use)
        self.personalize_page.panel.adapter_refused(in_use, message)

    # -- values -------------------------------------------------------------------------
    def edited_settings(self) -> Settings:
        """The settings as the pages show them now."""
        settings = self._settings
        for page in self.pages:
            settings = page.collect(settings)
        return settings

    def apply(self) -> Settings:
        """Emit what changed since the dialog opened (or the last Apply)."""
        settings = self.edited_settings()
        if settings != self._settings:
            self._settings = settings
            self.sig_settings_applied.emit(settings)
        self.personalize_page.panel.set_model(settings.models.completion_model,
                                              settings.models.device)
        words = self.grammar_page.words()
        if words != self.grammar_page.saved_words:
            self.grammar_page.saved_words = words
            self.sig_dictionary_applied.emit(words)
        return settings
