"""Counting words and characters the way writers count them."""

from __future__ import annotations

import re

# A word: letters or digits, with apostrophes or hyphens inside ("don't", "well-known").
_WORD = re.compile(r"[^\W_](?:[\w’'\-]*[^\W_])?", re.UNICODE)


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def count_characters(text: str) -> int:
    """Characters as writers count them: line breaks are not characters."""
    return len(text) - text.count("\n") - text.count("\u2029")


def session_words(total: int, at_start: int) -> int:
    """Words written this session: never below zero (cutting is writing too)."""
    return max(0, total - at_start)
