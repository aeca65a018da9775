"""The inference worker: a long-lived QObject in its own QThread that owns the models.

Requests arrive as queued signals; each carries a threading.Event that the GUI
thread sets to cancel it, because a queued "cancel" signal would only be seen
after the running request finished. Results go back as signals; the controller
drops the stale ones.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QObject, Signal, Slot

from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    ModelInfo,
    ModelSpec,
)
from writer_app.inference.errors import ModelLoadError, one_line

log = logging.getLogger(__name__)


class CompletionBackend(Protocol):
    """What the worker needs from a completion engine (real or fake)."""

    info: ModelInfo

    def complete(
        self,
        request: CompletionRequest,
        cancel: threading.Event | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> CompletionResult: ...

    def alternatives(
        self,
        request: CompletionRequest,
        shown: str,
        count: int = 3,
        cancel: threading.Event | None = None,
    ) -> AlternativesResult: ...


BackendFactory = Callable[[ModelSpec, Callable[[str], None]], CompletionBackend]


def load_transformers_backend(
    spec: ModelSpec, on_progress: Callable[[str], None]
) -> CompletionBackend:
    """The real backend: a causal LM from the registry behind a CompletionEngine."""
    from writer_app.inference.completion import CompletionEngine
    from writer_app.inference.registry import load_causal_lm

    loaded = load_causal_lm(spec, on_progress=on_progress)
    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    info = loaded.info
    if engine.runner_name.endswith("fp16-decode"):
        info = replace(info, dtype=f"{info.dtype}, fp16 decode")
    engine.info = info
    return engine


class InferenceWorker(QObject):
    sig_model_loading = Signal(str)
    sig_model_ready = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)
    sig_completion_chunk = Signal(int, int, str)  # request id, revision, text so far
    sig_completion_done = Signal(object)  # CompletionResult
    sig_alternatives_done = Signal(object)  # AlternativesResult
    sig_request_failed = Signal(int, str)

    def __init__(self, backend_factory: BackendFactory | None = None) -> None:
        super().__init__()
        self._factory = backend_factory or load_transformers_backend
        self._backend: CompletionBackend | None = None

    @Slot(object)
    def _on_load_model(self, spec: ModelSpec) -> None:
        """Load a model; on failure the previous one keeps serving."""
        self.sig_model_loading.emit(f"Loading {spec.reference}…")
        try:
            backend = self._factory(spec, self.sig_model_loading.emit)
        except ModelLoadError as exc:
            self.sig_model_failed.emit(str(exc))
            return
        except Exception as exc:  # a model library can raise anything; never crash the app
            log.error("model load failed:\n%s", traceback.format_exc())
            self.sig_model_failed.emit(f"Could not load “{spec.reference}”: {one_line(exc)}")
            return
        old, self._backend = self._backend, backend
        old_device = getattr(getattr(old, "info", None), "device", None)
        replaced = old is not None and old is not backend
        del old  # the last reference: the old model can now be collected
        if replaced:
            _free_memory(old_device or "")
        info = _with_device_facts(backend.info)
        backend.info = info
        self.sig_model_ready.emit(info)

    @Slot(object, object)
    def _on_complete(self, request: CompletionRequest, cancel: threading.Event) -> None:
        def on_text(text: str) -> None:
            if not cancel.is_set():
                self.sig_completion_chunk.emit(request.request_id, request.revision, text)

        self._run(request, cancel, lambda backend: backend.complete(request, cancel, on_text),
                  self.sig_completion_done)

    @Slot(object, str, int, object)
    def _on_alternatives(
        self, request: CompletionRequest, shown: str, count: int, cancel: threading.Event
    ) -> None:
        self._run(request, cancel, lambda backend: backend.alternatives(
            request, shown, count, cancel), self.sig_alternatives_done)

    def _run(self, request, cancel: threading.Event, job, done_signal) -> None:
        """Run one request on the backend; failures come back as sig_request_failed."""
        if cancel.is_set():
            return  # superseded while it waited in the queue
        backend = self._backend
        if backend is None:
            self.sig_request_failed.emit(request.request_id, "No completion model is loaded.")
            return
        try:
            result = job(backend)
        except Exception as exc:  # the model library can raise anything; keep serving
            log.error("request failed:\n%s", traceback.format_exc())
            reset = getattr(backend, "reset_cache", None)
            if reset is not None:
                reset()  # the cache may hold half a step
            self.sig_request_failed.emit(request.request_id, one_line(exc))
            return
        done_signal.emit(result)


def _cuda_torch(device: str):
    """torch, if it is already imported and `device` is a CUDA device; else None.

    Never imports torch itself: fake backends in tests must stay torch-free.
    """
    torch = sys.modules.get("torch")
    if torch is None or not device.startswith("cuda"):
        return None
    return torch


def _free_memory(device: str) -> None:
    """After a replaced model's last reference is gone, return its memory.

    Collecting first frees its tensors (models hold reference cycles), so that
    empty_cache can hand their CUDA blocks back to the driver for others.
    """
    gc.collect()
    torch = _cuda_torch(device)
    if torch is not None:
        try:
            torch.cuda.empty_cache()
        except RuntimeError:  # a broken driver must not take the new model down with it
            log.warning("could not release CUDA memory:\n%s", traceback.format_exc())


def _with_device_facts(info: ModelInfo) -> ModelInfo:
    """`info` plus the device's name and the memory in use there, where known."""
    torch = _cuda_torch(info.device)
    if torch is None:
        return info
    try:
        index = torch.device(info.device).index or 0
        return replace(info, memory_bytes=int(torch.cuda.memory_allocated(index)),
                       device_name=info.device_name or torch.cuda.get_device_name(index))
    except (RuntimeError, AssertionError, ValueError):
        return info
