"""The text a client sent, the plain text that is checked, and offsets between them.

LanguageTool's clients send either ``text`` or ``data`` (text interleaved with markup, see
``from_annotation``), and read offsets back in UTF-16 code units of what they sent, as
Java and JavaScript count. The checker works on plain text: no byte-order mark, ``\\n``
line ends, markup skipped (or replaced by what it ``interpretAs``). ``SourceText`` keeps
both and maps a span of the plain text back onto the text as sent.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

BOM = "\ufeff"


class AnnotationError(ValueError):
    """``data`` is not LanguageTool's annotation format; the message says why."""


@dataclass(frozen=True)
class SourceText:
    """``original`` as sent; ``plain`` as checked. Plain character i came from
    ``original[starts[i]:ends[i]]`` (both None when the two texts are the same)."""

    original: str
    plain: str
    starts: array | None = None
    ends: array | None = None
    _astral: tuple[int, ...] = field(default=(), compare=False)  # original indexes

    def __post_init__(self) -> None:
        astral = tuple(i for i, ch in enumerate(self.original) if ord(ch) > 0xFFFF)
        object.__setattr__(self, "_astral", astral)

    # --- building -------------------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str, *, leading_bom: bool = True) -> SourceText:
        """``text`` as sent: a leading byte-order mark is dropped and CRLF or CR line
        ends become LF for checking; offsets still count them."""
        bom = leading_bom and text.startswith(BOM)
        if not bom and "\r" not in text:
            return cls(text, text)
        builder = _Builder(text)
        index = 1 if bom else 0
        while index < len(text):
            if text.startswith("\r\n", index):
                builder.add("\n", index, index + 2)
                index += 2
            else:
                builder.add("\n" if text[index] == "\r" else text[index], index, index + 1)
                index += 1
        return builder.build()

    @classmethod
    def from_annotation(cls, data: str | dict[str, Any]) -> SourceText:
        """LanguageTool's ``data``: ``{"annotation": [{"text": "A "}, {"markup": "<b>"},
        {"markup": "<p>", "interpretAs": "\\n\\n"}, ...]}``. Markup is not checked
        (``interpretAs`` stands in for it); offsets count the markup as sent."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as error:
                raise AnnotationError(f"'data' is not valid JSON ({error.msg})") from None
            except RecursionError:
                raise AnnotationError("'data' is nested too deeply") from None
        parts = data.get("annotation") if isinstance(data, dict) else None
        if not isinstance(parts, list):
            raise AnnotationError("'data' needs an 'annotation' list")
        pieces: list[tuple[str, str | None]] = []  # (original, plain or None for text)
        for number, part in enumerate(parts):
            if not isinstance(part, dict):
                raise AnnotationError(f"annotation item {number} is not an object")
            text, markup = part.get("text"), part.get("markup")
            if isinstance(text, str) and markup is None:
                pieces.append((text, None))
            elif isinstance(markup, str) and text is None:
                interpret = part.get("interpretAs", "")
                if not isinstance(interpret, str):
                    raise AnnotationError(f"annotation item {number}: 'interpretAs' must be "
                                          "a string")
                pieces.append((markup, interpret))
            else:
                raise AnnotationError(f"annotation item {number} needs either 'text' or "
                                      "'markup' (a string)")
        builder = _Builder("".join(original for original, _ in pieces))
        at = 0
        for original, interpret in pieces:
            if interpret is None:
                text = SourceText.from_text(original, leading_bom=at == 0)
                for i, ch in enumerate(text.plain):
                    start, end = text.span(i, i + 1)
                    builder.add(ch, at + start, at + end)
            else:
                for ch in interpret.replace("\r\n", "\n").replace("\r", "\n"):
                    builder.add(ch, at, at + len(original))
            at += len(original)
        return builder.build()

    # --- offsets --------------------------------------------------------------------------

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The code-point span of ``original`` that plain ``[start, end)`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        size = len(self.plain)
        if start == end:
            where = self.starts[start] if start < size else len(self.original)
            return where, where
        return self.starts[start], self.ends[end - 1]

    def utf16(self, index: int) -> int:
        """``original[:index]`` in UTF-16 code units (characters beyond U+FFFF count 2)."""
        return index + bisect_left(self._astral, index)

    def utf16_span(self, start: int, end: int) -> tuple[int, int]:
        """Plain ``[start, end)`` as (offset, length) in UTF-16 units of ``original``."""
        low, high = self.span(start, end)
        offset = self.utf16(low)
        return offset, self.utf16(high) - offset


class _Builder:
    def __init__(self, original: str) -> None:
        self.original = original
        self.chars: list[str] = []
        self.starts = array("l")
        self.ends = array("l")

    def add(self, ch: str, start: int, end: int) -> None:
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def build(self) -> SourceText:
        return SourceText(self.original, "".join(self.chars), self.starts, self.ends)


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
