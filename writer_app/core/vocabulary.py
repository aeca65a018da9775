"""A personal vocabulary from the writer's own documents: words to add to the dictionary.

Candidates are the words the spelling layer does not know (its own ``is_known`` decides;
no second word list here) that recur in the writer's documents: in at least two
documents, or at least three times in one. Capitalised words inside a sentence are kept
as names: the spelling layer never underlines them there, but it does at a sentence
start, and dictionary words are also left alone by the grammar tagger. Words already in
the personal dictionary are left out.

A rare word one edit away from a known word ("recieve", "teh") is more likely a typo
than jargon: it is marked suspicious, with a note, so the review leaves it unchecked.
Qt-free and torch-free; the speller is handed in (writer_app.inference.grammar.spelling).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from writer_app.core.gec.protect import is_protected, normalise_words
from writer_app.core.gec.tokens import split_sentences, tokenize

MIN_DOCUMENTS = 2  # a word in this many documents recurs
MIN_IN_DOCUMENT = 3  # ... or this many times in one document
SUSPICIOUS_MAX_COUNT = 4  # a near-duplicate of a known word seen this rarely is likely a typo
EXAMPLE_CHARS = 90
_WORD_RE = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*")  # what the spelling layer checks
_SUFFIX_RE = re.compile(r"^(?P<stem>[A-Za-z]+)['\u2019](?:s|d|ll|re|ve|m)$", re.IGNORECASE)
_DOTTED_RE = re.compile(r"[A-Za-z]\.[A-Za-z]{2,}")  # file.txt, obj.method
_CHUNK_STRIP = "\"'\u201c\u201d\u2018\u2019()[]{}<>,;:!?."
_OPENING = frozenset("\"'\u201c\u2018([{¿¡«-*•")


class SpellerLike(Protocol):
    """What the vocabulary needs of the spelling layer (SpellingChecker has it)."""

    def is_known(self, word: str) -> bool: ...

    def candidates(self, word: str) -> list[str]: ...


@dataclass(frozen=True)
class VocabularyEntry:
    word: str  # as the writer writes it most often
    count: int  # occurrences in all documents
    documents: int  # how many documents hold it
    example: str  # one sentence (shortened) where it occurs
    kind: str  # "word" or "name"
    suspicious: bool = False  # likely a typo: unchecked in the review
    note: str = ""  # why it is suspicious


@dataclass
class _Tally:
    forms: Counter[str] = field(default_factory=Counter)
    per_document: Counter[int] = field(default_factory=Counter)
    names: int = 0  # occurrences capitalised inside a sentence
    example: str = ""


def build_vocabulary(texts: Iterable[str], speller: SpellerLike,
                     dictionary: Collection[str] = (), *, limit: int = 300,
                     ) -> list[VocabularyEntry]:
    """The recurring words of `texts` (one text a document) that `speller` does not know
    and `dictionary` does not hold, most frequent first, at most `limit`."""
    known = normalise_words(dictionary)
    tallies: dict[str, _Tally] = {}
    corpus_words: Counter[str] = Counter()
    for index, text in enumerate(texts):
        for word, initial, sentence in _words(text):
            key = word.lower().replace("\u2019", "'")
            corpus_words[key] += 1
            if key in known or speller.is_known(word):
                continue
            tally = tallies.setdefault(key, _Tally())
            tally.forms[word] += 1
            tally.per_document[index] += 1
            is_name = word[:1].isupper() and not initial
            tally.names += is_name
            if not tally.example or (is_name and tally.names == 1):
                tally.example = _shorten(sentence, word)
    entries = [_entry(key, tally, speller, corpus_words) for key, tally in tallies.items()
               if len(tally.per_document) >= MIN_DOCUMENTS
               or max(tally.per_document.values()) >= MIN_IN_DOCUMENT]
    entries.sort(key=lambda e: (-e.count, -e.documents, e.word.lower()))
    return entries[:limit]


def _entry(key: str, tally: _Tally, speller: SpellerLike,
           corpus_words: Counter[str]) -> VocabularyEntry:
    count = sum(tally.forms.values())
    kind = "name" if tally.names * 2 >= count else "word"
    note = ""
    if count <= SUSPICIOUS_MAX_COUNT:
        near = _known_neighbour(key, speller, corpus_words, require_seen=kind == "name")
        if near:
            note = f"Rare, and one letter from “{near}”: perhaps a typo."
    word = tally.forms.most_common(1)[0][0]
    # "Grommetry" at a sentence start is the word "grommetry"; a word never written in
    # lower case ("Thandeka", always first in its sentences) is shown as written.
    lowered = note or any(form.islower() for form in tally.forms)
    if kind == "word" and word[1:] == word[1:].lower() and lowered:
        word = key
    return VocabularyEntry(word, count, len(tally.per_document), tally.example, kind,
                           bool(note), note)


def _known_neighbour(key: str, speller: SpellerLike, corpus_words: Counter[str],
                     require_seen: bool) -> str | None:
    """A known word one edit from `key`: the one the writer uses most, else the speller's
    best candidate. A name only counts as a typo of a word the writer also uses."""
    neighbours = [w for w in _edits1(key) if speller.is_known(w)]
    if not neighbours:
        return None
    seen = max(neighbours, key=lambda w: (corpus_words[w], w))
    if corpus_words[seen] > 0:
        return seen
    if require_seen:
        return None
    # One edit away exists, so the speller answers from its distance-1 set (fast).
    best = speller.candidates(key)
    return best[0].lower() if best else neighbours[0]


def _edits1(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion from `word`."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in letters if c != b[0]]
    inserts = [a + c + b for a, b in splits for c in letters]
    return {w for w in (*deletes, *swaps, *replaces, *inserts) if len(w) > 1} - {word}


def _words(text: str) -> Iterator[tuple[str, bool, str]]:
    """(word, starts its sentence, sentence) for each word the spelling layer would
    check: the same tokens and skips as spelling.py (code-like chunks, protected tokens,
    acronyms, single letters, non-ASCII words; hyphenated words part by part)."""
    code = _code_spans(text)
    for sentence in split_sentences(text):
        initial = True
        for token in tokenize(sentence.text):
            if initial and token.text in _OPENING:
                continue
            start = token.start + sentence.start
            first, initial = initial, False
            if is_protected(token.text) or any(a <= start < b for a, b in code):
                continue
            for index, part in enumerate(token.text.split("-")):
                match = _SUFFIX_RE.match(part)
                part = match.group("stem") if match else part
                if len(part) > 1 and _WORD_RE.fullmatch(part) and not part.isupper():
                    yield part, first and index == 0, sentence.text


def _code_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"\S+", text):
        chunk = match.group().strip(_CHUNK_STRIP)
        if is_protected(chunk) or _DOTTED_RE.search(chunk):
            spans.append(match.span())
    return spans


def _shorten(sentence: str, word: str, width: int = EXAMPLE_CHARS) -> str:
    """`sentence` on one line, cut to about `width` characters around `word`."""
    # Control characters (a backspace overstrike in old text files) show as boxes.
    line = "".join(ch for ch in " ".join(sentence.split()) if ch.isprintable())
    if len(line) <= width:
        return line
    at = max(0, line.find(word))
    start = max(0, min(at - width // 2, len(line) - width))
    start = line.rfind(" ", 0, start) + 1 if start else 0
    end = line.find(" ", start + width)
    end = len(line) if end < 0 else end
    return ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
