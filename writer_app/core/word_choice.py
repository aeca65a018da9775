"""Requests and results of word choice: synonyms in context and rephrasing."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOP = 8
# Models below this many parameters rephrase poorly; the Rephrase popup says so.
SMALL_MODEL_PARAMETERS = 1_000_000_000


@dataclass(frozen=True)
class SynonymRequest:
    """The word text[start:end] of a window of the document that starts at `offset`."""

    request_id: int
    revision: int
    text: str
    start: int
    end: int
    offset: int = 0
    top: int = DEFAULT_TOP


@dataclass(frozen=True)
class Suggestion:
    text: str  # replaces the word (inflected, in its case)
    score: float  # this sentence's share among the ranked candidates, 0..1
    sense: str  # the short gloss of the sense it belongs to
    group: int  # index into SynonymResult.senses
    start: int  # the document span it replaces: the word, with its article when
    end: int  # the article changes ("an old" -> "a senior")
    replacement: str  # what goes into that span

    @property
    def article(self) -> str:
        """The new article when it changes, else ""."""
        head = self.replacement[: len(self.replacement) - len(self.text)].strip()
        return head


@dataclass(frozen=True)
class SenseInfo:
    pos: str  # noun, verb, adjective, adverb
    gloss: str


@dataclass(frozen=True)
class SynonymResult:
    request_id: int
    revision: int
    word: str
    start: int  # the word's place in the document
    end: int
    suggestions: tuple[Suggestion, ...]  # best first
    senses: tuple[SenseInfo, ...] = ()
    elapsed_ms: float = 0.0
    cancelled: bool = False

    def grouped(self) -> list[tuple[SenseInfo, list[Suggestion]]]:
        """The suggestions by sense, the sense of the best one first."""
        order: dict[int, list[Suggestion]] = {}
        for suggestion in self.suggestions:
            order.setdefault(suggestion.group, []).append(suggestion)
        return [(self.senses[group], items) for group, items in order.items()]


@dataclass(frozen=True)
class RephraseRequest:
    request_id: int
    revision: int
    sentence: str
    start: int  # the sentence's place in the document
    end: int
    context: str = ""  # the text before it, for the model's sake
    count: int = 3


@dataclass(frozen=True)
class RephraseResult:
    request_id: int
    revision: int
    sentence: str
    start: int
    end: int
    texts: tuple[str, ...]
    model_name: str = ""
    parameters: int = 0
    instruct: bool = False
    elapsed_ms: float = 0.0
    cancelled: bool = False

    @property
    def small_model(self) -> bool:
        return 0 < self.parameters < SMALL_MODEL_PARAMETERS
