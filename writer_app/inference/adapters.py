"""Personal LoRA adapters on disk: listing, renaming, deleting, checking, applying.

An adapter is a folder (by default under ``<data dir>/adapters``) holding peft's
``adapter_config.json`` and weights, plus ``writer_app_adapter.json``: its name, date,
base model (name and a fingerprint of the base model's files) and training metrics.
Training writes the folder atomically; here only the metadata is ever rewritten, and
atomically too.

Applying an adapter merges it into a *copy* of the base model's weights, so the fast
decoder's fused float16 weights (built from plain linear layers) include it, and the
unadapted model stays in memory for switching back without a reload.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from writer_app.core import paths
from writer_app.core.documents import DocumentError, atomic_write_text
from writer_app.inference.errors import one_line

METADATA_FILE = "writer_app_adapter.json"
PEFT_CONFIG_FILE = "adapter_config.json"
_WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
# Keys of config.json that change with the saving library, not with the model.
_VOLATILE_CONFIG_KEYS = {"transformers_version", "_name_or_path", "torch_dtype", "dtype",
                         "use_cache", "_commit_hash"}


class AdapterError(Exception):
    """An adapter cannot be read, changed or used; the message is shown to the user."""


@dataclass(frozen=True)
class AdapterInfo:
    path: str
    name: str
    created: str  # ISO 8601
    base_model: str  # the base model's display name
    base_fingerprint: str  # "" when the adapter was not made by writer_app
    metrics: dict[str, Any] = field(default_factory=dict)
    documents: int = 0
    tokens: int = 0
    seconds: float = 0.0
    steps: int = 0


def adapters_dir() -> Path:
    return paths.data_dir() / "adapters"


# ---------------------------------------------------------------- base model identity


def model_fingerprint(folder: str | os.PathLike[str]) -> str:
    """A hash of a model folder's config and weight file sizes: cheap, and different for
    different models of one architecture (their weight files differ in size or config),
    while the same model in another folder, or re-saved, keeps its fingerprint."""
    folder = Path(folder)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AdapterError(f"Cannot read the model's config.json: {one_line(exc)}") from None
    if isinstance(config, dict):
        config = {k: v for k, v in config.items() if k not in _VOLATILE_CONFIG_KEYS}
    weights = sorted(
        (f.name, f.stat().st_size) for f in folder.iterdir()
        if f.is_file() and (f.suffix == ".safetensors" or f.name.startswith("pytorch_model"))
    )
    data = json.dumps([config, weights], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()[:20]


def base_model_identity(reference: str, name: str, folder: str | os.PathLike[str]) -> dict:
    """What an adapter records about the model it was trained on."""
    return {"reference": reference, "name": name, "path": str(folder),
            "fingerprint": model_fingerprint(folder)}


# ---------------------------------------------------------------- reading and listing


def is_adapter_dir(folder: str | os.PathLike[str]) -> bool:
    folder = Path(folder)
    return (folder / PEFT_CONFIG_FILE).is_file() and any(
        (folder / name).is_file() for name in _WEIGHT_FILES)


def read_adapter(folder: str | os.PathLike[str]) -> AdapterInfo:
    """The adapter's metadata; a peft adapter without ours gets its folder name."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise AdapterError(f"Adapter folder “{folder}” does not exist.")
    if not is_adapter_dir(folder):
        raise AdapterError(f"“{folder.name}” is not an adapter (no adapter_config.json and "
                           "adapter weights in it).")
    meta: dict[str, Any] = {}
    meta_path = folder / METADATA_FILE
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AdapterError(f"Adapter “{folder.name}” has unreadable metadata: "
                               f"{one_line(exc)}") from None
        if not isinstance(meta, dict):
            raise AdapterError(f"Adapter “{folder.name}” has malformed metadata.")
    base = meta.get("base_model_id") if isinstance(meta.get("base_model_id"), dict) else {}
    return AdapterInfo(
        path=str(folder),
        name=str(meta.get("name") or folder.name),
        created=str(meta.get("created") or ""),
        base_model=str(meta.get("base_model") or base.get("name") or _peft_base(folder)),
        base_fingerprint=str(base.get("fingerprint") or ""),
        metrics=meta.get("metrics") if isinstance(meta.get("metrics"), dict) else {},
        documents=int(meta.get("documents") or 0),
        tokens=int(meta.get("tokens") or 0),
        seconds=float(meta.get("seconds") or 0.0),
        steps=int(meta.get("steps") or 0),
    )


def _peft_base(folder: Path) -> str:
    try:
        config = json.loads((folder / PEFT_CONFIG_FILE).read_text(encoding="utf-8"))
        return str(config.get("base_model_name_or_path") or "unknown")
    except (OSError, ValueError, AttributeError):
        return "unknown"


def list_adapters(root: str | os.PathLike[str] | None = None) -> list[AdapterInfo]:
    """Adapters in `root` (default: the data dir's adapters folder), newest first.

    Hidden folders are half-written or half-deleted ones and are left out, as are
    folders that are not adapters (yet).
    """
    root = Path(root) if root is not None else adapters_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir() or not is_adapter_dir(folder):
            continue
        with contextlib.suppress(AdapterError):
            found.append(read_adapter(folder))
    return sorted(found, key=lambda a: a.created, reverse=True)


# ---------------------------------------------------------------- changing


def rename_adapter(folder: str | os.PathLike[str], name: str) -> AdapterInfo:
    """Give the adapter a new display name (metadata only; the folder keeps its name)."""
    name = " ".join(name.split())
    if not name:
        raise AdapterError("An adapter name cannot be empty.")
    info = read_adapter(folder)
    meta_path = Path(info.path) / METADATA_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    except (OSError, ValueError):
        meta = {}
    meta["name"] = name
    try:
        atomic_write_text(meta_path, json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    except DocumentError as exc:
        raise AdapterError(str(exc)) from None
    return read_adapter(folder)


def delete_adapter(folder: str | os.PathLike[str]) -> None:
    """Remove an adapter: renamed to a hidden name first, so a half-finished delete never
    leaves a half-adapter in the list."""
    folder = Path(folder)
    read_adapter(folder)  # refuses folders that are not adapters
    doomed = Path(tempfile.mkdtemp(prefix=f".{folder.name}.deleted-", dir=folder.parent))
    doomed.rmdir()
    try:
        folder.rename(doomed)
    except OSError as exc:
        raise AdapterError(f"Cannot delete “{folder.name}”: {exc.strerror or exc}.") from None
    shutil.rmtree(doomed, ignore_errors=True)


def new_adapter_dir(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """A fresh folder path (not created) for a new adapter called `name`."""
    root = Path(root) if root is not None else adapters_dir()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:40] or "adapter"
    candidate, counter = root / slug, 2
    while candidate.exists():
        candidate, counter = root / f"{slug}-{counter}", counter + 1
    return candidate


# ---------------------------------------------------------------- using


def check_compatible(info: AdapterInfo, base_fingerprint: str, base_name: str) -> None:
    """Refuse an adapter that was trained on another base model."""
    if info.base_fingerprint and base_fingerprint and info.base_fingerprint != base_fingerprint:
        raise AdapterError(
            f"Adapter “{info.name}” was trained on {info.base_model}, not on the active "
            f"model {base_name}; choose that model first, or train a new adapter.")


def check_trusted(folder: str | os.PathLike[str], allow_pickle: bool = False) -> None:
    """Refuse an adapter whose loading could run code: custom code, or pickle weights only
    without the writer's consent (see trust.py)."""
    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.trust import check_folder

    try:
        check_folder(Path(folder), Path(folder).name, allow_pickle=allow_pickle)
    except ModelLoadError as exc:
        raise AdapterError(str(exc).replace("Model folder", "Adapter folder", 1)) from None


def merged_model(base_model, folder: str | os.PathLike[str], *, allow_pickle: bool = False):
    """A copy of `base_model` with the adapter merged into its weights (base untouched)."""
    from peft import PeftModel

    check_trusted(folder, allow_pickle)
    model = copy.deepcopy(base_model)
    try:
        peft_model = PeftModel.from_pretrained(model, str(folder), is_trainable=False)
        merged = peft_model.merge_and_unload()
    except Exception as exc:  # noqa: BLE001 - shape mismatches, missing modules, bad files
        raise AdapterError(f"Adapter “{Path(folder).name}” does not fit this model: "
                           f"{one_line(exc)}") from None
    merged.eval()
    return merged
