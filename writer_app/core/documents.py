"""Reading and writing the user's documents: strict UTF-8 in, atomic writes out."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")


class DocumentError(Exception):
    """A document could not be read or written. The message is shown to the user."""


def read_text_document(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file; a BOM is accepted, anything else undecodable is refused."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"“{path.name}” does not exist.") from None
    except IsADirectoryError:
        raise DocumentError(f"“{path.name}” is a folder, not a text file.") from None
    except OSError as exc:
        raise DocumentError(f"“{path.name}” cannot be read: {exc.strerror or exc}.") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(f"“{path.name}” looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"“{path.name}” is not valid UTF-8 text (byte {exc.start}); it was not opened."
        ) from None
    # Qt's editor works with \n; keep the file's content otherwise untouched.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write text so that the file holds either the old or the new content, never half.

    Write a temp file beside the target, fsync it, rename it over the target,
    then fsync the folder so the rename itself survives a power cut.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else None
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DocumentError(f"Cannot write “{path.name}”: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise DocumentError(
            f"Cannot save “{path.name}”: {exc.strerror or exc}. The previous file is unchanged."
        ) from None
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
