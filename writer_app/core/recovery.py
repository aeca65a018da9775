"""Crash recovery: periodic copies of unsaved documents, offered again after a crash.

Layout of the recovery folder::

    <folder>/<session id>/session.json      {"pid": 1234, "started": 1700000000.0,
                                             "boot_id": "…", "process_start": 123456}
    <folder>/<session id>/<key hash>.txt     the document text (the last full copy)
    <folder>/<session id>/<key hash>.json    {"doc_key", "original_path", "saved_at",
                                              "journal": "<generation>"}
    <folder>/<session id>/<key hash>.<generation>.journal
                                             the edits made since that copy, replayed
                                             on it when it is restored (see
                                             core/recovery_journal.py)

Each running app instance owns one session folder. A session whose process is no
longer alive crashed (a clean exit removes its folder), so its entries are
"pending". A process is identified by its pid together with the boot id and its start
time (Linux), so a pid reused after a crash or a reboot does not hide the entries.
Anything unreadable is skipped: recovery must never stop the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from writer_app.core.documents import DocumentError, atomic_write_text, read_file_bytes
from writer_app.core.recovery_journal import Edit, append_edits, apply_edits, read_journal

_SESSION_FILE = "session.json"


@dataclass(frozen=True)
class RecoveryEntry:
    """One recovered document from a session that did not exit cleanly."""

    session_id: str
    doc_key: str
    original_path: str | None
    saved_at: float
    text: str
    text_file: Path
    meta_file: Path

    @property
    def display_name(self) -> str:
        return Path(self.original_path).name if self.original_path else "Untitled"


class RecoveryStore:
    """Recovery copies for this app session, and access to those of crashed sessions."""

    def __init__(self, folder: Path, *, pid: int | None = None,
                 session_id: str | None = None) -> None:
        # pid and session_id are overridable so tests can fake a crashed session.
        self.folder = Path(folder)
        self.pid = os.getpid() if pid is None else pid
        self.identity = process_identity(self.pid)
        self.session_id = session_id or f"{self.pid}-{uuid.uuid4().hex[:12]}"
        self.session_dir = self.folder / self.session_id
        self._journals: dict[str, Path] = {}  # doc key -> the journal of its last full copy

    # --- this session -------------------------------------------------------------

    def save(self, doc_key: str, text: str, original_path: str | None) -> None:
        """Write a full recovery copy atomically, with a new, empty journal after it.
        Raises DocumentError if it cannot be written."""
        self._ensure_session()
        text_file, meta_file = self._files(doc_key)
        generation = uuid.uuid4().hex[:12]
        atomic_write_text(text_file, text)
        # The sidecar goes last: an entry counts only once its text is complete, and
        # names the journal that belongs to this text (an older one is never replayed).
        meta = {"doc_key": doc_key, "original_path": original_path, "saved_at": time.time(),
                "journal": generation}
        atomic_write_text(meta_file, json.dumps(meta, ensure_ascii=False))
        self._journals[doc_key] = _journal_file(text_file, generation)
        _remove_journals(text_file, keep=self._journals[doc_key])

    def append(self, doc_key: str, edits: list[Edit]) -> int:
        """Record `edits` (made since the last full copy or append) in the journal; the
        journal's size in bytes. Raises DocumentError when it cannot be written, or when
        there is no full copy of this document yet (save() first)."""
        journal = self._journals.get(doc_key)
        if journal is None or not journal.parent.is_dir():
            raise DocumentError("No recovery copy to add the changes to.")
        return append_edits(journal, edits)

    def remove(self, doc_key: str) -> None:
        """Drop this session's copy of a document (saved cleanly or discarded)."""
        text_file, meta_file = self._files(doc_key)
        _unlink(text_file)
        _unlink(meta_file)
        _remove_journals(text_file)
        self._journals.pop(doc_key, None)

    def clear_session(self) -> None:
        """Remove everything of this session; call on a clean exit."""
        shutil.rmtree(self.session_dir, ignore_errors=True)

    def _ensure_session(self) -> None:
        marker = self.session_dir / _SESSION_FILE
        if marker.exists():
            return
        try:
            self.session_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DocumentError(
                f"Cannot create the recovery folder {self.session_dir}: {exc.strerror or exc}."
            ) from None
        atomic_write_text(marker, json.dumps({"pid": self.pid, "started": time.time(),
                                              **self.identity}))

    def _files(self, doc_key: str) -> tuple[Path, Path]:
        stem = hashlib.sha256(doc_key.encode("utf-8")).hexdigest()[:24]
        return self.session_dir / f"{stem}.txt", self.session_dir / f"{stem}.json"

    # --- crashed sessions ---------------------------------------------------------

    def pending(self) -> list[RecoveryEntry]:
        """Entries left by sessions whose process is gone, newest first.

        Dead sessions without any entry are removed on the way.
        """
        entries: list[RecoveryEntry] = []
        for session_dir in self._other_sessions():
            if not _session_is_dead(session_dir):
                continue
            texts = list(session_dir.glob("*.txt"))
            if not texts:
                shutil.rmtree(session_dir, ignore_errors=True)
            entries.extend(entry for entry in map(_read_entry, texts) if entry)
        return sorted(entries, key=lambda entry: entry.saved_at, reverse=True)

    def discard(self, entry: RecoveryEntry) -> None:
        """Delete a pending entry; its session folder goes once nothing else is left."""
        _unlink(entry.meta_file)
        _unlink(entry.text_file)
        _remove_journals(entry.text_file)
        session_dir = entry.text_file.parent
        if session_dir != self.session_dir and not any(session_dir.glob("*.txt")):
            shutil.rmtree(session_dir, ignore_errors=True)

    def _other_sessions(self) -> list[Path]:
        return [p for p in _safe_iterdir(self.folder)
                if p.is_dir() and p.name != self.session_id]


def _safe_iterdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _journal_file(text_file: Path, generation: str) -> Path:
    return text_file.with_name(f"{text_file.stem}.{generation}.journal")


def _remove_journals(text_file: Path, keep: Path | None = None) -> None:
    for journal in text_file.parent.glob(f"{text_file.stem}.*.journal"):
        if journal != keep:
            _unlink(journal)


def _read_entry(text_file: Path) -> RecoveryEntry | None:
    """One entry, or None if its text cannot be read.

    The journal named by the sidecar is replayed on the full copy. A missing or damaged
    sidecar (a crash between the writes) only loses the original path, the time and
    the edits after the full copy; the text itself is still offered.
    """
    try:
        # Exactly as written (no BOM or line-end changes): the journal's positions
        # count on this text.
        text = read_file_bytes(text_file).decode("utf-8")
        saved_at = text_file.stat().st_mtime
    except (OSError, DocumentError, UnicodeDecodeError):
        return None
    meta_file = text_file.with_suffix(".json")
    doc_key, original = text_file.stem, None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        doc_key = str(meta["doc_key"])
        original = meta.get("original_path")
        original = original if isinstance(original, str) and original else None
        saved_at = float(meta["saved_at"])
        generation = meta.get("journal")
        if isinstance(generation, str) and generation.isalnum():
            journal = _journal_file(text_file, generation)
            edits = read_journal(journal)
            if edits:
                text, _applied = apply_edits(text, edits)
                saved_at = max(saved_at, journal.stat().st_mtime)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return RecoveryEntry(text_file.parent.name, doc_key, original, saved_at, text,
                         text_file, meta_file)


def _session_is_dead(session_dir: Path) -> bool:
    try:
        data = json.loads((session_dir / _SESSION_FILE).read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        # No readable marker but documents: the process died while writing it.
        return any(session_dir.glob("*.txt"))
    if not pid_alive(pid):
        return True
    recorded = {key: data.get(key) for key in ("boot_id", "process_start")}
    now = process_identity(pid)
    # The same pid in another boot, or started at another time: another process.
    return any(recorded[key] is not None and now.get(key) is not None
               and recorded[key] != now[key] for key in recorded)


def boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def process_start(pid: int) -> int | None:
    """The process's start time in clock ticks after boot (Linux /proc), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def process_identity(pid: int) -> dict:
    """What tells this process apart from a later one with the same pid."""
    identity = {"boot_id": boot_id(), "process_start": process_start(pid)}
    return {key: value for key, value in identity.items() if value is not None}


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists. A reused pid reads as alive (safe side)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    query_limited_information = 0x1000
    still_active = 259
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
