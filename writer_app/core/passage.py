"""Where a written passage may end, and whether a suggestion repeats the writer.

"Continue writing" asks for about N tokens; a passage that stops mid-sentence at
exactly N reads as broken. So decoding runs on a little past N until a sentence or
paragraph ends, and when none comes the text is cut back to the last one.

Inline ghost text is short and greedy; a greedy model likes to say again what was
just said. A suggestion that repeats one of the last sentences is cut where the
repeat begins (and dropped if that is its start).
"""

from __future__ import annotations

import re

# A sentence end: closing punctuation with any closing quotes or brackets after it.
_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_END_INSIDE = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|\n")
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "sr.", "jr.", "vs.",
                            "e.g.", "i.e.", "etc.", "mt.", "no."})
_WORDS = re.compile(r"[\w’']+", re.UNICODE)
_SENTENCES = re.compile(r"[^.!?…\n]+[.!?…]*")

# A passage may end once it has this share of the tokens asked for ...
EARLIEST_END = 0.75
# ... and runs on up to this share to reach a sentence end.
LATEST_END = 1.3
_MIN_REPEAT_WORDS = 3  # shorter phrases recur in good prose ("of the", "she said")


def decode_limit(target_tokens: int) -> int:
    """The hard limit for decoding a passage of about `target_tokens`."""
    return max(target_tokens, int(target_tokens * LATEST_END + 0.5))


def ends_at_boundary(text: str) -> bool:
    """True when `text` ends a sentence or a paragraph (trailing spaces ignored)."""
    if text.endswith("\n"):
        return bool(text.strip())
    stripped = text.rstrip(" \t")
    if not stripped or not _END.search(stripped):
        return False
    last = stripped.split()[-1].lower()
    return last not in _ABBREVIATIONS


def passage_complete(text: str, tokens: int, target_tokens: int) -> bool:
    """Stop decoding: near the asked length and at a boundary."""
    return tokens >= target_tokens * EARLIEST_END and ends_at_boundary(text)


def trim_to_boundary(text: str) -> str:
    """Cut `text` back to its last sentence or paragraph end; unchanged when it has none
    (better a long unfinished sentence than nothing)."""
    if ends_at_boundary(text):
        return text.rstrip(" \t")
    last = None
    for match in _END_INSIDE.finditer(text):
        candidate = text[: match.end()]
        if ends_at_boundary(candidate):
            last = candidate
    if last is None or not last.strip():
        return text
    return last.rstrip(" \t") if not last.endswith("\n") else last.rstrip("\n")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text)]


def recent_sentences(text_before: str, count: int = 3) -> list[list[str]]:
    """The words of the last `count` sentences before the cursor (the unfinished one too)."""
    tail = text_before[-1200:]
    sentences = [_words(s) for s in _SENTENCES.findall(tail)]
    return [s for s in sentences if s][-count:]


def cut_repeated_sentence(suggestion: str, text_before: str) -> str:
    """`suggestion` up to where it starts repeating one of the last sentences.

    A repeat is a run of at least _MIN_REPEAT_WORDS words, at the start of a sentence
    of the suggestion, that a recent sentence also starts with, or a whole sentence
    of the suggestion that a recent sentence contains.
    """
    recent = recent_sentences(text_before)
    if not recent or not suggestion.strip():
        return suggestion
    offset = 0
    for part in _SENTENCES.finditer(suggestion):
        words = _words(part.group(0))
        offset = part.start()
        if words and _repeats(words, recent):
            return suggestion[:offset].rstrip() if suggestion[:offset].strip() else ""
    return suggestion


def _repeats(words: list[str], recent: list[list[str]]) -> bool:
    for sentence in recent:
        run = min(len(words), len(sentence))
        if run >= _MIN_REPEAT_WORDS and words[:run] == sentence[:run]:
            return True
        if len(words) >= _MIN_REPEAT_WORDS and _contains(sentence, words):
            return True
    return False


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def passage_seed(setting: int, attempt: int = 0) -> int:
    """The seed of a passage: the setting's (plus the attempt, so "Try again" differs
    and is still reproducible) or, for 0, a new random one."""
    if setting > 0:
        return setting + attempt
    import random

    return random.randrange(1, 2**31 - 1)


class PassageDrafts:
    """The last few passages written at one place, to cycle through (newest last)."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep
        self.texts: list[str] = []
        self.index = -1

    def clear(self) -> None:
        self.texts, self.index = [], -1

    def add(self, text: str) -> None:
        """Remember `text` (moved to the end if known) and make it the current one."""
        if not text.strip():
            return
        if text in self.texts:
            self.texts.remove(text)
        self.texts.append(text)
        del self.texts[: max(0, len(self.texts) - self.keep)]
        self.index = len(self.texts) - 1

    def step(self, step: int) -> str | None:
        """The next (+1) or previous (-1) draft, wrapping around; None without drafts."""
        if not self.texts:
            return None
        self.index = (self.index + step) % len(self.texts)
        return self.texts[self.index]
