"""The engines of ``writer-app serve``: a grammar checker and a completion engine loaded
for the server alone, used from the engine host's thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LoadedEngines:
    """An EngineSource over loaded engines. A check in another English variant gets the
    checker's sibling for it (``for_variant``: the same tagger and LM, its own spelling
    layer); a checker without variants serves every one."""

    def __init__(self, checker: Any | None = None, completion: Any | None = None,
                 model_id: str | None = None) -> None:
        self._base = checker
        self._completion = completion
        self.model_id = model_id if completion is not None else None

    def checker(self, variant: str) -> Any | None:
        return checker_for_variant(self._base, variant)

    def completion(self) -> Any | None:
        return self._completion


def checker_for_variant(checker: Any | None, variant: str) -> Any | None:
    """`checker` for a request in another English variant: its sibling for it
    (``for_variant``: the same tagger and LM, its own spelling layer), or `checker` itself
    when it has no variants."""
    for_variant = getattr(checker, "for_variant", None)
    return for_variant(variant) if for_variant is not None else checker


def load_engines(*, grammar: bool, spelling: bool, grammar_model: str, completion: bool,
                 model: str, device: str, dtype: str, adapter: str, variant: str,
                 progress: Callable[[str], None], allow_pickle: bool = False,
                 confusions: bool = True) -> LoadedEngines:
    """Load what is asked; raises ModelLoadError, DeviceError, AdapterError or
    DocumentError (each with a one-line message). The checker is the editor's
    (``build_checker``): its confusion layer scores with the completion model, or, when
    completion is off, with the embedded model loaded for it (``confusions`` False: none)."""
    engine = model_id = None
    if completion:
        from writer_app.core.requests import ModelSpec
        from writer_app.inference.adapters import model_fingerprint
        from writer_app.inference.completion import CompletionEngine
        from writer_app.inference.registry import load_causal_lm

        loaded = load_causal_lm(ModelSpec(model, device, dtype, allow_pickle=allow_pickle),
                                progress)
        engine = CompletionEngine(loaded.model, loaded.tokenizer)
        engine.base_name = loaded.info.name
        engine.base_fingerprint = model_fingerprint(loaded.info.path)
        if adapter:
            engine.set_adapter(adapter, allow_pickle=allow_pickle)
        model_id = loaded.info.name
    checker = None
    if grammar or spelling:
        from writer_app.core.dictionary import load_dictionary
        from writer_app.inference.grammar.factory import (
            CheckerOptions,
            add_scoring_model,
            build_checker,
        )

        progress("loading the grammar checker…")
        checker = build_checker(
            CheckerOptions(model=grammar_model, device="cpu" if device == "auto" else device,
                           variant=variant, spelling=spelling, grammar=grammar,
                           allow_pickle=allow_pickle),
            load_dictionary())
        if confusions and grammar:
            if engine is not None:
                checker.set_language_model(engine.model, engine.tokenizer)
            else:
                progress("loading the completion model to judge confusable words…")
                add_scoring_model(checker, device,
                                  lambda line: progress(f"writer-app: note: {line}"))
    return LoadedEngines(checker, engine, model_id)


WARM_UP_TEXT = "Their is a short sentence to check, and it dont take long."


def warm_up(engines: LoadedEngines, variant: str) -> None:
    """Check one short text, so that the first client does not wait for what loads on
    first use (the confusion layer's scoring copy, the tagger's first pass): 1.5 s on
    2 cores."""
    checker = engines.checker(variant)
    if checker is not None:
        checker.check_many([WARM_UP_TEXT])
