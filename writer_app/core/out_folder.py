"""Output folders that training writes (adapters, personalized grammar models).

- ``--out`` must be missing, an empty folder, or a folder this app wrote (it holds the
  marker file :data:`MARKER`); anything else, a file above all, is refused before any
  work starts, so no run can replace the writer's documents.
- A new version is built in a hidden staging folder beside the target, fsynced, and
  swapped in with one atomic rename (``renameat2(RENAME_EXCHANGE)`` on Linux); the old
  version is deleted only afterwards.
- Staging and work folders hold a lock while their process lives; on start,
  :func:`sweep_stale` removes the ones whose process died (a kill -9 leaves them), so no
  copy of the writer's text outlives a crashed run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from writer_app.core.documents import fsync_dir

try:
    import fcntl
except ImportError:  # Windows: no locks; only old temporary folders are swept
    fcntl = None

MARKER = ".writer_app-output"
_LOCK = ".writer_app-lock"
_TEMP_KINDS = ("tmp", "old", "work", "deleted")
_STALE_RE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old|work|deleted|init)-[^/]+$")
_YOUNG_S = 60.0  # an "init" folder younger than this may be starting up
# Files an earlier version of this app wrote where the marker is now.
_LEGACY_SIGNS = (("writer_app_adapter.json", "adapter_config.json"),
                 ("personalization.json", "heads.safetensors"))


class OutFolderError(Exception):
    """The output folder cannot be used; the message is one line for the writer."""


def is_ours(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    return any(all((folder / name).is_file() for name in sign) for sign in _LEGACY_SIGNS)


def out_problem(out: str | os.PathLike[str], docs: Iterable[str] = ()) -> str | None:
    """Why `out` may not be written, or None (see the module docstring)."""
    out = Path(out).expanduser()
    label = str(out)
    if out.is_symlink():
        return f"--out “{label}” is a symbolic link; choose a new or empty folder."
    if out.exists() and not out.is_dir():
        return (f"--out “{label}” is a file; it is left untouched. Choose a new or empty "
                "folder for the output.")
    resolved = out.resolve()
    for doc in docs:
        path = Path(doc).expanduser().resolve()
        if path == resolved or path.is_relative_to(resolved):
            return (f"--out “{label}” holds the documents named with --docs; choose another "
                    "folder for the output.")
    if not out.is_dir():
        return None
    try:
        entries = [e for e in os.listdir(out) if e != _LOCK]
    except OSError as exc:
        return f"--out “{label}” cannot be read: {exc.strerror or exc}."
    if entries and not is_ours(out):
        return (f"--out “{label}” already holds files that writer_app did not write; it is "
                "left untouched. Choose a new or empty folder.")
    return None


def check_out(out: str | os.PathLike[str], docs: Iterable[str] = ()) -> None:
    problem = out_problem(out, docs)
    if problem:
        raise OutFolderError(problem)


def write_marker(folder: Path, kind: str) -> None:
    data = {"app": "writer_app", "kind": kind,
            "created": datetime.now(UTC).isoformat(timespec="seconds")}
    (folder / MARKER).write_text(json.dumps(data) + "\n", encoding="utf-8")


# --- temporary folders -----------------------------------------------------------------------


def _hold_lock(folder: Path) -> int:
    fd = os.open(folder / _LOCK, os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


@contextlib.contextmanager
def temp_folder(target: Path, kind: str = "tmp") -> Iterator[Path]:
    """A hidden folder beside `target`, locked while this process uses it, removed after
    (if it was not renamed into place). Its mode follows the umask, as a normal folder."""
    if kind not in _TEMP_KINDS:
        raise ValueError(kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Locked before it gets its name, so a folder of that name without a lock is abandoned.
    young = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    fd = _hold_lock(young)
    young.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would outlive the rename
    folder = young.with_name(young.name.replace(".init-", f".{kind}-", 1))
    young.rename(folder)
    try:
        yield folder
    finally:
        os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _is_abandoned(folder: Path) -> bool:
    """Whether no living process holds the folder's lock."""
    try:
        fd = os.open(folder / _LOCK, os.O_RDWR)
    except FileNotFoundError:
        if ".init-" not in folder.name:
            return True
        with contextlib.suppress(OSError):
            return time.time() - folder.stat().st_mtime > _YOUNG_S
        return False
    except OSError:
        return False
    if fcntl is None:
        os.close(fd)
        with contextlib.suppress(OSError):
            return time.time() - folder.stat().st_mtime > 86400.0
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: its process is alive
    finally:
        os.close(fd)
    return True


def sweep_stale(parent: Path, name: str | None = None) -> list[Path]:
    """Remove the abandoned temporary folders in `parent` (those of `name` only, when
    given); an old version whose target is missing (a kill between two renames) is put
    back instead. Returns what was removed or restored."""
    done: list[Path] = []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return done
    for entry in entries:
        match = _STALE_RE.match(entry.name)
        if not match or (name is not None and match["name"] != name) or not entry.is_dir():
            continue
        target = parent / match["name"]
        if match["kind"] == "old" and not target.exists():
            with contextlib.suppress(OSError):
                entry.rename(target)
                (target / _LOCK).unlink(missing_ok=True)
                done.append(entry)
            continue
        if _is_abandoned(entry):
            shutil.rmtree(entry, ignore_errors=True)
            done.append(entry)
    return done


# --- swapping a new version in ---------------------------------------------------------------


def fsync_tree(folder: Path) -> None:
    """fsync every file under `folder`, then the folders, so a power cut after the swap
    cannot leave empty weight files behind a complete-looking folder."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        fsync_dir(root)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_in(staging: Path, target: Path) -> None:
    """Put the complete folder `staging` at `target` with one atomic rename; an existing
    `target` ends in `staging` (to be removed by its owner) or, where the system cannot
    exchange, is renamed aside first and removed afterwards (restored by sweep_stale if
    the process dies between the two renames)."""
    (staging / _LOCK).unlink(missing_ok=True)
    fsync_tree(staging)
    if target.exists() and not target.is_symlink():
        if not _exchange(staging, target):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            old.rmdir()
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)
    fsync_dir(target.parent)
