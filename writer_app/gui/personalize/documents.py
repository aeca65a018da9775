"""The documents to learn from: a list of files and folders (buttons or drag and drop),
read and counted off the GUI thread."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.doc_import import SUPPORTED_SUFFIXES, read_documents
from writer_app.gui.personalize.common import caption, set_error_style
from writer_app.jobs.background import BackgroundCall

DOC_FILTER = ("Documents (" + " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
              + ");;All files (*)")
FEW_WORDS = 2000  # below this, personalization has too little to learn from
EMPTY_TEXT = "Add files or folders, or drop them here."


@dataclass(frozen=True)
class ScanResult:
    files: tuple[Path, ...]
    words: int
    skipped: tuple[tuple[str, str], ...]  # (path, reason)
    texts: tuple[str, ...] = field(default=(), repr=False, compare=False)  # of `files`


def scan_documents(items: Sequence[Path | str]) -> ScanResult:
    """Files found in `items` (folders searched recursively), their words, and what was
    skipped with the reason. Never raises for a bad file: it is listed as skipped."""
    result = read_documents(items)
    return ScanResult(tuple(Path(d.path) for d in result.documents), result.words,
                      tuple((s.path, s.reason) for s in result.skipped),
                      tuple(d.text for d in result.documents))


class DocumentsBox(QGroupBox):
    """"Your documents": the chosen files and folders and what a scan of them found.

    `scanner` reads them (on a worker thread; tests hand in a slow one).
    sig_scan_started when the list changed (the old count no longer holds), then
    sig_scan_finished once the new result (`scan_result`) or its error is shown.
    """

    sig_scan_started = Signal()
    sig_scan_finished = Signal()

    def __init__(self, scanner: Callable[[Sequence[Path]], ScanResult] = scan_documents,
                 parent: QWidget | None = None) -> None:
        super().__init__("Your documents", parent)
        self._scanner = scanner
        self._items: list[Path] = []
        self.scan_result: ScanResult | None = None
        self._scan = BackgroundCall("personalize-scan", self)
        self._scan.sig_finished.connect(self._on_scan_finished)
        self._scan.sig_failed.connect(self._on_scan_failed)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.doc_list = QListWidget()
        self.doc_list.setObjectName("doc_list")
        self.doc_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.doc_list.setToolTip("Files and folders to learn from; drop them here too. "
                                 "Folders are searched for .txt, .md, .docx and .odt files.")
        self.doc_list.setMinimumHeight(70)
        self.doc_list.setMaximumHeight(110)
        layout.addWidget(self.doc_list)
        buttons = QHBoxLayout()
        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected files and folders from the list")
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.scan_label = caption(EMPTY_TEXT)
        self.scan_label.setObjectName("scan_label")
        layout.addWidget(self.scan_label)
        self.warning_label = caption("")
        self.warning_label.setObjectName("few_words_warning")
        self.warning_label.setVisible(False)
        layout.addWidget(self.warning_label)
        self.skipped_label = caption("")
        self.skipped_label.setObjectName("skipped_label")
        self.skipped_label.setVisible(False)
        layout.addWidget(self.skipped_label)
        self.add_files_button.clicked.connect(self._on_add_files)
        self.add_folder_button.clicked.connect(self._on_add_folder)
        self.remove_button.clicked.connect(self._on_remove)

    # -- the list ---------------------------------------------------------------------
    def items(self) -> list[Path]:
        return list(self._items)

    def set_items(self, items: Iterable[Path | str]) -> None:
        self._items = []
        self.add_items(items)

    def add_items(self, items: Iterable[Path | str]) -> None:
        """Add files or folders (from the dialogs or a drop) and count their words."""
        for item in items:
            path = Path(item)
            if path not in self._items:
                self._items.append(path)
        self.doc_list.clear()
        for path in self._items:
            entry = QListWidgetItem(f"{path.name or path}{os.sep if path.is_dir() else ''}")
            entry.setToolTip(str(path))
            self.doc_list.addItem(entry)
        self.scan()

    def set_editable(self, editable: bool) -> None:
        for widget in (self.add_files_button, self.add_folder_button, self.remove_button):
            widget.setEnabled(editable)

    # -- the scan ---------------------------------------------------------------------
    @property
    def scanning(self) -> bool:
        return self._scan.busy

    def scan(self) -> None:
        """Read the listed documents and count their words on a worker thread; the box
        says "Scanning…" meanwhile and shows the result when it comes."""
        self.scan_result = None  # the old count no longer holds; Start waits for the new
        self.scan_label.setText("Scanning…" if self._items else EMPTY_TEXT)
        self.warning_label.setVisible(False)
        self.skipped_label.setVisible(False)
        self._scan.run(self._scanner, list(self._items))
        self.sig_scan_started.emit()

    def wait(self, timeout: float = 10.0) -> None:
        """Join the scan threads (tests, and before the box goes away)."""
        self._scan.join(timeout)

    def _on_scan_failed(self, message: str) -> None:
        self.scan_label.setText(f"Cannot read the documents: {message}")
        set_error_style(self.scan_label, True)
        self.sig_scan_finished.emit()

    def _on_scan_finished(self, result: ScanResult) -> None:
        self.scan_result = result
        set_error_style(self.scan_label, False)
        if not self._items:
            self.scan_label.setText(EMPTY_TEXT)
        else:
            self.scan_label.setText(f"{len(result.files)} document(s), "
                                    f"{result.words:,} words found.")
        few = 0 < result.words < FEW_WORDS or (self._items and result.words == 0)
        self.warning_label.setVisible(bool(few))
        self.warning_label.setText(
            f"Only {result.words:,} words: with under {FEW_WORDS:,} words personalization "
            "will be weak. Add more of your writing if you can.")
        set_error_style(self.warning_label, True)
        self.skipped_label.setVisible(bool(result.skipped))
        self.skipped_label.setText(skipped_text(result.skipped))
        self.sig_scan_finished.emit()

    # -- choosing ---------------------------------------------------------------------
    def _on_add_files(self) -> None:
        self.add_items(self._choose_files())

    def _on_add_folder(self) -> None:
        folder = self._choose_folder()
        if folder is not None:
            self.add_items([folder])

    def _on_remove(self) -> None:
        rows = sorted((self.doc_list.row(i) for i in self.doc_list.selectedItems()),
                      reverse=True)
        for row in rows:
            del self._items[row]
        self.set_items(list(self._items))

    def _choose_files(self) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(self, "Add documents", str(Path.home()),
                                                DOC_FILTER)
        return [Path(name) for name in names]

    def _choose_folder(self) -> Path | None:
        name = QFileDialog.getExistingDirectory(self, "Add a folder of documents",
                                                str(Path.home()))
        return Path(name) if name else None


def skipped_text(skipped: Sequence[tuple[str, str]], shown: int = 6) -> str:
    lines = [f"Skipped {len(skipped)} file(s):"]
    # Most reasons already name the file; the others get its name in front.
    lines += [f"  {reason}" if Path(path).name in reason else f"  {Path(path).name}: {reason}"
              for path, reason in skipped[:shown]]
    if len(skipped) > shown:
        lines.append(f"  … and {len(skipped) - shown} more")
    return "\n".join(lines)
