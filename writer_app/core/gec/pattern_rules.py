"""Precise rules for agreement across words and for verb patterns.

The tagger judges a word by its neighbours, so it misses a verb that agrees with a noun
several words back ("The box of old letters were") and verb patterns that need a
particular form ("finished to write", "let me to borrow", "look forward to see"). Each
rule below fires only on a shape it is sure of; like ``rules.py`` it stays silent when in
doubt, because a false alarm costs the writer more than a miss.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import Token

PREPOSITIONS = frozenset({
    "of", "to", "in", "on", "with", "for", "from", "near", "under", "behind", "beside", "by",
    "at", "about", "inside", "outside", "above", "below", "between", "among", "along",
})
SUBJECT_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "my",
                                 "your", "his", "her", "its", "our", "their", "every", "each"})
INNER_DETERMINERS = SUBJECT_DETERMINERS | frozenset({"some", "many", "several", "two",
                                                     "three", "all", "both", "few", "no"})
INDEFINITE_PRONOUNS = frozenset({
    "somebody", "someone", "everybody", "everyone", "nobody", "anyone", "anybody",
    "everything", "nothing", "something", "anything",
})
TO_SINGULAR = {"are": "is", "were": "was", "have": "has", "do": "does", "don't": "doesn't",
               "aren't": "isn't", "weren't": "wasn't", "haven't": "hasn't"}
TO_PLURAL = {singular: plural for plural, singular in TO_SINGULAR.items()}
# Nouns that may agree with a plural verb ("The team were"), or are plural already.
COLLECTIVE = frozenset({
    "family", "team", "staff", "police", "government", "committee", "company", "audience",
    "crew", "band", "class", "public", "jury", "group", "couple", "majority", "number",
    "people", "cattle", "data", "media", "news", "council", "board", "management", "lot",
    "series", "species", "rest", "kind", "sort", "type", "variety", "range", "half", "part",
    "percent", "proportion", "total", "pair", "bunch", "set", "none", "who", "which",
})
GERUND_VERBS = frozenset({"avoid", "enjoy", "mind", "suggest", "finish", "consider",
                          "practise", "practice", "quit", "deny", "risk", "miss", "keep",
                          "postpone", "delay", "dislike", "imagine"})
BARE_INFINITIVE_VERBS = frozenset({"let", "make"})
OBJECT_PRONOUNS = frozenset({"me", "you", "him", "her", "it", "us", "them"})
PERSON_SUBJECTS = frozenset({"i", "you", "we", "they", "he", "she"})
BE_FORMS = frozenset({"am", "is", "are", "was", "were", "be", "been", "'m", "'s", "'re"})
ADVERBS = frozenset({"not", "never", "always", "often", "also", "just", "really", "still",
                     "usually", "sometimes", "already", "all", "n't"})


def _low(tokens: list[Token], k: int) -> str:
    return tokens[k].text.lower().replace("\u2019", "'") if 0 <= k < len(tokens) else ""


@cache
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    from lemminflect import getAllLemmas

    return dict(getAllLemmas(word))


def _noun_number(word: str) -> str | None:
    """"singular" or "plural" for a word that is a noun after a determiner (it may be a verb
    elsewhere: "the box", "the windows"), else None."""
    lemmas = _lemmas(word)
    nouns = lemmas.get("NOUN", ())
    if not nouns or word in COLLECTIVE or any(n in COLLECTIVE for n in nouns):
        return None
    if {"ADJ", "ADV", "PRON", "AUX"} & set(lemmas) or word.endswith("ing"):
        return None
    if all(n == word for n in nouns):
        return "singular"
    return "plural" if word.endswith("s") and any(n != word for n in nouns) else None


def _verb_forms(lemma: str, tag: str) -> tuple[str, ...]:
    from lemminflect import getInflection

    return tuple(getInflection(lemma, tag))


@cache
def _base_verb(word: str) -> str | None:
    """``word`` when it is a verb's base form (and not an adjective or adverb too)."""
    lemmas = _lemmas(word)
    if word not in lemmas.get("VERB", ()):
        return None
    return word


@cache
def _gerund(lemma: str) -> str | None:
    forms = _verb_forms(lemma, "VBG")
    return forms[0] if forms else None


def _lemma_of(word: str, lemmas: frozenset[str]) -> str | None:
    """The lemma among ``lemmas`` that ``word`` is a form of ("finished" -> "finish")."""
    if word in lemmas:
        return word
    found = _lemmas(word).get("VERB", ())
    return next((lemma for lemma in found if lemma in lemmas), None)


def _styled(template: str, word: str) -> str:
    return word[:1].upper() + word[1:] if template[:1].isupper() else word


def _agreement_edit(verb: Token, fixed: str, subject: str) -> GrammarEdit:
    return GrammarEdit(verb.start, verb.end, _styled(verb.text, fixed), Category.AGREEMENT,
                       f"The subject \u201c{subject}\u201d needs \u201c{fixed}\u201d.", 0.85,
                       "SUBJECT_VERB_AGREEMENT")


def _fix_for(number: str, verb: str) -> str | None:
    return (TO_SINGULAR if number == "singular" else TO_PLURAL).get(verb)


def _skip(tokens: list[Token], k: int, words: frozenset[str]) -> int:
    while _low(tokens, k) in words:
        k += 1
    return k


def _noun_phrase_end(tokens: list[Token], k: int, bare: bool = False
                     ) -> tuple[int, str] | None:
    """(index after, head noun) of "DET ADJ* NOUN" at ``k`` (``bare``: the determiner may
    be missing, as in "of old letters"), or None."""
    if _low(tokens, k) in OBJECT_PRONOUNS:
        return k + 1, _low(tokens, k)
    if _low(tokens, k) in INNER_DETERMINERS:
        k += 1
    elif not bare:
        return None
    for end in range(k, min(k + 4, len(tokens))):
        word = _low(tokens, end)
        if not word.isalpha():
            return None
        if _noun_number(word) and (end + 1 >= len(tokens) or not _noun_number(_low(tokens,
                                                                                     end + 1))):
            return end + 1, word
    return None


def subject_phrase_agreement(text: str, tokens: list[Token], ignore: frozenset[str]
                             ) -> Iterator[GrammarEdit]:
    """"The box of old letters were" -> "was", "The keys to the door is" -> "are": a
    sentence that opens with a noun phrase and prepositional phrases, then its verb."""
    if len(tokens) < 5 or _low(tokens, 0) not in SUBJECT_DETERMINERS:
        return
    head = _noun_phrase_end(tokens, 0)
    if head is None or head[0] >= len(tokens) or _low(tokens, head[0]) not in PREPOSITIONS:
        return
    number = _noun_number(head[1])
    if number is None or _low(tokens, 0) in ("every", "each") and number == "plural":
        return
    k = head[0]
    while _low(tokens, k) in PREPOSITIONS:
        inner = _noun_phrase_end(tokens, k + 1, bare=True)
        if inner is None:
            return
        k = inner[0]
    if k == head[0] or k >= len(tokens):
        return
    fixed = _fix_for(number, _low(tokens, k))
    if fixed and tokens[k].text.islower():
        yield _agreement_edit(tokens[k], fixed, " ".join(t.text for t in tokens[: head[0]]))


def quantified_agreement(text: str, tokens: list[Token], ignore: frozenset[str]
                         ) -> Iterator[GrammarEdit]:
    """"Every one of the windows were", "One of my friends have", "Neither of them are",
    "Somebody have left": subjects that take a singular verb."""
    for k, token in enumerate(tokens):
        word = _low(tokens, k)
        clause_start = not k or _low(tokens, k - 1) in (",", "and", "but", "because", "when",
                                                         "if")
        if not clause_start and not (word == "one" and _low(tokens, k - 1) in ("every",
                                                                                "each")):
            continue
        if word in INDEFINITE_PRONOUNS:
            at = _skip(tokens, k + 1, ADVERBS)
            subject = token.text
        elif word in ("one", "each", "neither", "either") and _low(tokens, k + 1) == "of":
            phrase = _noun_phrase_end(tokens, k + 2)
            if phrase is None:
                continue
            at = _skip(tokens, phrase[0], ADVERBS)
            start = k - 1 if word == "one" and _low(tokens, k - 1) in ("every", "each") else k
            subject = " ".join(t.text for t in tokens[start : phrase[0]])
        else:
            continue
        fixed = _fix_for("singular", _low(tokens, at))
        if fixed and tokens[at].text.islower():
            yield _agreement_edit(tokens[at], fixed, subject)


def gerund_after_verb(text: str, tokens: list[Token], ignore: frozenset[str]
                      ) -> Iterator[GrammarEdit]:
    """"I finished to write" -> "finished writing", "avoid to say" -> "avoid saying"."""
    for k in range(len(tokens) - 2):
        verb = _lemma_of(_low(tokens, k), GERUND_VERBS)
        if verb is None or _low(tokens, k + 1) != "to":
            continue
        if _low(tokens, k - 1) in BE_FORMS:
            continue  # "is considered to be", "was suggested to them"
        base = _base_verb(_low(tokens, k + 2))
        gerund = _gerund(base) if base else None
        if gerund and tokens[k + 2].text.islower():
            yield GrammarEdit(tokens[k + 1].start, tokens[k + 2].end, gerund,
                              Category.VERB_FORM,
                              f"\u201c{tokens[k].text}\u201d is followed by the -ing form: "
                              f"\u201c{gerund}\u201d.", 0.85, "GERUND_AFTER_VERB")


def bare_infinitive(text: str, tokens: list[Token], ignore: frozenset[str]
                    ) -> Iterator[GrammarEdit]:
    """"She let me to borrow" -> "let me borrow", "made him to wait" -> "made him wait"."""
    for k in range(len(tokens) - 3):
        verb = _lemma_of(_low(tokens, k), BARE_INFINITIVE_VERBS)
        if verb is None or _low(tokens, k - 1) in BE_FORMS:
            continue  # "was made to wait" is right
        if _low(tokens, k + 1) not in OBJECT_PRONOUNS or _low(tokens, k + 2) != "to":
            continue
        if _base_verb(_low(tokens, k + 3)) and tokens[k + 3].text.islower():
            to = tokens[k + 2]
            yield GrammarEdit(to.start, tokens[k + 3].start, "", Category.VERB_FORM,
                              f"After \u201c{tokens[k].text} {tokens[k + 1].text}\u201d, use "
                              f"the verb without \u201cto\u201d.", 0.85, "BARE_INFINITIVE")


def ing_after_to(text: str, tokens: list[Token], ignore: frozenset[str]
                 ) -> Iterator[GrammarEdit]:
    """"look forward to see" -> "seeing", "I am used to work" -> "working": here "to" is a
    preposition, and a verb after it takes -ing."""
    for k in range(len(tokens) - 2):
        if _low(tokens, k) != "to":
            continue
        if not (_look_forward_to(tokens, k) or _used_to(tokens, k)):
            continue
        base = _base_verb(_low(tokens, k + 1))
        gerund = _gerund(base) if base else None
        if gerund and tokens[k + 1].text.islower() and base not in ("be",):
            yield GrammarEdit(tokens[k + 1].start, tokens[k + 1].end, gerund,
                              Category.VERB_FORM,
                              f"After \u201c{tokens[k - 1].text} to\u201d, use the -ing "
                              f"form: \u201c{gerund}\u201d.", 0.85, "GERUND_AFTER_TO")


def _look_forward_to(tokens: list[Token], k: int) -> bool:
    return _low(tokens, k - 1) == "forward" and bool(
        _lemma_of(_low(tokens, k - 2), frozenset({"look"})))


def _used_to(tokens: list[Token], k: int) -> bool:
    """"I am used to", "we got used to" (a person: "it is used to cut" is right)."""
    return (_low(tokens, k - 1) == "used"
            and _low(tokens, k - 2) in BE_FORMS | {"get", "got", "getting"}
            and _low(tokens, _subject_before(tokens, k - 2)) in PERSON_SUBJECTS)


def _subject_before(tokens: list[Token], k: int) -> int:
    """The index of the word before ``k``, skipping "not" and adverbs ("I'm not used")."""
    k -= 1
    while _low(tokens, k) in ADVERBS | {"'m", "am", "is", "are"}:
        k -= 1
    return k


def contraction_words(text: str, tokens: list[Token], ignore: frozenset[str]
                      ) -> Iterator[GrammarEdit]:
    """"I cant go" -> "can't", "it wont stop" -> "won't", "it's own" -> "its own",
    "could of" -> "could have": words that are real words, wrong only in this place."""
    fixes = {"cant": "can't", "wont": "won't"}
    for k, token in enumerate(tokens):
        word = _low(tokens, k)
        if word in fixes and _low(tokens, k - 1) in PERSON_SUBJECTS | {"it", "that", "there"}:
            yield GrammarEdit(token.start, token.end, _styled(token.text, fixes[word]),
                              Category.SPELLING, f"Did you mean \u201c{fixes[word]}\u201d?",
                              0.9, "MISSING_APOSTROPHE")
        elif word == "it's" and _low(tokens, k + 1) == "own":
            yield GrammarEdit(token.start, token.end, _styled(token.text, "its"),
                              Category.WORD_CHOICE, "\u201cIts\u201d (belonging to it) has "
                              "no apostrophe: \u201cits own\u201d.", 0.95, "ITS_OWN")
        elif word == "of" and _low(tokens, k - 1) in ("could", "would", "should", "must",
                                                        "might", "may"):
            following = _low(tokens, k + 1)
            if following in ("been", "had") or "VBN" in _participle_tags(following):
                yield GrammarEdit(token.start, token.end, "have", Category.VERB_FORM,
                                  f"\u201c{tokens[k - 1].text} of\u201d is a mishearing of "
                                  f"\u201c{tokens[k - 1].text} have\u201d.", 0.95,
                                  "MODAL_OF")


@cache
def _participle_tags(word: str) -> frozenset[str]:
    from writer_app.core.gec.verb_forms import verb_tags_of

    return verb_tags_of(word)


PATTERN_RULES = (subject_phrase_agreement, quantified_agreement, gerund_after_verb,
                 bare_infinitive, ing_after_to, contraction_words)
