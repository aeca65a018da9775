"""A document on disk as the editor knows it: where it is, how it is spelled (line ends,
BOM) and what the file looked like when it was last read or written.

Saving checks that the file is still what the editor last saw (modification time, size
and inode); when another program changed it, :class:`ChangedOnDiskError` lets the caller ask
the writer. A read-only file raises :class:`ReadOnlyFileError` unless the writer agreed to
overwrite it. Writes are atomic, go through symlinks, and keep the file's mode.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from writer_app.core.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentError,
    TextFormat,
    atomic_write_bytes,
    read_document_with_format,
)


class ChangedOnDiskError(DocumentError):
    """The file was changed (or removed) by another program since it was read or saved."""


class ReadOnlyFileError(DocumentError):
    """The file may not be written; overwriting it needs the writer's consent."""


@dataclass(frozen=True)
class DiskState:
    mtime_ns: int
    size: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> DiskState | None:
        """The file's state (through symlinks), or None when there is no file."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        return cls(info.st_mtime_ns, info.st_size, info.st_ino, info.st_dev)


@dataclass(frozen=True)
class DocumentFile:
    path: Path
    format: TextFormat = TextFormat()
    state: DiskState | None = None  # None: not read from disk (new, or restored)

    @classmethod
    def open(cls, path: str | os.PathLike[str],
             limit: int = MAX_DOCUMENT_BYTES) -> tuple[str, DocumentFile]:
        """(text, file) of an existing document; DocumentError says why it cannot be read."""
        path = Path(path)
        before = DiskState.of(path)
        text, text_format = read_document_with_format(path, limit)
        return text, cls(path, text_format, before)

    def disk_state(self) -> DiskState | None:
        return DiskState.of(self.path)

    def changed_on_disk(self) -> bool:
        """Whether the file is no longer what was last read or written (also: removed)."""
        return self.state is not None and self.disk_state() != self.state

    def read_only(self) -> bool:
        """No write permission, or no write bit at all (which even root respects here)."""
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return False
        return not os.access(self.path, os.W_OK) or not mode & 0o222

    def save(self, text: str, *, overwrite_changes: bool = False,
             overwrite_read_only: bool = False) -> DocumentFile:
        """Write `text` in the file's own format; the file as it is now on disk.

        Raises ChangedOnDiskError, ReadOnlyFileError or DocumentError; the file is untouched then.
        """
        if not overwrite_changes and self.changed_on_disk():
            gone = not self.path.exists()
            raise ChangedOnDiskError(f"“{self.path.name}” was {'removed' if gone else 'changed'} "
                                "by another program since it was opened.")
        if not overwrite_read_only and self.read_only():
            raise ReadOnlyFileError(f"“{self.path.name}” is read-only.")
        atomic_write_bytes(self.path, self.format.encode(text))
        return replace(self, state=self.disk_state())

    def saved_as(self, path: str | os.PathLike[str]) -> DocumentFile:
        """The same document, to be written to another path (a new file: no state)."""
        return DocumentFile(Path(path), self.format, DiskState.of(path))
