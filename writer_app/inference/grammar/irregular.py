"""Over-regularised forms ("buyed", "childs", "borned") and the irregular forms they
stand for, with the word before deciding between a past form and a participle
("was choosed" -> "chosen", "she choosed" -> "chose").
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from writer_app.core.gec.tags import Category
from writer_app.inference.grammar.spelling import Misspelling, SpellingChecker


def irregular_forms(
    word: str, speller: SpellingChecker | None = None
) -> tuple[tuple[str, tuple[Category, str]], ...]:
    """Irregular forms an unknown word over-regularises, with their category and lemma:
    "buyed" -> bought, "goed" -> went/gone, "childs" -> children, "mans" -> men.
    ``speller`` (when given) must know the stem."""
    from writer_app.core.gec.verb_forms import match_case

    lower = word.lower()
    found: dict[str, tuple[Category, str]] = {}
    for stem, lemma, form, category in _over_regularised(lower):
        if speller is None or speller.is_known(stem):
            found.setdefault(match_case(word, form), (category, lemma))
    return tuple(found.items())


@lru_cache(maxsize=4096)
def _over_regularised(lower: str) -> tuple[tuple[str, str, str, Category], ...]:
    """(stem, lemma, irregular form, category) for each reading of ``lower``."""
    from writer_app.core.gec.verb_forms import pluralize, singularize, verb_paradigms

    result = []
    if lower.endswith("ed") and len(lower) > 4:
        # an irregular form marked again ("borned", "wented"): the form itself
        for stem in (lower[:-2], lower[:-1]):
            for forms in verb_paradigms(stem):
                if stem not in forms["VB"] and stem in forms["VBD"] + forms["VBN"]:
                    result.append((stem, forms["VB"][0], stem, Category.VERB_FORM))
    if lower.endswith("ed") and len(lower) > 3:
        stems = {lower[:-2], lower[:-1], lower[:-3] + "y" if lower.endswith("ied") else ""}
        if len(lower) > 4 and lower[-3] == lower[-4]:
            stems.add(lower[:-3])  # "stopped" pattern: "runned" -> run
        for stem in sorted(s for s in stems if len(s) > 1):
            for forms in verb_paradigms(stem):
                if stem in forms["VB"]:
                    for tag in ("VBD", "VBN"):
                        form = forms[tag][0]
                        if not form.endswith("ed"):
                            result.append((stem, stem, form, Category.VERB_FORM))
    if lower.endswith("s") and len(lower) > 3:
        for stem in (lower[:-1], lower[:-2] if lower.endswith("es") else ""):
            if len(stem) < 2:
                continue
            singular = singularize(stem)  # "mens": the stem is a plural already
            plural = stem if singular else pluralize(stem)
            if plural and not plural.endswith("s"):
                result.append((stem, singular or stem, plural, Category.NOUN_NUMBER))
    return tuple(dict.fromkeys(result))


# After these the verb is a participle ("was chosen", "has gone"); after a subject, a past
# form ("she chose").
PARTICIPLE_AFTER = frozenset({
    "be", "is", "am", "are", "was", "were", "been", "being", "get", "gets", "got", "gotten",
    "getting", "have", "has", "had", "having", "'s", "'ve", "'d",
})
PAST_AFTER = frozenset({"i", "you", "he", "she", "it", "we", "they", "who", "which"})
_SKIPPED_BEFORE_VERB = frozenset({"not", "never", "just", "already", "always", "also",
                                  "recently", "often", "n't", "still", "ever", "all"})
_WORD_BEFORE_RE = re.compile(r"([A-Za-z']+)[^A-Za-z']*$")


def _word_before(text: str, position: int) -> str:
    """The word before ``position`` (lower case), skipping adverbs like "not" and "just"."""
    while True:
        match = _WORD_BEFORE_RE.search(text, 0, position)
        if match is None or match.end(1) < position - 3:
            return ""
        word = match.group(1).lower().replace("’", "'")
        if word not in _SKIPPED_BEFORE_VERB:
            return word
        position = match.start(1)


def _with_irregular_forms(
    misspelling: Misspelling, speller: SpellingChecker, text: str = ""
) -> Misspelling:
    """``misspelling`` with its irregular forms (if any) as the first candidates; where the
    word before decides between a past form and a participle ("was choosed" -> "chosen"),
    only the form that fits."""
    readings = irregular_forms(misspelling.word, speller)
    forms = [form for form, _ in readings]
    if not forms:
        return misspelling
    before = _word_before(text, misspelling.start) if text else ""
    wanted = "VBN" if before in PARTICIPLE_AFTER else "VBD" if before in PAST_AFTER else None
    if wanted:
        from writer_app.core.gec.verb_forms import verb_paradigms

        fitting = [
            form for form, (category, lemma) in readings
            if category is not Category.VERB_FORM or any(
                form.lower() in paradigm[wanted] for paradigm in verb_paradigms(lemma)
                if lemma in paradigm["VB"])
        ]
        forms = fitting or forms
    every_form = {form for form, _ in readings}
    rest = [c for c in misspelling.candidates if c not in every_form]
    return replace(misspelling, candidates=tuple(forms + rest))


