"""Requests sent to the inference worker and the results it sends back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GenerationParams:
    """How a continuation is decoded. temperature 0 means greedy."""

    max_new_tokens: int = 12
    temperature: float = 0.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop_at_sentence_end: bool = True
    # Inline suggestions end at a newline; "Continue writing" runs on across paragraphs.
    multiline: bool = False
    min_new_tokens: int = 0  # the end-of-text token is not chosen before this many
    seed: int = 0
    # No n-gram of this many tokens is written twice (0 = off), counting the last
    # tokens of the context too: the writer's own sentence is not said again.
    no_repeat_ngram: int = 0
    # "Continue writing": end at a sentence or paragraph end near max_new_tokens
    # (decoding runs on a little past it; see core/passage.py).
    end_at_boundary: bool = False
    # Show the suggestion only as far as the model's probability of it stays at or above
    # this (core/confidence.py); 0 shows everything.
    min_confidence: float = 0.0


@dataclass(frozen=True)
class CompletionRequest:
    request_id: int
    revision: int
    text_before: str
    text_after: str = ""
    params: GenerationParams = field(default_factory=GenerationParams)


@dataclass(frozen=True)
class CompletionResult:
    request_id: int
    revision: int
    text: str
    latency_ms: float
    first_token_ms: float
    new_tokens: int
    cancelled: bool = False
    # Word ends in `text` with the model's probability of the text up to each: (offset,
    # probability), in order. Cutting at a stop is what confidence gating does.
    stops: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class AlternativesResult:
    """Up to `count` distinct suggestions for one context, the first being the shown one."""

    request_id: int
    revision: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """What the user asked for: a model reference plus where and how to run it."""

    reference: str = "default"
    device: str = "auto"
    dtype: str = "auto"
    threads: int = 0
    allow_pickle: bool = False  # load a folder with pickle weights only (--allow-pickle)


@dataclass(frozen=True)
class ModelInfo:
    """What was actually loaded, for the status bar."""

    name: str
    path: str
    device: str
    dtype: str
    parameters: int
    load_seconds: float
    note: str = ""
    memory_bytes: int | None = None  # accelerator memory in use after loading, if known
    device_name: str = ""  # e.g. the GPU's name; empty when the device id says it all
