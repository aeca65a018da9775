"""Errors of mechanics for the synthetic-error generator (training/corruption.py): typos
(keyboard slips, transpositions, dropped or doubled letters, phonetic spellings, common
misspellings), capitalisation and commas. Each operation returns False when the sentence
offers no place for it."""

from __future__ import annotations

import random

from writer_app.core.gec.tags import DETERMINERS, PREPOSITIONS
from writer_app.core.gec.verb_forms import match_case
from writer_app.training.confusions import (
    CALENDAR_AND_LANGUAGE_WORDS,
    COMMON_MISSPELLINGS,
    KEYBOARD_NEIGHBOURS,
    PHONETIC_SUFFIXES,
)
from writer_app.training.corruption_text import Sentence, choose


def typo(work: Sentence, rng: random.Random) -> bool:
    candidates = [
        i
        for i in work.free_indices()
        if len(work.text(i)) >= 3
        and work.text(i).replace("'", "").replace("\u2019", "").isalpha()
        and not work.text(i).isupper()
        and (work.text(i)[0].islower() or i == work.first_word())
    ]
    i = choose(rng, candidates)
    if i is None:
        return False
    original = work.text(i)
    wrong = misspell(original, rng)
    if wrong is None:
        return False
    work.replace(i, wrong)
    return True


def misspell(word: str, rng: random.Random) -> str | None:
    """A plausible misspelling of ``word`` (case kept), or None if none differs."""
    lower = word.lower()
    known = COMMON_MISSPELLINGS.get(lower)
    if known and rng.random() < 0.7:
        return match_case(word, rng.choice(known))
    if "'" in lower or "\u2019" in lower:
        return word.replace("'", "").replace("\u2019", "")
    edits = (_keyboard_slip, _transpose, _drop_letter, _double_letter, _phonetic)
    for _ in range(8):
        wrong = rng.choice(edits)(lower, rng)
        if wrong and wrong != lower and wrong.isalpha():
            return match_case(word, wrong) if word[0].isupper() else wrong
    return None


def _keyboard_slip(word: str, rng: random.Random) -> str | None:
    position = rng.randrange(len(word))
    neighbours = KEYBOARD_NEIGHBOURS.get(word[position])
    if not neighbours:
        return None
    return word[:position] + rng.choice(neighbours) + word[position + 1 :]


def _transpose(word: str, rng: random.Random) -> str | None:
    positions = [p for p in range(len(word) - 1) if word[p] != word[p + 1]]
    if not positions:
        return None
    p = rng.choice(positions)
    return word[:p] + word[p + 1] + word[p] + word[p + 2 :]


def _drop_letter(word: str, rng: random.Random) -> str | None:
    if len(word) < 4:
        return None
    p = rng.randrange(1, len(word))
    return word[:p] + word[p + 1 :]


def _double_letter(word: str, rng: random.Random) -> str | None:
    p = rng.randrange(len(word))
    return word[: p + 1] + word[p:]


def _phonetic(word: str, rng: random.Random) -> str | None:
    options = [
        word[: -len(old)] + new
        for old, new in PHONETIC_SUFFIXES
        if word.endswith(old) and len(word) > len(old) + 2
    ]
    for old, new in (("ie", "ei"), ("ei", "ie")):
        if old in word[1:]:
            options.append(word.replace(old, new, 1))
    for p in range(1, len(word) - 1):
        if word[p] == word[p + 1] and word[p] not in "aeiou":
            options.append(word[:p] + word[p + 1 :])  # "occurred" -> "ocurred"
    return choose(rng, options)


def capitalisation(work: Sentence, rng: random.Random) -> bool:
    """Lower-case the sentence start, a name, a day/month/language or "I"; or capitalise
    a common word at random ("the Meeting", "TELL")."""
    first = work.first_word()
    lowered, lowered_weights, raised = [], [], []
    for i in work.free_indices():
        text = work.text(i)
        if not text.isalpha():
            continue
        if text == "I" or (text[0].isupper() and not (len(text) > 1 and text.isupper())):
            lowered.append(i)
            lowered_weights.append(3.0 if text in CALENDAR_AND_LANGUAGE_WORDS else 1.0)
        elif text.islower() and len(text) > 1 and i != first:
            raised.append(i)
    starts = [i for i in lowered if i == first and work.text(i) != "I"]
    groups = [
        (action, weight, members, member_weights)
        for action, weight, members, member_weights in (
            ("lower", 0.35, starts, [1.0] * len(starts)),
            ("lower", 0.4, lowered, lowered_weights),
            ("raise", 0.25, raised, [1.0] * len(raised)),
        )
        if members
    ]
    if not groups:
        return False
    action, _, members, member_weights = rng.choices(groups, [g[1] for g in groups])[0]
    i = rng.choices(members, member_weights)[0]
    text = work.text(i)
    if action == "raise":
        work.replace(i, text.upper() if rng.random() < 0.2 else text.capitalize())
    else:
        work.replace(i, text.lower())
    return True


_NO_COMMA_BEFORE = frozenset({"and", "or", "but", "nor", "so", "yet"})
# Writers add stray commas before clauses and phrases ("told, that", "played, in"), and
# between a subject and its verb; hardly ever straight after "the" or "in".
_LIKELY_COMMA_BEFORE = frozenset({"that", "because", "which", "who", "when", "if"})


def comma(work: Sentence, rng: random.Random) -> bool:
    drops = [i for i in work.free_indices() if work.text(i) == ","]
    adds, weights = [], []
    for k in range(2, len(work)):
        previous, following = work.lower(k - 1), work.lower(k)
        if not (work.free(k - 1) and work.free(k) and work.is_word(k - 1) and work.is_word(k)):
            continue
        if following in _NO_COMMA_BEFORE or previous in DETERMINERS or previous in PREPOSITIONS:
            continue
        adds.append(k)
        likely = following in _LIKELY_COMMA_BEFORE or following in PREPOSITIONS
        weights.append(3.0 if likely else 1.0)
    if drops and (not adds or rng.random() < 0.5):
        work.delete(rng.choice(drops))
        return True
    if adds:
        work.insert(rng.choices(adds, weights)[0], ",")
        return True
    return False


