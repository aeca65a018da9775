""""Your adapters": the saved LoRA adapters, with Activate, Deactivate, Rename and Delete.

The controller hands in the store (inference/adapters.py, as AdapterStoreLike) and
`activate_adapter(path)` ("" = none), which makes completion use an adapter at once and
returns None, or why it could not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.gui.personalize.common import caption, number, same_path, set_error_style

NO_ADAPTERS = "No adapters yet: train one above."


class AdapterLike(Protocol):
    path: str
    name: str
    created: str  # ISO 8601
    base_model: str
    metrics: dict[str, Any]


class AdapterStoreLike(Protocol):
    """The saved adapters, as handed in by the controller (inference/adapters.py). Each
    method raises an exception whose message is shown to the user when it fails."""

    root: Path

    def list(self) -> Sequence[AdapterLike]: ...

    def rename(self, path: str, name: str) -> object: ...

    def delete(self, path: str) -> None: ...

    def new_dir(self, name: str) -> Path: ...


class AdaptersBox(QGroupBox):
    """The adapter list and its buttons; `active_adapter` is the one completion uses."""

    sig_adapter_changed = Signal(str)  # the active adapter's path, "" for none

    def __init__(self, store: AdapterStoreLike | None,
                 activate_adapter: Callable[[str], str | None] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Your adapters", parent)
        self.store = store
        self._activate = activate_adapter
        self.active_adapter = ""
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.adapter_list = QListWidget()
        self.adapter_list.setObjectName("adapter_list")
        self.adapter_list.setMinimumHeight(70)
        self.adapter_list.setMaximumHeight(150)
        self.adapter_list.setWordWrap(True)
        self.adapter_list.setSpacing(2)
        self.adapter_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.adapter_list)
        buttons = QHBoxLayout()
        self.activate_button = QPushButton("Activate")
        self.activate_button.setToolTip("Use this adapter for suggestions from now on")
        self.deactivate_button = QPushButton("Deactivate")
        self.deactivate_button.setToolTip("Go back to the plain completion model")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        for button in (self.activate_button, self.deactivate_button, self.rename_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.adapter_status = caption("")
        self.adapter_status.setObjectName("adapter_status")
        layout.addWidget(self.adapter_status)
        self.adapter_list.currentRowChanged.connect(self._update_buttons)
        self.activate_button.clicked.connect(self._on_activate)
        self.deactivate_button.clicked.connect(self.deactivate)
        self.rename_button.clicked.connect(self._on_rename)
        self.delete_button.clicked.connect(self._on_delete)

    # -- the list ---------------------------------------------------------------------
    def set_active_adapter(self, path: str) -> None:
        self.active_adapter = path or ""
        self.refresh()

    def adapters(self) -> list[AdapterLike]:
        return [self.adapter_list.item(row).data(Qt.ItemDataRole.UserRole)
                for row in range(self.adapter_list.count())]

    def refresh(self, select: str | None = None) -> None:
        current = self.selected()
        keep = select or (current.path if current else self.active_adapter)
        self.adapter_list.clear()
        for entry in self._list():
            item = QListWidgetItem(self._text(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(str(entry.path))
            if self.is_active(entry):
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.adapter_list.addItem(item)
            if same_path(entry.path, keep):
                self.adapter_list.setCurrentItem(item)
        if self.store is None:
            self.message("Adapters are unavailable here.")
        elif self.adapter_list.count() == 0:
            self.message(NO_ADAPTERS)
        elif self.adapter_status.text() == NO_ADAPTERS:
            self.message("")  # one is listed now
        self._update_buttons()

    def unique_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`… when an adapter is listed under it."""
        taken = {entry.name for entry in self.adapters()}
        candidate, counter = name, 2
        while candidate in taken:
            candidate, counter = f"{name} ({counter})", counter + 1
        return candidate

    def _list(self) -> Sequence[AdapterLike]:
        if self.store is None:
            return []
        try:
            return self.store.list()
        except Exception as exc:  # the store's message says what went wrong
            self.message(f"Cannot list the adapters: {exc}", error=True)
            return []

    def is_active(self, entry: AdapterLike) -> bool:
        return same_path(entry.path, self.active_adapter)

    def _text(self, entry: AdapterLike) -> str:
        """Two lines: the name (marked when active), then its date, model and result."""
        date = entry.created[:16].replace("T", " ") or "date unknown"
        metrics = entry.metrics or {}
        before, after = number(metrics.get("ppl_before")), number(metrics.get("ppl_after"))
        ppl = f" · perplexity {before:.1f} → {after:.1f}" if before and after else ""
        name = f"✓ {entry.name} (active)" if self.is_active(entry) else entry.name
        return f"{name}\n{date} · for {entry.base_model or 'an unknown model'}{ppl}"

    def selected(self) -> AdapterLike | None:
        item = self.adapter_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.activate_button.setEnabled(entry is not None and not self.is_active(entry))
        self.deactivate_button.setEnabled(bool(self.active_adapter))
        self.rename_button.setEnabled(entry is not None)
        self.delete_button.setEnabled(entry is not None)

    # -- switching --------------------------------------------------------------------
    def activate(self, entry: AdapterLike) -> bool:
        return self.activate_path(str(entry.path), entry.name)

    def activate_path(self, path: str, name: str) -> bool:
        if not self._apply(path):
            return False
        self.message(f"Suggestions now use “{name}”.")
        return True

    def deactivate(self) -> bool:
        if not self._apply(""):
            return False
        self.message("Suggestions use the plain completion model again.")
        return True

    def adapter_refused(self, in_use: str, message: str) -> None:
        """The worker could not switch (it found out later): show what is in use now."""
        self.set_active_adapter(in_use)
        self.message(message, error=True)

    def _apply(self, path: str) -> bool:
        if self._activate is None:
            self.message("Adapter activation is unavailable here.", error=True)
            return False
        error = self._activate(path)
        if error:
            self.message(error, error=True)
            return False
        self.set_active_adapter(path)
        self.sig_adapter_changed.emit(path)
        return True

    def _on_activate(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.activate(entry)

    def _on_rename(self) -> None:
        entry = self.selected()
        name = self._ask_name(entry.name) if entry is not None else None
        if entry is None or self.store is None or not name or name == entry.name:
            return
        try:
            self.store.rename(str(entry.path), name)
        except Exception as exc:  # the store's message says why
            self.message(f"Cannot rename “{entry.name}”: {exc}", error=True)
            return
        self.refresh(select=str(entry.path))
        self.message(f"Renamed to “{name}”.")

    def _on_delete(self) -> None:
        entry = self.selected()
        if entry is None or self.store is None or not self._confirm(
                f"Delete the adapter “{entry.name}”? This cannot be undone."):
            return
        if self.is_active(entry) and not self.deactivate():
            return  # still in use: keep it
        try:
            self.store.delete(str(entry.path))
        except Exception as exc:  # the store's message says why
            self.message(str(exc), error=True)
            return
        self.refresh()
        self.message(f"Deleted “{entry.name}”.")

    def _ask_name(self, current: str) -> str | None:
        """Overridden in tests."""
        name, ok = QInputDialog.getText(self, "Rename adapter", "Name:", text=current)
        return name.strip() if ok else None

    def _confirm(self, question: str) -> bool:
        """Overridden in tests."""
        answer = QMessageBox.question(self, "Delete adapter", question)
        return answer == QMessageBox.StandardButton.Yes

    def message(self, text: str, error: bool = False) -> None:
        self.adapter_status.setText(text)
        set_error_style(self.adapter_status, error)
