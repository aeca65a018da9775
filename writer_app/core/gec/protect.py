"""Tokens the grammar checker must never flag or change.

URLs, e-mail addresses, numbers (any token with a digit), code-like tokens (containing
``_`` or ``/``, or camelCase such as ``getValue``) and the words of the user's personal
dictionary (compared case-insensitively).
"""

from __future__ import annotations

import re
from collections.abc import Collection

_URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_CAMEL_RE = re.compile(r"[a-z][A-Z]")


def normalise_words(words: Collection[str]) -> frozenset[str]:
    """The personal-dictionary form used by is_protected: lower case, straight apostrophes."""
    return frozenset(word.lower().replace("\u2019", "'") for word in words)


def is_protected(token: str, ignore_words: frozenset[str] = frozenset()) -> bool:
    """True if ``token`` must stay exactly as written. ``ignore_words`` must come from
    normalise_words."""
    if _URL_RE.match(token) or _EMAIL_RE.match(token):
        return True
    if any(ch.isdigit() for ch in token):
        return True
    if "_" in token or "/" in token or _CAMEL_RE.search(token):
        return True
    return bool(ignore_words) and token.lower().replace("\u2019", "'") in ignore_words


class ProtectedWords:
    """is_protected for one personal dictionary, remembered per token: the checker asks
    about every word several times (spelling, then each tagger iteration)."""

    LIMIT = 50_000  # tokens remembered; then it starts again

    def __init__(self, ignore_words: frozenset[str] = frozenset()) -> None:
        self.ignore_words = ignore_words  # from normalise_words
        self._known: dict[str, bool] = {}

    def __call__(self, token: str) -> bool:
        found = self._known.get(token)
        if found is None:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            found = self._known[token] = is_protected(token, self.ignore_words)
        return found

    def clear(self) -> None:
        self._known.clear()


class IgnoreWordsField:
    """An ``ignore_words`` attribute (the personal dictionary, from normalise_words) that
    keeps the owner's ``_is_protected`` (a ProtectedWords) in step with it."""

    def __get__(self, owner: object, owner_type: type | None = None) -> frozenset[str]:
        if owner is None:
            return self  # type: ignore[return-value]
        return owner._is_protected.ignore_words

    def __set__(self, owner: object, words: frozenset[str]) -> None:
        owner._is_protected = ProtectedWords(words)
