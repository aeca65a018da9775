"""Grammar edits as character spans of the original text.

The tagger works on tokens; the editor needs "replace text[start:end] with this". The
corrected token sequence of a sentence is aligned to its original tokens (align.align)
and each run of changed tokens becomes one edit whose span uses the original Token
offsets, so spacing, tabs, newlines and Unicode around it are left untouched. Deletions
and insertions also take or add one separating space, chosen as the detokeniser would
("a the cat" -> delete "the "; "I apple" -> insert "an " before "apple").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from writer_app.core.gec.align import AlignmentOp, align, token_tag
from writer_app.core.gec.tags import (
    DELETE,
    MERGE_HYPHEN,
    MERGE_SPACE,
    SPLIT_HYPHEN,
    Category,
    append_tag,
    category_of,
    message_for,
)
from writer_app.core.gec.tokens import Token, detokenize


@dataclass(frozen=True)
class GrammarEdit:
    """Replace ``text[start:end]`` (code-point offsets) with ``replacement``."""

    start: int
    end: int
    replacement: str
    category: Category
    message: str
    confidence: float
    rule_id: str


@dataclass(frozen=True)
class SpanEdit:
    """A character edit plus the tokens it came from (before categorising)."""

    start: int
    end: int
    replacement: str
    source_tokens: tuple[int, int]  # original token range [first, last)
    ops: tuple[AlignmentOp, ...]


def apply_edits(text: str, edits: Iterable[GrammarEdit | SpanEdit]) -> str:
    """Apply non-overlapping edits to ``text`` (any order)."""
    result = text
    previous_start = len(text) + 1
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        if edit.end > previous_start:
            raise ValueError(f"overlapping edits at {edit.start}-{edit.end}")
        result = result[: edit.start] + edit.replacement + result[edit.end :]
        previous_start = edit.start
    return result


def separator(left: str, right: str) -> str:
    """The space (or nothing) the detokeniser puts between two tokens."""
    return " " if detokenize([left, right]) != left + right else ""


def _runs(ops: Sequence[AlignmentOp]) -> list[tuple[AlignmentOp, ...]]:
    """Maximal runs of consecutive non-equal ops."""
    runs: list[tuple[AlignmentOp, ...]] = []
    current: list[AlignmentOp] = []
    for op in ops:
        if op.kind == "equal":
            if current:
                runs.append(tuple(current))
                current = []
        else:
            current.append(op)
    if current:
        runs.append(tuple(current))
    return runs


def _trim(text: str, start: int, end: int, replacement: str) -> tuple[int, int, str]:
    """Drop the common prefix and suffix of text[start:end] and replacement."""
    original = text[start:end]
    prefix = 0
    while prefix < min(len(original), len(replacement)) and original[prefix] == replacement[prefix]:
        prefix += 1
    suffix = 0
    limit = min(len(original), len(replacement)) - prefix
    while suffix < limit and original[-1 - suffix] == replacement[-1 - suffix]:
        suffix += 1
    return start + prefix, end - suffix, replacement[prefix : len(replacement) - suffix]


def span_edits(text: str, tokens: Sequence[Token], final: Sequence[str]) -> list[SpanEdit]:
    """Minimal character edits turning the ``tokens`` of ``text`` into ``final``.

    ``tokens`` must be in text order; the edits never touch text outside
    [tokens[0].start, tokens[-1].end] except for whitespace next to a deleted token."""
    source = [token.text for token in tokens]
    edits = []
    for run in _runs(align(source, final)):
        first, last = run[0].src_start, run[-1].src_end
        target = list(final[run[0].tgt_start : run[-1].tgt_end])
        left = tokens[first - 1] if first > 0 else None
        right = tokens[last] if last < len(tokens) else None
        if first < last and target:
            start, end, replacement = _replacement(text, tokens, first, last, target)
        elif first < last:
            start, end, replacement = _deletion(text, tokens, first, last, left, right)
        else:
            start, end, replacement = _insertion(text, target, left, right)
        start, end, replacement = _trim_whitespace_edit(text, start, end, replacement, target)
        if text[start:end] == replacement:  # tokens differ, text does not ("é😀" merged)
            continue
        edits.append(SpanEdit(start, end, replacement, (first, last), run))
    return edits


def _replacement(
    text: str, tokens: Sequence[Token], first: int, last: int, target: list[str]
) -> tuple[int, int, str]:
    """Replace tokens[first:last] by ``target``, with the gaps at either end as the
    detokeniser would join the new neighbours: when ", their" becomes "there", the space
    that "it" and "there" need is written, not lost ("it there", never "itthere")."""
    start, end, body = tokens[first].start, tokens[last - 1].end, detokenize(target)
    if first > 0:
        left = tokens[first - 1]
        gap = text[left.end : start]
        if gap.strip() == "":
            wanted = separator(left.text, target[0])
            if wanted and not gap:
                body = wanted + body
            elif not wanted and gap:
                start, body = left.end, body
    if last < len(tokens):
        right = tokens[last]
        gap = text[end : right.start]
        if gap.strip() == "":
            wanted = separator(target[-1], right.text)
            if wanted and not gap:
                body += wanted
            elif not wanted and gap:
                end = right.start
    return start, end, body


def _trim_whitespace_edit(
    text: str, start: int, end: int, replacement: str, target: list[str]
) -> tuple[int, int, str]:
    # Deletions and insertions include the spaces around them; keep only what changes.
    # Replacements stay whole words ("go" -> "went", not "go" -> "wen" + ...).
    if not target or text[start:end].strip() == "":
        return _trim(text, start, end, replacement)
    return start, end, replacement


def _deletion(
    text: str, tokens: Sequence[Token], first: int, last: int, left: Token | None,
    right: Token | None,
) -> tuple[int, int, str]:
    if left is not None and right is not None:
        gap_before = text[left.end : tokens[first].start]
        gap_after = text[tokens[last - 1].end : right.start]
        keep = separator(left.text, right.text) and (gap_before or gap_after)
        return left.end, right.start, keep or ""
    if left is not None:
        return left.end, tokens[last - 1].end, ""
    if right is not None:
        return tokens[first].start, right.start, ""
    return tokens[first].start, tokens[last - 1].end, ""


def _insertion(
    text: str, target: list[str], left: Token | None, right: Token | None
) -> tuple[int, int, str]:
    body = detokenize(target)
    if left is not None and right is not None:
        gap = text[left.end : right.start]
        space = gap if gap.strip() == "" and gap else " "
        before = space if separator(left.text, target[0]) else ""
        after = space if separator(target[-1], right.text) else ""
        return left.end, right.start, before + body + after
    if left is not None:
        return left.end, left.end, separator(left.text, target[0]) + body
    if right is not None:
        return right.start, right.start, body + separator(target[-1], right.text)
    return 0, 0, body


# --- explaining -----------------------------------------------------------------------------


def op_tag(op: AlignmentOp, source: Sequence[str], final: Sequence[str]) -> str:
    """The tag that explains one alignment op (what derive_tags would give it)."""
    if op.kind == "replace":
        previous = source[op.src_start - 1] if op.src_start else None
        return token_tag(source[op.src_start], final[op.tgt_start], previous)
    if op.kind == "delete":
        return DELETE
    if op.kind == "insert":
        return append_tag(final[op.tgt_start])
    if op.kind == "split":
        return SPLIT_HYPHEN
    if op.kind == "merge":
        return MERGE_HYPHEN if "-" in op.joiners else MERGE_SPACE
    raise ValueError(f"no tag for op kind {op.kind!r}")


def explain(
    edit: SpanEdit, source: Sequence[str], final: Sequence[str], confidence: float
) -> GrammarEdit:
    """Category, message and rule id of a span edit."""
    first, last = edit.source_tokens
    previous = source[first - 1] if first > 0 else None
    src_text = detokenize(source[first:last])
    tgt_text = detokenize(final[edit.ops[0].tgt_start : edit.ops[-1].tgt_end])
    tags = [op_tag(op, source, final) for op in edit.ops]
    if len(edit.ops) == 1:
        source_token = source[first] if first < last else (previous or "")
        target = None if tags[0] == DELETE else tgt_text
        category = category_of(tags[0], source_token, target, previous=previous)
        message = message_for(tags[0], source_token, target, previous=previous)
    else:
        categories = {
            category_of(tag, source[op.src_start] if op.src_start < op.src_end else "")
            for tag, op in zip(tags, edit.ops, strict=True)
        }
        category = categories.pop() if len(categories) == 1 else Category.OTHER
        message = f"Replace '{src_text}' with '{tgt_text}'" if src_text else f"Add '{tgt_text}'"
    return GrammarEdit(
        edit.start, edit.end, edit.replacement, category, message, confidence, tags[0]
    )


# --- trust ----------------------------------------------------------------------------------


def damage(text: str, edit: GrammarEdit | SpanEdit) -> str | None:
    """Why applying ``edit`` alone would damage ``text`` (None when it would not): a span
    outside the text, or two words glued together ("it, their" -> "itthere"). An edit
    replaces only ``text[start:end]``, so everything outside its span is unchanged by
    construction; what remains to check is how the replacement meets its neighbours."""
    start, end, new = edit.start, edit.end, edit.replacement
    if not 0 <= start <= end <= len(text):
        return f"span {start}-{end} outside the text"
    left = text[start - 1] if start else ""
    right = text[end] if end < len(text) else ""
    old = text[start:end]
    if left.isalnum() and new[:1].isalnum() and not old[:1].isalnum():
        return f"glues {left!r} to {new!r}"
    if right.isalnum() and new[-1:].isalnum() and not old[-1:].isalnum():
        return f"glues {new!r} to {right!r}"
    if not new and left.isalnum() and right.isalnum():
        return f"deleting {old!r} glues its neighbours"
    return None
