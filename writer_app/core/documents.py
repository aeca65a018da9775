"""Reading and writing the user's documents: strict UTF-8 in, atomic writes out.

One policy for every way text comes in (the editor, the command line's files and standard
input, training documents): regular files only (a device or FIFO is refused at once,
never read), a size limit, strict UTF-8 (a byte-order mark is accepted), and no NUL
characters anywhere (text with NUL is binary). Line ends become ``\\n``; the file's own
line ends and BOM are kept in a :class:`TextFormat`, so that a save writes them back.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
MB = 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * MB  # the editor opens files up to this size
MAX_INPUT_BYTES = 20 * MB  # the command line reads at most this much (--max-bytes)
_BOM = b"\xef\xbb\xbf"


class DocumentError(Exception):
    """A document could not be read or written. The message is shown to the user."""


@dataclass(frozen=True)
class TextFormat:
    """How a text file spells what the editor holds as plain ``\\n`` text."""

    newline: str = "\n"  # "\n", "\r\n" or "\r": the file's first line end
    bom: bool = False

    def encode(self, text: str) -> bytes:
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return (_BOM if self.bom else b"") + text.encode("utf-8")


def detect_format(data: bytes) -> TextFormat:
    bom = data.startswith(_BOM)
    end = data.find(b"\n")
    cr = data.find(b"\r")
    if cr >= 0 and (end < 0 or cr < end):
        newline = "\r\n" if data[cr + 1 : cr + 2] == b"\n" else "\r"
    else:
        newline = "\n"
    return TextFormat(newline, bom)


def size_text(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB else f"{size} bytes"


def decode_text(data: bytes, name: str) -> str:
    """Strict UTF-8 (BOM accepted) with ``\\n`` line ends; DocumentError naming `name`."""
    if b"\x00" in data:
        raise DocumentError(f"{name} holds NUL bytes: it looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{name} is not valid UTF-8 text (byte {exc.start}).") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_file_bytes(path: str | os.PathLike[str], limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; DocumentError otherwise.

    The file is opened without blocking and checked with fstat before anything is read,
    so a FIFO or a device (``/dev/zero``) is refused at once instead of hanging.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DocumentError(f"“{path.name}” does not exist.") from None
    except IsADirectoryError:
        raise DocumentError(f"“{path.name}” is a folder, not a text file.") from None
    except OSError as exc:
        raise DocumentError(f"“{path.name}” cannot be read: {exc.strerror or exc}.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise DocumentError(f"“{path.name}” is {_kind(info.st_mode)}, not a text file.")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise DocumentError(f"“{path.name}” is {size_text(info.st_size)}; the limit is "
                                f"{size_text(limit)}.")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise DocumentError(f"“{path.name}” cannot be read: {exc.strerror or exc}.") from None
    if len(data) > limit:  # it grew while being read
        raise DocumentError(f"“{path.name}” is larger than the limit of {size_text(limit)}.")
    return data


def read_text_document(path: str | os.PathLike[str], limit: int = MAX_DOCUMENT_BYTES) -> str:
    """Read a UTF-8 text file (see the module docstring); DocumentError says why not."""
    return read_document_with_format(path, limit)[0]


def read_document_with_format(path: str | os.PathLike[str],
                              limit: int = MAX_DOCUMENT_BYTES) -> tuple[str, TextFormat]:
    data = read_file_bytes(path, limit)
    text = decode_text(data, f"“{Path(path).name}”")
    return text, detect_format(data)


def read_stream_text(stream: BinaryIO, limit: int = MAX_INPUT_BYTES,
                     name: str = "standard input") -> str:
    """Text from a byte stream (standard input) under the same rules as a file."""
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise DocumentError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    if len(data) > limit:
        raise DocumentError(f"{name} is larger than the limit of {size_text(limit)}.")
    return decode_text(data, name)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write text (UTF-8, ``\\n``) so the file holds either the old or the new content."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes so that the file holds either the old or the new content, never half.

    Write a temp file beside the target, fsync it, rename it over the target, then fsync
    the folder so the rename itself survives a power cut. A symlink is written through
    (its target is replaced, the link stays); an existing file keeps its mode, a new one
    gets the usual mode for new files (0666 less the umask).
    """
    path = Path(path)
    with contextlib.suppress(OSError, RuntimeError):
        if path.is_symlink():
            path = path.resolve()
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DocumentError(f"Cannot write “{path.name}”: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise DocumentError(
            f"Cannot save “{path.name}”: {exc.strerror or exc}. The previous file is unchanged."
        ) from None
    fsync_dir(folder)


def _new_file_mode() -> int:
    """0666 less the umask; read from /proc where it can be (setting the umask to read it
    would race with other threads creating files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def fsync_dir(folder: str | os.PathLike[str]) -> None:
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
