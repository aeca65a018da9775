"""The shipped thesaurus (WordNet 3.0 senses with short glosses), read from
resources/thesaurus/wordnet-en.tsv.gz (built by writer_app.training.thesaurus).

Loading keeps the sense records as text and parses one only when a word asks for it, so
the whole file loads in a fraction of a second.
"""

from __future__ import annotations

import gzip
import importlib.resources
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESOURCE = ("thesaurus", "wordnet-en.tsv.gz")
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb"}
# How close a candidate is to the sense: its own words, similar (adjectives), more
# general, more specific.
TIER_NAMES = ("synonym", "similar", "generic", "specific")


class ThesaurusError(Exception):
    """The thesaurus file is missing or unreadable."""


@dataclass(frozen=True)
class Sense:
    pos: str  # n, v, a, r
    gloss: str
    tiers: tuple[tuple[str, ...], ...]  # candidate words by TIER_NAMES

    def words(self) -> list[tuple[str, int]]:
        """(word, tier) in the resource's order."""
        return [(word, tier) for tier, words in enumerate(self.tiers) for word in words]


def default_path() -> Path:
    import writer_app.resources

    return Path(str(importlib.resources.files(writer_app.resources).joinpath(*RESOURCE)))


class Thesaurus:
    def __init__(self, senses: list[str], index: dict[tuple[str, str], str],
                 frequencies: dict[str, str]) -> None:
        self._senses = senses  # raw "pos\tgloss\ttier\t..." records
        self._index = index  # (lemma, pos) -> "3,17,42"
        self._frequencies = frequencies

    @classmethod
    def load(cls, path: Path | str | None = None) -> Thesaurus:
        path = Path(path) if path is not None else default_path()
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                lines = handle.read().split("\n")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise ThesaurusError(f"cannot read the thesaurus {path}: {exc}") from None
        senses, index, frequencies = [], {}, {}
        for line in lines:
            kind, _, rest = line.partition("\t")
            if kind == "S":
                senses.append(rest)
            elif kind == "W":
                lemma, pos, numbers = rest.split("\t")
                index[(lemma, pos)] = numbers
            elif kind == "F":
                word, _, value = rest.partition("\t")
                frequencies[word] = value
        if not senses or not index:
            raise ThesaurusError(f"the thesaurus {path} holds no senses")
        return cls(senses, index, frequencies)

    def __len__(self) -> int:
        return len(self._senses)

    def has(self, lemma: str, pos: str) -> bool:
        return (lemma, pos) in self._index

    def senses(self, lemma: str, pos: str) -> list[Sense]:
        """The senses of `lemma` as part of speech `pos` (n, v, a, r), most frequent first."""
        numbers = self._index.get((lemma, pos))
        if not numbers:
            return []
        return [self._sense(int(number)) for number in numbers.split(",")]

    def _sense(self, number: int) -> Sense:
        pos, gloss, *tiers = self._senses[number].split("\t")
        return Sense(pos, gloss, tuple(tuple(w for w in t.split("|") if w) for t in tiers))

    def frequency(self, word: str) -> float:
        """log10 of the word's count per billion words (0 when unknown)."""
        value = self._frequencies.get(word.lower())
        return float(value) if value else 0.0


@cache
def shipped_thesaurus() -> Thesaurus:
    """The thesaurus shipped with the application (loaded once)."""
    return Thesaurus.load()
