"""Personalization: a LoRA adapter for the completion model, trained on the user's documents.

``python -m writer_app.training.personalize --docs PATH [PATH ...] --out DIR [--model M]
[--max-steps N] [--epochs E] [--preset quick|full] [--resume] [--name NAME] [--seed S]
[--device auto|cpu|cuda] [--dry-run]``

The documents (.txt, .md, .docx, .odt; folders recursively) are tokenised, 10% of the text
is held out for validation (``lora_data``), and LoRA (r 16, alpha 32, dropout 0.05 on every
attention and MLP projection) is trained with AdamW on a cosine schedule with warm-up.
On a GPU a step is windows of 512 tokens in micro-batches with gradient accumulation and
bf16/fp16 autocast, at 2e-4; on a CPU a step is 2 windows of 256 tokens, at 1e-3 (short
runs of small steps: see CPU_LR).

The validation loss is measured before training and every few steps; the adapter with the
lowest one is written to DIR through a temporary folder and a rename, so DIR always holds
a complete adapter (or the one that was there before). ``DIR/resume/`` holds the latest
optimizer, scheduler and adapter state, which ``--resume`` continues from.

SIGINT and SIGTERM stop the run within a fraction of a second, even in the middle of a
step or an evaluation (hooks on the decoder blocks check between blocks, forwards and
backwards alike); the step in progress is dropped and the state after the last finished
step is saved for ``--resume``.

Progress is printed as JSON lines on stdout (one object per line): ``start``, ``eval``,
``progress``, ``saved``, ``report``, ``done``, and ``warning`` or ``error``. ``--dry-run``
prints ``start`` (with the time estimate) and ``done`` without training.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch

from writer_app.core.doc_import import MAX_CORPUS_BYTES, ImportResult, read_documents
from writer_app.core.documents import atomic_write_text
from writer_app.core.out_folder import (
    is_ours,
    out_problem,
    swap_in,
    sweep_stale,
    temp_folder,
    write_marker,
)
from writer_app.training import distributed, report_eval
from writer_app.training.lora_data import (
    ChunkOrder,
    Window,
    epochs_for,
    fingerprint,
    join_segments,
    scoring_windows,
    split_corpus,
    steps_for,
    training_windows,
)
from writer_app.training.lora_steps import (  # noqa: F401 - importable from here too
    StopGuard,
    Stopped,
    autocast,
    chunked,
    collate,
    mean_nll,
    nll_sum,
    text_perplexity,
)
from writer_app.training.state_io import StateFormatError, has_state, load_state, save_state

Emit = Callable[..., None]
QUICK_STEPS = 40
# A CPU step is a few windows rather than the GPU's 16k tokens, and a CPU run is a few
# dozen steps, so it takes larger steps: 40 steps of 2 x 256 tokens at 1e-3 lowered a
# held-out file's perplexity by more than 40 steps of 4 x 256 at 2e-4 did (bench/finetune.py).
CPU_WINDOWS = 2
CPU_LR = 1e-3
GPU_LR = 2e-4
WEAK_CORPUS_WORDS = 2000
RESUME_DIR = "resume"
STATE_FILE = "state.json"


class PersonalizeError(Exception):
    """A problem the user can fix (no documents, bad folder, …); printed as one line."""


def print_event(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


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
    skipped: list[dict]
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
              device: torch.device, words: int, skipped: list[dict], base_key: str,
              emit: Emit, processes: int = 1) -> Plan:
    gpu = device.type == "cuda"
    context = config.context or (512 if gpu else 256)
    split = split_corpus(doc_ids, seed=config.seed)
    train = training_windows(join_segments(split.train, eos), context, context // 8)
    valid = scoring_windows(join_segments(split.valid, eos), context)
    if not train:
        raise PersonalizeError("The documents hold too little text to learn from.")
    if not valid:
        emit("warning", message="Too little text to hold any out for validation; the "
             "training text is used, so the perplexity figures will be optimistic.")
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


# --- saving ---------------------------------------------------------------------------------


def _lora_state(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.named_parameters()
            if v.requires_grad}


def _load_lora_state(model, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


# --- the run --------------------------------------------------------------------------------


class Personalizer:
    def __init__(self, config: FinetuneConfig, emit: Emit = print_event) -> None:
        self.config = config
        self.world = distributed.world_from_env()
        # Under torchrun only rank 0 reports; the others still say why they failed.
        self.emit = emit if self.world.main else _errors_only(emit)
        self.out = Path(config.out).expanduser()
        self.started = time.monotonic()
        self.train_seconds = 0.0  # time inside training steps, for tokens/s
        self.train_tokens = 0
        self.eval_seconds: list[float] = []

    # -- set-up --------------------------------------------------------------------------
    def _load(self) -> None:
        from writer_app.core.requests import ModelSpec
        from writer_app.inference.adapters import base_model_identity
        from writer_app.inference.registry import load_causal_lm
        from writer_app.training.tagger_training import available_cores, seed_everything

        seed_everything(self.config.seed)
        cores = max(1, available_cores() // self.world.local_size)  # processes share them
        torch.set_num_threads(self.config.threads or cores)
        device_name = distributed.device_for(
            self.world, "cuda" if pick_device(self.config.device).type == "cuda" else "cpu")
        self.device = torch.device(device_name)
        distributed.start(self.world, self.device)
        loaded = load_causal_lm(ModelSpec(self.config.model, device_name, "float32",
                                          allow_pickle=self.config.allow_pickle))
        if loaded.info.device != device_name:
            raise PersonalizeError(f"The model could not be placed on {device_name}: "
                                   f"{loaded.info.note}")
        self.tokenizer = loaded.tokenizer
        self.identity = base_model_identity(self.config.model, loaded.info.name,
                                            loaded.info.path)
        self.model = self._with_lora(loaded.model)
        distributed.broadcast_parameters(
            [p for p in self.model.parameters() if p.requires_grad], self.world)
        eos = self.tokenizer.eos_token_id
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None \
            else (eos if eos is not None else 0)

    def _with_lora(self, model):
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(r=self.config.rank, lora_alpha=self.config.alpha,
                          lora_dropout=self.config.dropout, target_modules="all-linear",
                          task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)
        model.config.use_cache = False
        return model.to(self.device).train()

    def _documents(self) -> ImportResult:
        """The documents, read (and refused when there are none) before the model loads."""
        result = read_documents(self.config.docs, self.config.max_bytes)
        if not result.documents:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in result.skipped[:3])
            raise PersonalizeError("No readable documents were found"
                                   + (f" ({reasons})" if reasons else "") + ".")
        return result

    def _read(self, result: ImportResult) -> tuple[list[list[int]], int, list[dict]]:
        skipped = [{"path": s.path, "reason": s.reason} for s in result.skipped]
        if not result.documents:
            reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in skipped[:3])
            raise PersonalizeError("No readable documents were found"
                                   + (f" ({reasons})" if reasons else "") + ".")
        if result.words < WEAK_CORPUS_WORDS:
            self.emit("warning", message=f"Only {result.words} words: personalization "
                      f"needs about {WEAK_CORPUS_WORDS} or more to make a clear difference.")
        ids = [self.tokenizer(d.text, add_special_tokens=False, verbose=False)["input_ids"]
               for d in result.documents]
        return ids, result.words, skipped

    def _optimizer(self, plan: Plan):
        from transformers import get_cosine_schedule_with_warmup

        params = [p for p in self.model.parameters() if p.requires_grad]
        try:  # one fused kernel for all the small LoRA tensors, where the device has it
            optimizer = torch.optim.AdamW(params, lr=plan.lr, weight_decay=0.0, fused=True)
        except (RuntimeError, TypeError):
            optimizer = torch.optim.AdamW(params, lr=plan.lr, weight_decay=0.0)
        warmup = max(1, round(plan.total_steps * self.config.warmup_share))
        return optimizer, get_cosine_schedule_with_warmup(optimizer, warmup, plan.total_steps)

    # -- estimate ------------------------------------------------------------------------
    def _estimate(self, plan: Plan, state: RunState) -> float:
        """Seconds for the rest of the run, from one timed forward pass of a micro-batch."""
        group = plan.train[: plan.micro_batch]
        batch = collate(group, self.pad_id, self.device)
        self.model.eval()
        with torch.no_grad(), autocast(self.device):
            began = time.perf_counter()
            self.model(**batch)
            forward = time.perf_counter() - began
        self.model.train()
        self.forward_per_window = forward / len(group)
        steps = plan.total_steps - state.step
        step_time = 3.0 * self.forward_per_window * plan.per_step  # forward + backward (measured)
        eval_time = self.forward_per_window * len(plan.valid)
        evals = math.ceil(steps / plan.eval_every) + (state.valid_before is None)
        samples = 2 * self.config.sample_tokens * forward / 16  # one batch for each model
        comparison = report_eval.estimate_seconds(
            sum(w.scored for w in plan.valid), self.forward_per_window, plan.context)
        return steps * step_time + evals * eval_time + samples + comparison

    # -- resume state --------------------------------------------------------------------
    def _save_resume(self, folder: Path, plan: Plan, state: RunState) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        save_file(_lora_state(self.model), str(folder / "adapter_state.safetensors"))
        save_state(folder, {"optimizer": self.optimizer.state_dict(),
                            "scheduler": self.scheduler.state_dict(),
                            "rng": torch.get_rng_state()})
        data = {"key": plan.key, "step": state.step, "total_steps": plan.total_steps,
                "seconds": state.seconds + self._elapsed(), "valid_before": state.valid_before,
                "best_loss": state.best_loss, "best_step": state.best_step,
                "evals": state.evals}
        atomic_write_text(folder / STATE_FILE, json.dumps(data, indent=1) + "\n")

    def _write_resume_only(self, plan: Plan, state: RunState) -> None:
        if not self.world.main:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        if not is_ours(self.out):  # stopped before the first adapter: ours from now on
            write_marker(self.out, "adapter")
        with temp_folder(self.out / RESUME_DIR) as staging:
            self._save_resume(staging, plan, state)
            swap_in(staging, self.out / RESUME_DIR)

    def _restore(self, plan: Plan) -> RunState:
        from safetensors.torch import load_file

        folder = self.out / RESUME_DIR
        if not (folder / STATE_FILE).is_file():
            self.emit("warning", message=f"No checkpoint to resume in {self.out}; starting "
                      "from the beginning.")
            return RunState()
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        if data.get("key") != plan.key:
            raise PersonalizeError("The checkpoint was made with other documents, another "
                                   "model or other settings; start without --resume.")
        try:
            saved = load_state(folder) if has_state(folder) else _legacy_state(folder)
            _load_lora_state(self.model, load_file(str(folder / "adapter_state.safetensors")))
            self.optimizer.load_state_dict(saved["optimizer"])
            self.scheduler.load_state_dict(saved["scheduler"])
            torch.set_rng_state(saved["rng"])
        except (StateFormatError, KeyError, ValueError, RuntimeError, OSError) as exc:
            raise PersonalizeError(f"The checkpoint in {self.out} cannot be resumed "
                                   f"({type(exc).__name__}); start without --resume.") from None
        return RunState(step=int(data["step"]), seconds=float(data["seconds"]),
                        valid_before=data.get("valid_before"), best_loss=data.get("best_loss"),
                        best_step=int(data.get("best_step") or 0),
                        evals=list(data.get("evals") or []))

    # -- saving the adapter --------------------------------------------------------------
    def _metadata(self, plan: Plan, state: RunState) -> dict:
        return {
            "name": self.config.name or self.out.name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_model": self.identity["name"],
            "base_model_id": self.identity,
            "metrics": {"ppl_before": _ppl(state.valid_before), "ppl_after": _ppl(state.best_loss),
                        "valid_loss": state.best_loss},
            "documents": plan.documents,
            "tokens": plan.tokens,
            "seconds": round(state.seconds + self._elapsed(), 1),
            "steps": state.best_step,
            "settings": {"rank": self.config.rank, "alpha": self.config.alpha,
                         "dropout": self.config.dropout, "lr": plan.lr,
                         "context": plan.context, "windows_per_step": plan.per_step,
                         "total_steps": plan.total_steps, "seed": self.config.seed},
        }

    def _save_adapter(self, plan: Plan, state: RunState) -> None:
        from writer_app.inference.adapters import METADATA_FILE

        if not self.world.main:
            return
        self.emit("saving", step=state.step)  # a cancel now waits for "saved"
        with temp_folder(self.out) as staging:
            self.model.save_pretrained(str(staging))
            meta = json.dumps(self._metadata(plan, state), indent=1, ensure_ascii=False)
            atomic_write_text(staging / METADATA_FILE, meta + "\n")
            self._save_resume(staging / RESUME_DIR, plan, state)
            write_marker(staging, "adapter")
            swap_in(staging, self.out)
        self.emit("saved", step=state.step, path=str(self.out))

    # -- steps and evaluations -----------------------------------------------------------
    def _elapsed(self) -> float:
        return time.monotonic() - self.started

    def _train_step(self, plan: Plan, order: ChunkOrder, step: int) -> float:
        began = time.perf_counter()
        windows = [plan.train[i] for i in order.step_indexes(step)]
        groups = list(chunked(windows, plan.micro_batch))
        total, tokens = 0.0, 0
        self.optimizer.zero_grad(set_to_none=True)
        for index in self.world.share(range(len(groups))):  # all of them in one process
            group = groups[index]
            # LoRA dropout drawn per micro-batch, so any number of processes trains alike
            torch.manual_seed(self.config.seed * 1_000_003 + step * 1_009 + index)
            batch = collate(group, self.pad_id, self.device)
            with autocast(self.device):
                loss = self.model(**batch).loss / len(groups)
            self.scaler.scale(loss).backward()
            total += float(loss.detach())
            tokens += int(batch["attention_mask"].sum())
        params = [p for p in self.model.parameters() if p.requires_grad]
        distributed.sum_gradients(params, self.world)
        total, tokens = distributed.sum_values([total, tokens], self.world, self.device)
        self.train_tokens += int(tokens)
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(params, self.config.clip_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        self.train_seconds += time.perf_counter() - began
        return total

    def _evaluate(self, plan: Plan, state: RunState) -> float:
        began = time.perf_counter()
        total, count = nll_sum(self.model, self.world.share(plan.valid), plan.micro_batch * 2,
                               self.pad_id, self.device)
        total, count = distributed.sum_values([total, count], self.world, self.device)
        loss = total / max(1, count)
        self.eval_seconds.append(time.perf_counter() - began)
        state.evals.append({"step": state.step, "valid_loss": loss})
        self.emit("eval", step=state.step, valid_loss=round(loss, 5))
        return loss

    def _progress(self, plan: Plan, state: RunState, loss: float, steps_done: int) -> None:
        elapsed = self._elapsed()
        per_step = self.train_seconds / max(1, steps_done)
        remaining = plan.total_steps - state.step
        evals_left = math.ceil(remaining / plan.eval_every)
        eval_time = sum(self.eval_seconds) / max(1, len(self.eval_seconds))
        self.emit("progress", step=state.step, total_steps=plan.total_steps,
                  loss=round(loss, 5),
                  tokens_per_s=round(self.train_tokens / max(1e-9, self.train_seconds), 1),
                  elapsed_s=round(elapsed, 1),
                  eta_s=round(remaining * per_step + evals_left * eval_time, 1))

    # -- samples -------------------------------------------------------------------------
    def _samples(self, plan: Plan) -> list[dict]:
        stream = [t for w in plan.valid for t in w.ids[len(w.ids) - w.scored:]]
        prompt_len = min(48, max(4, len(stream) // 4))
        if len(stream) < prompt_len + 1:
            return []
        count = self.config.samples
        if count <= 0:
            return []
        starts = [self._word_start(stream, i * (len(stream) - prompt_len) // count,
                                   len(stream) - prompt_len) for i in range(count)]
        prompts = [stream[start : start + prompt_len] for start in starts]
        with self.model.disable_adapter():
            base = self._greedy(prompts)
        tuned = self._greedy(prompts)
        return [{"prompt": self.tokenizer.decode(prompt, skip_special_tokens=True),
                 "base": b, "tuned": t} for prompt, b, t in zip(prompts, base, tuned,
                                                                 strict=True)]

    def _word_start(self, stream: list[int], start: int, last: int) -> int:
        """`start` moved on (a little) to a token that begins a word or line, so that
        the prompt does not open with half a word."""
        for position in range(start, min(last, start + 16) + 1):
            if position == 0 or self.tokenizer.decode(stream[position - 1:position]).endswith(
                    "\n") or self.tokenizer.decode(stream[position:position + 1])[:1].isspace():
                return position
        return start

    @torch.no_grad()
    def _greedy(self, prompts: list[list[int]]) -> list[str]:
        """Greedy continuations of prompts of equal length, decoded as one batch (on a
        CPU a few rows cost about as much as one)."""
        self.model.eval()
        ids = torch.tensor(prompts, device=self.device)
        try:
            out = self.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                      do_sample=False, max_new_tokens=self.config.sample_tokens,
                                      pad_token_id=self.pad_id, use_cache=True)
        finally:
            self.model.train()
        return [self.tokenizer.decode(row[ids.shape[1]:], skip_special_tokens=True)
                for row in out]

    # -- the whole run -------------------------------------------------------------------
    def run(self, stop: threading.Event) -> bool:
        """Train; True when an adapter is at `out` (from this run or a resumed one)."""
        documents = self._documents()
        self._load()
        doc_ids, words, skipped = self._read(documents)
        del documents  # the token ids are all that is needed from here on
        eos = self.tokenizer.eos_token_id
        plan = make_plan(self.config, doc_ids, eos, self.device, words, skipped,
                         self.identity["fingerprint"], self.emit, self.world.size)
        self.optimizer, self.scheduler = self._optimizer(plan)
        fp16 = self.device.type == "cuda" and not torch.cuda.is_bf16_supported()
        self.scaler = torch.amp.GradScaler("cuda", enabled=fp16)
        state = self._restore(plan) if self.config.resume else RunState()
        guard = StopGuard(self.model, stop)
        try:
            return self._run(plan, state, stop, guard)
        finally:
            guard.remove()

    def _run(self, plan: Plan, state: RunState, stop: threading.Event,
             guard: StopGuard) -> bool:
        estimate = self._estimate(plan, state)
        self.emit("start", documents=plan.documents, skipped=plan.skipped, words=plan.words,
                  tokens=plan.tokens, train_chunks=len(plan.train),
                  valid_chunks=len(plan.valid), total_steps=plan.total_steps,
                  device=str(self.device), estimate_s=round(estimate, 1))
        if self.config.dry_run:
            self.emit("done", adapter=None, interrupted=False)
            return False
        order = ChunkOrder(len(plan.train), plan.per_step, self.config.seed)
        saved_step = state.step
        best = None  # the best weights of this run; a resumed run's are on disk
        try:
            if state.valid_before is None:
                state.valid_before = self._evaluate(plan, state)
            steps_done = 0
            while state.step < plan.total_steps:
                guard.check()
                loss = self._train_step(plan, order, state.step)
                state.step += 1
                steps_done += 1
                self._progress(plan, state, loss, steps_done)
                if state.step % plan.eval_every == 0 or state.step == plan.total_steps:
                    valid = self._evaluate(plan, state)
                    if state.best_loss is None or valid < state.best_loss:
                        state.best_loss, state.best_step = valid, state.step
                        best = _lora_state(self.model)
                        self._save_adapter(plan, state)
                    else:
                        self._write_resume_only(plan, state)
                    saved_step = state.step
        except Stopped:
            if state.step > saved_step:  # keep the finished steps for --resume
                self._write_resume_only(plan, state)
            adapter = _has_adapter(self.out)
            self.emit("done", adapter=str(self.out) if adapter else None, interrupted=True)
            return adapter
        if best is not None:
            _load_lora_state(self.model, best)
        elif _has_adapter(self.out):
            self._load_saved_adapter()
        if self.world.main:
            self._report(plan, state)
        self.emit("done", adapter=str(self.out), interrupted=False)
        return True

    def _load_saved_adapter(self) -> None:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(self.model,
                                  load_file(str(self.out / "adapter_model.safetensors")))

    def _report(self, plan: Plan, state: RunState) -> None:
        try:
            samples = self._samples(plan)
            evaluation = self._compare(plan)
        except Stopped:
            samples, evaluation = [], None
        self.emit("report", ppl_before=_ppl(state.valid_before), ppl_after=_ppl(state.best_loss),
                  documents=plan.documents, tokens=plan.tokens,
                  seconds=round(state.seconds + self._elapsed(), 1), samples=samples,
                  best_step=state.best_step, adapter=str(self.out), evaluation=evaluation)

    def _compare(self, plan: Plan) -> dict | None:
        """Base against personalized on the held-out text (report_eval); None when
        there is too little of it. The last use of the model: the adapter is merged."""
        from writer_app.core.requests import ModelSpec
        from writer_app.inference.registry import load_causal_lm

        def load_base():
            spec = ModelSpec(self.config.model, str(self.device), "float32",
                             allow_pickle=self.config.allow_pickle)
            return load_causal_lm(spec).model

        text = report_eval.heldout_text(self.tokenizer, plan.valid)
        return report_eval.compare(self.model, self.tokenizer, text, load_base)


def _errors_only(emit: Emit) -> Emit:
    def errors(event: str, **fields) -> None:
        if event == "error":
            emit(event, **fields)
    return errors


def _ppl(loss: float | None) -> float | None:
    if loss is None:
        return None
    return round(math.exp(min(loss, 50.0)), 3)


def _legacy_state(folder: Path) -> dict:
    """optimizer.pt of earlier versions, read without running code (weights_only)."""
    saved = torch.load(folder / "optimizer.pt", map_location="cpu", weights_only=True)
    if not isinstance(saved, dict):
        raise StateFormatError("optimizer.pt holds no state")
    return saved


def _has_adapter(folder: Path) -> bool:
    from writer_app.inference.adapters import is_adapter_dir

    return is_adapter_dir(folder)


# --- perplexity and the report as text -------------------------------------------------------


def format_report(report: dict) -> str:
    """The `report` event as text, for the command line."""
    before, after = report.get("ppl_before"), report.get("ppl_after")
    lines = [f"documents: {report.get('documents')}, tokens: {report.get('tokens')}, "
             f"time: {report.get('seconds')} s"]
    if before and after:
        change = 100.0 * (after - before) / before
        lines.append(f"validation perplexity: {before:.3f} -> {after:.3f} ({change:+.1f}%)")
    for number, sample in enumerate(report.get("samples") or [], 1):
        lines += [f"sample {number}: …{sample['prompt'][-120:]}",
                  f"  base:  {sample['base']!r}", f"  tuned: {sample['tuned']!r}"]
    lines.append(f"adapter: {report.get('adapter')}")
    return "\n".join(lines)


# --- entry points ---------------------------------------------------------------------------


def finetune(config: FinetuneConfig, emit: Emit = print_event) -> int:
    """Run a fine-tune with stop signals handled; 0 on success or a clean stop, 1 on error."""
    import warnings

    from writer_app.inference.errors import ModelLoadError, one_line
    from writer_app.training.tagger_training import stop_signals

    warnings.filterwarnings("ignore", category=FutureWarning)  # library deprecation notes
    warnings.filterwarnings("ignore", message=".*fan_in_fan_out.*")  # GPT-2's Conv1D layers
    problem = out_problem(config.out, config.docs)
    if problem:  # refused before anything is loaded or written
        emit("error", message=problem)
        return 1
    if distributed.world_from_env().main:
        sweep_stale(Path(config.out).expanduser().parent, Path(config.out).name)
        sweep_stale(Path(config.out).expanduser(), RESUME_DIR)
    else:  # under torchrun only rank 0 reports
        emit = _errors_only(emit)
    with stop_signals() as stop:
        try:
            Personalizer(config, emit).run(stop)
        except (PersonalizeError, ModelLoadError) as exc:
            emit("error", message=str(exc))
            return 1
        except Stopped:  # a stop during loading or set-up
            emit("done", adapter=str(config.out) if _has_adapter(Path(config.out)) else None,
                 interrupted=True)
        except Exception as exc:  # noqa: BLE001 - anything else: one line, not a traceback
            import traceback

            traceback.print_exc(file=sys.stderr)
            emit("error", message=f"{type(exc).__name__}: {one_line(exc)}")
            return 1
        finally:
            distributed.stop()
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", nargs="+", required=True, metavar="PATH",
                        help="documents (.txt, .md, .docx, .odt) and folders of them")
    parser.add_argument("--out", required=True, metavar="DIR", help="the adapter folder")
    parser.add_argument("--model", default="default",
                        help="'default', a model folder, or a model id in the local HF cache")
    parser.add_argument("--max-steps", type=int, default=None, metavar="N",
                        help="optimizer steps (default: from the corpus size)")
    parser.add_argument("--epochs", type=float, default=None, metavar="E",
                        help="passes over the text (default: 1-3 from the corpus size)")
    parser.add_argument("--preset", choices=("quick", "full"), default="full",
                        help=f"quick caps the run at {QUICK_STEPS} steps")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in DIR")
    parser.add_argument("--name", default="", help="the adapter's display name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    advanced = parser.add_argument_group("advanced")
    advanced.add_argument("--lr", type=float, default=None,
                          help=f"peak learning rate (default {GPU_LR:g} on a GPU, "
                               f"{CPU_LR:g} on a CPU)")
    advanced.add_argument("--context", type=int, default=None, metavar="N",
                          help="tokens per training window (default 256 on CPU, 512 on GPU)")
    advanced.add_argument("--threads", type=int, default=None, metavar="N",
                          help="CPU threads (default: all available cores, shared out "
                               "among the processes of a torchrun launch)")
    advanced.add_argument("--max-bytes", type=int, default=MAX_CORPUS_BYTES, metavar="N",
                          help=f"read at most N bytes of text from the documents (default "
                               f"{MAX_CORPUS_BYTES >> 20} MB)")
    advanced.add_argument("--windows-per-step", type=int, default=None, metavar="N",
                          help="training windows per optimizer step across all processes "
                               f"(default: {CPU_WINDOWS} per process on a CPU, 8-32 per "
                               "process on a GPU)")


def config_from_args(args: argparse.Namespace) -> FinetuneConfig:
    return FinetuneConfig(
        docs=tuple(args.docs), out=Path(args.out), model=args.model, max_steps=args.max_steps,
        epochs=args.epochs, preset=args.preset, resume=args.resume, name=args.name,
        seed=args.seed, device=args.device, dry_run=getattr(args, "dry_run", False),
        lr=args.lr, context=args.context, threads=args.threads,
        allow_pickle=getattr(args, "allow_pickle", False), max_bytes=args.max_bytes,
        windows_per_step=getattr(args, "windows_per_step", None))


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m writer_app.training.personalize",
                                          description=__doc__.split("\n\n")[0])
    add_arguments(main_parser)
    main_parser.add_argument("--dry-run", action="store_true",
                             help="print the plan and time estimate, then stop")
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    message = argument_problem(args)
    if message:
        print_event("error", message=message)
        return 1
    return finetune(config_from_args(args))


def argument_problem(args: argparse.Namespace) -> str:
    """Why the numeric options cannot be used, or ""."""
    checks = ((args.max_steps is not None and args.max_steps < 1, "--max-steps must be >= 1"),
              (args.epochs is not None and args.epochs <= 0, "--epochs must be positive"),
              (args.lr is not None and args.lr <= 0, "--lr must be positive"),
              (args.context is not None and args.context < 8, "--context must be >= 8"),
              (args.threads is not None and args.threads < 1, "--threads must be >= 1"),
              (args.max_bytes < 1, "--max-bytes must be >= 1"),
              (getattr(args, "windows_per_step", None) is not None
               and args.windows_per_step < 1, "--windows-per-step must be >= 1"))
    return next((message for bad, message in checks if bad), "")


if __name__ == "__main__":
    raise SystemExit(main())
