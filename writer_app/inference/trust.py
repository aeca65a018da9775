"""What a model folder may make this app do: load tensors, never run code.

Two things in a folder could run code on the writer's machine:

- **custom code**: an ``auto_map`` in config.json or tokenizer_config.json (transformers
  would import the folder's Python files, or ask "trust remote code?" on stdin), or
  Python files lying in the folder. Such a folder is refused outright.
- **pickle weights** (``*.bin``, ``*.pt``, ``*.pth``, ``*.ckpt``, ``*.pkl``): unpickling
  runs whatever the file says. A folder with safetensors weights loads those; a folder with
  pickle weights only is refused unless the writer allows it (``--allow-pickle`` or the
  GUI's confirmation, remembered in :mod:`writer_app.core.trusted`), and even then it is
  read with ``torch.load(weights_only=True)``.

The checks read file names and JSON only, so they are quick enough for the GUI thread.
"""

from __future__ import annotations

import json
from pathlib import Path

from writer_app.inference.errors import ModelLoadError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
_CONFIG_FILES = ("config.json", "tokenizer_config.json", "adapter_config.json",
                 "processor_config.json", "preprocessor_config.json")
# Pickle files that hold no weights and are never read by the loaders (e.g. training
# arguments that trainers leave beside a checkpoint).
_IGNORED_PICKLES = ("training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state.pth")


class RemoteCodeError(ModelLoadError):
    """The folder asks to run its own Python code."""


class PickleOnlyError(ModelLoadError):
    """The folder's weights are pickle files only; loading them needs the writer's consent."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


def _files(folder: Path) -> list[Path]:
    try:
        return [f for f in folder.iterdir() if f.is_file()]
    except OSError:
        return []


def _auto_map_file(folder: Path) -> str | None:
    for name in _CONFIG_FILES:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("auto_map"):
            return name
    return None


def code_problem(folder: Path, label: str | None = None) -> str | None:
    """Why `folder` would run code if loaded (one line), or None."""
    label = label or str(folder)
    where = _auto_map_file(folder)
    if where:
        return (f"Model folder “{label}” asks to run its own code (auto_map in {where}); "
                "writer_app never runs code from model folders.")
    code = sorted(f.name for f in _files(folder) if f.suffix.lower() in _CODE_SUFFIXES)
    if code:
        return (f"Model folder “{label}” holds program code ({code[0]}); writer_app never "
                "runs code from model folders.")
    return None


def pickle_weights(folder: Path) -> list[str]:
    """Names of the pickle weight files in `folder`, when it has no safetensors weights."""
    files = _files(folder)
    if any(f.name.endswith(".safetensors") for f in files):
        return []
    return sorted(f.name for f in files if f.suffix.lower() in PICKLE_SUFFIXES
                  and f.name not in _IGNORED_PICKLES)


def pickle_message(folder: Path, names: list[str], label: str | None = None) -> str:
    label = label or str(folder)
    return (f"Model folder “{label}” has only pickle weights ({names[0]}), which can run "
            "code when they are loaded; use a safetensors copy, or allow it explicitly "
            "(--allow-pickle) if you trust where it came from.")


def check_folder(folder: Path, label: str | None = None, *, allow_pickle: bool = False) -> None:
    """Raise RemoteCodeError or PickleOnlyError (both ModelLoadError, one line) unless the
    folder can be loaded without running anything from it."""
    from writer_app.core import trusted

    problem = code_problem(folder, label)
    if problem:
        raise RemoteCodeError(problem)
    names = pickle_weights(folder)
    if names and not (allow_pickle or trusted.is_trusted(folder)):
        raise PickleOnlyError(pickle_message(folder, names, label), folder)


def torch_load_weights(path: Path):
    """A state dict from a pickle file without running code (weights_only=True)."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)
