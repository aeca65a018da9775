"""GECToR edit tags: the vocabulary, applying tags to tokens, and explaining them.

A sentence of ``n`` tokens gets ``n + 1`` tags: index 0 belongs to the virtual ``$START``
token (only ``$APPEND_x`` means anything there: it inserts at the start), index ``i`` to
token ``i - 1``. One application of the tags is one GECToR iteration; corrections that
need two edits on the same token (or several insertions after it) take several.

Tags:

* ``$KEEP``, ``$DELETE``, ``$APPEND_x`` (keep the token, insert ``x`` after it),
  ``$REPLACE_x``;
* case: ``$TRANSFORM_CASE_LOWER``, ``_UPPER`` (all capitals), ``_CAPITAL`` (first letter
  up, rest down), ``_CAPITAL_1`` (keep the first character, capitalise from the second:
  ``iphone`` -> ``iPhone``), ``_UPPER_-1`` (all but the last: ``ceos`` -> ``CEOs``);
* ``$TRANSFORM_VERB_{FROM}_{TO}`` for the Penn tags VB, VBD, VBG, VBN, VBP, VBZ;
* ``$TRANSFORM_AGREEMENT_PLURAL`` / ``_SINGULAR`` (noun number);
* ``$MERGE_SPACE`` / ``$MERGE_HYPHEN``: join the token with the next one ("every day" ->
  "everyday", "well known" -> "well-known"); ``$TRANSFORM_SPLIT_HYPHEN`` splits at hyphens.

A transform that does not fit its token (``$TRANSFORM_VERB_VBD_VBN`` on "table") leaves
the token unchanged, as GECToR does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from writer_app.core.gec.tokens import is_punctuation
from writer_app.core.gec.verb_forms import (
    VERB_TAGS,
    adjective_degree,
    indefinite_article,
    is_uncountable,
    pluralize,
    singularize,
    transform_verb,
    verb_paradigms,
    verb_tags_of,
)

START = "$START"
KEEP = "$KEEP"
DELETE = "$DELETE"
APPEND_PREFIX = "$APPEND_"
REPLACE_PREFIX = "$REPLACE_"

CASE_LOWER = "$TRANSFORM_CASE_LOWER"
CASE_UPPER = "$TRANSFORM_CASE_UPPER"
CASE_CAPITAL = "$TRANSFORM_CASE_CAPITAL"
CASE_CAPITAL_1 = "$TRANSFORM_CASE_CAPITAL_1"
CASE_UPPER_MINUS_1 = "$TRANSFORM_CASE_UPPER_-1"
# Order matters when two transforms give the same result ("i" -> "I"): the first wins.
CASE_TAGS = (CASE_CAPITAL, CASE_LOWER, CASE_UPPER, CASE_CAPITAL_1, CASE_UPPER_MINUS_1)

VERB_PREFIX = "$TRANSFORM_VERB_"
VERB_TRANSFORM_TAGS = tuple(
    f"{VERB_PREFIX}{a}_{b}" for a in VERB_TAGS for b in VERB_TAGS if a != b
)
AGREEMENT_PLURAL = "$TRANSFORM_AGREEMENT_PLURAL"
AGREEMENT_SINGULAR = "$TRANSFORM_AGREEMENT_SINGULAR"
MERGE_SPACE = "$MERGE_SPACE"
MERGE_HYPHEN = "$MERGE_HYPHEN"
SPLIT_HYPHEN = "$TRANSFORM_SPLIT_HYPHEN"
MERGE_TAGS = {MERGE_SPACE: "", MERGE_HYPHEN: "-"}

TRANSFORM_TAGS: tuple[str, ...] = (
    CASE_TAGS
    + VERB_TRANSFORM_TAGS
    + (AGREEMENT_PLURAL, AGREEMENT_SINGULAR, SPLIT_HYPHEN, MERGE_SPACE, MERGE_HYPHEN)
)
BASE_TAGS: tuple[str, ...] = (KEEP, DELETE) + TRANSFORM_TAGS
_BASE_SET = frozenset(BASE_TAGS)


def append_tag(token: str) -> str:
    return APPEND_PREFIX + token


def replace_tag(token: str) -> str:
    return REPLACE_PREFIX + token


def is_lexical(tag: str) -> bool:
    """``$APPEND_x`` and ``$REPLACE_x``: the tags that carry a word."""
    return _payload(tag) is not None


def is_valid_tag(tag: str) -> bool:
    return tag in _BASE_SET or bool(_payload(tag))


def _payload(tag: str) -> str | None:
    for prefix in (APPEND_PREFIX, REPLACE_PREFIX):
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return tag[len(prefix) :]
    return None


# --- applying tags --------------------------------------------------------------------------


def convert_case(token: str, tag: str) -> str:
    """Apply one of the ``$TRANSFORM_CASE_*`` tags to ``token``."""
    if tag == CASE_LOWER:
        return token.lower()
    if tag == CASE_UPPER:
        return token.upper()
    if tag == CASE_CAPITAL:
        return token.capitalize()
    if tag == CASE_CAPITAL_1:
        return token[:1] + token[1:].capitalize()
    if tag == CASE_UPPER_MINUS_1:
        return token[:-1].upper() + token[-1:]
    raise ValueError(f"not a case tag: {tag!r}")


def case_tag_between(source: str, target: str) -> str | None:
    """The case transform that turns ``source`` into exactly ``target``, if any."""
    if source == target or source.lower() != target.lower():
        return None
    return next((tag for tag in CASE_TAGS if convert_case(source, tag) == target), None)


def apply_token_tag(token: str, tag: str) -> list[str]:
    """The tokens that ``token`` becomes under ``tag`` (merges are done by apply_tags)."""
    if tag == KEEP or tag in MERGE_TAGS:
        return [token]
    if tag == DELETE:
        return []
    if tag.startswith(APPEND_PREFIX) and is_lexical(tag):
        return [token, tag[len(APPEND_PREFIX) :]]
    if tag.startswith(REPLACE_PREFIX) and is_lexical(tag):
        return [tag[len(REPLACE_PREFIX) :]]
    if tag in CASE_TAGS:
        return [convert_case(token, tag)]
    if tag in VERB_TRANSFORM_TAGS:
        from_tag, to_tag = tag[len(VERB_PREFIX) :].split("_")
        return [transform_verb(token, from_tag, to_tag) or token]
    if tag == AGREEMENT_PLURAL:
        return [pluralize(token) or token]
    if tag == AGREEMENT_SINGULAR:
        return [singularize(token) or token]
    if tag == SPLIT_HYPHEN:
        return [part for part in token.split("-") if part] or [token]
    raise ValueError(f"unknown tag: {tag!r}")


def apply_tags(tokens: Sequence[str], tags: Sequence[str]) -> list[str]:
    """One GECToR iteration: ``tags[0]`` is for ``$START``, ``tags[i + 1]`` for ``tokens[i]``.

    On ``$START`` only ``$APPEND_x`` acts; a model's other predictions there are ignored.
    A merge joins the token with the first token that the following positions produce.
    """
    if len(tags) != len(tokens) + 1:
        raise ValueError(f"{len(tokens)} tokens need {len(tokens) + 1} tags, got {len(tags)}")
    start_tag = tags[0]
    result = [start_tag[len(APPEND_PREFIX) :]] if start_tag.startswith(APPEND_PREFIX) else []
    pending_join: str | None = None
    for token, tag in zip(tokens, tags[1:], strict=True):
        for produced in apply_token_tag(token, tag):
            if pending_join is not None and result:
                result[-1] += pending_join + produced
                pending_join = None
            else:
                result.append(produced)
        if tag in MERGE_TAGS:
            pending_join = MERGE_TAGS[tag]
    return result


def apply_iterations(tokens: Sequence[str], tag_lists: Iterable[Sequence[str]]) -> list[str]:
    """Apply several iterations of tags in turn (the output of derive_tag_sequences)."""
    current = list(tokens)
    for tags in tag_lists:
        current = apply_tags(current, tags)
    return current


# --- the vocabulary -------------------------------------------------------------------------

_VOCAB_FORMAT = "writer_app.gec.tag_vocabulary"
_VOCAB_VERSION = 1


@dataclass(frozen=True)
class TagVocabulary:
    """An ordered tag set: ``$KEEP`` (index 0), ``$DELETE``, every g-transform, then the
    ``$APPEND_x``/``$REPLACE_x`` tags kept from the training data, most frequent first."""

    tags: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.tags[:2] != (KEEP, DELETE):
            raise ValueError("a tag vocabulary starts with $KEEP and $DELETE")
        invalid = [tag for tag in self.tags if not is_valid_tag(tag)]
        if invalid:
            raise ValueError(f"invalid tags: {invalid[:5]}")
        index = {tag: i for i, tag in enumerate(self.tags)}
        if len(index) != len(self.tags):
            raise ValueError("duplicate tags in vocabulary")
        object.__setattr__(self, "_index", index)

    @classmethod
    def build(
        cls, counts: Mapping[str, int], max_lexical: int = 5000, min_count: int = 1
    ) -> TagVocabulary:
        """All base tags plus the ``max_lexical`` most frequent APPEND/REPLACE tags seen at
        least ``min_count`` times (ties broken alphabetically, for reproducibility)."""
        invalid = [tag for tag in counts if not is_valid_tag(tag)]
        if invalid:
            raise ValueError(f"invalid tags: {invalid[:5]}")
        lexical = sorted(
            ((tag, n) for tag, n in counts.items() if is_lexical(tag) and n >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        return cls(BASE_TAGS + tuple(tag for tag, _ in lexical[:max_lexical]))

    @classmethod
    def from_tag_lists(
        cls, tag_lists: Iterable[Sequence[str]], max_lexical: int = 5000, min_count: int = 1
    ) -> TagVocabulary:
        counts: Counter[str] = Counter()
        for tags in tag_lists:
            counts.update(tags)
        return cls.build(counts, max_lexical=max_lexical, min_count=min_count)

    def __len__(self) -> int:
        return len(self.tags)

    def __contains__(self, tag: object) -> bool:
        return tag in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self.tags)

    def index(self, tag: str) -> int:
        """The id of ``tag``; KeyError if it is not in the vocabulary."""
        return self._index[tag]

    def tag(self, index: int) -> str:
        if not 0 <= index < len(self.tags):
            raise IndexError(f"tag id {index} out of range 0..{len(self.tags) - 1}")
        return self.tags[index]

    def encode(self, tags: Iterable[str], unknown: str | None = None) -> list[int]:
        """Ids of ``tags``; tags outside the vocabulary become ``unknown`` (e.g. ``$KEEP``)
        or raise KeyError when it is None."""
        fallback = None if unknown is None else self._index[unknown]
        ids = []
        for tag in tags:
            found = self._index.get(tag, fallback)
            if found is None:
                raise KeyError(tag)
            ids.append(found)
        return ids

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tag(i) for i in ids]

    def to_json(self) -> str:
        payload = {"format": _VOCAB_FORMAT, "version": _VOCAB_VERSION, "tags": list(self.tags)}
        return json.dumps(payload, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> TagVocabulary:
        payload = json.loads(text)
        if not isinstance(payload, dict) or payload.get("format") != _VOCAB_FORMAT:
            raise ValueError("not a writer_app tag vocabulary")
        if payload.get("version") != _VOCAB_VERSION:
            raise ValueError(f"unsupported tag vocabulary version {payload.get('version')!r}")
        return cls(tuple(payload["tags"]))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TagVocabulary:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


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


# --- messages -------------------------------------------------------------------------------

_PUNCTUATION_NAMES = {
    ",": "comma", ".": "full stop", "?": "question mark", "!": "exclamation mark",
    ";": "semicolon", ":": "colon", "-": "hyphen", "'": "apostrophe", "\u2019": "apostrophe",
    '"': "quotation mark", "\u201c": "quotation mark", "\u201d": "quotation mark",
    "(": "opening bracket", ")": "closing bracket", "\u2014": "dash", "\u2013": "dash",
    "...": "ellipsis", "\u2026": "ellipsis",
}
_VERB_FORM_NAMES = {
    "VB": "base form", "VBP": "present form", "VBZ": "present form", "VBD": "past tense",
    "VBN": "past participle", "VBG": "-ing form",
}


def _punctuation_name(token: str, with_article: bool = True) -> str:
    name = _PUNCTUATION_NAMES.get(token)
    if name is None:
        return f"'{token}'"
    return f"{indefinite_article(name)} {name}" if with_article else f"the {name}"


def message_for(
    tag: str,
    source_token: str = "",
    target_token: str | None = None,
    *,
    previous: str | None = None,
) -> str:
    """A short explanation of one edit for the writer ("Use 'goes' with 'she'")."""
    target = result_of(tag, source_token) if target_token is None else target_token
    category = category_of(tag, source_token, target, previous=previous)
    if tag == KEEP:
        return "No change"
    if tag in CASE_TAGS or category is Category.CAPITALISATION:
        return _case_message(source_token, target)
    if tag in MERGE_TAGS or tag == SPLIT_HYPHEN:
        return _compound_message(tag, source_token, target, target_token is not None)
    if tag == DELETE:
        return _deletion_message(source_token, category, previous)
    if tag.startswith(APPEND_PREFIX):
        return _insertion_message(target, category)
    return _replacement_message(tag, source_token, target, category, previous)


def _case_message(source: str, target: str) -> str:
    if source[:1].islower() and target == source[:1].upper() + source[1:]:
        return f"Capitalise '{source}'"
    if target == source.lower():
        return f"Use lower case: '{target}'"
    if target == source.upper():
        return f"Write '{target}' in capitals"
    return f"Change the capitalisation: '{target}'"


def _compound_message(tag: str, source: str, target: str, target_given: bool) -> str:
    if tag == SPLIT_HYPHEN:
        return f"Write '{target}' without a hyphen"
    if not target_given:  # the joined word needs the next token, which we were not given
        if tag == MERGE_HYPHEN:
            return f"Join '{source}' and the next word with a hyphen"
        return f"Write '{source}' and the next word as one word"
    return f"Write '{target}' as one word" if tag == MERGE_SPACE else f"Hyphenate: '{target}'"


def _deletion_message(source: str, category: Category, previous: str | None) -> str:
    if _is_repeat(source, previous):
        return f"Remove the repeated word '{source}'"
    if category is Category.PUNCTUATION:
        return f"Remove {_punctuation_name(source, with_article=False)}"
    if category is Category.ARTICLE:
        kind = "article" if _norm(source) in ARTICLES else "word"
        return f"Remove the {kind} '{source}'"
    if category is Category.PREPOSITION:
        return f"Remove the preposition '{source}'"
    return f"Remove the unnecessary word '{source}'"


def _insertion_message(word: str, category: Category) -> str:
    if category is Category.PUNCTUATION:
        return f"Add {_punctuation_name(word)}"
    if category is Category.ARTICLE:
        kind = "the article" if _norm(word) in ARTICLES else "the word"
        return f"Add {kind} '{word}'"
    if category is Category.PREPOSITION:
        return f"Add the preposition '{word}'"
    return f"Add the missing word '{word}'"


def _replacement_message(
    tag: str, source: str, target: str, category: Category, previous: str | None
) -> str:
    src, tgt = _norm(source), _norm(target)
    if category is Category.AGREEMENT:
        if previous is not None and _norm(previous) in SUBJECT_PRONOUNS:
            return f"Use '{target}' with '{previous}'"
        return f"Use '{target}' to agree with the subject"
    if category is Category.VERB_FORM:
        form = _VERB_FORM_NAMES.get(tag.rsplit("_", 1)[-1]) if tag in VERB_TRANSFORM_TAGS else None
        return f"Use the {form} '{target}'" if form else f"Use the verb form '{target}'"
    if category is Category.NOUN_NUMBER:
        if singularize(source) == target and is_uncountable(target):
            return f"Use '{target}': it is uncountable"
        number = "singular" if singularize(source) == target else "plural"
        return f"Use the {number} '{target}'"
    if category is Category.ARTICLE and {src, tgt} == {"a", "an"}:
        sound = "vowel" if tgt == "an" else "consonant"
        return f"Use '{target}' before a {sound} sound"
    if category is Category.PREPOSITION:
        return f"Use the preposition '{target}' instead of '{source}'"
    if category is Category.PUNCTUATION and tgt in _PUNCTUATION_NAMES and src in _PUNCTUATION_NAMES:
        return f"Use {_punctuation_name(target)} instead of {_punctuation_name(source)}"
    if category is Category.SPELLING:
        return f"Possible spelling mistake: did you mean '{target}'?"
    degree = _degree_change(src, tgt) if category is Category.WORD_CHOICE else None
    if degree:
        return f"Use the {degree} '{target}'"
    if category is Category.WORD_CHOICE and tgt in CONFUSION_GLOSSES and are_confusable(src, tgt):
        return f"Use '{target}' ({CONFUSION_GLOSSES[tgt]}) instead of '{source}'"
    return f"Replace '{source}' with '{target}'"
