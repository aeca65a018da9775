"""Pure text helpers for completion: where to suggest, how to trim, how to accept."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?…](?:[\"'”’)\]]*)(?=\s|$)")
_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_FIRST_WORD = re.compile(r"\s*\S+")


def should_suggest(text_before: str, text_after: str) -> bool:
    """Suggest only after some text, and not with a word running on after the cursor."""
    if not text_before.strip():
        return False
    return not (text_after and _WORD_CHAR.match(text_after[0]))


def clip_context(text_before: str, max_chars: int) -> str:
    """Keep the tail of the context, at most `max_chars`, starting at the first sentence
    or paragraph start near its beginning (else at a word boundary).

    The start must stay put while the writer types at the end: the completion engine
    reuses the model's state for a prompt that begins as the last one did, and a start
    that moved with every keystroke made each suggestion read the whole context again.
    A sentence start before the cursor does not move as text is added after it, so the
    start moves about once a sentence; the context loses at most a quarter of its length
    for it.
    """
    if len(text_before) <= max_chars:
        return text_before
    tail = text_before[-max_chars:]
    sentence = _SENTENCE_START.search(tail, 0, max_chars // 4)
    if sentence is not None:
        return tail[sentence.end():]
    space = tail.find(" ")
    return tail[space + 1 :] if 0 <= space < 40 else tail


# The end of a sentence (with closing quotes or brackets) and the spaces after it, or
# line ends: what follows begins a sentence or a paragraph.
_SENTENCE_START = re.compile(r"(?:[.!?…][\"'”’)\]]*[ \t]+|\n+)(?=\S)")


def split_trailing_space(text_before: str) -> tuple[str, str]:
    """Split spaces/tabs off the end of the prompt.

    BPE vocabularies attach the space to the following word (" world"), so a
    prompt ending in a space makes the model predict an unusual token. We
    prompt without the space and strip it from the continuation instead.
    """
    stripped = text_before.rstrip(" \t")
    return stripped, text_before[len(stripped) :]


def trim_suggestion(text: str, stop_at_sentence_end: bool = True) -> str:
    """Cut a raw continuation at the first newline and, optionally, sentence end."""
    cut = text.split("\n", 1)[0]
    if stop_at_sentence_end:
        match = _SENTENCE_END.search(cut)
        if match:
            cut = cut[: match.end()]
    return cut.rstrip() if cut.strip() else ""


def remove_overlap_with_following(suggestion: str, text_after: str) -> str:
    """Drop a tail of the suggestion that repeats the text already after the cursor."""
    following = text_after.split("\n", 1)[0].strip()
    if not following or not suggestion:
        return suggestion
    index = suggestion.find(following[: max(3, min(len(following), 24))])
    if index > 0:
        return suggestion[:index].rstrip()
    if index == 0:
        return ""
    return suggestion


def has_sentence_end(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def first_word(suggestion: str) -> str:
    """The part of a suggestion that Ctrl+Right accepts: leading spaces plus one word."""
    match = _FIRST_WORD.match(suggestion)
    return match.group(0) if match else suggestion


def consume_typed(suggestion: str, typed: str) -> str | None:
    """Remaining suggestion after the user typed `typed`, or None when it diverged."""
    if typed and suggestion.startswith(typed):
        return suggestion[len(typed) :]
    return None
