"""Sentences longer than the tagger's window, tagged in overlapping pieces.

The tagger reads at most ``max_length`` sub-tokens; the words beyond would be cut off and
never checked. A longer sentence is cut into pieces of words that fit, each overlapping
its neighbours by a quarter of its length, and every word takes its tag from the one
piece where it lies away from the cut (where it has context on both sides).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from writer_app.core.gec.tags import START


@dataclass(frozen=True)
class Piece:
    start: int  # first word of the piece
    end: int  # one past its last word
    keep_from: int  # its tags count for words keep_from..keep_to
    keep_to: int


def plan_pieces(count: int, size: int) -> list[Piece]:
    """Overlapping pieces of at most `size` words that cover `count` words; their kept
    ranges are disjoint and together cover every word."""
    if count <= size:
        return [Piece(0, count, 0, count)]
    overlap = max(1, size // 4)
    pieces, start = [], 0
    while True:
        end = min(start + size, count)
        keep_from = 0 if start == 0 else start + overlap
        keep_to = count if end == count else end - overlap
        pieces.append(Piece(start, end, keep_from, keep_to))
        if end == count:
            return pieces
        start = keep_to - overlap


def token_count(tokenizer, words: Sequence[str], add_special_tokens: bool) -> int:
    encoded = tokenizer([START, *words], is_split_into_words=True,
                        add_special_tokens=add_special_tokens, truncation=False)
    return len(encoded["input_ids"])


def split_long(words: Sequence[str], fits: Callable[[Sequence[str]], bool],
               ratio: float | None = None) -> list[Piece]:
    """Pieces for one sentence: the whole when it fits, else the largest piece size
    (halved as needed) at which every piece fits."""
    if fits(words):
        return [Piece(0, len(words), 0, len(words))]
    size = max(4, len(words) // 2)
    if ratio is not None:  # words per window, from the sentence's tokens per word
        size = max(4, min(size, int(ratio * 0.9)))
    while True:
        pieces = plan_pieces(len(words), size)
        if size <= 4 or all(fits(words[p.start : p.end]) for p in pieces):
            return pieces
        size = max(4, size // 2)


def merge(pieces: Sequence[Piece], predictions: Sequence, make):
    """One prediction for the whole sentence from its pieces' predictions (tags and
    probabilities, ``$START`` first); `make(tags, probabilities)` builds it."""
    tags, probabilities = [predictions[0].tags[0]], [predictions[0].probabilities[0]]
    for piece, prediction in zip(pieces, predictions, strict=True):
        for word in range(piece.keep_from, piece.keep_to):  # position 0 is $START
            tags.append(prediction.tags[word + 1 - piece.start])
            probabilities.append(prediction.probabilities[word + 1 - piece.start])
    return make(tuple(tags), tuple(probabilities))
