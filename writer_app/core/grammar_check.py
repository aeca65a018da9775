"""Incremental grammar checking, the Qt-free part: units, hashes, cache, filters, issues.

The document is split into sentence units (one paragraph is one line of the editor). Each
unit is identified by a hash of its text, so a result computed for a text stays right for
that text wherever it appears later: after an undo, a paste of known text, or a reopened
file, nothing is sent to the model again. Edits come back relative to their unit and are
turned into document issues by adding the unit's current start.

Text that is not prose is never checked: fenced code blocks are left out of the units,
Markdown line markers (headings, list bullets, quotes) are cut off a unit's start, and
edits touching inline code, URLs, e-mail addresses, file paths or numbers are dropped.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import split_sentences

# --- requests and results (sent between the controller and the worker) ------------------------


@dataclass(frozen=True)
class GrammarConfig:
    """How the worker's checker is built; a change means a new checker and a fresh cache."""

    variant: str = "en-US"
    spelling: bool = True
    grammar: bool = True
    keep_confidence: float = 0.0
    min_error_probability: float = 0.0
    device: str = "cpu"
    model: str = "default"  # ModelSettings.grammar_model: "default", a folder or an HF id

    @property
    def model_label(self) -> str:
        """How messages name the model: the shipped one, a folder by its name, or an id."""
        if self.model in ("", "default"):
            return "the shipped grammar model"
        path = PurePath(self.model)
        name = path.name if path.is_absolute() or len(path.parts) > 2 else self.model
        return f"grammar model “{name}”"


@dataclass(frozen=True)
class GrammarRequest:
    """Units to check, the cursor's first. Ids are negative: they share the worker's
    failure signal with completion requests, whose ids are positive."""

    request_id: int
    revision: int
    generation: int  # of the GrammarConfig the results are valid for
    units: tuple[tuple[str, str], ...]  # (unit key, text)


@dataclass(frozen=True)
class GrammarResult:
    """One batch of a request's results: edits relative to each unit's text."""

    request_id: int
    revision: int
    generation: int
    results: tuple[tuple[str, tuple[GrammarEdit, ...]], ...]
    checked: int  # units of the request checked so far, this batch included
    total: int

    @property
    def finished(self) -> bool:
        return self.checked >= self.total


@dataclass(frozen=True)
class GrammarStatus:
    """What the worker could load: spelling works without the grammar model."""

    generation: int
    grammar_available: bool
    note: str = ""
    parameters: int | None = None  # the tagger's, when one is loaded


# --- sensitivity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knobs:
    """The engine's confidence knobs and the lowest confidence an issue is shown with."""

    keep_confidence: float
    min_error_probability: float
    min_confidence: float


# "balanced" is the shipped model's tuned point (resources/grammar/default/model_card.md:
# best F0.5 with precision >= 0.7 on held-out pairs); the others move away from it.
SENSITIVITY_KNOBS = {
    "relaxed": Knobs(keep_confidence=0.3, min_error_probability=0.5, min_confidence=0.6),
    "balanced": Knobs(keep_confidence=0.15, min_error_probability=0.0, min_confidence=0.35),
    "picky": Knobs(keep_confidence=0.0, min_error_probability=0.0, min_confidence=0.0),
}
SENSITIVITY_LEVELS = ("relaxed", "balanced", "picky")


def knobs_for(sensitivity: str, keep_confidence: float = -1.0,
              min_error_probability: float = -1.0) -> Knobs:
    """The preset of `sensitivity`, with the advanced values where they are set (>= 0)."""
    preset = SENSITIVITY_KNOBS.get(sensitivity, SENSITIVITY_KNOBS["balanced"])
    return Knobs(
        keep_confidence if keep_confidence >= 0 else preset.keep_confidence,
        min_error_probability if min_error_probability >= 0 else preset.min_error_probability,
        preset.min_confidence,
    )


# --- categories -------------------------------------------------------------------------------

# The settings' coarse categories (GRAMMAR_CATEGORIES) and the engine's fine ones.
_SETTING_OF = {
    Category.SPELLING: "spelling",
    Category.VARIANT: "spelling",
    Category.PUNCTUATION: "punctuation",
    Category.CAPITALISATION: "punctuation",
    Category.REDUNDANCY: "style",
    Category.WORD_CHOICE: "word-choice",
}
# Underline colours: red spelling, blue grammar, a third colour for style and punctuation.
_COLOUR_GROUP = {"spelling": "spelling", "punctuation": "style", "style": "style"}

CATEGORY_TITLES = {
    Category.SPELLING: "Spelling",
    Category.VARIANT: "Spelling variant",
    Category.VERB_FORM: "Verb form",
    Category.AGREEMENT: "Subject\u2013verb agreement",
    Category.ARTICLE: "Article or determiner",
    Category.PREPOSITION: "Preposition",
    Category.NOUN_NUMBER: "Singular or plural",
    Category.WORD_CHOICE: "Word choice",
    Category.PUNCTUATION: "Punctuation",
    Category.CAPITALISATION: "Capitalisation",
    Category.REDUNDANCY: "Redundancy",
    Category.MISSING_WORD: "Missing word",
    Category.OTHER: "Grammar",
}


def setting_category(category: str) -> str:
    """The settings category ("grammar", "spelling", …) an engine category belongs to."""
    try:
        return _SETTING_OF.get(Category(category), "grammar")
    except ValueError:
        return "grammar"


def colour_group(category: str) -> str:
    """"spelling", "grammar" or "style": which underline colour an issue gets."""
    return _COLOUR_GROUP.get(setting_category(category), "grammar")


def category_title(category: str) -> str:
    try:
        return CATEGORY_TITLES[Category(category)]
    except (ValueError, KeyError):
        return str(category).capitalize() or "Grammar"


# --- units ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextUnit:
    """A sentence of the document: ``text == document[start:end]``; ``key`` hashes it."""

    start: int
    end: int
    text: str
    key: str


def unit_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINE_MARKER_RE = re.compile(r"^[ \t]*(?:(?:#{1,6}|[-*+]|\d{1,9}[.)]|>)[ \t]+|>)*")


class UnitSplitter:
    """Splits a document into sentence units; a paragraph's split (its sentences' spans
    and keys) is cached by its text, so re-splitting after a keystroke only re-splits
    and re-hashes the paragraph typed in."""

    def __init__(self, cache_size: int = 20000, cache_bytes: int = 32 << 20) -> None:
        self._paragraphs: OrderedDict[str, tuple[tuple[int, int, str], ...]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes  # the cached paragraphs' text, about (4 per char)
        self._bytes = 0
        self._last: tuple[str, list[TextUnit]] = ("", [])

    def split(self, text: str) -> list[TextUnit]:
        if text == self._last[0]:
            return list(self._last[1])  # unchanged since the last call (a render after a check)
        units = self._split(text)
        self._last = (text, units)
        return list(units)

    def _split(self, text: str) -> list[TextUnit]:
        units: list[TextUnit] = []
        offset = 0
        fence: str | None = None  # the opening fence while inside a code block
        for line in text.split("\n"):
            fence_match = _FENCE_RE.match(line)
            if fence is not None:
                if fence_match and fence_match.group(1)[0] == fence[0] \
                        and len(fence_match.group(1)) >= len(fence):
                    fence = None
            elif fence_match:
                fence = fence_match.group(1)
            else:
                units.extend(self._line_units(line, offset))
            offset += len(line) + 1
        return units

    def _line_units(self, line: str, offset: int) -> list[TextUnit]:
        spans = self._paragraphs.get(line)
        if spans is None:
            spans = _sentence_spans(line)
            self._paragraphs[line] = spans
            self._bytes += _paragraph_bytes(line, spans)
            while self._paragraphs and (len(self._paragraphs) > self._cache_size
                                        or self._bytes > self._cache_bytes):
                old, old_spans = self._paragraphs.popitem(last=False)
                self._bytes -= _paragraph_bytes(old, old_spans)
        else:
            self._paragraphs.move_to_end(line)
        return [TextUnit(offset + start, offset + end, line[start:end], key)
                for start, end, key in spans]


def _sentence_spans(line: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, key) of the paragraph's sentences."""
    marker = _LINE_MARKER_RE.match(line).end()
    body = line[marker:]
    if not body.strip():
        return ()
    return tuple((marker + s.start, marker + s.end, unit_key(s.text))
                 for s in split_sentences(body) if any(ch.isalpha() for ch in s.text))


def split_units(text: str) -> list[TextUnit]:
    """The sentence units of `text` (no cache kept)."""
    return UnitSplitter().split(text)


def unit_at(units: Sequence[TextUnit], position: int) -> int | None:
    """Index of the unit holding (or ending at) `position`, else the next one, else None."""
    for index, unit in enumerate(units):
        if position <= unit.end:
            return index
    return None


def cursor_first(units: Sequence[TextUnit], position: int) -> list[TextUnit]:
    """Units ordered for checking: the cursor's, then the ones after it, then before."""
    index = unit_at(units, position)
    if index is None:
        return list(units)
    return [*units[index:], *units[:index]]


def units_to_check(units: Iterable[TextUnit], known: set[str] | dict,
                   busy: set[str] = frozenset()) -> list[TextUnit]:
    """Units whose text has no result and is not being checked; each text once."""
    seen: set[str] = set()
    wanted = []
    for unit in units:
        if unit.key in known or unit.key in busy or unit.key in seen:
            continue
        seen.add(unit.key)
        wanted.append(unit)
    return wanted


def _paragraph_bytes(line: str, spans) -> int:
    return 4 * len(line) + 128 * (len(spans) + 1)


def _edits_bytes(edits: tuple[GrammarEdit, ...]) -> int:
    """The edits, and the issues made of them once drawn (about as big again)."""
    return 96 + sum(512 + 8 * (len(e.replacement) + len(e.message)) for e in edits)


class ResultCache:
    """Edits by unit key, least recently used dropped first; bounded by entries and by
    an estimate of their bytes. The issues a unit's edits make are kept with them once
    asked for (`issues`), so that drawing the document again costs a look-up per unit."""

    def __init__(self, size: int = 50000, max_bytes: int = 32 << 20) -> None:
        self._results: OrderedDict[str, tuple[GrammarEdit, ...]] = OrderedDict()
        # Issues of a unit at offset 0, by key: made from the edits cached for that key.
        self._issues: dict[str, tuple[DocIssue, ...]] = {}
        self._size = size
        self._max_bytes = max_bytes
        self.bytes = 0

    def __contains__(self, key: object) -> bool:
        return key in self._results

    def __len__(self) -> int:
        return len(self._results)

    def get(self, key: str) -> tuple[GrammarEdit, ...] | None:
        edits = self._results.get(key)
        if edits is not None:
            self._results.move_to_end(key)
        return edits

    def issues(self, unit: TextUnit) -> list[DocIssue]:
        """The document issues of `unit`'s cached edits (none without a result), all of
        them: what is shown is IssueFilter's to say."""
        edits = self.get(unit.key)
        if not edits:
            return []
        at_zero = self._issues.get(unit.key)
        if at_zero is None:
            at_zero = tuple(unit_issues(TextUnit(0, len(unit.text), unit.text, unit.key),
                                        edits))
            self._issues[unit.key] = at_zero
        return [issue.moved(unit.start) for issue in at_zero] if unit.start else list(at_zero)

    def put(self, key: str, edits: Iterable[GrammarEdit]) -> None:
        old = self._results.get(key)
        if old is not None:
            self.bytes -= _edits_bytes(old)
        self._issues.pop(key, None)
        self._results[key] = tuple(edits)
        self.bytes += _edits_bytes(self._results[key])
        self._results.move_to_end(key)
        while self._results and (len(self._results) > self._size
                                 or self.bytes > self._max_bytes):
            dropped, edits_dropped = self._results.popitem(last=False)
            self._issues.pop(dropped, None)
            self.bytes -= _edits_bytes(edits_dropped)

    def clear(self) -> None:
        self._results.clear()
        self._issues.clear()
        self.bytes = 0


# --- prose filter ----------------------------------------------------------------------------

_NON_PROSE_RE = re.compile(
    r"`[^`\n]+`"  # inline code
    r"|(?:[a-z][a-z0-9+.-]*://|www\.)\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?:~|\.{1,2})?(?:[\w.-]*[/\\])+[\w.-]+"  # file paths (a/b, ~/x, C:\y)
    r"|\b\w+\.(?:py|md|txt|json|toml|ya?ml|js|ts|html?|css|cpp|c|h|rs|go|sh|csv)\b"
    r"|[-+]?\$?\d[\d.,:%]*",  # numbers
    re.IGNORECASE,
)


def non_prose_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that are code, URLs, e-mail addresses, paths or numbers."""
    return [match.span() for match in _NON_PROSE_RE.finditer(text)]


def prose_edits(text: str, edits: Iterable[GrammarEdit]) -> list[GrammarEdit]:
    """The edits that touch only prose (an insertion next to code counts as touching)."""
    spans = non_prose_spans(text)
    return [edit for edit in edits
            if not any(edit.start < end and start < max(edit.end, edit.start + 1)
                       for start, end in spans)]


# --- issues in the document ------------------------------------------------------------------


@dataclass(frozen=True)
class DocIssue:
    """A problem at ``document[start:end]`` with its suggestions, best first."""

    start: int
    end: int
    original: str
    suggestions: tuple[str, ...]
    category: str
    message: str
    rule_id: str
    confidence: float
    unit_key: str
    offset: int  # start within the unit

    @property
    def key(self) -> tuple[str, int, int, str]:
        """Identifies the issue across edits elsewhere (for "Ignore")."""
        return (self.unit_key, self.offset, self.end - self.start, self.rule_id)

    @property
    def group(self) -> str:
        return colour_group(self.category)

    @property
    def setting(self) -> str:
        return setting_category(self.category)

    @property
    def title(self) -> str:
        return category_title(self.category)

    @property
    def is_spelling(self) -> bool:
        return self.category == Category.SPELLING.value

    def moved(self, delta: int) -> DocIssue:
        return DocIssue(self.start + delta, self.end + delta, self.original, self.suggestions,
                        self.category, self.message, self.rule_id, self.confidence,
                        self.unit_key, self.offset)

    def explanation(self) -> str:
        """One line: the category and what to do."""
        return f"{self.title}: {self.message}" if self.message else self.title


def unit_issues(unit: TextUnit, edits: Iterable[GrammarEdit]) -> list[DocIssue]:
    """Document issues of one unit; edits on the same span become one issue with several
    suggestions."""
    merged: dict[tuple[int, int], DocIssue] = {}
    for edit in sorted(prose_edits(unit.text, edits), key=lambda e: (e.start, -e.confidence)):
        span = (edit.start, edit.end)
        known = merged.get(span)
        if known is not None:
            if edit.replacement not in known.suggestions:
                merged[span] = DocIssue(
                    known.start, known.end, known.original,
                    (*known.suggestions, edit.replacement), known.category, known.message,
                    known.rule_id, known.confidence, known.unit_key, known.offset)
            continue
        merged[span] = DocIssue(
            unit.start + edit.start, unit.start + edit.end, unit.text[edit.start:edit.end],
            (edit.replacement,), str(edit.category), edit.message, edit.rule_id,
            edit.confidence, unit.key, edit.start)
    return list(merged.values())


# --- what is shown --------------------------------------------------------------------------


def dictionary_allows(word: str, entries: Iterable[str]) -> bool:
    """Whether a personal-dictionary entry accepts `word` as written.

    A lower-case entry accepts any capitalisation ("colour": "Colour", "COLOUR"); an entry
    with capitals accepts itself and its all-capitals form ("Zoë": "ZOË", not "zoë").
    """
    word = word.replace("\u2019", "'")
    for entry in entries:
        entry = entry.replace("\u2019", "'")
        if entry == word:
            return True
        if entry == entry.lower() and word.lower() == entry:
            return True
        if word == entry.upper() and len(word) > 1:
            return True
    return False


@dataclass
class IssueFilter:
    """Decides which issues are shown: settings, sensitivity, ignores and the dictionary."""

    spelling: bool = True
    grammar: bool = True
    disabled: frozenset[str] = frozenset()  # settings categories
    min_confidence: float = 0.0
    words: tuple[str, ...] = ()
    ignored: set[tuple] | None = None  # DocIssue.key
    ignored_rules: set[str] | None = None

    def __post_init__(self) -> None:
        self.ignored = set() if self.ignored is None else self.ignored
        self.ignored_rules = set() if self.ignored_rules is None else self.ignored_rules
        self._lower_words = {w.lower() for w in self.words}

    def set_words(self, words: Iterable[str]) -> None:
        self.words = tuple(words)
        self._lower_words = {w.lower() for w in self.words}

    def shows(self, issue: DocIssue) -> bool:
        setting = issue.setting
        if setting in self.disabled:
            return False
        if not (self.spelling if issue.is_spelling else self.grammar):
            return False
        if issue.confidence < self.min_confidence:
            return False
        if issue.key in self.ignored or issue.rule_id in self.ignored_rules:
            return False
        if issue.is_spelling and issue.original.lower() in self._lower_words:
            return not dictionary_allows(issue.original, self.words)
        return True


def document_issues(units: Iterable[TextUnit], cache: ResultCache,
                    shown: IssueFilter) -> list[DocIssue]:
    """Issues of every unit with a cached result, in document order."""
    issues: list[DocIssue] = []
    for unit in units:
        if unit.key in cache:
            issues.extend(i for i in cache.issues(unit) if shown.shows(i))
    return issues


def shift_issues(issues: Sequence[DocIssue], position: int, removed: int, added: int,
                 inserted: str | None = None) -> tuple[list[DocIssue], bool]:
    """Issues after a change of the document at `position` (`removed` characters replaced
    by `added`, the text `inserted`). An issue whose text was touched is dropped; typing a
    letter right against a word changes that word too, so does deleting next to it.
    Without `inserted`, an insertion at an issue's edge counts as touching it.
    Returns the issues and whether any were dropped.
    """
    kept: list[DocIssue] = []
    dropped = False
    delta = added - removed
    end_of_change = position + removed
    for issue in issues:
        if issue.end < position or (issue.end == position
                                    and not _joins(inserted, removed, before=True)):
            kept.append(issue)
        elif issue.start > end_of_change or (issue.start == end_of_change
                                             and not _joins(inserted, removed, before=False)):
            kept.append(issue.moved(delta))
        else:
            dropped = True
    return kept, dropped


def _joins(inserted: str | None, removed: int, *, before: bool) -> bool:
    """Whether a change at an issue's edge changes the issue's word."""
    if removed or inserted is None:
        return True
    edge = inserted[:1] if before else inserted[-1:]
    return edge.isalnum() or edge in "'\u2019-"


_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")


class Utf16Positions:
    """Code-point offsets (Python) to the editor's positions (UTF-16 code units)."""

    def __init__(self, text: str) -> None:
        # Only characters outside the Basic Multilingual Plane take two units.
        self._astral = [] if text.isascii() else [
            match.start() for match in _ASTRAL_RE.finditer(text)]

    def __call__(self, offset: int) -> int:
        if not self._astral:
            return offset
        return offset + bisect.bisect_left(self._astral, offset)

    def to_offset(self, position: int) -> int:
        """The inverse: an editor position to a code-point offset."""
        for count, index in enumerate(self._astral):
            if index + count >= position:
                return position - count
        return position - len(self._astral)

    def issue(self, issue: DocIssue) -> DocIssue:
        if not self._astral:
            return issue
        start, end = self(issue.start), self(issue.end)
        return DocIssue(start, end, issue.original, issue.suggestions, issue.category,
                        issue.message, issue.rule_id, issue.confidence, issue.unit_key,
                        issue.offset)
