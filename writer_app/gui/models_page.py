"""Preferences › Models: the completion and grammar models, device and precision.

What the page needs from the inference side (known models, devices, folder
validation) is handed in as plain data and callables, so it imports no inference code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QMessageBox,
    QWidget,
)

from writer_app.core.documents import DocumentError
from writer_app.core.requests import ModelInfo
from writer_app.core.settings import (
    ModelSettings,
)
from writer_app.core.trusted import ConsentNeeded
from writer_app.core.units import human_count, human_size
from writer_app.gui.settings_page import (
    SHORT_WIDTH,
    SettingsPage,
    note_label,
)
from writer_app.gui.theme import error_color

ADD_FOLDER = "\x00add-folder"  # the combo entry that opens a folder chooser
_HALF_PRECISION = ("float16", "bfloat16")
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
        self.error = note_label("")
        self.error.setVisible(False)
        self.error.setObjectName(f"{object_prefix}_error")
        page.form.addRow("", self.error)
        self.details = note_label("")
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
        self.device_combo = QComboBox(minimumWidth=SHORT_WIDTH)
        self.device_combo.addItem("Auto", "auto")
        for device in self._devices:
            self.device_combo.addItem(self._device_label(device), device.id)
        self._bind("device", "Device:", self.device_combo,
                   self.device_combo.currentData, self._select_device, short=True)
        self.dtype_combo = QComboBox(minimumWidth=SHORT_WIDTH)
        for value in ("auto", "float32", "float16", "bfloat16"):
            self.dtype_combo.addItem(value.capitalize() if value == "auto" else value, value)
        self._bind("dtype", "Precision:", self.dtype_combo,
                   self.dtype_combo.currentData,
                   lambda v: self.dtype_combo.setCurrentIndex(
                       max(0, self.dtype_combo.findData(v))), short=True)
        self.threads_spin = self._spin("cpu_threads", "CPU threads:", special="Automatic")
        self.facts = note_label(self._facts_text())
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
        self.scan_note = note_label("Looking for models in the local Hugging Face cache…")
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
