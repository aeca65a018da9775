"""Grammar edits as LanguageTool's /v2/check JSON: the one serializer for ``writer-app
serve`` and ``writer-app check --json``.

What LanguageTool's clients rely on, and this module keeps:

- ``offset`` and ``length`` count UTF-16 code units (as Java and JavaScript do: an emoji
  counts 2) of the text *as sent*, byte-order mark, CRLF line ends and markup included
  (``SourceText`` maps the checked plain text back onto it);
- ``rule.id`` is a stable upper-case id: the pattern rules' and the spelling layer's own
  ids, and ``NEURAL_<CATEGORY>`` for the tagger (never one of its tags); categories use
  LanguageTool's ids (``TYPOS``, ``GRAMMAR``, ``PUNCTUATION``, ``CASING``, ...);
- every field LanguageTool gives: ``type.typeName``, ``ignoreForIncompleteSentence``,
  ``contextForSureMatch``, ``language.detectedLanguage``, ``warnings``;
- ``context.text`` starts or ends with "…" where it is cut;
- matches never overlap. Edits of one span become one match with several replacements,
  an insertion covers the word next to it ("However" -> "However,"), and of two
  overlapping matches the surer one stays.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from writer_app import __version__
from writer_app.core.gec.edits import GrammarEdit, apply_edits
from writer_app.core.gec.source_text import SourceText, utf16_length
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import split_sentences

API_VERSION = 1
CONTEXT_CHARS = 40  # characters of context on each side of a match, as LanguageTool shows
ELLIPSIS = "…"
# Below this confidence a match shows only at level=picky (LanguageTool's stricter level).
DEFAULT_LEVEL_CONFIDENCE = 0.5
LANGUAGES = {"en": "English", "en-US": "English (US)", "en-GB": "English (GB)"}
SOFTWARE = {"name": "writer_app", "version": __version__, "buildDate": "",
            "apiVersion": API_VERSION, "premium": False, "premiumHint": "", "status": ""}
SHORT_MESSAGES = {
    Category.SPELLING: "Spelling mistake",
    Category.VARIANT: "Spelling variant",
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
# LanguageTool's category ids and names for ours (the rest are GRAMMAR).
LT_CATEGORIES = {
    Category.SPELLING: ("TYPOS", "Possible Typo"),
    Category.VARIANT: ("TYPOS", "Possible Typo"),
    Category.PUNCTUATION: ("PUNCTUATION", "Punctuation"),
    Category.CAPITALISATION: ("CASING", "Capitalization"),
    Category.REDUNDANCY: ("REDUNDANCY", "Redundant Phrases"),
    Category.WORD_CHOICE: ("CONFUSED_WORDS", "Commonly Confused Words"),
}
NEURAL_PREFIX = "NEURAL_"
_RULE_ID = re.compile(r"[A-Z][A-Z0-9_]*")
_WORD_BEFORE = re.compile(r"\w+\Z")
_WORD_AFTER = re.compile(r"\w+")
_WORDS = re.compile(r"[^\W\d_]+")


def issue_type(category: Category) -> str:
    """LanguageTool's issueType (its ITS 2.0 localization-quality names)."""
    if category in (Category.SPELLING, Category.VARIANT):
        return "misspelling"
    if category in (Category.PUNCTUATION, Category.CAPITALISATION):
        return "typographical"
    if category in (Category.REDUNDANCY, Category.WORD_CHOICE):
        return "style"
    return "grammar"


def category_id(category: Category) -> str:
    """LanguageTool's category id for ``category`` ("TYPOS", "GRAMMAR", ...)."""
    return LT_CATEGORIES.get(category, ("GRAMMAR", "Grammar"))[0]


def rule_id(edit: GrammarEdit) -> str:
    """A stable upper-case rule id: the rule's own, or NEURAL_<CATEGORY> for a tagger edit
    (whose ``rule_id`` is a tag such as ``$REPLACE_of``)."""
    raw = edit.rule_id or ""
    if _RULE_ID.fullmatch(raw):
        return raw
    cleaned = re.sub(r"[^A-Z0-9]+", "_", raw.upper()).strip("_")
    if raw.startswith("$") or not cleaned or not cleaned[0].isalpha():
        return NEURAL_PREFIX + Category(edit.category).name
    return cleaned


@dataclass(frozen=True)
class RuleSelection:
    """LanguageTool's enabledRules, disabledRules, enabledCategories, disabledCategories,
    enabledOnly and level, applied to rule and category ids."""

    enabled_rules: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()
    enabled_categories: frozenset[str] = frozenset()
    disabled_categories: frozenset[str] = frozenset()
    enabled_only: bool = False
    picky: bool = False

    def allows(self, rule: str, category: str, confidence: float) -> bool:
        if self.enabled_only:
            return rule in self.enabled_rules or category in self.enabled_categories
        if rule in self.disabled_rules or category in self.disabled_categories:
            return False
        if rule in self.enabled_rules or category in self.enabled_categories:
            return True
        return self.picky or confidence >= DEFAULT_LEVEL_CONFIDENCE


@dataclass
class _Span:
    start: int  # into the plain text
    end: int
    edits: list[GrammarEdit] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)
    primary: list[GrammarEdit] = field(default_factory=list)  # unwidened, giving the first

    @property
    def confidence(self) -> float:
        return max(edit.confidence for edit in self.edits)


def to_languagetool(
    source: SourceText | str,
    edits: Iterable[GrammarEdit],
    language: str = "en-US",
    *,
    selection: RuleSelection | None = None,
    detected: str | None = None,
    incomplete: bool = False,
) -> dict[str, Any]:
    """The LanguageTool /v2/check object for ``edits`` (code-point offsets into
    ``source.plain``; a str is taken as the text as sent). ``detected`` is the language
    reported as detected (default: ``language``)."""
    if isinstance(source, str):
        source = SourceText.from_text(source)
    edits = list(edits)
    spans = match_spans(source.plain, edits, selection or RuleSelection())
    sentences = split_sentences(source.plain)
    starts = [sentence.start for sentence in sentences]
    return {
        "software": dict(SOFTWARE),
        "warnings": {"incompleteResults": incomplete},
        "language": language_object(language, detected or language,
                                    english_confidence(source.plain, edits)),
        "matches": [_match(source, span, sentences, starts) for span in spans],
    }


def language_object(code: str, detected: str, confidence: float) -> dict[str, Any]:
    return {
        "name": LANGUAGES.get(code, code), "code": code,
        "detectedLanguage": {"name": LANGUAGES.get(detected, detected), "code": detected,
                             "confidence": round(confidence, 3), "source": "dictionary"},
    }


def english_confidence(plain: str, edits: Sequence[GrammarEdit]) -> float:
    """How sure the text is English: the share of its words the spelling layer knows."""
    words = len(_WORDS.findall(plain))
    if not words:
        return 0.0
    unknown = len({(edit.start, edit.end) for edit in edits
                   if Category(edit.category) is Category.SPELLING})
    return max(0.0, 1.0 - unknown / words)


def match_spans(plain: str, edits: Sequence[GrammarEdit],
                selection: RuleSelection) -> list[_Span]:
    """The selected edits as non-overlapping spans, in text order."""
    grouped: dict[tuple[int, int], _Span] = {}
    for edit in edits:
        category = Category(edit.category)
        if not selection.allows(rule_id(edit), category_id(category), edit.confidence):
            continue
        start, end, replacement = _widened(plain, edit)
        # keyed by the edit's own span: an insertion widened onto a word that another
        # edit changes is not an alternative to it (the two are merged below)
        span = grouped.setdefault((edit.start, edit.end), _Span(start, end))
        span.edits.append(edit)
        if not span.replacements:
            span.primary.append(edit)
        if replacement not in span.replacements:
            span.replacements.append(replacement)
    kept: list[_Span] = []
    for span in sorted(grouped.values(), key=lambda s: (s.start, s.end)):
        if kept and _overlap(kept[-1], span):
            merged = _merged(plain, kept[-1], span)
            if merged is not None:
                kept[-1] = merged
            elif span.confidence > kept[-1].confidence:
                kept[-1] = span
            continue
        kept.append(span)
    return kept


def _overlap(a: _Span, b: _Span) -> bool:
    return a.start < b.end and b.start < a.end


def _merged(plain: str, a: _Span, b: _Span) -> _Span | None:
    """One span for two that overlap only because an insertion was widened onto a word
    the other one changes ("teh" -> "the" and a comma after it: "teh" -> "the,");
    None when their edits really overlap."""
    edits = sorted(a.primary + b.primary, key=lambda e: (e.start, e.end))
    for left, right in zip(edits, edits[1:], strict=False):
        if left.end > right.start or left.start == left.end == right.start == right.end:
            return None
    low, high = min(a.start, b.start), max(a.end, b.end)
    inner = [replace(edit, start=edit.start - low, end=edit.end - low) for edit in edits]
    return _Span(low, high, a.edits + b.edits, [apply_edits(plain[low:high], inner)], edits)


def _widened(plain: str, edit: GrammarEdit) -> tuple[int, int, str]:
    """An insertion as a replacement of the word before it (or after it, or of the
    character next to it): LanguageTool's clients underline a span, never a point."""
    start, end, replacement = edit.start, edit.end, edit.replacement
    if start != end:
        return start, end, replacement
    before = _WORD_BEFORE.search(plain, max(0, start - CONTEXT_CHARS), start)
    if before:
        return before.start(), start, before.group() + replacement
    after = _WORD_AFTER.match(plain, start)
    if after:
        return start, after.end(), replacement + after.group()
    if start < len(plain):
        return start, start + 1, replacement + plain[start]
    if start > 0:
        return start - 1, start, plain[start - 1] + replacement
    return start, end, replacement


def _match(source: SourceText, span: _Span, sentences, starts: list[int]) -> dict[str, Any]:
    first = span.edits[0]
    category = Category(first.category)
    offset, length = source.utf16_span(span.start, span.end)
    cat_id, cat_name = LT_CATEGORIES.get(category, ("GRAMMAR", "Grammar"))
    short = SHORT_MESSAGES.get(category, "Grammar")
    return {
        "message": first.message,
        "shortMessage": short,
        "replacements": [{"value": value} for value in span.replacements],
        "offset": offset,
        "length": length,
        "context": context(source.plain, span.start, span.end),
        "sentence": _sentence(span.start, sentences, starts),
        "type": {"typeName": "UnknownWord" if category is Category.SPELLING else "Other"},
        "rule": {
            "id": rule_id(first),
            "description": short,
            "issueType": issue_type(category),
            "category": {"id": cat_id, "name": cat_name},
            "isPremium": False,
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> dict[str, Any]:
    """Up to ``width`` characters either side of the match, "…" where the text goes on;
    line breaks and tabs shown as spaces. Offset and length in UTF-16 units."""
    low, high = max(0, start - width), min(len(text), end + width)
    before = (ELLIPSIS if low > 0 else "") + text[low:start]
    after = text[end:high] + (ELLIPSIS if high < len(text) else "")
    window = (before + text[start:end] + after).translate(_BLANKS)
    return {"text": window, "offset": utf16_length(before),
            "length": utf16_length(text[start:end])}


_BLANKS = str.maketrans({"\n": " ", "\t": " ", "\r": " "})


def _sentence(position: int, sentences, starts: list[int]) -> str:
    """The sentence holding ``position`` (an insertion at a sentence's end belongs to it);
    ``sentences`` in text order, ``starts`` their starts."""
    index = bisect_right(starts, position) - 1
    if index >= 0 and position <= sentences[index].end:
        return sentences[index].text
    if index >= 1 and position <= sentences[index - 1].end:
        return sentences[index - 1].text
    return ""
