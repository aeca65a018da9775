"""What the app runs as training processes: module names, the constants both sides
share, and the argument lists (one builder per process)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

TRAINING_MODULE = "writer_app.training.personalize"
GRAMMAR_MODULE = "writer_app.training.grammar_personalize"
QUICK_STEPS = 40  # what the "quick" preset caps the completion model's training at


def training_device(device: str) -> str:
    """The --device the training process takes, from the Models page's device."""
    return "cuda" if device.startswith("cuda") else "cpu" if device == "cpu" else "auto"


def personalize_args(docs: Sequence[Path | str], out: Path, *, model: str = "default",
                     name: str = "", quick: bool = False, device: str = "auto") -> list[str]:
    """The arguments of `python -m TRAINING_MODULE` (after the module name)."""
    return ["--docs", *(str(item) for item in docs), "--out", str(out),
            "--model", model or "default", "--name", name or out.name,
            "--preset", "quick" if quick else "full", "--device", training_device(device)]


def grammar_out_dir(root: Path) -> Path:
    """A new folder under `root` for an adapted grammar model, named by the time."""
    return root / time.strftime("grammar-%Y-%m-%d-%H%M%S")


def grammar_args(docs: Sequence[Path | str], out: Path) -> list[str]:
    """The arguments of `python -m GRAMMAR_MODULE` (JSON-lines progress, as the runner
    reads it)."""
    return ["--docs", *(str(item) for item in docs), "--out", str(out), "--json-progress"]
