"""Guesses of the next few tokens, for checking several at once (exact: every guess is
verified against the model's own greedy choice before it is used).

While a writer types, the model keeps proposing the same phrases: a suggestion the
writer starts typing is proposed again, minus the typed word, one request later, and
names and turns of phrase recur in the document itself. So a guess is what followed
the last few tokens the previous times: first in recent suggestions (newest first),
then in the text before the cursor (prompt lookup).
"""

from __future__ import annotations

from collections import deque

_MAX_NGRAM = 3
_MIN_NGRAM = 2  # a single shared token guesses too often wrong to pay for the rows
_REMEMBERED = 8
_LEAD = _MAX_NGRAM  # tokens kept before each remembered suggestion, to match against


class DraftLookup:
    def __init__(self) -> None:
        self._recent: deque[list[int]] = deque(maxlen=_REMEMBERED)

    def clear(self) -> None:
        self._recent.clear()

    def remember(self, before: list[int], generated: list[int]) -> None:
        """Keep a suggestion, with the tokens that led to it."""
        if generated:
            self._recent.appendleft(before[-_LEAD:] + generated)

    def propose(self, tokens: list[int], limit: int) -> list[int]:
        """Up to `limit` tokens that followed the longest recent match of the end of
        `tokens`; [] when nothing matches."""
        if limit <= 0:
            return []
        for n in range(min(_MAX_NGRAM, len(tokens)), _MIN_NGRAM - 1, -1):
            tail = tokens[-n:]
            for haystack in (*self._recent, tokens[:-1]):
                found = _last_match(haystack, tail)
                if found is not None:
                    return haystack[found : found + limit]
        return []


def _last_match(haystack: list[int], tail: list[int]) -> int | None:
    """The index just after the last occurrence of `tail` in `haystack` that has a
    token after it."""
    n, first = len(tail), tail[0]
    for start in range(len(haystack) - n - 1, -1, -1):
        if haystack[start] == first and haystack[start : start + n] == tail:
            return start + n
    return None
