"""A scripted completion backend for GUI tests: fast, delayable and cancellable."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

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
    holds every request until the test releases it, to make results arrive late.
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
        self.alternative_texts: list[str] = [" lay by the door.", " sat on the mat.",
                                             " slept."]

    def complete(self, request, cancel=None, on_text=None) -> CompletionResult:
        self.requests.append(request)
        self.started.set()
        cancel = cancel or threading.Event()
        began = time.perf_counter()
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if cancel.is_set():
                    break
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
        return CompletionResult(
            request.request_id, request.revision, shown, elapsed, elapsed,
            len(shown.split()), cancel.is_set(),
        )


    def alternatives(self, request, shown, count=3, cancel=None) -> AlternativesResult:
        """Scripted alternatives: `alternative_texts`, deduplicated after `shown`."""
        self.requests.append(request)
        texts = [shown] if shown else []
        for text in self.alternative_texts:
            if len(texts) < count and text not in texts:
                texts.append(text)
        return AlternativesResult(request.request_id, request.revision, tuple(texts))


def fake_factory(backend: FakeBackend, broken: tuple[str, ...] = ("broken",)):
    """A backend factory that loads `backend`, or fails for references in `broken`."""

    def factory(spec: ModelSpec, on_progress) -> FakeBackend:
        on_progress(f"Loading {spec.reference}…")
        if spec.reference in broken:
            raise ModelLoadError(f"Model folder “{spec.reference}” has no config.json.")
        return backend

    return factory
