"""The synthetic-error generator's sentence: a mutable token view that renders back with
its own spacing, and locks every token an error touched so that one error never undoes or
hides another (training/corruption.py)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from writer_app.core.gec.tokens import attaches_left, tokenize


@dataclass
class Slot:
    """A token being edited, with the whitespace before it in the sentence."""

    text: str
    space: str
    locked: bool = False


class Sentence:
    """A mutable token view of a sentence that renders back with its own spacing."""

    def __init__(self, text: str) -> None:
        self.slots: list[Slot] = []
        position = 0
        for token in tokenize(text):
            self.slots.append(Slot(token.text, text[position : token.start]))
            position = token.end
        self.tail = text[position:]

    def render(self) -> str:
        return "".join(slot.space + slot.text for slot in self.slots) + self.tail

    def __len__(self) -> int:
        return len(self.slots)

    def text(self, i: int) -> str:
        return self.slots[i].text if 0 <= i < len(self.slots) else ""

    def lower(self, i: int) -> str:
        return self.text(i).lower().replace("\u2019", "'")

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.slots) and not self.slots[i].locked

    def free_indices(self) -> list[int]:
        return [i for i, slot in enumerate(self.slots) if not slot.locked]

    def is_word(self, i: int) -> bool:
        return any(ch.isalpha() for ch in self.text(i))

    def first_word(self) -> int | None:
        return next((i for i in range(len(self.slots)) if self.is_word(i)), None)

    def replace(self, i: int, text: str) -> None:
        self.slots[i].text = text
        self.slots[i].locked = True

    def delete(self, i: int) -> None:
        removed = self.slots.pop(i)
        if i < len(self.slots):
            following = self.slots[i]
            if i == 0 or (removed.space == "" and not attaches_left(removed.text)):
                following.space = removed.space  # it was glued to what came before
            following.locked = True
        if i > 0:
            self.slots[i - 1].locked = True

    def insert(self, i: int, text: str) -> None:
        """Insert ``text`` before slot ``i`` (``i == len`` appends)."""
        slot = Slot(text, " ", locked=True)
        if attaches_left(text):
            slot.space = ""
        elif i == 0 and self.slots:
            slot.space, self.slots[0].space = self.slots[0].space, " "
        self.slots.insert(i, slot)
        for neighbour in (i - 1, i + 1):
            if 0 <= neighbour < len(self.slots):
                self.slots[neighbour].locked = True


Operation = Callable[[Sentence, random.Random], bool]


def same_apostrophe(original: str, replacement: str) -> str:
    return replacement.replace("'", "\u2019") if "\u2019" in original else replacement


def choose(rng: random.Random, options: Sequence):
    return rng.choice(options) if options else None


