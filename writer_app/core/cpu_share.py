"""How many CPU threads the editor's models use while a training process runs.

Why: PyTorch's CPU threads (OpenMP) wait for their next piece of work by spinning. When
the editor's models and a training process each keep a pool of threads on every core,
each process's threads spin on the cores the other one needs. Measured on 2 cores with the
embedded models, a paragraph checked every 0.6 s while personalization trained:

- both on both cores: a check took 209 ms (one in ten over 1.7 s), a training step 3.5 s;
- the editor on one thread, training on both: 87 ms (one in ten over 151 ms), 3.3 s;
- one thread each: 73 ms and 3.9 s, but training alone then took 3.8 s a step, not 2.3.

Training keeps every core, because most of the time the writer is not writing and training
then runs at full speed; the editor's models drop to a quarter of the cores, at least one
thread (one thread has no pool of waiting threads to spin), until no training runs. Under
a constant load (checks back to back) the editor then does 14 checks a second, against
1.5 with both on both cores.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not available on macOS and Windows
        return max(1, os.cpu_count() or 1)


def editor_threads_while_training(cores: int | None = None) -> int:
    """The editor's CPU threads while a training process runs on ``cores`` (default: all
    available)."""
    cores = available_cores() if cores is None else cores
    return max(1, cores // 4)
