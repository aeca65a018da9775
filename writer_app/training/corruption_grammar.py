"""Grammar errors for the synthetic-error generator (training/corruption.py): confusable
words, articles, prepositions, verb forms, agreement, noun number, comparatives and doubled
words. Each operation returns False when the sentence offers no place for it."""

from __future__ import annotations

import random
from collections.abc import Sequence

from writer_app.core.gec.tags import CONFUSION_SETS, DETERMINERS, PREPOSITIONS, SUBJECT_PRONOUNS
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
    IRREGULAR_COMPARATIVES,
    MERGED_PHRASES,
    MODALS_BEFORE_HAVE,
    PLURAL_DETERMINERS,
    PLURAL_PRONOUNS,
    PREPOSITION_SWAPS,
    SINGULAR_DETERMINERS,
)
from writer_app.training.corruption_text import Sentence, choose, same_apostrophe

_CONFUSABLE: dict[str, tuple[str, ...]] = {
    word: tuple(sorted(group - {word}))
    for group in CONFUSION_SETS
    if group != frozenset({"have", "of"})
    for word in group
}


def confusion(work: Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if work.free(i + 1) and (word, work.lower(i + 1)) in MERGED_PHRASES:
            options.append(("merge", i))
        if word == "have" and work.lower(i - 1) in MODALS_BEFORE_HAVE:
            options.append(("of", i))
        elif word in _CONFUSABLE:
            options.append(("swap", i))
    choice = choose(rng, options)
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
        work.replace(i, match_case(original, same_apostrophe(original, alternative)))
    return True


def article(work: Sentence, rng: random.Random) -> bool:
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
    choice = choose(rng, options)
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


def _takes_wrong_article(work: Sentence, i: int) -> bool:
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


def preposition(work: Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if word in PREPOSITION_SWAPS:
            options.append(("swap", i))
        if word == "to" and i > 0 and "VB" in verb_tags_of(work.text(i + 1)):
            options.append(("drop", i))
    choice = choose(rng, options)
    if choice is None:
        return False
    action, i = choice
    if action == "drop":
        work.delete(i)
    else:
        work.replace(i, match_case(work.text(i), rng.choice(PREPOSITION_SWAPS[work.lower(i)])))
    return True


def _looks_like_verb(work: Sentence, i: int) -> bool:
    previous = work.lower(i - 1)
    if previous in SUBJECT_PRONOUNS or previous in AUXILIARIES:
        return True
    classes = word_classes(work.text(i))
    return "NOUN" not in classes and "ADJ" not in classes and previous not in DETERMINERS


_PERSON_TAGS = frozenset({"VB", "VBP", "VBZ"})


_BE_FORMS = frozenset({"am", "is", "are", "was", "were", "be", "been", "being"})
_HAVE_FORMS = frozenset({"have", "has", "had", "having"})


def _wrong_forms(work: Sentence, i: int) -> list[str]:
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


def verb_form(work: Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.text(i)
        if (word.islower() or i == work.first_word()) and _looks_like_verb(work, i):
            options.extend((i, form) for form in _wrong_forms(work, i))
    choice = choose(rng, options)
    if choice is None:
        return False
    work.replace(*choice)
    return True


def agreement(work: Sentence, rng: random.Random) -> bool:
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
    choice = choose(rng, options)
    if choice is None:
        return False
    i, form = choice
    work.replace(i, match_case(work.text(i), same_apostrophe(work.text(i), form)))
    return True


def noun_number(work: Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word, previous = work.text(i), work.lower(i - 1)
        if not word.islower() or not is_noun(word):
            continue
        if word in UNCOUNTABLE_NOUNS or previous in SINGULAR_DETERMINERS:
            options.append((i, pluralize(word)))
        elif previous in PLURAL_DETERMINERS or (previous.isdigit() and previous != "1"):
            options.append((i, singularize(word)))
    choice = choose(rng, [(i, form) for i, form in options if form])
    if choice is None:
        return False
    work.replace(*choice)
    return True


def _replace_with_words(work: Sentence, i: int, words: Sequence[str]) -> None:
    """Replace slot i with one or more words, the first in the original's case."""
    work.replace(i, match_case(work.text(i), words[0]))
    for offset, word in enumerate(words[1:], 1):
        work.insert(i + offset, word)


def comparative(work: Sentence, rng: random.Random) -> bool:
    options = []
    for i in work.free_indices():
        word = work.lower(i)
        if word in IRREGULAR_COMPARATIVES:
            options.extend((i, wrong.split()) for wrong in IRREGULAR_COMPARATIVES[word])
        elif work.text(i).isalpha() and adjective_degree(word):
            lemma, tag = adjective_degree(word)
            adverb = "more" if tag == "JJR" else "most"
            options.extend([(i, [adverb, word]), (i, [adverb, lemma])])
    choice = choose(rng, options)
    if choice is None:
        return False
    _replace_with_words(work, *choice)
    return True


_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "to", "of", "in", "is", "and", "it", "that", "for", "on", "was", "i",
     "we", "they", "he", "she", "you", "have", "be"}
)


def doubled_word(work: Sentence, rng: random.Random) -> bool:
    words = [i for i in work.free_indices() if work.is_word(i)]
    function_words = [i for i in words if work.lower(i) in _FUNCTION_WORDS]
    i = choose(rng, function_words if function_words and rng.random() < 0.7 else words)
    if i is None:
        return False
    copy = work.text(i)
    work.insert(i + 1, copy.lower() if i == work.first_word() and copy != "I" else copy)
    return True


