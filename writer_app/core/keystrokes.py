"""Keystroke savings: a writer types a text with ghost suggestions, the editor's way.

The writer types each character (Enter for a line break) and accepts a suggestion as far
as it matches what they were about to type: Tab takes a suggestion that matches whole,
Ctrl+Right takes it word by word, one key per word, when that saves keys. The editor asks
for a suggestion when typing pauses; the simulation pauses at the start of every word
(after a space or line break) and after each Tab, and, as in the editor, asks for none
while a suggestion is still on screen: typing its own letters keeps the rest of it.

`suggest(position)` gives the suggestion the engine offers at a position (the text
before it typed), with its word ends and their probabilities, so that one decoding
serves every confidence setting: each one shows `gated(text, stops, threshold)`.

The figure is the keys saved divided by the characters typed; the precision of the
shown suggestions is the share of their characters the writer accepted, and their
coverage the share of requests that showed anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from writer_app.core.confidence import Stops, gated
from writer_app.core.text_ops import first_word

Suggest = Callable[[int], tuple[str, Stops]]


@dataclass
class Tally:
    """Keystroke counts for one confidence setting, added up over typed spans."""

    characters: int = 0
    keystrokes: int = 0
    requests: int = 0
    shown: int = 0
    shown_chars: int = 0
    accepted_chars: int = 0

    @property
    def savings(self) -> float:
        return (self.characters - self.keystrokes) / self.characters if self.characters else 0.0

    @property
    def precision(self) -> float:
        return self.accepted_chars / self.shown_chars if self.shown_chars else 0.0

    @property
    def coverage(self) -> float:
        return self.shown / self.requests if self.requests else 0.0

    def add(self, other: Tally) -> None:
        for name in ("characters", "keystrokes", "requests", "shown", "shown_chars",
                     "accepted_chars"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def acceptance(suggestion: str, upcoming: str) -> tuple[int, int]:
    """(characters taken, keys pressed) for the best way to accept `suggestion` when
    `upcoming` is what the writer is about to type; (0, 0) when accepting saves nothing."""
    matched = 0
    limit = min(len(suggestion), len(upcoming))
    while matched < limit and suggestion[matched] == upcoming[matched]:
        matched += 1
    if matched == len(suggestion):
        return (matched, 1) if matched > 1 else (0, 0)
    taken = keys = 0
    rest = suggestion
    while rest:
        word = first_word(rest)
        if taken + len(word) > matched:
            break
        taken, keys, rest = taken + len(word), keys + 1, rest[len(word):]
    return (taken, keys) if taken > keys else (0, 0)


def _word_start(text: str, position: int) -> bool:
    return position > 0 and text[position - 1].isspace() and not text[position].isspace()


def simulate(text: str, start: int, end: int, suggest: Suggest, threshold: float) -> Tally:
    """Type text[start:end] (a suggestion accepted near the end may carry on past it)."""
    tally = Tally()
    position, pause = start, True
    alive_until = -1  # a suggestion stays on screen while the typing matches it
    while position < end:
        if pause or (_word_start(text, position) and position > alive_until):
            pause = False
            suggestion, stops = suggest(position)
            shown = gated(suggestion, stops, threshold)
            tally.requests += 1
            if shown:
                tally.shown += 1
                tally.shown_chars += len(shown)
                upcoming = text[position:position + len(shown)]
                taken, keys = acceptance(shown, upcoming)
                tally.accepted_chars += taken
                whole = bool(taken) and taken == len(shown)
                alive_until = -1 if whole else position + len(_common_prefix(shown, upcoming))
                if taken:
                    tally.keystrokes += keys
                    tally.characters += taken
                    position += taken
                    pause = whole  # after Tab, a new suggestion once typing pauses
                    continue
        tally.keystrokes += 1
        tally.characters += 1
        position += 1
    return tally


def _common_prefix(a: str, b: str) -> str:
    n = 0
    limit = min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return a[:n]
