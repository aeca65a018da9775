"""Grammar edits as a LanguageTool-compatible result (the JSON of LanguageTool's /v2/check).

Tools written for LanguageTool's HTTP API can read ``writer-app check --json``. Offsets
and lengths are in code points of the checked text (Python string indexes). LanguageTool
itself counts UTF-16 units; text outside the Basic Multilingual Plane (emoji) is where the
two differ, and we state code points because that is what the command promises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from writer_app import __version__
from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import split_sentences

API_VERSION = 1
CONTEXT_CHARS = 40  # characters of context on each side of a match, as LanguageTool shows
SHORT_MESSAGES = {
    Category.SPELLING: "Spelling mistake",
    Category.VERB_FORM: "Verb form",
    Category.AGREEMENT: "Agreement error",
    Category.ARTICLE: "Article or determiner",
    Category.PREPOSITION: "Preposition",
    Category.NOUN_NUMBER: "Noun number",
    Category.WORD_CHOICE: "Word choice",
    Category.PUNCTUATION: "Punctuation",
    Category.CAPITALISATION: "Capitalisation",
    Category.REDUNDANCY: "Redundant word",
    Category.MISSING_WORD: "Missing word",
    Category.OTHER: "Grammar",
}
LANGUAGES = {"en-US": "English (US)", "en-GB": "English (GB)"}


def issue_type(category: Category) -> str:
    """LanguageTool's issueType (its ITS 2.0 localization-quality names)."""
    if category is Category.SPELLING:
        return "misspelling"
    if category in (Category.PUNCTUATION, Category.CAPITALISATION):
        return "typographical"
    if category in (Category.REDUNDANCY, Category.WORD_CHOICE):
        return "style"
    return "grammar"


def category_id(category: Category) -> str:
    """An upper-case identifier like LanguageTool's ("TYPOS", "GRAMMAR", ...)."""
    if category is Category.SPELLING:
        return "TYPOS"
    return category.value.upper().replace(" ", "_").replace("/", "_")


def to_languagetool(
    text: str, edits: Sequence[GrammarEdit], language: str = "en-US"
) -> dict[str, Any]:
    """The LanguageTool-style object for ``edits`` (offsets into ``text``)."""
    sentences = split_sentences(text)
    return {
        "software": {"name": "writer_app", "version": __version__, "apiVersion": API_VERSION},
        "language": {"name": LANGUAGES.get(language, language), "code": language},
        "matches": [_match(text, edit, sentences) for edit in sorted(
            edits, key=lambda e: (e.start, e.end))],
    }


def _match(text: str, edit: GrammarEdit, sentences) -> dict[str, Any]:
    category = Category(edit.category)
    return {
        "message": edit.message,
        "shortMessage": SHORT_MESSAGES.get(category, "Grammar"),
        "offset": edit.start,
        "length": edit.end - edit.start,
        "replacements": [{"value": edit.replacement}],
        "context": context(text, edit.start, edit.end),
        "sentence": _sentence(text, edit.start, sentences),
        "rule": {
            "id": edit.rule_id,
            "description": SHORT_MESSAGES.get(category, "Grammar"),
            "issueType": issue_type(category),
            "category": {"id": category_id(category), "name": category.value.capitalize()},
        },
    }


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> dict[str, Any]:
    """Up to ``width`` characters either side of the match; line breaks shown as spaces
    (one character each, so the offsets stay exact)."""
    low, high = max(0, start - width), min(len(text), end + width)
    window = text[low:high].replace("\n", " ").replace("\t", " ")
    return {"text": window, "offset": start - low, "length": end - start}


def _sentence(text: str, position: int, sentences) -> str:
    """The sentence holding ``position`` (an insertion at a sentence's end belongs to it)."""
    for sentence in sentences:
        if sentence.start <= position <= sentence.end:
            return sentence.text
    return ""
