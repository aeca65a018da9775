"""Training the GECToR-style tagger on a dataset written by ``build-data``.

``train_tagger(TrainConfig(...))`` reads ``train.jsonl``, ``valid.jsonl`` and
``vocabulary.json``, builds a ``GecTagger`` on an encoder (the packaged MiniLM by default,
or a Hugging Face folder) and trains it in two stages, as GECToR does: the first
``freeze_encoder_steps`` steps train only the heads; then the encoder is unfrozen with a
lower learning rate (``encoder_lr``). One AdamW optimiser, a linear warm-up then linear
decay, gradient clipping.

Loss: cross-entropy on the tags of the real words and ``$START`` (words whose tag is not
in the vocabulary are masked out of it) plus binary cross-entropy on detection (label 1
where the tag is not ``$KEEP``), both over ``word_mask``.

Every ``eval_every`` steps the validation loss and the tag accuracy on words whose gold
tag is not ``$KEEP`` are computed; the checkpoint with the lowest validation loss is kept.
It is saved into a temporary folder next to ``out`` and then renamed into place, so an
interrupted run leaves either no model, or the previous complete one, at ``out`` (a kill
between the two renames leaves the previous model as ``.<name>.old-*`` next to it).
While the encoder is still frozen and is the packaged one, only the heads are saved (the
checkpoint refers to the encoder package); otherwise the encoder is saved too.

SIGINT and SIGTERM stop training after the current step; the best checkpoint is kept.
"""

from __future__ import annotations

import json
import math
import platform
import random
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from writer_app.core.cpu_share import available_cores
from writer_app.core.documents import atomic_write_text
from writer_app.core.gec.tags import KEEP, TagVocabulary
from writer_app.inference.grammar.checkpoint import (
    PACKAGED_ENCODER,
    load_tagger,
    load_tokenizer,
    packaged_encoder_path,
    save_tagger,
)
from writer_app.inference.grammar.model import GecTagger
from writer_app.jobs.protocol import print_event
from writer_app.training.dataset import Example, read_examples

IGNORE = -100
Emit = Callable[..., None]


@dataclass(frozen=True)
class TrainConfig:
    data: Path
    out: Path
    encoder: str = PACKAGED_ENCODER
    max_steps: int | None = None
    epochs: float | None = None  # default: 1 epoch unless max_steps is given
    batch_size: int = 16
    lr: float = 1e-3  # the heads
    encoder_lr: float = 5e-5  # the encoder, once unfrozen
    freeze_encoder_steps: int = 0
    warmup_share: float = 0.1
    clip_norm: float = 1.0
    weight_decay: float = 0.01
    eval_every: int = 200
    log_every: int = 10
    valid_limit: int | None = 2000
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    init: Path | None = None  # start from this checkpoint (same tag vocabulary)
    train_layers: int | None = None  # once unfrozen, train only the top N encoder layers


@dataclass
class TrainResult:
    steps: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    best: dict | None = None  # {"step", "valid_loss", "tag_accuracy", ...} of the saved model
    losses: list[float] = field(default_factory=list)  # training loss of every step
    evals: list[dict] = field(default_factory=list)


# --- set-up ---------------------------------------------------------------------------------


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy

        numpy.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover - numpy comes with torch's usual installs
        pass


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def encoder_folder(reference: str) -> Path:
    return packaged_encoder_path() if reference == PACKAGED_ENCODER else Path(reference)


def build_tagger(reference: str, vocabulary: TagVocabulary) -> tuple[GecTagger, object]:
    from transformers import AutoModel

    folder = encoder_folder(reference)
    encoder = AutoModel.from_pretrained(str(folder), local_files_only=True,
                                        trust_remote_code=False, weights_only=True)
    return GecTagger(encoder, vocabulary), load_tokenizer(folder)


def init_tagger(folder: Path, vocabulary: TagVocabulary) -> tuple[GecTagger, object]:
    """A saved checkpoint to continue from; its tags must be the dataset's."""
    loaded = load_tagger(folder)
    if list(loaded.tagger.vocabulary.tags) != list(vocabulary.tags):
        raise ValueError(f"{folder} was trained with another tag vocabulary")
    return loaded.tagger, loaded.tokenizer


def _has_own_encoder(folder: Path) -> bool:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return config.get("encoder") != PACKAGED_ENCODER


def load_split(data: Path, name: str, limit: int | None = None) -> list[Example]:
    examples = [e for e in read_examples(data / f"{name}.jsonl") if e.words]
    return examples[:limit] if limit is not None else examples


# --- batches and loss -----------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    tags: torch.Tensor  # (B, W) tag ids, IGNORE where masked out
    detect: torch.Tensor  # (B, W) float: 1 where the gold tag is not $KEEP
    detect_mask: torch.Tensor  # (B, W) bool


def make_labels(examples: Sequence[Example], vocabulary: TagVocabulary,
                word_mask: torch.Tensor) -> Labels:
    """Tag and detection labels; unknown tags are left out of the tag loss only."""
    tags = torch.full(word_mask.shape, IGNORE, dtype=torch.long)
    detect = torch.zeros(word_mask.shape)
    for row, example in enumerate(examples):
        for position, tag in enumerate(example.tags[: word_mask.shape[1]]):
            if tag in vocabulary:
                tags[row, position] = vocabulary.index(tag)
            detect[row, position] = float(tag != KEEP)
    tags[~word_mask] = IGNORE
    return Labels(tags, detect, word_mask.clone())


def batch_loss(tagger: GecTagger, tokenizer, examples: Sequence[Example],
               device: torch.device) -> tuple[torch.Tensor, torch.Tensor, Labels]:
    """(loss, tag logits, labels) of one batch."""
    batch = tagger.encode(tokenizer, [list(e.words) for e in examples])
    labels = make_labels(examples, tagger.vocabulary, batch.word_mask)
    output = tagger(batch.to(device))
    tag_labels = labels.tags.to(device)
    logits = output.tag_logits.float()
    if bool((tag_labels != IGNORE).any()):
        tag_loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tag_labels.reshape(-1),
                                   ignore_index=IGNORE)
    else:
        tag_loss = logits.sum() * 0.0
    mask = labels.detect_mask.to(device)
    probs = output.detect_probs.clamp(1e-6, 1 - 1e-6)[mask]
    detect_loss = F.binary_cross_entropy(probs, labels.detect.to(device)[mask])
    return tag_loss + detect_loss, logits, labels


def batches(examples: Sequence[Example], size: int, generator: torch.Generator
            ) -> Iterator[list[Example]]:
    """One epoch of shuffled batches (the last one may be smaller)."""
    order = torch.randperm(len(examples), generator=generator).tolist()
    for start in range(0, len(order), size):
        yield [examples[i] for i in order[start : start + size]]


def endless_batches(examples: Sequence[Example], size: int, seed: int
                    ) -> Iterator[list[Example]]:
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from batches(examples, size, generator)


# --- optimiser ------------------------------------------------------------------------------


def make_optimizer(tagger: GecTagger, config: TrainConfig) -> torch.optim.AdamW:
    heads = [*tagger.tag_head.parameters(), *tagger.detect_head.parameters()]
    return torch.optim.AdamW([
        {"params": heads, "lr": config.lr},
        {"params": list(tagger.encoder.parameters()), "lr": config.encoder_lr},
    ], weight_decay=config.weight_decay)


def warmup_then_decay(total_steps: int, warmup_share: float) -> Callable[[int], float]:
    warmup = max(1, round(total_steps * warmup_share))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return factor


def encoder_layers(encoder) -> list[torch.nn.Module]:
    """The transformer blocks of a Hugging Face encoder, bottom first ([] if unknown)."""
    for path in ("encoder.layer", "transformer.layer", "layers", "encoder.layers"):
        module = encoder
        for name in path.split("."):
            module = getattr(module, name, None)
        if isinstance(module, torch.nn.ModuleList):
            return list(module)
    return []


def set_encoder_trainable(tagger: GecTagger, trainable: bool,
                          top_layers: int | None = None) -> None:
    """Freeze or unfreeze the encoder; ``top_layers`` unfreezes only the top N blocks (on a
    CPU, back-propagating through the whole encoder costs several times the forward)."""
    for parameter in tagger.encoder.parameters():
        parameter.requires_grad_(trainable and top_layers is None)
    if trainable and top_layers is not None:
        for layer in encoder_layers(tagger.encoder)[-top_layers:] if top_layers else []:
            for parameter in layer.parameters():
                parameter.requires_grad_(True)


def total_steps(config: TrainConfig, train_size: int) -> int:
    """max_steps, or the steps of ``epochs`` epochs (1 by default), or the smaller of both."""
    per_epoch = math.ceil(train_size / config.batch_size)
    if config.epochs is None and config.max_steps:
        return config.max_steps
    by_epochs = max(1, math.ceil(per_epoch * (config.epochs or 1.0)))
    return min(config.max_steps, by_epochs) if config.max_steps else by_epochs


# --- evaluation -----------------------------------------------------------------------------


@torch.no_grad()
def evaluate(tagger: GecTagger, tokenizer, examples: Sequence[Example], batch_size: int,
             device: torch.device) -> dict:
    """Validation loss (mean over batches) and tag accuracy on non-$KEEP / $KEEP words."""
    was_training = tagger.training
    tagger.eval()
    losses, counts = [], {"edit": [0, 0], "keep": [0, 0]}
    keep_id = tagger.vocabulary.index(KEEP)
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        loss, logits, labels = batch_loss(tagger, tokenizer, chunk, device)
        losses.append(loss.item())
        predicted = logits.argmax(-1).cpu()
        gold_edit = labels.detect.bool() & labels.detect_mask
        known = labels.tags != IGNORE
        for name, where in (("edit", gold_edit), ("keep", known & (labels.tags == keep_id))):
            counts[name][0] += int((predicted[where] == labels.tags[where]).sum())
            counts[name][1] += int(where.sum())
    tagger.train(was_training)
    return {
        "valid_loss": round(sum(losses) / max(1, len(losses)), 5),
        "tag_accuracy": round(counts["edit"][0] / max(1, counts["edit"][1]), 4),
        "keep_accuracy": round(counts["keep"][0] / max(1, counts["keep"][1]), 4),
        "edit_words": counts["edit"][1],
    }


# --- saving ---------------------------------------------------------------------------------


def replace_folder(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` in one atomic swap; the old one is removed afterwards."""
    from writer_app.core.out_folder import swap_in

    swap_in(source, target)
    shutil.rmtree(source, ignore_errors=True)


def save_checkpoint(tagger: GecTagger, tokenizer, out: Path, encoder_reference: str | None,
                    card: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        save_tagger(staging, tagger, tokenizer, encoder_reference=encoder_reference)
        atomic_write_text(staging / "model_card.md", card)
        replace_folder(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}"
    cpu = platform.processor() or platform.machine()
    return f"CPU {cpu}, {torch.get_num_threads()} threads"


def _sources_summary(data: Path) -> str:
    path = data / "sources.json"
    if not path.exists():
        return "not recorded (no sources.json in the data folder)"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "sources.json is unreadable"
    lines = [f"- {name}: {info}" for name, info in report.get("sources", {}).items()]
    dataset = report.get("dataset", {})
    lines.append(f"- sentence limit: {report.get('limit')}, data seed: {report.get('seed')}")
    lines.append(f"- examples: {dataset.get('examples')}, "
                 f"alignment failures: {dataset.get('alignment_failures')}")
    return "\n".join(lines)


def model_card(config: TrainConfig, result: TrainResult, metrics: dict, device: torch.device,
               encoder_reference: str | None) -> str:
    settings = {k: str(v) for k, v in asdict(config).items()}
    return "\n".join([
        "# Grammar tagger (GECToR-style) — model card",
        "",
        f"Trained by `python -m writer_app.training.grammar train`; encoder `{config.encoder}`"
        f" ({'referenced, unchanged' if encoder_reference else 'saved in encoder/'}).",
        "",
        "## Data sources",
        _sources_summary(config.data),
        "",
        "## Training",
        f"- steps: {metrics['step']} (run so far: {result.steps} steps, "
        f"{result.seconds:.0f} s{', interrupted' if result.interrupted else ''})",
        f"- hardware: {hardware(device)}",
        f"- seed: {config.seed}",
        f"- settings: `{json.dumps(settings)}`",
        "",
        "## Validation metrics (this checkpoint)",
        *(f"- {key}: {value}" for key, value in metrics.items()),
        "",
    ])


# --- the loop -------------------------------------------------------------------------------


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM (handlers only in the main thread)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Trainer:
    def __init__(self, config: TrainConfig, emit: Emit = print_event) -> None:
        self.config = config
        self.emit = emit
        seed_everything(config.seed)
        torch.set_num_threads(config.threads or available_cores())
        self.device = pick_device(config.device)
        vocabulary = TagVocabulary.load(config.data / "vocabulary.json")
        self.train_set = load_split(config.data, "train")
        self.valid_set = load_split(config.data, "valid", config.valid_limit)
        if not self.train_set:
            raise ValueError(f"no training examples in {config.data / 'train.jsonl'}")
        if config.init is not None:
            self.tagger, self.tokenizer = init_tagger(config.init, vocabulary)
        else:
            self.tagger, self.tokenizer = build_tagger(config.encoder, vocabulary)
        self.tagger.to(self.device).train()
        self.steps = total_steps(config, len(self.train_set))
        self.optimizer = make_optimizer(self.tagger, config)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, warmup_then_decay(self.steps, config.warmup_share))
        self.result = TrainResult()
        self.started = time.monotonic()
        # An initial checkpoint with its own encoder must be saved with it.
        self.encoder_trained = config.init is not None and _has_own_encoder(config.init)

    def encoder_reference(self) -> str | None:
        packaged = self.config.encoder == PACKAGED_ENCODER
        return PACKAGED_ENCODER if packaged and not self.encoder_trained else None

    def step(self, examples: list[Example], step: int) -> float:
        frozen = step < self.config.freeze_encoder_steps
        set_encoder_trainable(self.tagger, not frozen, self.config.train_layers)
        self.encoder_trained = self.encoder_trained or not frozen
        loss, _, _ = batch_loss(self.tagger, self.tokenizer, examples, self.device)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(
            [p for p in self.tagger.parameters() if p.requires_grad], self.config.clip_norm)
        self.optimizer.step()
        self.scheduler.step()
        return loss.item()

    def evaluate_and_keep(self, step: int) -> None:
        if not self.valid_set:
            metrics = {"valid_loss": self.result.losses[-1], "tag_accuracy": None}
        else:
            metrics = evaluate(self.tagger, self.tokenizer, self.valid_set,
                               self.config.batch_size * 2, self.device)
        metrics = {"step": step, **metrics}
        self.result.evals.append(metrics)
        self.emit("eval", **metrics)
        best = self.result.best
        if best is None or metrics["valid_loss"] < best["valid_loss"]:
            self.result.best = metrics
            self.save(metrics)

    def save(self, metrics: dict) -> None:
        self.result.seconds = time.monotonic() - self.started
        reference = self.encoder_reference()
        card = model_card(self.config, self.result, metrics, self.device, reference)
        save_checkpoint(self.tagger, self.tokenizer, self.config.out, reference, card)
        self.emit("saved", step=metrics["step"], out=str(self.config.out))

    def run(self) -> TrainResult:
        config = self.config
        self.emit("start", train_examples=len(self.train_set),
                  valid_examples=len(self.valid_set), steps=self.steps,
                  vocabulary_size=len(self.tagger.vocabulary), device=str(self.device),
                  threads=torch.get_num_threads())
        stream = endless_batches(self.train_set, config.batch_size, config.seed)
        step = 0
        with stop_signals() as stop:
            while step < self.steps and not stop.is_set():
                loss = self.step(next(stream), step)
                step += 1
                self.result.steps = step
                self.result.losses.append(loss)
                self._progress(step, loss)
                if step % config.eval_every == 0 or step == self.steps:
                    self.evaluate_and_keep(step)
            self.result.interrupted = stop.is_set() and step < self.steps
        self.result.seconds = time.monotonic() - self.started
        self.emit("done", steps=step, seconds=round(self.result.seconds, 1),
                  interrupted=self.result.interrupted, best=self.result.best,
                  out=str(config.out) if self.result.best else None)
        return self.result

    def _progress(self, step: int, loss: float) -> None:
        if step % self.config.log_every == 0 or step == 1 or step == self.steps:
            self.emit("progress", step=step, loss=round(loss, 5),
                      lr=self.scheduler.get_last_lr()[0],
                      elapsed_s=round(time.monotonic() - self.started, 2))


def train_tagger(config: TrainConfig, emit: Emit = print_event) -> TrainResult:
    return Trainer(config, emit).run()
