"""Messages that explain an edit to the writer ("Use 'their' (belonging to them) instead
of 'there'")."""

from __future__ import annotations

from writer_app.core.gec.categories import (
    ARTICLES,
    CONFUSION_GLOSSES,
    SUBJECT_PRONOUNS,
    Category,
    _degree_change,
    _is_repeat,
    _norm,
    are_confusable,
    category_of,
    result_of,
)
from writer_app.core.gec.tag_set import (
    APPEND_PREFIX,
    CASE_TAGS,
    DELETE,
    KEEP,
    MERGE_HYPHEN,
    MERGE_SPACE,
    MERGE_TAGS,
    SPLIT_HYPHEN,
    VERB_TRANSFORM_TAGS,
)
from writer_app.core.gec.verb_forms import (
    indefinite_article,
    is_uncountable,
    singularize,
)

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
