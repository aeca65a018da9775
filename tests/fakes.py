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


# --- grammar ----------------------------------------------------------------------------------

# word or phrase -> (replacement, category, message)
GRAMMAR_RULES: dict[str, tuple[str, str, str]] = {
    "teh": ("the", "spelling", "Possible spelling mistake: 'teh' \u2192 'the'"),
    "recieve": ("receive", "spelling", "Possible spelling mistake: 'recieve' \u2192 'receive'"),
    "wrold": ("world", "spelling", "Possible spelling mistake: 'wrold' \u2192 'world'"),
    "she go": ("she goes", "agreement", "Use 'goes' with 'she'"),
    "an cat": ("a cat", "article/determiner", "Use 'a' before 'cat'"),
    "very very": ("very", "redundancy", "The word 'very' is repeated"),
}


class FakeGrammarChecker:
    """Scripted grammar edits for known words and phrases (GRAMMAR_RULES), found as whole
    words in any text. `delay_s` slows each check_many call; `gate`, when set, holds every
    call until the test releases it (results then arrive late). Words of the personal
    dictionary are never flagged. `calls` records the texts of each call."""

    def __init__(self, rules: dict[str, tuple[str, str, str]] | None = None,
                 delay_s: float = 0.0) -> None:
        self.rules = dict(GRAMMAR_RULES if rules is None else rules)
        self.delay_s = delay_s
        self.gate: threading.Event | None = None
        self.calls: list[list[str]] = []
        self.personal_words: frozenset[str] = frozenset()
        self.grammar = True
        self.fail_with: Exception | None = None
        self.started = threading.Event()

    def set_personal_words(self, words) -> None:
        self.personal_words = frozenset(w.lower() for w in words)

    def check_many(self, texts):
        from writer_app.core.gec.edits import GrammarEdit
        from writer_app.core.gec.tags import Category

        self.calls.append(list(texts))
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_with is not None:
            raise self.fail_with
        results = []
        for text in texts:
            edits = []
            for phrase, (replacement, category, message) in self.rules.items():
                if category != "spelling" and not self.grammar:
                    continue
                if phrase.lower() in self.personal_words:
                    continue
                for match in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text,
                                         re.IGNORECASE):
                    fixed = replacement
                    if match.group()[:1].isupper():  # "Teh" -> "The"
                        fixed = replacement[:1].upper() + replacement[1:]
                    edits.append(GrammarEdit(match.start(), match.end(), fixed,
                                             Category(category), message, 0.9,
                                             "SPELLING" if category == "spelling"
                                             else f"FAKE_{category.upper()}"))
            results.append(sorted(edits, key=lambda e: e.start))
        return results


def fake_grammar_factory(checker: FakeGrammarChecker, grammar_missing: bool = False):
    """A grammar factory handing out `checker`; with `grammar_missing`, asking for the
    grammar layer raises ModelLoadError (as when the model is not installed). Every
    (config, words) asked for is recorded in `factory.configs`."""

    def factory(config, words) -> FakeGrammarChecker:
        factory.configs.append((config, list(words)))
        if config.grammar and grammar_missing:
            raise ModelLoadError("the grammar model is not installed")
        checker.grammar = config.grammar
        checker.set_personal_words(words)
        return checker

    factory.configs = []
    return factory
