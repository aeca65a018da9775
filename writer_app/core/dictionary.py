"""The personal dictionary: words the spelling checker must accept.

A plain UTF-8 word list, one word a line, in the user data folder, so it can be
edited by hand, shared and backed up. Qt-free: the settings dialog and the
grammar engine both read it through here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from writer_app.core import paths
from writer_app.core.documents import DocumentError, atomic_write_text

MAX_WORD_CHARS = 100


def dictionary_file() -> Path:
    return paths.data_dir() / "dictionary.txt"


def clean_word(text: str) -> str:
    """One entry as stored: NFC, trimmed, inner whitespace runs made single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalize_words(words: Iterable[str]) -> list[str]:
    """Clean entries, drop blanks and over-long lines, keep the first of each duplicate."""
    cleaned = (clean_word(word) for word in words)
    return list(dict.fromkeys(w for w in cleaned if w and len(w) <= MAX_WORD_CHARS))


def parse_word_list(text: str) -> list[str]:
    """Words from a word-list file's text (a leading byte-order mark is ignored)."""
    return normalize_words(text.removeprefix("\ufeff").splitlines())


def load_dictionary(path: Path | None = None) -> list[str]:
    """The saved words, in their saved order; a missing file is an empty dictionary.

    Raises DocumentError with a user-facing message if the file cannot be read.
    """
    path = path or dictionary_file()
    try:
        return parse_word_list(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise DocumentError(f"Cannot read the personal dictionary {path}: {reason}") from None


def format_word_list(words: Iterable[str]) -> str:
    words = normalize_words(words)
    return "".join(f"{word}\n" for word in words)


def save_dictionary(words: Iterable[str], path: Path | None = None) -> list[str]:
    """Write the words atomically (creating the folder); returns what was written.

    Raises DocumentError with a user-facing message on failure.
    """
    path = path or dictionary_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DocumentError(f"Cannot create {path.parent}: {exc.strerror or exc}") from None
    words = normalize_words(words)
    atomic_write_text(path, format_word_list(words))
    return words
