"""Turning the user's documents into training and validation chunks for LoRA.

- ``split_corpus`` holds out about 10% of the tokens for validation: whole documents
  when there are several (so validation text is unseen in style *and* content), or the
  end of each document when a split by document is impossible (one document, or a few
  very unequal ones).
- ``training_windows`` cuts a token stream into fixed-size windows that overlap a little,
  so no sentence is only ever seen cut at a window edge; the last window is aligned to
  the end so every window is full (no padding) unless the whole stream is short.
- ``scoring_windows`` cuts text for perplexity: each token is scored once, with up to
  ``size - stride`` tokens of context carried over from the previous window.
- ``ChunkOrder`` gives the chunks of any optimizer step from the step number alone, so a
  resumed run continues with exactly the batches it would have seen.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

VALID_SHARE = 0.1


@dataclass(frozen=True)
class Window:
    ids: tuple[int, ...]
    scored: int  # how many of the last ids count in the loss (the rest is context)


@dataclass(frozen=True)
class Split:
    train: list[list[int]]  # token segments
    valid: list[list[int]]
    by_document: bool


def split_corpus(documents: Sequence[Sequence[int]], share: float = VALID_SHARE,
                 seed: int = 0) -> Split:
    """Hold out about `share` of the tokens for validation (see the module docstring)."""
    docs = [list(d) for d in documents if d]
    total = sum(len(d) for d in docs)
    if not docs:
        return Split([], [], False)
    if len(docs) >= 2:
        order = list(range(len(docs)))
        random.Random(seed).shuffle(order)
        chosen, held = [], 0
        for index in order:
            if held >= share * total:
                break
            # No single document may push validation past twice the share.
            if held + len(docs[index]) <= 2 * share * total:
                chosen.append(index)
                held += len(docs[index])
        if held >= 0.5 * share * total and len(chosen) < len(docs):
            keep = set(chosen)
            return Split([d for i, d in enumerate(docs) if i not in keep],
                         [docs[i] for i in sorted(keep)], True)
    train, valid = [], []
    for doc in docs:
        cut = len(doc) - max(1, round(len(doc) * share)) if len(doc) > 1 else len(doc)
        train.append(doc[:cut])
        if doc[cut:]:
            valid.append(doc[cut:])
    return Split([t for t in train if t], valid, False)


def join_segments(segments: Sequence[Sequence[int]], separator: int | None) -> list[int]:
    """One token stream, with the end-of-text token between documents."""
    stream: list[int] = []
    for segment in segments:
        if stream and separator is not None:
            stream.append(separator)
        stream.extend(segment)
    return stream


def training_windows(stream: Sequence[int], size: int, overlap: int) -> list[Window]:
    """Windows of `size` tokens starting every `size - overlap` tokens, the last one
    aligned to the end of the stream. Streams under two tokens give nothing to learn."""
    if len(stream) < 2:
        return []
    if len(stream) <= size:
        return [Window(tuple(stream), len(stream))]
    step = max(1, size - overlap)
    starts = list(range(0, len(stream) - size + 1, step))
    if starts[-1] != len(stream) - size:
        starts.append(len(stream) - size)
    return [Window(tuple(stream[s : s + size]), size) for s in starts]


def scoring_windows(stream: Sequence[int], size: int, stride: int | None = None
                    ) -> list[Window]:
    """Windows that score every token after the first exactly once (perplexity)."""
    stride = min(size, stride or size)
    windows, scored_to = [], 0
    while scored_to < len(stream):
        end = min(len(stream), scored_to + stride) if scored_to else min(len(stream), size)
        start = max(0, end - size)
        windows.append(Window(tuple(stream[start:end]), end - scored_to))
        scored_to = end
    return [w for w in windows if len(w.ids) >= 2]


def epochs_for(tokens: int) -> int:
    """Small corpora need more passes to leave a mark; large ones fewer to stay general."""
    if tokens < 50_000:
        return 3
    if tokens < 200_000:
        return 2
    return 1


@dataclass(frozen=True)
class ChunkOrder:
    """Shuffled epochs of chunk indexes, addressable by optimizer step."""

    chunks: int
    per_step: int
    seed: int

    def step_indexes(self, step: int) -> list[int]:
        first = step * self.per_step
        out = []
        for position in range(first, first + self.per_step):
            epoch, offset = divmod(position, self.chunks)
            out.append(_permutation(self.chunks, self.seed, epoch)[offset])
        return out


@lru_cache(maxsize=4)
def _permutation(chunks: int, seed: int, epoch: int) -> tuple[int, ...]:
    order = list(range(chunks))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return tuple(order)


def steps_for(chunks: int, per_step: int, epochs: float) -> int:
    return max(1, math.ceil(chunks * epochs / per_step))


def fingerprint(*parts) -> str:
    """A short stable hash of JSON-able parts (to recognise the same corpus on resume)."""
    data = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()[:16]
