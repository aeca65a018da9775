"""Commonly confused words (their/there/they're, its/it's, affect/effect, ...): where they
occur in a text and what each occurrence could have been.

The judging is done elsewhere (``inference.grammar.confusion`` scores every alternative in
context with a language model); this module only finds the candidates and builds the
edits, so it needs neither Qt nor torch. Sets are read both ways: a writer who types
"there" for "their" and one who types "their" for "there" are both helped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import CONFUSION_GLOSSES, Category

RULE_ID = "CONFUSED_WORDS"
# Each set: words one is easily written for another. Inflected forms are sets of their own.
CONFUSABLE_SETS: tuple[tuple[str, ...], ...] = (
    ("their", "there", "they're"), ("its", "it's"), ("your", "you're"), ("to", "too"),
    ("then", "than"), ("affect", "effect"), ("affects", "effects"), ("affected", "effected"),
    ("lose", "loose"), ("losing", "loosing"), ("whose", "who's"), ("accept", "except"),
    ("principal", "principle"), ("principals", "principles"), ("quiet", "quite"),
    ("weather", "whether"), ("passed", "past"), ("peace", "piece"), ("peaces", "pieces"),
    ("where", "were", "we're"), ("less", "fewer"), ("lead", "led"), ("advice", "advise"),
    ("breath", "breathe"), ("lie", "lay"), ("lying", "laying"),
    ("complement", "compliment"), ("complements", "compliments"),
    ("complementary", "complimentary"), ("stationary", "stationery"),
)
GLOSSES: dict[str, str] = {
    **CONFUSION_GLOSSES,
    "peace": "calm, no war", "piece": "a part", "less": "a smaller amount (uncountable)",
    "fewer": "a smaller number (countable)", "lie": "to rest flat (no object)",
    "lay": "to put down (takes an object)", "lying": "resting flat", "laying": "putting down",
    "effects": "results", "affects": "influences", "effected": "brought about",
    "affected": "influenced", "loosing": "setting free", "losing": "failing to keep",
    "principles": "rules", "principals": "heads of schools",
    "complementary": "completing", "complimentary": "free, or praising",
}
_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    word: tuple(other for other in group if other != word)
    for group in CONFUSABLE_SETS for word in group
}
# Read one way only: "less people" wants "fewer", but a model trained on web text also
# prefers the common "less than ten people" to a correct "fewer".
for _word in ("fewer",):
    _ALTERNATIVES.pop(_word)
_WORD_RE = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")


@dataclass(frozen=True)
class Confusable:
    """A confusable word at ``text[start:end]`` and what it could have been instead, in
    its case and apostrophe style."""

    start: int
    end: int
    word: str
    alternatives: tuple[str, ...]


def alternatives_of(word: str) -> tuple[str, ...]:
    """The other members of ``word``'s set, written like ``word`` (case, apostrophe)."""
    key = word.lower().replace("\u2019", "'")
    found = _ALTERNATIVES.get(key, ())
    curly = "\u2019" in word
    return tuple(_styled(word, other, curly) for other in found)


def _styled(template: str, word: str, curly: bool) -> str:
    if curly:
        word = word.replace("'", "\u2019")
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def find_confusables(text: str, ignore_words: frozenset[str] = frozenset()) -> list[Confusable]:
    """Every confusable word of ``text`` with its alternatives, in text order."""
    return list(_confusables(text, ignore_words))


def _confusables(text: str, ignore_words: frozenset[str]) -> Iterator[Confusable]:
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if word.lower() in ignore_words:
            continue
        alternatives = alternatives_of(word)
        if alternatives and _worth_scoring(word.lower(), text[match.end() :]):
            yield Confusable(match.start(), match.end(), word, alternatives)


_NEXT_WORD_RE = re.compile(r"\s*([A-Za-z']+|[^\sA-Za-z']|$)")
_DEGREE_WORDS = frozenset({"much", "many", "few", "little", "late", "soon", "far", "long",
                           "often", "early", "bad", "good", "big", "small", "hard", "busy"})
_BEFORE_NOUN = frozenset({"the", "a", "an", "my", "your", "his", "her", "our", "their", "this",
                          "that", "these", "those", "me", "him", "them", "us"})


def _worth_scoring(lower: str, after: str) -> bool:
    """"to" and "too" are too frequent to score everywhere: "to" only where "too" could
    follow ("to tired", "me to."), "too" only where "to" could ("too the shop")."""
    if lower not in ("to", "too"):
        return True
    match = _NEXT_WORD_RE.match(after)
    following = match.group(1).lower() if match else ""
    if lower == "to":
        if not following or not following[0].isalpha():
            return True  # "Me to." / "I like it to!"
        return following in _DEGREE_WORDS or _adjective_not_verb(following)
    return following in _BEFORE_NOUN or _verb_only(following)


def _adjective_not_verb(word: str) -> bool:
    from writer_app.core.gec.verb_forms import _lemminflect

    lemmas = _lemminflect().getAllLemmas(word)
    return ("ADJ" in lemmas or "ADV" in lemmas) and not (
        "VERB" in lemmas and word in lemmas["VERB"])


def _verb_only(word: str) -> bool:
    from writer_app.core.gec.verb_forms import _lemminflect

    lemmas = _lemminflect().getAllLemmas(word)
    return set(lemmas) == {"VERB"} and word in lemmas["VERB"]


def confusion_edit(found: Confusable, replacement: str, confidence: float) -> GrammarEdit:
    """The edit replacing ``found`` by ``replacement``, with a message that says why."""
    wrong, right = found.word.lower().replace("\u2019", "'"), replacement.lower()
    right = right.replace("\u2019", "'")
    gloss_right, gloss_wrong = GLOSSES.get(right), GLOSSES.get(wrong)
    message = f"Did you mean '{replacement}'"
    if gloss_right:
        message += f" ({gloss_right})"
    message += f" instead of '{found.word}'"
    if gloss_wrong:
        message += f" ({gloss_wrong})"
    return GrammarEdit(found.start, found.end, replacement, Category.WORD_CHOICE,
                       message + "?", round(confidence, 3), RULE_ID)
