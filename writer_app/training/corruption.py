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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from writer_app.core.gec.tags import CONFUSION_SETS, DETERMINERS, PREPOSITIONS, SUBJECT_PRONOUNS
from writer_app.core.gec.tokens import attaches_left, tokenize
from writer_app.core.gec.verb_forms import (
    UNCOUNTABLE_NOUNS,
    adjective_degree,
    indefinite_article,
    is_noun,
    match_case,
    pluralize,
    singularize,
    transform_verb,
    verb_tags_of,
    word_classes,
)
from writer_app.training.confusions import (
    AGREEMENT_SWAPS,
    AUXILIARIES,
    CALENDAR_AND_LANGUAGE_WORDS,
    COMMON_MISSPELLINGS,
    IRREGULAR_COMPARATIVES,
    KEYBOARD_NEIGHBOURS,
    MERGED_PHRASES,
    MODALS_BEFORE_HAVE,
    PHONETIC_SUFFIXES,
    PLURAL_DETERMINERS,
    PLURAL_PRONOUNS,
    PREPOSITION_SWAPS,
    SINGULAR_DETERMINERS,
)


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


@dataclass
class _Slot:
    """A token being edited, with the whitespace before it in the sentence."""

    text: str
    space: str
    locked: bool = False


class _Sentence:
    """A mutable token view of a sentence that renders back with its own spacing."""

    def __init__(self, text: str) -> None:
        self.slots: list[_Slot] = []
        position = 0
        for token in tokenize(text):
            self.slots.append(_Slot(token.text, text[position : token.start]))
            position = token.end
        self.tail = text[position:]

    def render(self) -> str:
        return "".join(slot.space + slot.text for slot in self.slots) + self.tail

    def __len__(self) -> int:
        return len(self.slots)

    def text(self, i: int) -> str:
        return self.slots[i].text if 0 <= i < len(self.slots) else ""

    def lower(self, i: int) -> str:
        return self.text(i).lower().replace("\u2019", "'")

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.slots) and not self.slots[i].locked

    def free_indices(self) -> list[int]:
        return [i for i, slot in enumerate(self.slots) if not slot.locked]

    def is_word(self, i: int) -> bool:
        return any(ch.isalpha() for ch in self.text(i))

    def first_word(self) -> int | None:
        return next((i for i in range(len(self.slots)) if self.is_word(i)), None)

    def replace(self, i: int, text: str) -> None:
        self.slots[i].text = text
        self.slots[i].locked = True

    def delete(self, i: int) -> None:
        removed = self.slots.pop(i)
        if i < len(self.slots):
            following = self.slots[i]
            if i == 0 or (removed.space == "" and not attaches_left(removed.text)):
                following.space = removed.space  # it was glued to what came before
            following.locked = True
        if i > 0:
            self.slots[i - 1].locked = True

    def insert(self, i: int, text: str) -> None:
        """Insert ``text`` before slot ``i`` (``i == len`` appends)."""
        slot = _Slot(text, " ", locked=True)
        if attaches_left(text):
            slot.space = ""
        elif i == 0 and self.slots:
            slot.space, self.slots[0].space = self.slots[0].space, " "
        self.slots.insert(i, slot)
        for neighbour in (i - 1, i + 1):
            if 0 <= neighbour < len(self.slots):
                self.slots[neighbour].locked = True


_Operation = Callable[[_Sentence, random.Random], bool]


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
            work = _Sentence(sentence)
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

    def _apply_one(self, work: _Sentence, rng: random.Random) -> ErrorKind | None:
        """Apply one error of a kind drawn by rate among those that fit the sentence."""
        remaining = dict(self._rates)
        while remaining:
            kinds = list(remaining)
            kind = rng.choices(kinds, [remaining[k] for k in kinds])[0]
            if _OPERATIONS[kind](work, rng):
                return kind
            del remaining[kind]
        return None


# --- the operations: each returns False when the sentence offers no place for it -----------

_CONFUSABLE: dict[str, tuple[str, ...]] = {
    word: tuple(sorted(group - {word}))
    for group in CONFUSION_SETS
    if group != frozenset({"have", "of"})
    for word in group
}


def _same_apostrophe(original: str, replacement: str) -> str:
    return replacement.replace("'", "\u2019") if "\u2019" in original else replacement


def _choose(rng: random.Random, options: Sequence):
    return rng.choice(options) if options else None


def _confusion(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if work.free(i + 1) and (word, work.lower(i + 1)) in MERGED_PHRASES:
            options.append(("merge", i))
        if word == "have" and work.lower(i - 1) in MODALS_BEFORE_HAVE:
            options.append(("of", i))
        elif word in _CONFUSABLE:
            options.append(("swap", i))
    choice = _choose(rng, options)
    if choice is None:
        return False
    action, i = choice
    original = work.text(i)
    if action == "merge":
        work.replace(i, match_case(original, MERGED_PHRASES[(work.lower(i), work.lower(i + 1))]))
        work.delete(i + 1)
    elif action == "of":
        work.replace(i, match_case(original, "of"))
    else:
        alternative = rng.choice(_CONFUSABLE[work.lower(i)])
        work.replace(i, match_case(original, _same_apostrophe(original, alternative)))
    return True


def _article(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word, following = work.lower(i), work.text(i + 1)
        if word in ("a", "an", "the"):
            options.append(("drop", i))
            if following[:1].isalpha():
                options.append(("swap", i))
                if word != "the":
                    options.append(("sound", i))
        if i > 0 and work.free(i - 1) and _takes_wrong_article(work, i):
            options.append(("insert", i))
    choice = _choose(rng, options)
    if choice is None:
        return False
    action, i = choice
    original, word = work.text(i), work.lower(i)
    if action == "drop":
        work.delete(i)
    elif action == "sound":
        work.replace(i, match_case(original, "an" if word == "a" else "a"))
    elif action == "swap":
        new = indefinite_article(work.text(i + 1)) if word == "the" else "the"
        work.replace(i, match_case(original, new))
    else:  # see _takes_wrong_article: lower case is a plural noun, capitalised a name
        following = work.text(i)
        work.insert(i, indefinite_article(following) if following.islower() else "the")
    return True


def _takes_wrong_article(work: _Sentence, i: int) -> bool:
    """An article inserted before slot i is surely wrong: "a" before a plural noun after a
    verb or preposition ("I like an apples"), "the" before a name ("to the London")."""
    previous, word = work.lower(i - 1), work.text(i)
    if not word.isalpha() or previous in DETERMINERS:
        return False
    after_verb_or_preposition = previous in PREPOSITIONS or "VERB" in word_classes(previous)
    if word.islower():
        return (
            after_verb_or_preposition
            and is_noun(word)
            and singularize(word) is not None
            and word not in UNCOUNTABLE_NOUNS
        )
    return (
        previous in PREPOSITIONS
        and word[0].isupper()
        and not word.isupper()
        and word not in CALENDAR_AND_LANGUAGE_WORDS
    )


def _preposition(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if word in PREPOSITION_SWAPS:
            options.append(("swap", i))
        if word == "to" and i > 0 and "VB" in verb_tags_of(work.text(i + 1)):
            options.append(("drop", i))
    choice = _choose(rng, options)
    if choice is None:
        return False
    action, i = choice
    if action == "drop":
        work.delete(i)
    else:
        work.replace(i, match_case(work.text(i), rng.choice(PREPOSITION_SWAPS[work.lower(i)])))
    return True


def _looks_like_verb(work: _Sentence, i: int) -> bool:
    previous = work.lower(i - 1)
    if previous in SUBJECT_PRONOUNS or previous in AUXILIARIES:
        return True
    classes = word_classes(work.text(i))
    return "NOUN" not in classes and "ADJ" not in classes and previous not in DETERMINERS


_PERSON_TAGS = frozenset({"VB", "VBP", "VBZ"})


_BE_FORMS = frozenset({"am", "is", "are", "was", "were", "be", "been", "being"})
_HAVE_FORMS = frozenset({"have", "has", "had", "having"})


def _wrong_forms(work: _Sentence, i: int) -> list[str]:
    """Forms of the verb at slot i that are surely wrong there.

    After a modal, "do" or infinitive "to" only the base form fits, after "have" only the
    participle, so others are wrong ("will goes", "to going", "has went"); after "be", the
    -ing form and the participle are both possible, so only VB/VBD are used ("is go").
    Elsewhere a tense change ("goes" -> "went") is usually still grammatical, so only a
    participle or -ing form is used ("I seen", "he going"); person changes are agreement.
    """
    word, previous = work.text(i), work.lower(i - 1)
    if previous in _BE_FORMS:
        targets: tuple[str, ...] = ("VB", "VBD")
    elif previous in _HAVE_FORMS or previous in AUXILIARIES and previous != "to":
        targets = ("VB", "VBD", "VBG", "VBN")
    elif previous == "to" and "NOUN" not in word_classes(word):  # "to school" is no verb
        targets = ("VBD", "VBG", "VBN")
    else:
        targets = ("VBG", "VBN")
    finite = targets == ("VBG", "VBN")
    forms = set()
    for from_tag in verb_tags_of(word):
        for to_tag in targets:
            if from_tag == to_tag or {from_tag, to_tag} <= _PERSON_TAGS:
                continue
            form = transform_verb(word, from_tag, to_tag)
            if not form or form.lower() == word.lower():
                continue
            # A participle that is also the past tense ("wanted", "had") is no error here.
            if not (finite and "VBD" in verb_tags_of(form)):
                forms.add(form)
    return sorted(forms)


def _verb_form(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.text(i)
        if (word.islower() or i == work.first_word()) and _looks_like_verb(work, i):
            options.extend((i, form) for form in _wrong_forms(work, i))
    choice = _choose(rng, options)
    if choice is None:
        return False
    work.replace(*choice)
    return True


def _agreement(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word, tags = work.lower(i), verb_tags_of(work.text(i))
        if word in AGREEMENT_SWAPS:
            options.append((i, rng.choice(AGREEMENT_SWAPS[word])))
        elif "VBZ" in tags and _looks_like_verb(work, i):
            options.append((i, transform_verb(word, "VBZ", "VB")))
        elif work.lower(i - 1) in PLURAL_PRONOUNS and tags & {"VB", "VBP"} and i > 0:
            options.append((i, transform_verb(word, "VB", "VBZ")))
    options = [(i, form) for i, form in options if form and form != work.lower(i)]
    choice = _choose(rng, options)
    if choice is None:
        return False
    i, form = choice
    work.replace(i, match_case(work.text(i), _same_apostrophe(work.text(i), form)))
    return True


def _noun_number(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word, previous = work.text(i), work.lower(i - 1)
        if not word.islower() or not is_noun(word):
            continue
        if word in UNCOUNTABLE_NOUNS or previous in SINGULAR_DETERMINERS:
            options.append((i, pluralize(word)))
        elif previous in PLURAL_DETERMINERS or (previous.isdigit() and previous != "1"):
            options.append((i, singularize(word)))
    choice = _choose(rng, [(i, form) for i, form in options if form])
    if choice is None:
        return False
    work.replace(*choice)
    return True


def _replace_with_words(work: _Sentence, i: int, words: Sequence[str]) -> None:
    """Replace slot i with one or more words, the first in the original's case."""
    work.replace(i, match_case(work.text(i), words[0]))
    for offset, word in enumerate(words[1:], 1):
        work.insert(i + offset, word)


def _comparative(work: _Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if word in IRREGULAR_COMPARATIVES:
            options.extend((i, wrong.split()) for wrong in IRREGULAR_COMPARATIVES[word])
        elif work.text(i).isalpha() and adjective_degree(word):
            lemma, tag = adjective_degree(word)
            adverb = "more" if tag == "JJR" else "most"
            options.extend([(i, [adverb, word]), (i, [adverb, lemma])])
    choice = _choose(rng, options)
    if choice is None:
        return False
    _replace_with_words(work, *choice)
    return True


_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "to", "of", "in", "is", "and", "it", "that", "for", "on", "was", "i",
     "we", "they", "he", "she", "you", "have", "be"}
)


def _doubled_word(work: _Sentence, rng: random.Random) -> bool:
    words = [i for i in work.free_indices() if work.is_word(i)]
    function_words = [i for i in words if work.lower(i) in _FUNCTION_WORDS]
    i = _choose(rng, function_words if function_words and rng.random() < 0.7 else words)
    if i is None:
        return False
    copy = work.text(i)
    work.insert(i + 1, copy.lower() if i == work.first_word() and copy != "I" else copy)
    return True


def _typo(work: _Sentence, rng: random.Random) -> bool:
    candidates = [
        i
        for i in work.free_indices()
        if len(work.text(i)) >= 3
        and work.text(i).replace("'", "").replace("\u2019", "").isalpha()
        and not work.text(i).isupper()
        and (work.text(i)[0].islower() or i == work.first_word())
    ]
    i = _choose(rng, candidates)
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
    return _choose(rng, options)


def _capitalisation(work: _Sentence, rng: random.Random) -> bool:
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


def _comma(work: _Sentence, rng: random.Random) -> bool:
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


_OPERATIONS: dict[ErrorKind, _Operation] = {
    ErrorKind.CONFUSION: _confusion,
    ErrorKind.ARTICLE: _article,
    ErrorKind.PREPOSITION: _preposition,
    ErrorKind.VERB_FORM: _verb_form,
    ErrorKind.AGREEMENT: _agreement,
    ErrorKind.NOUN_NUMBER: _noun_number,
    ErrorKind.COMPARATIVE: _comparative,
    ErrorKind.DOUBLED_WORD: _doubled_word,
    ErrorKind.TYPO: _typo,
    ErrorKind.CAPITALISATION: _capitalisation,
    ErrorKind.COMMA: _comma,
}
