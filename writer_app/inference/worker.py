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
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.grammar_check import (
    GrammarConfig,
    GrammarRequest,
    GrammarResult,
    GrammarStatus,
)
from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    ModelInfo,
    ModelSpec,
)
from writer_app.inference.errors import ModelLoadError, one_line
from writer_app.inference.grammar.alternatives import with_alternatives

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


class GrammarBackend(Protocol):
    """What the worker needs from a grammar checker (real or fake)."""

    def check_many(self, texts: Sequence[str]) -> list[list[GrammarEdit]]: ...

    def set_personal_words(self, words) -> None: ...


# (config, personal words) -> checker; raises ModelLoadError when a layer cannot load.
GrammarFactory = Callable[[GrammarConfig, Sequence[str]], GrammarBackend]
GRAMMAR_BATCH_UNITS = 8  # units per batch: a cancel or a completion waits at most one batch
# Checked once at load: word lists and inflection tables that load lazily (holding the
# interpreter lock for a while) load then, not in the middle of the first document's check.
WARM_UP_TEXT = "Yesterday I goed to teh shops and bringed home two boxs of apples."


def load_grammar_checker(config: GrammarConfig, words: Sequence[str]) -> GrammarBackend:
    """The real checker: the spelling layer and, where it is installed, the tagger
    (config.model: "default", a folder or a Hugging Face id in the local cache)."""
    from writer_app.inference.grammar.factory import CheckerOptions, build_checker

    return build_checker(CheckerOptions(
        model=config.model, device=_grammar_device(config.device), variant=config.variant,
        spelling=config.spelling, grammar=config.grammar,
        keep_confidence=config.keep_confidence,
        min_error_probability=config.min_error_probability), words)


def _tagger_parameters(checker: GrammarBackend) -> int | None:
    engine = getattr(checker, "engine", None)
    tagger = getattr(engine, "tagger", None)
    if tagger is None:
        return None
    return sum(parameter.numel() for parameter in tagger.parameters())


def _grammar_device(preference: str) -> str:
    """The completion model's device for the tagger too; the CPU when that one is not
    usable (the completion model reports the reason)."""
    from writer_app.inference.devices import DeviceError, resolve_device

    try:
        return resolve_device(preference)
    except DeviceError:
        return "cpu"


def load_transformers_backend(
    spec: ModelSpec, on_progress: Callable[[str], None]
) -> CompletionBackend:
    """The real backend: a causal LM from the registry behind a CompletionEngine."""
    from writer_app.inference.adapters import model_fingerprint
    from writer_app.inference.completion import CompletionEngine
    from writer_app.inference.registry import load_causal_lm

    loaded = load_causal_lm(spec, on_progress=on_progress)
    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    engine.base_name = loaded.info.name
    engine.base_fingerprint = model_fingerprint(loaded.info.path)
    info = loaded.info
    if engine.runner_name.endswith("fp16-decode"):
        info = replace(info, dtype=f"{info.dtype}, fp16 decode")
    engine.info = info
    return engine


def _gpu_out_of_memory(exc: BaseException, backend) -> bool:
    """A CUDA out-of-memory error from a model on a GPU (then the CPU takes over)."""
    device = str(getattr(getattr(backend, "info", None), "device", "") or "")
    oom = type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower()
    return oom and device.startswith("cuda")


class InferenceWorker(QObject):
    """Holds the models and runs every request on its own thread (moved to a QThread).

    Callers reach it only by queued signals connected to its public slots:
    load_model, set_adapter, set_cpu_thread_limit, request_completion,
    request_alternatives, request_synonyms, request_rephrase (the completion model);
    load_grammar, set_grammar_words,
    check_grammar (the grammar checker). Each request carries a threading.Event that
    cancels it; results and failures come back as the signals below. Failures of the
    completion model's requests and of grammar checks have signals of their own.
    """

    sig_model_loading = Signal(str)
    sig_model_ready = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)
    sig_completion_chunk = Signal(int, int, str)  # request id, revision, text so far
    sig_completion_done = Signal(object)  # CompletionResult
    sig_alternatives_done = Signal(object)  # AlternativesResult
    sig_request_failed = Signal(int, str)  # a completion-model request: id, message
    sig_grammar_ready = Signal(object)  # GrammarStatus
    sig_grammar_failed = Signal(int, str)  # generation, message
    # generation, the grammar model serving instead of the one asked for, why
    sig_grammar_model_kept = Signal(int, str, str)
    sig_grammar_result = Signal(object)  # GrammarResult (one batch)
    sig_grammar_check_failed = Signal(int, str)  # a grammar check: request id, message
    sig_adapter_ready = Signal(str)  # the personal adapter now in use ("" for none)
    sig_adapter_failed = Signal(str, str)  # message, the adapter still in use ("" for none)
    sig_synonyms_done = Signal(object)  # SynonymResult
    sig_rephrase_done = Signal(object)  # RephraseResult

    def __init__(self, backend_factory: BackendFactory | None = None,
                 grammar_factory: GrammarFactory | None = None) -> None:
        super().__init__()
        self._factory = backend_factory or load_transformers_backend
        self._backend: CompletionBackend | None = None
        self._grammar_factory = grammar_factory or load_grammar_checker
        self._grammar: GrammarBackend | None = None
        self._grammar_loaded: tuple[GrammarConfig, GrammarStatus] | None = None
        # The running check: (request, cancel event, units done); one batch per event-loop
        # turn, so completion requests queued meanwhile are served in between.
        self._grammar_job: tuple[GrammarRequest, threading.Event, int] | None = None
        self._grammar_step_posted = False
        self._adapter = ""  # wanted adapter folder; applied to every model that loads
        self._spec: ModelSpec | None = None  # what the serving model was loaded from
        self._fallback_note = ""  # said with the next model once the GPU ran out of memory
        self._thread_limit = 0  # CPU threads at most while training runs (0: no limit)

    # Read by the serve queue (writer_app/inference/serve_queue.py) in this thread.
    @property
    def completion_backend(self) -> CompletionBackend | None:
        return self._backend

    @property
    def grammar_backend(self) -> GrammarBackend | None:
        return self._grammar

    @property
    def grammar_busy(self) -> bool:
        """The editor's grammar check is still running (it goes first)."""
        return self._grammar_job is not None

    @Slot(object)
    def load_model(self, spec: ModelSpec) -> None:
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
        self._spec = spec
        old_device = getattr(getattr(old, "info", None), "device", None)
        replaced = old is not None and old is not backend
        del old  # the last reference: the old model can now be collected
        if replaced:
            _free_memory(old_device or "")
        info = _with_device_facts(backend.info)
        if self._fallback_note:
            info, self._fallback_note = replace(info, note=self._fallback_note), ""
        backend.info = info
        if self._thread_limit:
            self.set_cpu_thread_limit(self._thread_limit)  # the load set its own count
        self.sig_model_ready.emit(info)
        if self._adapter:
            self._apply_adapter(backend, self._adapter)

    @Slot(str)
    def set_adapter(self, folder: str) -> None:
        """Use a personal adapter ("" for none) from the next request on. Before any
        model has loaded it is remembered and applied once one has."""
        self._adapter = folder
        if self._backend is not None:
            self._apply_adapter(self._backend, folder)

    def _apply_adapter(self, backend: CompletionBackend, folder: str) -> None:
        from writer_app.inference.adapters import AdapterError

        set_adapter = getattr(backend, "set_adapter", None)
        try:
            if set_adapter is None:
                if folder:
                    raise AdapterError("This completion model cannot use adapters.")
            else:
                set_adapter(folder)
        except Exception as exc:  # AdapterError, or anything the model library raises
            if not isinstance(exc, AdapterError):
                log.error("adapter failed:\n%s", traceback.format_exc())
            self._adapter = getattr(backend, "adapter", "")
            self.sig_adapter_failed.emit(str(exc) if isinstance(exc, AdapterError)
                                         else one_line(exc), self._adapter)
            return
        self.sig_adapter_ready.emit(folder)

    @Slot(int)
    def set_cpu_thread_limit(self, limit: int) -> None:
        """Run the models on at most ``limit`` CPU threads (0: as configured), now and
        after every load: less while a training process runs (core.cpu_share)."""
        from writer_app.inference.devices import use_cpu_threads

        self._thread_limit = max(0, limit)
        configured = self._spec.threads if self._spec is not None else 0
        use_cpu_threads(configured, self._thread_limit)

    @Slot(object, object)
    def request_completion(self, request: CompletionRequest, cancel: threading.Event) -> None:
        def on_text(text: str) -> None:
            if not cancel.is_set():
                self.sig_completion_chunk.emit(request.request_id, request.revision, text)

        self._run(request, cancel, lambda backend: backend.complete(request, cancel, on_text),
                  self.sig_completion_done)

    @Slot(object, str, int, object)
    def request_alternatives(
        self, request: CompletionRequest, shown: str, count: int, cancel: threading.Event
    ) -> None:
        self._run(request, cancel, lambda backend: backend.alternatives(
            request, shown, count, cancel), self.sig_alternatives_done)

    # -- word choice (the completion model's backend: synonyms(), rephrase()) -------
    @Slot(object, object)
    def request_synonyms(self, request, cancel: threading.Event) -> None:
        """Synonyms of a word ranked for its sentence (a core.word_choice.SynonymRequest)."""
        self._run(request, cancel, lambda backend: backend.synonyms(request, cancel),
                  self.sig_synonyms_done)

    @Slot(object, object)
    def request_rephrase(self, request, cancel: threading.Event) -> None:
        """Other phrasings of a sentence (a core.word_choice.RephraseRequest)."""
        self._run(request, cancel, lambda backend: backend.rephrase(request, cancel),
                  self.sig_rephrase_done)

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
            if _gpu_out_of_memory(exc, backend) and self._spec is not None:
                self._fallback_note = "GPU ran out of memory; running on CPU"
                self.load_model(replace(self._spec, device="cpu", dtype="float32"))
            return
        done_signal.emit(result)


    # -- grammar ----------------------------------------------------------------------
    @Slot(object, int, object)
    def load_grammar(self, config: GrammarConfig, generation: int, words) -> None:
        """Build the checker for `config`. Without the grammar model, spelling still runs.
        A change of the confidence knobs alone is applied to the loaded checker."""
        if self._retune_grammar(config, generation):
            return
        note = ""
        try:
            try:
                checker = self._grammar_factory(config, list(words))
            except Exception as exc:  # a model library can raise anything
                if not isinstance(exc, ModelLoadError):
                    log.error("grammar load failed:\n%s", traceback.format_exc())
                if self._keep_grammar_model(config, generation, _reason(exc)):
                    return
                checker, config, note = self._grammar_fallback(config, words, exc, generation)
        except Exception as exc:  # a model library can raise anything; keep serving
            if not isinstance(exc, ModelLoadError):
                log.error("grammar load failed:\n%s", traceback.format_exc())
            self._grammar = None
            self._grammar_loaded = None
            self.sig_grammar_failed.emit(generation, f"Grammar checking is off: {one_line(exc)}")
            return
        try:
            checker.check_many([WARM_UP_TEXT])
        except Exception:  # a real check reports it; the checker may still serve others
            log.warning("grammar warm-up failed:\n%s", traceback.format_exc())
        old, self._grammar = self._grammar, checker
        old_device = self._grammar_loaded[0].device if self._grammar_loaded else ""
        # Without a note, or with the shipped model standing in, the tagger is there.
        status = GrammarStatus(generation, grammar_available=config.grammar or not note,
                               note=note, parameters=_tagger_parameters(checker))
        self._grammar_loaded = (config, status)
        if old is not None and old is not checker:
            del old  # the last reference: the old tagger can be collected
            _free_memory(old_device)
        self.sig_grammar_ready.emit(status)

    def _keep_grammar_model(self, config: GrammarConfig, generation: int, reason: str) -> bool:
        """A new grammar model failed to load: when only the model changed, the tagger
        that serves now goes on serving (and says so). False when there is none."""
        loaded = self._grammar_loaded
        if (loaded is None or self._grammar is None or not loaded[0].grammar
                or replace(loaded[0], model=config.model) != config):
            return False
        note = f"{_grammar_reason(reason)}; still using {loaded[0].model_label}."
        status = GrammarStatus(generation, grammar_available=True, note=note,
                               parameters=loaded[1].parameters)
        self._grammar_loaded = (loaded[0], status)
        self.sig_grammar_model_kept.emit(generation, loaded[0].model, note)
        self.sig_grammar_ready.emit(status)
        return True

    def _grammar_fallback(self, config: GrammarConfig, words, error: Exception,
                          generation: int) -> tuple[GrammarBackend, GrammarConfig, str]:
        """Nothing to keep serving: the shipped grammar model instead of a chosen one
        that failed, else spelling alone. Raises when neither loads."""
        if config.grammar and config.model not in ("", "default"):
            fallback = replace(config, model="default")
            try:
                checker = self._grammar_factory(fallback, list(words))
            except ModelLoadError:
                pass
            else:
                note = f"{_grammar_reason(_reason(error))}; using {fallback.model_label}."
                self.sig_grammar_model_kept.emit(generation, "default", note)
                return checker, fallback, note
        if not (config.grammar and config.spelling):
            raise error
        spelling_only = replace(config, grammar=False)
        note = f"Grammar checking is unavailable ({_reason(error)}); checking spelling only."
        return self._grammar_factory(spelling_only, list(words)), spelling_only, note

    def _retune_grammar(self, config: GrammarConfig, generation: int) -> bool:
        loaded, checker = self._grammar_loaded, self._grammar
        if loaded is None or checker is None or not hasattr(checker, "keep_confidence"):
            return False
        knobs = {"keep_confidence": config.keep_confidence,
                 "min_error_probability": config.min_error_probability}
        if replace(loaded[0], **knobs) != config:
            return False  # something else changed: build a new checker
        for name, value in knobs.items():
            setattr(checker, name, value)
        status = replace(loaded[1], generation=generation)
        self._grammar_loaded = (config, status)
        self.sig_grammar_ready.emit(status)
        return True

    @Slot(object)
    def set_grammar_words(self, words) -> None:
        if self._grammar is not None:
            self._grammar.set_personal_words(list(words))

    @Slot(object, object)
    def check_grammar(self, request: GrammarRequest, cancel: threading.Event) -> None:
        if cancel.is_set():
            return
        if self._grammar is None:
            self.sig_grammar_check_failed.emit(request.request_id,
                                               "The grammar checker is not loaded.")
            return
        self._grammar_job = (request, cancel, 0)  # supersedes a running one
        self._post_grammar_step()

    def _share_language_model(self) -> None:
        """The checker judges confusable words (their/there...) with the completion model
        in use, whichever it is; with none loaded that layer is off."""
        set_model = getattr(self._grammar, "set_language_model", None)
        if set_model is not None:
            backend = self._backend
            set_model(getattr(backend, "model", None), getattr(backend, "tokenizer", None))

    def _post_grammar_step(self) -> None:
        if not self._grammar_step_posted:
            self._grammar_step_posted = True
            QTimer.singleShot(0, self, self._grammar_step)

    def _grammar_step(self) -> None:
        self._grammar_step_posted = False
        job = self._grammar_job
        if job is None:
            return
        request, cancel, done = job
        if cancel.is_set() or self._grammar is None:
            self._grammar_job = None
            return
        batch = request.units[done:done + GRAMMAR_BATCH_UNITS]
        texts = [text for _key, text in batch]
        self._share_language_model()
        try:
            found = self._grammar.check_many(texts)
            found = [with_alternatives(self._grammar, text, list(edits))
                     for text, edits in zip(texts, found, strict=True)]
        except Exception as exc:  # the model library can raise anything; keep serving
            log.error("grammar check failed:\n%s", traceback.format_exc())
            self._grammar_job = None
            self.sig_grammar_check_failed.emit(request.request_id, one_line(exc))
            return
        done += len(batch)
        results = tuple((key, tuple(edits))
                        for (key, _text), edits in zip(batch, found, strict=True))
        self.sig_grammar_result.emit(GrammarResult(
            request.request_id, request.revision, request.generation, results, done,
            len(request.units)))
        if self._grammar_job is not job:
            return
        if done < len(request.units):
            self._grammar_job = (request, cancel, done)
            self._post_grammar_step()
        else:
            self._grammar_job = None


def _reason(exc: Exception) -> str:
    """A load failure as one line: ModelLoadError messages are written for the user."""
    return str(exc) if isinstance(exc, ModelLoadError) else one_line(exc)


def _grammar_reason(reason: str) -> str:
    """A grammar model's load failure as the first part of a sentence that says which
    model serves instead; most messages name the grammar model already."""
    reason = reason.rstrip(". ")
    return reason if "grammar" in reason.lower() else f"Grammar model not loaded: {reason}"


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
