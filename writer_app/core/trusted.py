"""Model folders whose pickle weights the writer chose to allow (a GUI confirmation).

``<data dir>/trusted_pickle_folders.json`` maps each resolved folder path to the names
and sizes of its pickle files at the time of consent: a folder whose weight files change
afterwards is asked about again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from writer_app.core import paths
from writer_app.core.documents import DocumentError, atomic_write_text

_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


class ConsentNeeded(str):  # noqa: SLOT000 - a message with an action attached
    """A folder check's answer that the writer may overrule: the message names the risk,
    and `grant()` records the writer's consent (then the folder is checked again)."""

    folder: Path

    def __new__(cls, message: str, folder: str | os.PathLike[str]) -> ConsentNeeded:
        value = super().__new__(cls, message)
        value.folder = Path(folder)
        return value

    def grant(self) -> None:
        trust(self.folder)


def trusted_file() -> Path:
    return paths.data_dir() / "trusted_pickle_folders.json"


def _identity(folder: Path) -> dict[str, int]:
    try:
        return {f.name: f.stat().st_size for f in sorted(folder.iterdir())
                if f.is_file() and f.suffix.lower() in _SUFFIXES}
    except OSError:
        return {}


def _load() -> dict[str, dict[str, int]]:
    try:
        data = json.loads(trusted_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _key(folder: str | os.PathLike[str]) -> str:
    return str(Path(folder).expanduser().resolve())


def is_trusted(folder: str | os.PathLike[str]) -> bool:
    entry = _load().get(_key(folder))
    return isinstance(entry, dict) and entry == _identity(Path(_key(folder)))


def trust(folder: str | os.PathLike[str]) -> None:
    """Remember the writer's consent for this folder's current pickle files.

    Raises DocumentError when the list cannot be written."""
    data = _load()
    data[_key(folder)] = _identity(Path(_key(folder)))
    try:
        trusted_file().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DocumentError(f"Cannot create {trusted_file().parent}: {exc.strerror}") from None
    atomic_write_text(trusted_file(), json.dumps(data, indent=1, ensure_ascii=False) + "\n")
