"""How the editor's models and a training process share the CPU cores.

Why: PyTorch's CPU threads (OpenMP) wait for their next piece of work by spinning. When
the editor's models and a training process each use every core, each process's threads
spin on the cores the other one needs. Measured on 2 cores with the embedded models:
alone, the checker did 22 paragraph checks a second and a personalization step took
2.3 s; both on both cores, 1.5 checks a second and 23.5 s a step; one thread each, 17
checks a second and 4.0 s a step. So while training runs, the two together use no more
threads than there are cores: the editor keeps a quarter (at least one), training
takes the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class CpuShare:
    editor: int  # threads for the editor's models while training runs
    training: int  # threads for the training process


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not available on macOS and Windows
        return max(1, os.cpu_count() or 1)


def cpu_share(cores: int | None = None) -> CpuShare:
    """The split of ``cores`` (default: all available) while a training process runs."""
    cores = available_cores() if cores is None else max(1, cores)
    editor = max(1, cores // 4)
    return CpuShare(editor=editor, training=max(1, cores - editor))
