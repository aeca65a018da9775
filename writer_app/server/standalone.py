"""The engines of ``writer-app serve``: a grammar checker and a completion engine loaded
for the server alone, used from the engine host's thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LoadedEngines:
    """An EngineSource over loaded engines. A check in the other English variant gets a
    checker of its own that shares the tagger (only the spelling layer differs)."""

    def __init__(self, checker: Any | None = None, completion: Any | None = None,
                 model_id: str | None = None) -> None:
        self._checkers: dict[str, Any] = {}
        self._base = checker
        if checker is not None:
            self._checkers[getattr(checker, "variant", None) or "en-US"] = checker
        self._completion = completion
        self.model_id = model_id if completion is not None else None

    def checker(self, variant: str) -> Any | None:
        if self._base is None:
            return None
        if variant not in self._checkers:
            self._checkers[variant] = _variant_checker(self._base, variant)
        return self._checkers[variant]

    def completion(self) -> Any | None:
        return self._completion


def _variant_checker(base, variant: str):
    if getattr(base, "speller", None) is None:
        return base  # spelling is off: the variant makes no difference
    from writer_app.inference.grammar.checker import GrammarChecker
    from writer_app.inference.grammar.spelling import SpellingChecker

    speller = SpellingChecker(variant, sorted(base.personal_words)).load()
    checker = GrammarChecker(base.engine, speller, rescorer=base.rescorer, device=base.device)
    checker.rules = base.rules
    checker.set_personal_words(base.personal_words)
    return checker


def load_engines(*, grammar: bool, spelling: bool, grammar_model: str, completion: bool,
                 model: str, device: str, dtype: str, adapter: str, variant: str,
                 progress: Callable[[str], None], allow_pickle: bool = False) -> LoadedEngines:
    """Load what is asked; raises ModelLoadError, DeviceError, AdapterError or
    DocumentError (each with a one-line message)."""
    checker = None
    if grammar or spelling:
        from writer_app.core.dictionary import load_dictionary
        from writer_app.inference.grammar.checker import GrammarChecker
        from writer_app.inference.registry import resolve_grammar_model

        progress("loading the grammar checker…")
        checker = GrammarChecker.load(
            resolve_grammar_model(grammar_model, allow_pickle=allow_pickle) if grammar else None,
            device="cpu" if device == "auto" else device, personal_words=load_dictionary(),
            variant=variant, spelling=spelling, grammar=grammar)
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
    return LoadedEngines(checker, engine, model_id)
