"""Word/punctuation tokens with exact character offsets, a detokeniser and a sentence splitter.

GECToR tags whitespace-separated tokens. We tokenise like that but keep each token's
span in the *original* string, so that an edit on token ``i`` maps back to
``text[token.start:token.end]`` whatever the spacing (tabs, several spaces, newlines,
non-breaking spaces) or the script (offsets are Python string indices, i.e. code points).

Conventions (the whole package relies on them):

* Contractions and possessives stay one token: ``don't``, ``it's``, ``John's``, ``they’re``.
  (``tokenize(text, split_contractions=True)`` gives the PTB-style ``do n't`` split that
  published GECToR checkpoints were trained on; ``detokenize`` joins both styles.)
* Hyphenated words are one token (``well-known``), as in whitespace-tokenised text; this
  is what ``$TRANSFORM_SPLIT_HYPHEN`` and ``$MERGE_HYPHEN`` operate on.
* Numbers keep their decimal/thousands separators and times (``3.14``, ``1,000``, ``10:30``).
* Common abbreviations keep their full stop (``Mr.``, ``e.g.``, ``p.m.``).
* URLs and e-mail addresses are single tokens.
* Every other non-space character is punctuation, one token per character, except
  ``...``, runs of dashes and multi-code-point emoji, which stay together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """A token and its half-open span ``[start, end)`` in the original text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence (without surrounding whitespace) and its span in the original text."""

    text: str
    start: int
    end: int


# Abbreviations that keep their full stop. Titles never end a sentence ("Mr. Smith"); Latin
# and reference abbreviations end one only at the end of a block; the last group ends one
# when a capital follows ("... at 5 p.m. Then we left").
TITLE_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "gen", "col", "capt", "rev"}
)
NON_FINAL_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "cf", "vs", "approx", "fig", "vol", "dept", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
FINAL_ABBREVIATIONS = frozenset({"etc", "a.m", "p.m", "u.s", "u.k", "inc", "ltd"})
_TOKEN_ABBREVIATIONS = TITLE_ABBREVIATIONS | NON_FINAL_ABBREVIATIONS | FINAL_ABBREVIATIONS

# Combining marks (decomposed accents) belong to the letter before them.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER = rf"\w[{_MARKS}]*"
_APOSTROPHES = "'\u2019"
_WORD = rf"(?:{_LETTER})+(?:[-{_APOSTROPHES}](?:{_LETTER})+)*"
_NUMBER = r"\d+(?:[.,:]\d+)+"
_URL = r"(?:https?://|www\.)[^\s]+?(?=[.,;:!?)\]\"'\u201d\u2019]*(?:\s|$))"
_EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_ABBREVIATION = (
    r"(?<!\w)(?:"
    + "|".join(sorted((re.escape(a) for a in _TOKEN_ABBREVIATIONS), key=len, reverse=True))
    + r")\.(?!\w)"
)
# Emoji: modifiers, variation selectors, keycaps and zero-width-joined sequences.
_EMOJI_TAIL = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_SYMBOL = rf"[\U0001f1e6-\U0001f1ff]{{2}}|[^\w\s](?:[{_EMOJI_TAIL}]|\u200d[^\w\s])*"
_PUNCT_RUN = r"\.\.\.+|--+|[?!]{2,}"
# Zero-width characters are formatting, not tokens.
_IGNORED = "\u200b\u200c\u200d\u2060\ufeff"

_TOKEN_RE = re.compile(
    rf"(?P<url>{_URL})|(?P<email>{_EMAIL})|(?P<abbr>{_ABBREVIATION})|(?P<num>{_NUMBER})"
    rf"|(?P<word>{_WORD})|(?P<run>{_PUNCT_RUN})|(?P<sym>{_SYMBOL})",
    re.IGNORECASE,
)
_CONTRACTION_RE = re.compile(
    rf"(?i)^(?P<head>.+?)(?P<tail>n[{_APOSTROPHES}]t|[{_APOSTROPHES}](?:s|re|ll|ve|d|m))$"
)


def tokenize(text: str, *, split_contractions: bool = False) -> list[Token]:
    """Split ``text`` into word and punctuation tokens with offsets into ``text``."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        token_text = match.group()
        if token_text in _IGNORED:
            continue
        start = match.start()
        if split_contractions and match.lastgroup == "word":
            tokens.extend(_split_contraction(token_text, start))
        else:
            tokens.append(Token(token_text, start, match.end()))
    return tokens


def words(text: str) -> list[str]:
    """The token texts of ``text``: the form the aligner and tagger work on."""
    return [token.text for token in tokenize(text)]


def _split_contraction(text: str, start: int) -> list[Token]:
    match = _CONTRACTION_RE.match(text)
    if not match or not match.group("head").isalpha():
        return [Token(text, start, start + len(text))]
    cut = start + match.end("head")
    end = start + len(text)
    return [Token(match.group("head"), start, cut), Token(match.group("tail"), cut, end)]


# --- detokenising ---------------------------------------------------------------------------

_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%…\u201d\u2019»") | {"...", "?!", "!?", "!!", "??"}
_NO_SPACE_AFTER = frozenset("([{$#\u201c\u2018«¿¡")
_NO_SPACE_AROUND = frozenset({"/", "—", "@"})
_SUFFIXES = frozenset(
    {"n't", "'s", "'re", "'ll", "'ve", "'d", "'m", "n\u2019t", "\u2019s", "\u2019re", "\u2019ll",
     "\u2019ve", "\u2019d", "\u2019m"}
)
_STRAIGHT_QUOTES = frozenset({'"', "'"})


def attaches_left(token: str) -> bool:
    """Whether ``token`` is written without a space before it (``,``, ``)``, ``n't``)."""
    return token in _NO_SPACE_BEFORE or token.lower() in _SUFFIXES


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens into natural text: ``["Hi", ",", "it", "'s", "“", "me", "”"]`` ->
    ``Hi, it's “me”``. Straight quotes alternate between opening and closing."""
    parts: list[str] = []
    glue_next = True  # no space before the first token
    open_quotes: set[str] = set()
    for token in tokens:
        if not token:
            continue
        if token in _STRAIGHT_QUOTES:
            closing = token in open_quotes
            open_quotes.symmetric_difference_update({token})
            parts.append(token if closing or glue_next else " " + token)
            glue_next = not closing
            continue
        glue = glue_next or attaches_left(token) or token in _NO_SPACE_AROUND
        parts.append(token if glue else " " + token)
        glue_next = token in _NO_SPACE_AFTER or token in _NO_SPACE_AROUND
    return "".join(parts)


def is_punctuation(token: str) -> bool:
    """True for tokens made only of punctuation/symbols (no letters or digits)."""
    return bool(token) and not any(ch.isalnum() for ch in token)


# --- sentence splitting ---------------------------------------------------------------------

_BOUNDARY_RE = re.compile(
    r"(?P<end>\.\.\.|…|[.!?]+)(?P<close>[\"'\u201d\u2019)\]]*)(?P<space>\s+)(?=(?P<next>\S))"
)
_LAST_WORD_RE = re.compile(r"([\w.]+)$")
_OPENERS = "\"'\u201c\u2018([¿¡"


def split_sentences(text: str, *, line_breaks: bool = True) -> list[Sentence]:
    """Split prose into sentences, with spans into ``text``.

    A sentence ends at ``.``, ``!``, ``?`` (or an ellipsis) plus optional closing quotes,
    then whitespace, unless the full stop belongs to an abbreviation, an initial
    ("J. Smith") or a number. A lower-case word after a bare ``.``/``!``/``?`` also starts
    a new sentence, so that a missing capital ("home. it was") can be corrected; after an
    ellipsis or a closing quote ("“Go!” she said") only a capital does. With
    ``line_breaks`` every newline ends a sentence (an editor paragraph or a list item);
    otherwise only blank lines do.
    """
    breaker = r"\n" if line_breaks else r"\n[ \t\r\f\v]*\n"
    sentences: list[Sentence] = []
    offset = 0
    for block in re.split(f"({breaker})", text):
        if block and not re.fullmatch(breaker, block):
            sentences.extend(_split_block(block, offset))
        offset += len(block)
    return sentences


def _split_block(block: str, offset: int) -> list[Sentence]:
    cuts = [0]
    for match in _BOUNDARY_RE.finditer(block):
        if _is_boundary(block, match):
            cuts.append(match.end("close"))
    cuts.append(len(block))
    sentences = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece = block[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            begin = offset + start + lead
            sentences.append(Sentence(stripped, begin, begin + len(stripped)))
    return sentences


def _is_boundary(block: str, match: re.Match[str]) -> bool:
    end, following = match.group("end"), match.group("next")
    capital_next = following.isupper() or following.isdigit() or following in _OPENERS
    # Before lower case only a bare terminator ends the sentence: not an ellipsis, and not
    # one inside quotes (“Go!” she said).
    plain_end = end not in ("...", "…") and not match.group("close")
    if not capital_next and not (plain_end and following.isalpha()):
        return False
    if end != ".":
        return True
    # Only the last few characters matter; searching from 0 would be quadratic.
    end_at = match.start("end")
    word = _LAST_WORD_RE.search(block, max(0, end_at - 64), end_at)
    if not word:
        return True
    previous = word.group(1).lower()
    if previous in TITLE_ABBREVIATIONS or previous in NON_FINAL_ABBREVIATIONS:
        return False
    if previous in FINAL_ABBREVIATIONS or "." in previous:
        return following.isupper() or following in _OPENERS
    if previous == "no":  # "No. 5" is a number sign; "No." before a word is a reply
        return not following.isdigit()
    # A capital initial ("J. R. R. Tolkien") is not an ending; "I." is the pronoun.
    return not (len(word.group(1)) == 1 and word.group(1).isupper() and previous != "i")
