"""Training state (optimizer, scheduler, random generator) without pickle.

A nested state of dicts, lists, numbers, strings and tensors is split into its tensors,
saved with safetensors, and the rest, saved as JSON with each tensor replaced by a
reference to its key. Loading runs no code from the files, unlike ``torch.load`` of a
pickle.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from writer_app.core.documents import atomic_write_text

TENSORS_FILE = "optimizer.safetensors"
STRUCTURE_FILE = "optimizer.json"
_TENSOR, _DICT, _TUPLE, _FLOAT = "__tensor__", "__dict__", "__tuple__", "__float__"


class StateFormatError(ValueError):
    """The saved state is damaged or not ours."""


def _pack(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = value.detach().to("cpu", copy=True).contiguous()
        return {_TENSOR: key}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _pack(v, tensors) for k, v in value.items()}
        return {_DICT: [[_pack(k, tensors), _pack(v, tensors)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TUPLE: [_pack(v, tensors) for v in value]}
    if isinstance(value, list):
        return [_pack(v, tensors) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT: repr(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in the training state")


def _unpack(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, list):
        return [_unpack(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if _TENSOR in value:
        try:
            return tensors[value[_TENSOR]]
        except (KeyError, TypeError):
            raise StateFormatError("a tensor of the training state is missing") from None
    if _DICT in value:
        return {_unpack(k, tensors): _unpack(v, tensors) for k, v in value[_DICT]}
    if _TUPLE in value:
        return tuple(_unpack(v, tensors) for v in value[_TUPLE])
    if _FLOAT in value:
        return float(value[_FLOAT])
    return {k: _unpack(v, tensors) for k, v in value.items()}


def save_state(folder: Path, state: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    structure = _pack(state, tensors)
    save_file(tensors, str(folder / TENSORS_FILE))
    atomic_write_text(folder / STRUCTURE_FILE, json.dumps(structure) + "\n")


def has_state(folder: Path) -> bool:
    return (folder / TENSORS_FILE).is_file() and (folder / STRUCTURE_FILE).is_file()


def load_state(folder: Path) -> dict[str, Any]:
    """The saved state; StateFormatError when it is damaged."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(folder / TENSORS_FILE))
        structure = json.loads((folder / STRUCTURE_FILE).read_text(encoding="utf-8"))
        state = _unpack(structure, tensors)
    except (OSError, ValueError, SafetensorError, TypeError) as exc:
        raise StateFormatError(f"the saved training state is unreadable ({exc})") from None
    if not isinstance(state, dict):
        raise StateFormatError("the saved training state is not a table")
    return state
