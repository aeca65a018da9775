"""Personalization's training run: LoRA on the completion model, with evaluations,
checkpoints, samples and the report (``training/personalize.py`` is its command line).

The documents are tokenised, 10% of the text is held out for validation (``lora_data``),
and LoRA (r 16, alpha 32, dropout 0.05 on every attention and MLP projection) is trained
with AdamW on a cosine schedule with warm-up (``lora_plan``). The validation loss is
measured before training and every few steps; the adapter with the lowest one is saved
(``lora_checkpoint``). A stop (SIGINT/SIGTERM) ends the run between decoder blocks
(``lora_steps.StopGuard``); the state after the last finished step is kept for --resume.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import torch

from writer_app.core.doc_import import ImportResult, read_documents
from writer_app.jobs.events import (
    Comparison,
    Evaluated,
    ProcessError,
    ProcessWarning,
    Progress,
    Sample,
    Saved,
    Saving,
    SkippedFile,
    TrainingDone,
    TrainingReport,
    TrainingStarted,
)
from writer_app.jobs.protocol import Stopped, print_event
from writer_app.training import distributed, report_eval
from writer_app.training.lora_checkpoint import (
    Checkpoints,
    has_adapter,
    load_lora_state,
    lora_state,
)
from writer_app.training.lora_data import ChunkOrder
from writer_app.training.lora_plan import (
    WEAK_CORPUS_WORDS,
    Emit,
    FinetuneConfig,
    PersonalizeError,
    Plan,
    RunState,
    make_plan,
    pick_device,
)
from writer_app.training.lora_steps import StopGuard, autocast, chunked, collate, nll_sum


class Personalizer:
    def __init__(self, config: FinetuneConfig, emit: Emit = print_event) -> None:
        self.config = config
        self.world = distributed.world_from_env()
        # Under torchrun only rank 0 reports; the others still say why they failed.
        self.emit = emit if self.world.main else errors_only(emit)
        self.out = Path(config.out).expanduser()
        self.started = time.monotonic()
        self.train_seconds = 0.0  # time inside training steps, for tokens/s
        self.train_tokens = 0
        self.eval_seconds: list[float] = []
        self.threads = 0  # CPU threads, set when the model loads

    # -- set-up --------------------------------------------------------------------------
    def _load(self) -> None:
        from writer_app.core.cpu_share import available_cores
        from writer_app.core.requests import ModelSpec
        from writer_app.inference.adapters import base_model_identity
        from writer_app.inference.registry import load_causal_lm
        from writer_app.training.tagger_training import seed_everything

        seed_everything(self.config.seed)
        cores = max(1, available_cores() // self.world.local_size)  # processes share them
        threads = self.threads = self.config.threads or cores
        torch.set_num_threads(threads)
        device_name = distributed.device_for(
            self.world, "cuda" if pick_device(self.config.device).type == "cuda" else "cpu")
        self.device = torch.device(device_name)
        distributed.start(self.world, self.device)
        # the threads go into the spec too: the loader sets its own count on a CPU
        loaded = load_causal_lm(ModelSpec(self.config.model, device_name, "float32",
                                          threads=threads,
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

    def _read(self, result: ImportResult
              ) -> tuple[list[list[int]], int, tuple[SkippedFile, ...]]:
        skipped = tuple(SkippedFile(s.path, s.reason) for s in result.skipped)
        if not result.documents:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
            raise PersonalizeError("No readable documents were found"
                                   + (f" ({reasons})" if reasons else "") + ".")
        if result.words < WEAK_CORPUS_WORDS:
            self.emit(ProcessWarning(f"Only {result.words} words: personalization needs "
                                     f"about {WEAK_CORPUS_WORDS} or more to make a clear "
                                     "difference."))
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

    # -- checkpoints ---------------------------------------------------------------------
    def _seconds(self, state: RunState) -> float:
        return state.seconds + self._elapsed()

    def _write_resume_only(self, plan: Plan, state: RunState) -> None:
        if self.world.main:
            self.checkpoints.write_resume_only(plan, state, self._seconds(state))

    # -- saving the adapter --------------------------------------------------------------
    def _metadata(self, plan: Plan, state: RunState) -> dict:
        return {
            "name": self.config.name or self.out.name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_model": self.identity["name"],
            "base_model_id": self.identity,
            "metrics": {"ppl_before": ppl(state.valid_before), "ppl_after": ppl(state.best_loss),
                        "valid_loss": state.best_loss},
            "documents": plan.documents,
            "tokens": plan.tokens,
            "seconds": round(self._seconds(state), 1),
            "steps": state.best_step,
            "settings": {"rank": self.config.rank, "alpha": self.config.alpha,
                         "dropout": self.config.dropout, "lr": plan.lr,
                         "context": plan.context, "windows_per_step": plan.per_step,
                         "total_steps": plan.total_steps, "seed": self.config.seed},
        }

    def _save_adapter(self, plan: Plan, state: RunState) -> None:
        if not self.world.main:
            return
        self.emit(Saving(step=state.step))  # a cancel now waits for "saved"
        self.checkpoints.save_adapter(plan, state, self._metadata(plan, state),
                                      self._seconds(state))
        self.emit(Saved(step=state.step, path=str(self.out)))

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
        self.emit(Evaluated(step=state.step, valid_loss=round(loss, 5)))
        return loss

    def _progress(self, plan: Plan, state: RunState, loss: float, steps_done: int) -> None:
        elapsed = self._elapsed()
        per_step = self.train_seconds / max(1, steps_done)
        remaining = plan.total_steps - state.step
        evals_left = math.ceil(remaining / plan.eval_every)
        eval_time = sum(self.eval_seconds) / max(1, len(self.eval_seconds))
        self.emit(Progress(
            step=state.step, total_steps=plan.total_steps, loss=round(loss, 5),
            tokens_per_s=round(self.train_tokens / max(1e-9, self.train_seconds), 1),
            elapsed_s=round(elapsed, 1),
            eta_s=round(remaining * per_step + evals_left * eval_time, 1)))

    # -- samples -------------------------------------------------------------------------
    def _samples(self, plan: Plan) -> list[Sample]:
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
        return [Sample(self.tokenizer.decode(prompt, skip_special_tokens=True), b, t)
                for prompt, b, t in zip(prompts, base, tuned, strict=True)]

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
        self.checkpoints = Checkpoints(self.out, self.model, self.optimizer, self.scheduler,
                                       self.emit)
        state = self.checkpoints.restore(plan) if self.config.resume else RunState()
        guard = StopGuard(self.model, stop)
        try:
            return self._run(plan, state, stop, guard)
        finally:
            guard.remove()

    def _run(self, plan: Plan, state: RunState, stop: threading.Event,
             guard: StopGuard) -> bool:
        estimate = self._estimate(plan, state)
        self.emit(TrainingStarted(
            documents=plan.documents, skipped=plan.skipped, words=plan.words,
            tokens=plan.tokens, train_chunks=len(plan.train), valid_chunks=len(plan.valid),
            total_steps=plan.total_steps, device=str(self.device),
            estimate_s=round(estimate, 1)))
        if self.config.dry_run:
            self.emit(TrainingDone(adapter=None, interrupted=False))
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
                        best = lora_state(self.model)
                        self._save_adapter(plan, state)
                    else:
                        self._write_resume_only(plan, state)
                    saved_step = state.step
        except Stopped:
            if state.step > saved_step:  # keep the finished steps for --resume
                self._write_resume_only(plan, state)
            adapter = has_adapter(self.out)
            self.emit(TrainingDone(adapter=str(self.out) if adapter else None,
                                   interrupted=True))
            return adapter
        if best is not None:
            load_lora_state(self.model, best)
        elif has_adapter(self.out):
            self.checkpoints.load_saved_adapter()
        if self.world.main:
            self._report(plan, state)
        self.emit(TrainingDone(adapter=str(self.out), interrupted=False))
        return True

    def _report(self, plan: Plan, state: RunState) -> None:
        try:
            samples = self._samples(plan)
            evaluation = self._compare(plan)
        except Stopped:
            samples, evaluation = [], None
        self.emit(TrainingReport(
            ppl_before=ppl(state.valid_before), ppl_after=ppl(state.best_loss),
            documents=plan.documents, tokens=plan.tokens,
            seconds=round(self._seconds(state), 1), samples=tuple(samples),
            best_step=state.best_step, adapter=str(self.out), evaluation=evaluation))

    def _compare(self, plan: Plan) -> Comparison | None:
        """Base against personalized on the held-out text (report_eval); None when
        there is too little of it. The last use of the model: the adapter is merged."""
        from writer_app.core.requests import ModelSpec
        from writer_app.inference.registry import load_causal_lm

        def load_base():
            spec = ModelSpec(self.config.model, str(self.device), "float32",
                             threads=self.threads, allow_pickle=self.config.allow_pickle)
            return load_causal_lm(spec).model

        text = report_eval.heldout_text(self.tokenizer, plan.valid)
        return report_eval.compare(self.model, self.tokenizer, text, load_base)


def errors_only(emit: Emit) -> Emit:
    """`emit` for ProcessError events only (the other ranks of a torchrun launch)."""
    def errors(event) -> None:
        if isinstance(event, ProcessError):
            emit(event)
    return errors


def ppl(loss: float | None) -> float | None:
    if loss is None:
        return None
    return round(math.exp(min(loss, 50.0)), 3)

