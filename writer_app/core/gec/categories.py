"""Edit categories: the word classes and confusable sets that sort an edit into spelling,
agreement, article, preposition... (``category_of``), and word distances."""

from __future__ import annotations

from enum import StrEnum

from writer_app.core.gec.tag_set import (
    AGREEMENT_PLURAL,
    AGREEMENT_SINGULAR,
    APPEND_PREFIX,
    CASE_TAGS,
    DELETE,
    KEEP,
    MERGE_TAGS,
    REPLACE_PREFIX,
    SPLIT_HYPHEN,
    VERB_PREFIX,
    VERB_TRANSFORM_TAGS,
    apply_token_tag,
    is_lexical,
)
from writer_app.core.gec.tokens import is_punctuation
from writer_app.core.gec.verb_forms import (
    adjective_degree,
    pluralize,
    singularize,
    verb_paradigms,
    verb_tags_of,
)

# --- word classes used to categorise edits --------------------------------------------------

ARTICLES = frozenset({"a", "an", "the"})
DETERMINERS = ARTICLES | frozenset(
    {"this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
     "some", "any", "no", "every", "each", "either", "neither", "much", "many", "few",
     "fewer", "little", "less", "several", "all", "both", "another", "such", "whose"}
)
PREPOSITIONS = frozenset(
    {"in", "on", "at", "for", "to", "of", "with", "from", "by", "about", "into", "onto",
     "over", "under", "between", "among", "through", "during", "since", "towards", "toward",
     "upon", "within", "without", "against", "across", "behind", "beyond", "near", "off",
     "like", "per", "via", "despite", "inside", "outside", "around", "along", "after",
     "before", "until", "till", "above", "below", "beside", "besides", "except", "throughout"}
)
SUBJECT_PRONOUNS = frozenset({"i", "you", "he", "she", "it", "we", "they", "who", "there"})

# Commonly confused words and a gloss for each, used in messages: "Use 'their'
# (belonging to them) instead of 'there'".
CONFUSION_GLOSSES: dict[str, str] = {
    "their": "belonging to them", "there": "in that place", "they're": "they are",
    "its": "belonging to it", "it's": "it is", "your": "belonging to you",
    "you're": "you are", "then": "at that time", "than": "for comparisons",
    "affect": "to influence", "effect": "a result", "lose": "to fail to keep",
    "loose": "not tight", "to": "towards", "too": "also, excessively", "two": "the number 2",
    "whose": "belonging to whom", "who's": "who is", "were": "past of 'are'",
    "where": "in what place", "we're": "we are", "accept": "to receive",
    "except": "apart from", "weather": "sun, rain…", "whether": "if", "quiet": "not loud",
    "quite": "fairly", "passed": "went past", "past": "gone by", "principal": "main",
    "principle": "a rule", "advice": "a suggestion (noun)", "advise": "to suggest (verb)",
    "breath": "noun", "breathe": "verb", "have": "as in 'could have'", "of": "belonging to",
    "lead": "to guide", "led": "past of 'lead'", "dessert": "a sweet course",
    "desert": "a dry region", "compliment": "praise", "complement": "to complete",
    "stationary": "not moving", "stationery": "writing materials",
}
CONFUSION_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        ("their", "there", "they're"), ("its", "it's"), ("your", "you're"), ("then", "than"),
        ("affect", "effect"), ("lose", "loose"), ("to", "too", "two"), ("whose", "who's"),
        ("were", "where", "we're"), ("accept", "except"), ("weather", "whether"),
        ("quiet", "quite"), ("passed", "past"), ("principal", "principle"),
        ("advice", "advise"), ("breath", "breathe"), ("have", "of"), ("lead", "led"),
        ("dessert", "desert"), ("compliment", "complement"), ("stationary", "stationery"),
    )
)
# Verb pairs that differ only in person/number, as full words and contractions.
_AGREEMENT_PAIRS = frozenset(
    frozenset(pair)
    for pair in (
        ("was", "were"), ("doesn't", "don't"), ("isn't", "aren't"), ("wasn't", "weren't"),
        ("hasn't", "haven't"), ("am", "is"), ("am", "are"),
    )
)
_PERSON_TAGS = frozenset({"VB", "VBP", "VBZ"})


def _norm(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def are_confusable(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    return a != b and any(a in group and b in group for group in CONFUSION_SETS)


# --- categories -----------------------------------------------------------------------------


class Category(StrEnum):
    SPELLING = "spelling"
    VARIANT = "spelling variant"  # right in British or American English, not the chosen one
    VERB_FORM = "verb form"
    AGREEMENT = "agreement"
    ARTICLE = "article/determiner"
    PREPOSITION = "preposition"
    NOUN_NUMBER = "noun number"
    WORD_CHOICE = "word choice"
    PUNCTUATION = "punctuation"
    CAPITALISATION = "capitalisation"
    REDUNDANCY = "redundancy"
    MISSING_WORD = "missing word"
    OTHER = "other"


def result_of(tag: str, source_token: str) -> str:
    """What ``source_token`` becomes under ``tag``, as text (an APPEND gives the new word)."""
    if tag.startswith(APPEND_PREFIX) and is_lexical(tag):
        return tag[len(APPEND_PREFIX) :]
    return " ".join(apply_token_tag(source_token, tag))


def category_of(
    tag: str,
    source_token: str = "",
    target_token: str | None = None,
    *,
    previous: str | None = None,
) -> Category:
    """The error category of one edit. ``target_token`` defaults to what the tag produces
    (for APPEND, the inserted word); ``previous`` (the source token before) lets a deletion
    be recognised as a repeated word."""
    target = result_of(tag, source_token) if target_token is None else target_token
    if tag == KEEP:
        return Category.OTHER
    if tag in CASE_TAGS:
        return Category.CAPITALISATION
    if tag in VERB_TRANSFORM_TAGS:
        from_tag, to_tag = tag[len(VERB_PREFIX) :].split("_")
        both_person = {from_tag, to_tag} <= _PERSON_TAGS
        return Category.AGREEMENT if both_person else Category.VERB_FORM
    if tag in (AGREEMENT_PLURAL, AGREEMENT_SINGULAR):
        return Category.NOUN_NUMBER
    if tag in MERGE_TAGS or tag == SPLIT_HYPHEN:
        return Category.SPELLING
    if tag == DELETE:
        return _deletion_category(source_token, previous)
    if tag.startswith(APPEND_PREFIX):
        return _insertion_category(target)
    if tag.startswith(REPLACE_PREFIX):
        return _replacement_category(source_token, target)
    raise ValueError(f"unknown tag: {tag!r}")


def _is_repeat(source: str, previous: str | None) -> bool:
    return previous is not None and _norm(previous) == _norm(source)


def _deletion_category(source: str, previous: str | None) -> Category:
    word = _norm(source)
    if is_punctuation(source):
        return Category.PUNCTUATION
    if _is_repeat(source, previous):
        return Category.REDUNDANCY
    if word in DETERMINERS:
        return Category.ARTICLE
    if word in PREPOSITIONS:
        return Category.PREPOSITION
    return Category.REDUNDANCY


def _insertion_category(word: str) -> Category:
    if is_punctuation(word):
        return Category.PUNCTUATION
    if _norm(word) in DETERMINERS:
        return Category.ARTICLE
    if _norm(word) in PREPOSITIONS:
        return Category.PREPOSITION
    return Category.MISSING_WORD


def _replacement_category(source: str, target: str) -> Category:
    src, tgt = _norm(source), _norm(target)
    if is_punctuation(source) or is_punctuation(target):
        return Category.PUNCTUATION
    if src == tgt:
        return Category.CAPITALISATION
    if are_confusable(src, tgt):
        return Category.WORD_CHOICE
    if src in DETERMINERS and tgt in DETERMINERS:
        return Category.ARTICLE
    if src in PREPOSITIONS and tgt in PREPOSITIONS:
        return Category.PREPOSITION
    verb_category = _verb_relation(src, tgt)
    if verb_category is not None:
        return verb_category
    if pluralize(src) == tgt or singularize(src) == tgt:
        return Category.NOUN_NUMBER
    if _degree_change(src, tgt):
        return Category.WORD_CHOICE
    if _looks_like_misspelling(src, tgt):
        return Category.SPELLING
    return Category.WORD_CHOICE


def _verb_relation(src: str, tgt: str) -> Category | None:
    """AGREEMENT or VERB_FORM when both words are forms of one verb, else None."""
    if frozenset((src, tgt)) in _AGREEMENT_PAIRS:
        return Category.AGREEMENT
    shared = [
        forms
        for forms in verb_paradigms(src)
        if any(tgt in forms_ for forms_ in forms.values())
    ]
    if not shared:
        return None
    src_tags, tgt_tags = verb_tags_of(src), verb_tags_of(tgt)
    if src_tags & _PERSON_TAGS and tgt_tags & _PERSON_TAGS:
        return Category.AGREEMENT
    return Category.VERB_FORM


def _degree_change(src: str, tgt: str) -> str | None:
    """"comparative"/"superlative" if ``tgt`` is that form of the adjective ``src`` stands
    for ("big" -> "bigger", "gooder" -> "better", "most best" -> "best"), else None."""
    degree = adjective_degree(tgt)
    if degree is None:
        return None
    lemma, tag = degree
    src_degree = adjective_degree(src)
    if src == lemma or src.startswith(lemma) or (src_degree and src_degree[0] == lemma):
        return "comparative" if tag == "JJR" else "superlative"
    return None


def similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer word (1.0 for equal words)."""
    if a == b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two adjacent characters also counts as one edit
    (optimal string alignment): typos are often transpositions ("teh", "recieve")."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _looks_like_misspelling(source: str, target: str) -> bool:
    distance = edit_distance(source, target)
    return distance <= max(1, max(len(source), len(target)) // 3)
