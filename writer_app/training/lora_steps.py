"""One training step's parts for LoRA personalization: the stop guard that ends a step
between decoder blocks, batches of windows, the loss, and perplexity."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator, Sequence

import torch

from writer_app.jobs.protocol import Stopped
from writer_app.training.lora_data import Window, scoring_windows

# --- the stop guard -------------------------------------------------------------------------


class StopGuard:
    """Raises Stopped between decoder blocks once `stop` is set, in forward and backward."""

    def __init__(self, model, stop: threading.Event) -> None:
        self.stop = stop
        lists = [m for m in model.modules() if isinstance(m, torch.nn.ModuleList)]
        blocks = max(lists, key=len) if lists else []
        self._handles = [block.register_forward_hook(self._after_block) for block in blocks]

    def check(self) -> None:
        if self.stop.is_set():
            raise Stopped()

    def _after_block(self, _module, _args, output):
        self.check()
        hidden = output[0] if isinstance(output, tuple) else output
        if torch.is_tensor(hidden) and hidden.requires_grad:
            hidden.register_hook(self._in_backward)

    def _in_backward(self, _grad):
        self.check()

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


# --- batches and loss -----------------------------------------------------------------------


def collate(windows: Sequence[Window], pad_id: int, device) -> dict[str, torch.Tensor]:
    """Padded input ids, attention mask and labels (context and padding masked out)."""
    length = max(len(w.ids) for w in windows)
    ids = torch.full((len(windows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), length), dtype=torch.long)
    labels = torch.full((len(windows), length), -100, dtype=torch.long)
    for row, window in enumerate(windows):
        n = len(window.ids)
        ids[row, :n] = torch.tensor(window.ids)
        mask[row, :n] = 1
        labels[row, n - window.scored : n] = ids[row, n - window.scored : n]
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device),
            "labels": labels.to(device)}


def _predicted_tokens(batch: dict[str, torch.Tensor]) -> int:
    """Tokens that count in the loss: labelled positions after the first of each row."""
    return int((batch["labels"][:, 1:] != -100).sum())


def chunked(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def autocast(device: torch.device):
    if device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype)


@torch.no_grad()
def mean_nll(model, windows: Sequence[Window], micro_batch: int, pad_id: int,
             device: torch.device) -> float:
    """Mean negative log-likelihood per predicted token over `windows`."""
    total, count = nll_sum(model, windows, micro_batch, pad_id, device)
    return total / max(1, count)


@torch.no_grad()
def nll_sum(model, windows: Sequence[Window], micro_batch: int, pad_id: int,
            device: torch.device) -> tuple[float, int]:
    """(summed negative log-likelihood, predicted tokens) over `windows`."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for group in chunked(windows, micro_batch):
            batch = collate(group, pad_id, device)
            n = _predicted_tokens(batch)
            if n == 0:
                continue
            with autocast(device):
                loss = model(**batch).loss
            total += float(loss) * n
            count += n
    finally:
        model.train(was_training)
    return total, count


def text_perplexity(model, tokenizer, text: str, context: int = 512) -> tuple[float, int]:
    """(perplexity, scored tokens) of `text`; windows of `context` tokens, each scoring its
    second half with the first half as context (the first window scores all of it)."""
    ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
    windows = scoring_windows(ids, context, max(1, context // 2))
    if not windows:
        return float("nan"), 0
    device = next(model.parameters()).device
    loss = mean_nll(model, windows, 4, tokenizer.pad_token_id or 0, device)
    return math.exp(loss), max(0, len(ids) - 1)
