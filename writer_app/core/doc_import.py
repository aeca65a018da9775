"""Reading the user's own documents for personalization: .txt, .md, .docx and .odt.

Files and folders (searched recursively) go in; the readable documents, the files that
were skipped with the reason why, and the total word count come out. Nothing here is
fatal: a damaged, binary, empty or unreadable file is listed as skipped and the rest
are still read.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from writer_app.core.documents import (
    MAX_DOCUMENT_BYTES,
    MB,
    DocumentError,
    read_file_bytes,
    read_text_document,
    size_text,
)

PLAIN_SUFFIXES = (".txt", ".md", ".markdown", ".text")
SUPPORTED_SUFFIXES = (*PLAIN_SUFFIXES, ".docx", ".odt")
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")
MAX_CORPUS_BYTES = 200 * MB  # text read for one training run; files beyond it are skipped


@dataclass(frozen=True)
class ImportedDocument:
    path: str
    text: str
    words: int


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class ImportResult:
    documents: list[ImportedDocument] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    budget: int = MAX_CORPUS_BYTES  # bytes of text that may still be read

    @property
    def words(self) -> int:
        return sum(d.words for d in self.documents)


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def read_documents(paths: Iterable[str | os.PathLike[str]],
                   max_bytes: int = MAX_CORPUS_BYTES) -> ImportResult:
    """Read every supported file among `paths` (folders searched recursively).

    A file named twice (directly and through its folder) is read once. Inside folders,
    files of other types are silently passed over (folders hold images, spreadsheets…);
    a file named directly with an unsupported type is reported as skipped. Once the
    texts read reach `max_bytes` (UTF-8), the remaining files are skipped with the reason.
    """
    result = ImportResult()
    result.budget = max_bytes
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                result.skipped.append(SkippedFile(str(path), "folder holds no .txt, .md, "
                                                  ".docx or .odt files"))
            for file in files:
                _read_into(file, result, seen)
        elif path.exists():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                result.skipped.append(SkippedFile(str(path), f"unsupported file type "
                                                  f"“{path.suffix or 'none'}”"))
                continue
            _read_into(path, result, seen)
        else:
            result.skipped.append(SkippedFile(str(path), "does not exist"))
    return result


def _folder_files(folder: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith((".", "~$")) and name.lower().endswith(SUPPORTED_SUFFIXES):
                files.append(Path(root) / name)
    return files


def _read_into(path: Path, result: ImportResult, seen: set[Path]) -> None:
    key = path.resolve()
    if key in seen:
        return
    seen.add(key)
    if result.budget <= 0:
        result.skipped.append(SkippedFile(str(path), "the limit on text read at once "
                                          "was reached"))
        return
    try:
        text = read_document(path, min(MAX_DOCUMENT_BYTES, result.budget))
    except DocumentError as exc:
        result.skipped.append(SkippedFile(str(path), str(exc)))
        return
    result.budget -= len(text.encode("utf-8", "replace"))
    words = count_words(text)
    if words == 0:
        result.skipped.append(SkippedFile(str(path), "no text in it"))
        return
    result.documents.append(ImportedDocument(str(path), text, words))


def read_document(path: str | os.PathLike[str], limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The plain text of one document of at most `limit` bytes; raises DocumentError
    with the reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _read_container(path, _docx_text, "Word document", limit)
    if suffix == ".odt":
        return _read_container(path, _odt_text, "OpenDocument text", limit)
    return read_text_document(path, limit)


def _read_container(path: Path, reader, kind: str, limit: int) -> str:
    read_file_bytes(path, limit)  # a regular file within the limit (else DocumentError)
    if not zipfile.is_zipfile(path):
        raise DocumentError(f"“{path.name}” is not a valid {kind} (damaged or mislabelled).")
    try:
        text = reader(path)
    except Exception as exc:  # noqa: BLE001 - the parsers raise many kinds on bad files
        raise DocumentError(f"“{path.name}” is not a readable {kind}: "
                            f"{type(exc).__name__}.") from None
    if len(text) > limit:  # a small archive can hold much text
        raise DocumentError(f"“{path.name}” holds more text than the limit of "
                            f"{size_text(limit)}.")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts).strip()


def _odt_text(path: Path) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(str(path))
    parts = []
    # Headings and paragraphs in document order (getElementsByType keeps the order of
    # each type only, so walk the tree instead).
    wanted = {(TEXTNS, "h"), (TEXTNS, "p")}
    stack = [document.text]
    while stack:
        node = stack.pop()
        if getattr(node, "qname", None) in wanted:
            parts.append(teletype.extractText(node))
            continue
        stack.extend(reversed(getattr(node, "childNodes", [])))
    return "\n".join(parts).strip()
