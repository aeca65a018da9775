"""Confidence gating of inline suggestions (as Smart Compose does): show a suggestion only
as far as the model is sure enough of it.

A suggestion's confidence at a point is the model's probability of the suggestion up to
there: the product of its tokens' probabilities, so it only falls as the suggestion goes
on. A suggestion is cut at the last word end whose probability is at least the setting's
threshold; one whose first word is below it is not shown at all.

The thresholds come from the precision/coverage curve that `writer-app evaluate` reports
(bench/personalize_eval.py plots it). On held-out prose (bench/personalize_eval.py's
corpus, base model) the keystroke savings stayed nearly flat from 0.08 to 0.3 (22.8% ->
20.1%) while the precision of what was shown doubled (26% -> 50%), and fell faster
above it (18.0% at 0.4, 12.7% at 0.6): 0.3, the knee, is "balanced", the default; half
of what it shows is taken. "eager" (0.12) shows more for a little more savings, and
"conservative" (0.5) mostly what is right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Probability of the shown text (all its tokens together) that each setting asks for.
CONFIDENCE_LEVELS: dict[str, float] = {"conservative": 0.5, "balanced": 0.3, "eager": 0.12}
CONFIDENCE_CHOICES = tuple(CONFIDENCE_LEVELS)
# `evaluate` decodes down to this probability, so that every level (and the finer curve
# of the benchmark) is a cut of the same suggestion.
CURVE_THRESHOLDS = (0.08, 0.12, 0.2, 0.3, 0.4, 0.5, 0.6)
CURVE_FLOOR = min(CURVE_THRESHOLDS)

_WORD = re.compile(r"[\w'’]")

Stops = tuple[tuple[int, float], ...]


def threshold_for(level: str) -> float:
    """The probability a setting asks for; an unknown name means no gating."""
    return CONFIDENCE_LEVELS.get(level, 0.0)


def is_word_char(char: str) -> bool:
    return bool(_WORD.match(char))


def word_stops(prefixes: Sequence[str], probs: Sequence[float], finished: bool) -> Stops:
    """Where a suggestion may end, with the probability of the text up to there.

    `prefixes[j]` is the text of the first j + 1 tokens and `probs[j]` the probability
    of token j. A token end is a word end when the text after it starts with a character
    that is not part of a word; the end of the last token counts when decoding finished
    (end of text, sentence end, line end or the length limit), not when it was cut short.
    Returns (offset into the last prefix, probability of the text before it), in order.
    """
    if not prefixes:
        return ()
    full = prefixes[-1]
    stops: list[tuple[int, float]] = []
    joint = 1.0
    for prefix, prob in zip(prefixes, probs, strict=True):
        joint *= prob
        end = len(prefix)
        if end == 0 or not prefix.strip() or not full.startswith(prefix):
            continue  # nothing yet, or half of a character that the next token completes
        if end < len(full):
            if not is_word_char(full[end]):
                stops.append((end, joint))
        elif finished:
            stops.append((end, joint))
    return tuple(stops)


def confident_length(stops: Stops, threshold: float) -> int:
    """How much of the text the threshold lets through (0: show nothing)."""
    length = 0
    for offset, prob in stops:
        if prob < threshold:
            break
        length = offset
    return length


def gated(text: str, stops: Stops, threshold: float) -> str:
    """The shown part of a suggestion whose word ends are `stops` (offsets into text)."""
    if threshold <= 0:
        return text
    return text[: confident_length(stops, threshold)].rstrip()
