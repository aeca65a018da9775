"""A scripted completion backend for GUI tests: fast, delayable and cancellable."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    ModelInfo,
    ModelSpec,
)
from writer_app.inference.errors import ModelLoadError


class FakeBackend:
    """Streams a scripted continuation word by word, honouring the cancel event.

    `script` is a fixed string or a function of the request. `gate`, when set,
    holds every request (alternatives too) until the test releases it, to make
    results arrive late. `ended_at` records when each complete() call returned.
    """

    def __init__(
        self,
        script: str | Callable[[CompletionRequest], str] = " sat on the mat.",
        chunk_delay_s: float = 0.0,
        name: str = "fake-model",
    ) -> None:
        self.script = script
        self.chunk_delay_s = chunk_delay_s
        self.info = ModelInfo(name, "", "cpu", "float32", 1000, 0.0)
        self.requests: list[CompletionRequest] = []
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.cancelled_ids: list[int] = []
        self.ended_at: dict[int, float] = {}  # request id -> time.perf_counter()
        self.alternative_texts: list[str] = [" lay by the door.", " sat on the mat.",
                                             " slept."]
        self.alternative_calls: list[tuple[CompletionRequest, str, int]] = []
        self.dedupe_alternatives = True  # False: hand back alternative_texts as they are

    def complete(self, request, cancel=None, on_text=None) -> CompletionResult:
        self.requests.append(request)
        self.started.set()
        cancel = cancel or threading.Event()
        began = time.perf_counter()
        self._wait_for_gate(cancel)
        text = self.script(request) if callable(self.script) else self.script
        shown = ""
        for piece in re.findall(r"\s*\S+", text):
            if cancel.is_set() or (self.chunk_delay_s and cancel.wait(self.chunk_delay_s)):
                self.cancelled_ids.append(request.request_id)
                break
            shown += piece
            if on_text is not None:
                on_text(shown)
        elapsed = (time.perf_counter() - began) * 1000
        self.ended_at[request.request_id] = time.perf_counter()
        return CompletionResult(
            request.request_id, request.revision, shown, elapsed, elapsed,
            len(shown.split()), cancel.is_set(),
        )

    def alternatives(self, request, shown, count=3, cancel=None) -> AlternativesResult:
        """Scripted alternatives: `alternative_texts` after `shown`, deduplicated unless
        `dedupe_alternatives` is off (then up to `count` texts, duplicates and all)."""
        self.requests.append(request)
        self.alternative_calls.append((request, shown, count))
        self._wait_for_gate(cancel or threading.Event())
        texts = [shown] if shown else []
        for text in self.alternative_texts:
            if len(texts) < count and (not self.dedupe_alternatives or text not in texts):
                texts.append(text)
        return AlternativesResult(request.request_id, request.revision, tuple(texts))

    def _wait_for_gate(self, cancel: threading.Event) -> None:
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if cancel.is_set():
                    break


def fake_model_name(reference: str) -> str:
    """The name the fake factory gives a model: "fake-model" for the default, else
    "fake:" and the folder's (or model id's) last part."""
    if reference in ("", "default"):
        return "fake-model"
    return f"fake:{Path(reference).name}"


def fake_factory(backend: FakeBackend, broken: tuple[str, ...] = ("broken",)):
    """A backend factory that loads `backend`, or fails for references in `broken`.

    Every spec it is asked for is recorded in `factory.specs` (failed ones too), and
    the backend's name follows the reference (see fake_model_name), so a model switch
    shows in the status bar.
    """

    def factory(spec: ModelSpec, on_progress) -> FakeBackend:
        factory.specs.append(spec)
        on_progress(f"Loading {spec.reference}…")
        if Path(spec.reference).name in broken or spec.reference in broken:
            raise ModelLoadError(f"Model folder “{spec.reference}” has no config.json.")
        backend.info = replace(backend.info, name=fake_model_name(spec.reference))
        return backend

    factory.specs = []
    return factory
