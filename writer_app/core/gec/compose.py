"""Composing the checker's layers: edits of a later layer (made on the text that an
earlier layer corrected) mapped back onto the original text, merged where they touch a
corrected word, dropped where they would change a neighbour along with it, and conflicts
resolved so that no two edits ever overlap. Pure text operations (no model).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from writer_app.core.gec.edits import GrammarEdit, apply_edits


def _order(edit: GrammarEdit) -> tuple[int, int]:
    return edit.start, edit.end


@dataclass(frozen=True)
class _Placed:
    """A spelling edit and its span in the spelling-corrected text."""

    edit: GrammarEdit
    start: int  # in the corrected text
    end: int


def compose(
    text: str, spelling: Sequence[GrammarEdit], grammar: Sequence[GrammarEdit]
) -> list[GrammarEdit]:
    """Edits into ``text`` equal to applying ``spelling`` (edits into ``text``) and then
    ``grammar`` (edits into the spelling-corrected text). A grammar edit that overlaps a
    spelling-corrected word (or inserts inside it) is merged with that spelling edit."""
    placed = _placed(spelling)
    corrected = apply_edits(text, spelling)
    groups = _groups(placed, sorted(grammar, key=_order))
    result = []
    for members_spelling, members_grammar in groups:
        if members_spelling:
            # A later layer may change the corrected word itself ("recieve" -> "received"),
            # never a neighbour along with it: an article is not changed as a side effect.
            members_grammar = [g for g in members_grammar
                               if any(p.start <= g.start and g.end <= p.end
                                      for p in members_spelling)]
            if not members_grammar:
                result.extend(p.edit for p in members_spelling)
                continue
        edit = _merge(text, corrected, placed, members_spelling, members_grammar)
        if edit is not None:
            result.append(edit)
    return sorted(result, key=_order)


def without_overlaps(edits: Iterable[GrammarEdit]) -> list[GrammarEdit]:
    """``edits`` sorted, keeping the surer of any two that overlap (or insert at the same
    point): the layers' edits must never reach the user as a conflict."""
    kept: list[GrammarEdit] = []
    for edit in sorted(edits, key=_order):
        if kept and _conflict(kept[-1], edit):
            if edit.confidence > kept[-1].confidence:
                kept[-1] = edit
            continue
        kept.append(edit)
    return kept


def _overlaps_any(edit: GrammarEdit, others: Sequence[GrammarEdit]) -> bool:
    return any(_conflict(*sorted((edit, o), key=_order)) for o in others)


def _conflict(a: GrammarEdit, b: GrammarEdit) -> bool:
    """Whether ``b`` (starting at or after ``a``) cannot be applied together with ``a``."""
    if b.start < a.end:
        return True
    return b.start == a.start and (a.start == a.end or b.start == b.end)


def _placed(edits: Sequence[GrammarEdit]) -> list[_Placed]:
    """Each edit with the span its replacement takes in the text after all of them."""
    placed, shift = [], 0
    for edit in sorted(edits, key=_order):
        start = edit.start + shift
        placed.append(_Placed(edit, start, start + len(edit.replacement)))
        shift += len(edit.replacement) - (edit.end - edit.start)
    return placed


def _outside(layer: Sequence[GrammarEdit], later: Sequence[GrammarEdit]) -> list[GrammarEdit]:
    """``later`` (edits into the text after ``layer``) without those touching what ``layer``
    wrote: a rule is sure of its edit, and the tagger must not undo it ("were" -> "was")."""
    placed = _placed(layer)
    return [g for g in later if not any(_touches(g, p) for p in placed)]


def _touches(g: GrammarEdit, p: _Placed) -> bool:
    if p.start == p.end:  # a deletion: its point is ambiguous at either end of ``g``
        return g.start <= p.start <= g.end
    if g.start == g.end:
        return p.start < g.start < p.end
    return g.start < p.end and g.end > p.start


def _groups(
    placed: list[_Placed], grammar: list[GrammarEdit]
) -> list[tuple[list[_Placed], list[GrammarEdit]]]:
    """Connected groups of overlapping spelling and grammar edits (corrected-text spans)."""
    parent = list(range(len(placed) + len(grammar)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for gi, g in enumerate(grammar):
        for pi, p in enumerate(placed):
            if _touches(g, p):
                parent[root(len(placed) + gi)] = root(pi)
    members: dict[int, tuple[list[_Placed], list[GrammarEdit]]] = {}
    for pi, p in enumerate(placed):
        members.setdefault(root(pi), ([], []))[0].append(p)
    for gi, g in enumerate(grammar):
        members.setdefault(root(len(placed) + gi), ([], []))[1].append(g)
    return list(members.values())


def _to_original(position: int, placed: list[_Placed]) -> int:
    """A corrected-text position outside every corrected word, in the original text."""
    shift = 0
    for p in placed:
        if p.end <= position:
            shift += (p.edit.end - p.edit.start) - (p.end - p.start)
    return position + shift


def _merge(
    text: str, corrected: str, placed: list[_Placed], spelling: list[_Placed],
    grammar: list[GrammarEdit],
) -> GrammarEdit | None:
    if not grammar:
        return spelling[0].edit
    low = min([g.start for g in grammar] + [p.start for p in spelling])
    high = max([g.end for g in grammar] + [p.end for p in spelling])
    inner = [replace(g, start=g.start - low, end=g.end - low) for g in grammar]
    replacement = apply_edits(corrected[low:high], inner)
    start, end = _to_original(low, placed), _to_original(high, placed)
    if text[start:end] == replacement:
        return None
    if not spelling:  # grammar edits only meet through a spelling edit: this one is alone
        return replace(grammar[0], start=start, end=end)
    first = grammar[0]
    words = "; ".join(p.edit.message for p in spelling)
    return GrammarEdit(
        start, end, replacement, first.category,
        f"{words}; then {first.message[:1].lower()}{first.message[1:]}",
        min([p.edit.confidence for p in spelling] + [g.confidence for g in grammar]),
        first.rule_id,
    )
