"""Work done in the engines' thread, a step at a time.

The engines are not thread-safe, so the server hands them jobs through an engine host
(a thread of its own for ``writer-app serve``, the inference worker inside the app).
A job's ``step`` runs a bounded piece of work (a slice of texts, a few tokens) and says
whether the job is done, so a host can put other work between steps: the app's editor
keeps priority over other apps that way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.requests import GenerationParams
from writer_app.inference.grammar.alternatives import with_alternatives

_SEED_STEP = 7919  # sampling steps after the first are seeded seed + k * _SEED_STEP


class UnavailableError(RuntimeError):
    """The engine a job needs is not loaded (yet); the message says which."""


class BadRequestError(ValueError):
    """The request cannot be served by this model (e.g. chat without a chat template)."""


class EngineSource(Protocol):
    """The engines jobs run on (called in the engines' thread only)."""

    def checker(self, variant: str) -> Any | None:
        """A checker with check_many(texts) for the English variant, or None."""

    def completion(self) -> Any | None:
        """A CompletionEngine (generate_ids, encode_context, tokenizer), or None."""


class Job(Protocol):
    def step(self, source: EngineSource) -> bool:
        """Do a bounded piece of work; True when the job is done."""

    def fail(self, error: BaseException) -> None:
        """``step`` raised: report it; the host drops the job."""


class CheckJob:
    """Check ``texts`` ``units_per_step`` at a time; ``on_done(edits per text, None)``
    or ``on_done(None, error)``."""

    def __init__(self, variant: str, texts: Sequence[str],
                 on_done: Callable[[list[list[GrammarEdit]] | None, BaseException | None], None],
                 units_per_step: int = 64) -> None:
        self.variant = variant
        self.texts = list(texts)
        self.on_done = on_done
        self.units_per_step = max(1, units_per_step)
        self.found: list[list[GrammarEdit]] = []

    def step(self, source: EngineSource) -> bool:
        checker = source.checker(self.variant)
        if checker is None:
            raise UnavailableError("the grammar checker is not loaded")
        done = len(self.found)
        chunk = self.texts[done:done + self.units_per_step]
        found = checker.check_many(chunk)
        self.found.extend(with_alternatives(checker, text, list(edits))
                          for text, edits in zip(chunk, found, strict=True))
        if len(self.found) < len(self.texts):
            return False
        self.on_done(self.found, None)
        return True

    def fail(self, error: BaseException) -> None:
        self.on_done(None, error)


@dataclass(frozen=True)
class GenerateRequest:
    """A completion (``prompt``) or a chat (``messages``) to continue."""

    params: GenerationParams
    prompt: str | None = None
    messages: tuple[dict[str, str], ...] = ()
    stops: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finished:
    reason: str  # "stop" (end of text or a stop string), "length" or "cancelled"
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class GenerateJob:
    """Decode ``tokens_per_step`` tokens per step; ``emit(text)`` for each new piece of
    text, then ``emit(Finished)``; ``emit(error)`` when it fails. Stop strings end the
    text before them, and text that might be the start of one is held back."""

    def __init__(self, request: GenerateRequest, emit: Callable[[object], None],
                 cancel: threading.Event, tokens_per_step: int = 16) -> None:
        self.request = request
        self.emit = emit
        self.cancel = cancel
        self.tokens_per_step = max(1, tokens_per_step)
        self.ids: list[int] | None = None
        self.generated: list[int] = []
        self.sent = ""  # text emitted so far
        self.steps = 0
        self.reason = ""
        self.started = time.perf_counter()

    def step(self, source: EngineSource) -> bool:
        engine = source.completion()
        if engine is None:
            raise UnavailableError("the completion model is not loaded")
        if self.ids is None:
            self.ids = _prompt_ids(engine, self.request)
        params = self.request.params
        want = min(self.tokens_per_step, params.max_new_tokens - len(self.generated))
        if self.cancel.is_set() or want <= 0:
            return self._finish(engine, "cancelled" if self.cancel.is_set() else "length")
        step_params = replace(params, max_new_tokens=want,
                              seed=params.seed + self.steps * _SEED_STEP)
        self.steps += 1
        before = list(self.generated)

        def on_token(chunk: list[int]) -> bool:
            return self._on_text(engine, before + chunk)

        got = engine.generate_ids(self.ids + self.generated, step_params, self.cancel, on_token)
        self.generated = before + list(got)
        if self.reason:  # a stop string
            return self._finish(engine, self.reason)
        if self.cancel.is_set():
            return self._finish(engine, "cancelled")
        if len(got) < want:  # the end-of-text token
            return self._finish(engine, "stop")
        if len(self.generated) >= params.max_new_tokens:
            return self._finish(engine, "length")
        return False

    def fail(self, error: BaseException) -> None:
        self.emit(error)

    def _on_text(self, engine, tokens: list[int]) -> bool:
        text = engine.tokenizer.decode(tokens, skip_special_tokens=True)
        if text.endswith("\ufffd"):
            return False  # half of a multi-byte character
        cut = _first_stop(text, self.request.stops)
        if cut is not None:
            self._send(text[:cut])
            self.reason = "stop"
            return True
        self._send(text[: len(text) - _held_back(text, self.request.stops)])
        return False

    def _send(self, visible: str) -> None:
        if len(visible) > len(self.sent) and visible.startswith(self.sent):
            self.emit(visible[len(self.sent):])
            self.sent = visible

    def _finish(self, engine, reason: str) -> bool:
        if reason != "stop" or not self.reason:  # no stop string cut the text: send it all
            text = engine.tokenizer.decode(self.generated, skip_special_tokens=True)
            self._send(text.rstrip("\ufffd"))
        self.emit(Finished(reason, len(self.ids or ()), len(self.generated),
                           time.perf_counter() - self.started))
        return True


def _prompt_ids(engine, request: GenerateRequest) -> list[int]:
    if request.prompt is not None:
        ids = engine.encode_context(request.prompt)
        if not ids:
            raise BadRequestError("the prompt is empty")
        return ids
    tokenizer = engine.tokenizer
    if not getattr(tokenizer, "chat_template", None):
        raise BadRequestError("this model has no chat template; use /v1/completions")
    text = tokenizer.apply_chat_template(
        [dict(m) for m in request.messages], add_generation_prompt=True, tokenize=False)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids[-engine.max_context_tokens:]


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    found = [text.find(stop) for stop in stops if stop and stop in text]
    return min(found) if found else None


def _held_back(text: str, stops: Sequence[str]) -> int:
    """How many characters at the end of ``text`` could begin a stop string."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest
