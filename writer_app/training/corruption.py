"""A synthetic-error generator: corrupts clean sentences the way writers get them wrong.

``Corruptor(seed).corrupt(clean)`` returns ``(corrupted, kinds)``. A share of sentences
(``unchanged_share``) is returned as it is, with no kinds, so that a tagger trained on the
pairs learns to leave correct text alone; the others get 1-3 errors of the kinds below,
each kind chosen with its ``rates`` weight among the kinds that fit the sentence. A
corrupted sentence never equals the clean one, and the original spacing around untouched
tokens is kept. The same seed gives the same sequence of outputs, in any process
(nothing depends on string hashing).

The clean sentences are assumed correct: every change made here is meant to be an error.
Each edited token (and the tokens next to an insertion or deletion) is locked for the
rest of the sentence, so one error never undoes or hides another.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from enum import StrEnum

from writer_app.training.corruption_grammar import (
    agreement,
    article,
    comparative,
    confusion,
    doubled_word,
    noun_number,
    preposition,
    verb_form,
)
from writer_app.training.corruption_mechanics import capitalisation, comma, typo
from writer_app.training.corruption_text import Operation, Sentence


class ErrorKind(StrEnum):
    CONFUSION = "confusion"  # their/there, its/it's, then/than, a lot/alot, could of...
    ARTICLE = "article"  # a/an/the dropped, inserted, swapped, a/an by sound
    PREPOSITION = "preposition"  # in/on/at... swapped, infinitive "to" dropped
    VERB_FORM = "verb form"  # has went, to going, is go
    AGREEMENT = "agreement"  # he go, they goes, she don't
    NOUN_NUMBER = "noun number"  # two book, a books, informations
    COMPARATIVE = "comparative"  # more older, gooder, most best
    DOUBLED_WORD = "doubled word"  # the the
    TYPO = "typo"  # keyboard slips, transpositions, phonetic spellings, dont
    CAPITALISATION = "capitalisation"  # sentence start, names, days, i, random capitals
    COMMA = "comma"  # missing or extra commas


DEFAULT_RATES: Mapping[ErrorKind, float] = {
    ErrorKind.CONFUSION: 1.0,
    ErrorKind.ARTICLE: 1.5,
    ErrorKind.PREPOSITION: 1.0,
    ErrorKind.VERB_FORM: 1.0,
    ErrorKind.AGREEMENT: 1.0,
    ErrorKind.NOUN_NUMBER: 1.0,
    ErrorKind.COMPARATIVE: 0.5,
    ErrorKind.DOUBLED_WORD: 0.5,
    ErrorKind.TYPO: 2.0,
    ErrorKind.CAPITALISATION: 1.0,
    ErrorKind.COMMA: 1.0,
}
_ATTEMPTS = 4  # re-draws when the errors of a sentence happened to cancel out


class Corruptor:
    """Deterministic synthetic-error generator (see the module docstring)."""

    def __init__(
        self,
        seed: int = 0,
        unchanged_share: float = 0.25,
        rates: Mapping[str, float] | None = None,
        error_count_weights: Sequence[float] = (0.6, 0.3, 0.1),
    ) -> None:
        if not 0.0 <= unchanged_share <= 1.0:
            raise ValueError("unchanged_share must be between 0 and 1")
        merged = dict(DEFAULT_RATES)
        for name, rate in (rates or {}).items():
            if rate < 0:
                raise ValueError(f"negative rate for {name!r}")
            merged[ErrorKind(name)] = rate  # ValueError for unknown kinds
        if not any(merged.values()):
            raise ValueError("at least one error kind needs a positive rate")
        if not any(error_count_weights) or any(w < 0 for w in error_count_weights):
            raise ValueError("error_count_weights must be non-negative, one at least positive")
        self._rng = random.Random(seed)
        self._unchanged_share = unchanged_share
        self._rates = {kind: merged[kind] for kind in ErrorKind if merged[kind] > 0}
        self._count_weights = tuple(error_count_weights)

    def corrupt(self, sentence: str) -> tuple[str, tuple[str, ...]]:
        """``(corrupted, kinds)``: the ErrorKind values applied, in order, each once;
        ``(sentence, ())`` when the sentence is left unchanged."""
        rng = self._rng
        if rng.random() < self._unchanged_share:
            return sentence, ()
        wanted = rng.choices(range(1, len(self._count_weights) + 1), self._count_weights)[0]
        for _ in range(_ATTEMPTS):
            work = Sentence(sentence)
            applied: list[str] = []
            for _ in range(wanted):
                kind = self._apply_one(work, rng)
                if kind is None:
                    break
                applied.append(kind)
            corrupted = work.render()
            if applied and corrupted != sentence:
                return corrupted, tuple(dict.fromkeys(applied))
        return sentence, ()

    def _apply_one(self, work: Sentence, rng: random.Random) -> ErrorKind | None:
        """Apply one error of a kind drawn by rate among those that fit the sentence."""
        remaining = dict(self._rates)
        while remaining:
            kinds = list(remaining)
            kind = rng.choices(kinds, [remaining[k] for k in kinds])[0]
            if _OPERATIONS[kind](work, rng):
                return kind
            del remaining[kind]
        return None


_OPERATIONS: dict[ErrorKind, Operation] = {
    ErrorKind.CONFUSION: confusion,
    ErrorKind.ARTICLE: article,
    ErrorKind.PREPOSITION: preposition,
    ErrorKind.VERB_FORM: verb_form,
    ErrorKind.AGREEMENT: agreement,
    ErrorKind.NOUN_NUMBER: noun_number,
    ErrorKind.COMPARATIVE: comparative,
    ErrorKind.DOUBLED_WORD: doubled_word,
    ErrorKind.TYPO: typo,
    ErrorKind.CAPITALISATION: capitalisation,
    ErrorKind.COMMA: comma,
}
