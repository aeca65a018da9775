"""The grammar checker as every face of the app builds it: the editor's worker,
``writer-app check`` / ``correct`` and ``writer-app serve`` all assemble it here, so they
give the same edits for the same text.

A checker is the spelling layer (in one English variant), the pattern rules, the tagger
and, when a causal LM is given, the confusion layer (their/there...). The LM is the
completion model in use where there is one (the editor, the server); where none is
loaded, ``add_scoring_model`` loads the embedded one for the confusion layer alone, and
when that fails the other layers still check. ``GrammarChecker.for_variant`` gives a
checker for another English variant that shares the tagger and the LM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from writer_app.inference.grammar.checker import GrammarChecker


@dataclass(frozen=True)
class CheckerOptions:
    """What a checker is built from. ``model``: "default", a folder or a Hugging Face id
    in the local cache; ``variant``: "auto" (the system locale), "en-US", "en-GB" or "en"
    (both spellings accepted); the knobs, None for the model's own settings."""

    model: str = "default"
    device: str = "cpu"
    variant: str = "auto"
    spelling: bool = True
    grammar: bool = True
    keep_confidence: float | None = None
    min_error_probability: float | None = None
    allow_pickle: bool = False


def build_checker(options: CheckerOptions, personal_words: Iterable[str] = (), *,
                  language_model: tuple | None = None) -> GrammarChecker:
    """The checker for ``options``; ``language_model`` (model, tokenizer) judges confusable
    words. Raises ModelLoadError (one line) or ValueError (both layers off)."""
    from writer_app.core.variant import resolve_variant
    from writer_app.inference.registry import resolve_grammar_model

    model = (resolve_grammar_model(options.model, allow_pickle=options.allow_pickle)
             if options.grammar else None)
    checker = GrammarChecker.load(
        model, device=options.device, personal_words=list(personal_words),
        variant=resolve_variant(options.variant), spelling=options.spelling,
        grammar=options.grammar, keep_confidence=options.keep_confidence,
        min_error_probability=options.min_error_probability)
    if language_model is not None:
        checker.set_language_model(*language_model)
    return checker


def add_scoring_model(checker: GrammarChecker, device: str,
                      note: Callable[[str], None]) -> bool:
    """Give ``checker`` the embedded completion model for its confusion layer (where no
    completion model is loaded). Without it (not installed, no memory, no tagger) the
    other layers still check: ``note`` gets one line and the result is False."""
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    if not checker.grammar:
        return False  # the confusion layer runs with the tagger
    try:
        loaded = load_causal_lm(ModelSpec(device=device))
    except (ModelLoadError, DeviceError, OSError, RuntimeError) as exc:
        note(f"confusable words are not checked: {exc}")
        return False
    checker.set_language_model(loaded.model, loaded.tokenizer)
    return True
