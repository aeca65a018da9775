"""Personalization's plan: the run's settings (FinetuneConfig), the windows and step
counts fixed before the first step (Plan), and what a run has done so far (RunState).

A CPU step is a few windows rather than the GPU's 16k tokens, and a CPU run is a few
dozen steps, so it takes larger steps: 40 steps of 2 x 256 tokens at 1e-3 lowered a
held-out file's perplexity by more than 40 steps of 4 x 256 at 2e-4 did (bench/finetune.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from writer_app.core.doc_import import MAX_CORPUS_BYTES
from writer_app.jobs.commands import QUICK_STEPS
from writer_app.jobs.events import Event, ProcessWarning, SkippedFile
from writer_app.training.lora_data import (
    Window,
    epochs_for,
    fingerprint,
    join_segments,
    scoring_windows,
    split_corpus,
    steps_for,
    training_windows,
)

Emit = Callable[[Event], None]
CPU_WINDOWS = 2
CPU_LR = 1e-3
GPU_LR = 2e-4
WEAK_CORPUS_WORDS = 2000


class PersonalizeError(Exception):
    """A problem the user can fix (no documents, bad folder, …); printed as one line."""


@dataclass(frozen=True)
class FinetuneConfig:
    docs: tuple[str, ...]
    out: Path
    model: str = "default"
    max_steps: int | None = None
    epochs: float | None = None
    preset: str = "full"  # "quick" caps the run at QUICK_STEPS steps
    resume: bool = False
    name: str = ""
    seed: int = 0
    device: str = "auto"
    dry_run: bool = False
    lr: float | None = None  # peak learning rate; default GPU_LR or CPU_LR
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    warmup_share: float = 0.1
    clip_norm: float = 1.0
    context: int | None = None  # window length; default 256 on a CPU, 512 on a GPU
    # evaluations during the run, plus the one before training: default 5 on a GPU, 3 on
    # a CPU (there each one is a few percent of a short run)
    evals: int | None = None
    valid_windows: int | None = None  # evaluate on at most this many windows
    samples: int = 3
    sample_tokens: int = 30
    threads: int | None = None
    allow_pickle: bool = False  # a base model with pickle weights only (--allow-pickle)
    max_bytes: int = MAX_CORPUS_BYTES  # text read from the documents at most
    # windows per optimizer step across all processes (default: 2 per process on a CPU;
    # on a GPU 8 per process, doubled while the run keeps about 20 steps)
    windows_per_step: int | None = None


@dataclass
class Plan:
    """Everything fixed before the first step (and identical on resume)."""

    train: list[Window]
    valid: list[Window]
    documents: int
    words: int
    tokens: int
    skipped: tuple[SkippedFile, ...]
    by_document: bool
    context: int
    micro_batch: int
    per_step: int  # windows per optimizer step
    lr: float
    total_steps: int
    eval_every: int
    key: str  # fingerprint of data and settings, checked on resume


@dataclass
class RunState:
    step: int = 0
    seconds: float = 0.0  # training time of earlier runs of this adapter (resume)
    valid_before: float | None = None
    best_loss: float | None = None
    best_step: int = 0
    evals: list[dict] = field(default_factory=list)


# --- planning -------------------------------------------------------------------------------


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise PersonalizeError("--device cuda was asked for, but no CUDA GPU is available.")
    return torch.device(name)


def make_plan(config: FinetuneConfig, doc_ids: list[list[int]], eos: int | None,
              device: torch.device, words: int, skipped: tuple[SkippedFile, ...],
              base_key: str,
              emit: Emit, processes: int = 1) -> Plan:
    gpu = device.type == "cuda"
    context = config.context or (512 if gpu else 256)
    split = split_corpus(doc_ids, seed=config.seed)
    train = training_windows(join_segments(split.train, eos), context, context // 8)
    valid = scoring_windows(join_segments(split.valid, eos), context)
    if not train:
        raise PersonalizeError("The documents hold too little text to learn from.")
    if not valid:
        emit(ProcessWarning("Too little text to hold any out for validation; the "
                            "training text is used, so the perplexity figures will be "
                            "optimistic."))
        valid = train[: max(1, len(train) // 10)]
    limit = config.valid_windows or (256 if gpu else 48)
    if len(valid) > limit:  # evenly spread, so the estimate covers the whole held-out text
        valid = [valid[i * len(valid) // limit] for i in range(limit)]
    micro = 8 if gpu else CPU_WINDOWS
    epochs = config.epochs or epochs_for(sum(len(w.ids) for w in train))
    accumulate = 1
    if gpu:  # up to 32 windows (16k tokens) a step, but keep at least ~20 steps
        while accumulate < 4 and steps_for(len(train), micro * accumulate * 2, epochs) >= 20:
            accumulate *= 2
    per_step = config.windows_per_step or micro * accumulate * processes
    total = steps_for(len(train), per_step, epochs)
    if config.max_steps:
        total = min(total, config.max_steps) if config.epochs else config.max_steps
    if config.preset == "quick":
        total = min(total, QUICK_STEPS)
    lr = config.lr or (GPU_LR if gpu else CPU_LR)
    key = fingerprint(base_key, [w.ids for w in train], [w.ids for w in valid], per_step,
                      total, config.seed, lr, config.rank, config.alpha)
    return Plan(
        train=train, valid=valid, documents=len(doc_ids), words=words,
        tokens=sum(len(d) for d in doc_ids), skipped=skipped, by_document=split.by_document,
        context=context, micro_batch=micro, per_step=per_step, lr=lr, total_steps=total,
        eval_every=max(1, math.ceil(total / max(1, config.evals or (5 if gpu else 3)))),
        key=key,
    )
