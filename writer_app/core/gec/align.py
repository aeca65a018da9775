"""Token alignment and GECToR tag derivation from (source, target) sentence pairs.

``align`` is a weighted Levenshtein alignment over tokens. Substituting a word costs less
the more its characters resemble the replacement, so "go"/"goes" pair up rather than
being deleted and re-inserted; identical tokens cost nothing and case-only differences
almost nothing. Two extra moves explain compounds: *merge* (2-4 source tokens joined by
"" or "-" give one target token) and *split* (a hyphenated source token gives 2-4 target
tokens).

``derive_tags`` turns an alignment into one tag per source token (plus ``$START``):
case, verb-form and noun-number transforms are preferred to ``$REPLACE`` whenever they
produce the target token exactly. A token gets at most one tag per iteration, so:

* **Multi-token insertions**: when several tokens are inserted at one place, only the
  first (leftmost) becomes ``$APPEND_x`` on the token before; the next iteration sees
  that word in the source and appends the next one after it, and so on.
* An insertion after a token that is itself being edited also waits for the next
  iteration (there is no "replace and append" tag).
* A case-insensitive merge or split is done first; the case fix follows.

``derive_steps``/``derive_tag_sequences`` repeat this until the target is reached and
return the tags of each iteration: applying them in turn gives the target exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from writer_app.core.gec.tags import (
    DELETE,
    DETERMINERS,
    KEEP,
    MERGE_HYPHEN,
    MERGE_SPACE,
    PREPOSITIONS,
    SPLIT_HYPHEN,
    append_tag,
    apply_tags,
    case_tag_between,
    replace_tag,
    similarity,
)
from writer_app.core.gec.verb_forms import (
    noun_transform_between,
    verb_transform_between,
    word_classes,
)

# Costs are integers so that ties are exact and the tie-break order below decides.
_CASE_COST = 10
_GAP_COST = 100
_SUBSTITUTE_BASE = 50  # + up to 100 for dissimilar characters: always below delete+insert
_JOIN_COST = 20  # per joined gap, for merges and splits that match exactly
_JOIN_CASE_COST = 40  # ... that match only ignoring case
_MAX_JOIN = 4  # "state of the art" -> "state-of-the-art"
_NUMBER_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen",
     "hundred", "thousand", "million", "first", "last", "next", "various", "numerous"}
)
_JOINER_TAGS = {"": MERGE_SPACE, "-": MERGE_HYPHEN}


@dataclass(frozen=True)
class AlignmentOp:
    """One step of an alignment: source[src_start:src_end] becomes target[tgt_start:tgt_end].

    ``kind`` is "equal", "replace" (one token for one token, including case-only changes),
    "delete", "insert" (``src_start == src_end``: the position it is inserted at), "merge"
    (``joiners`` between the source tokens) or "split".
    """

    kind: str
    src_start: int
    src_end: int
    tgt_start: int
    tgt_end: int
    joiners: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagStep:
    """One iteration: the tokens it starts from and their tags (``len(tokens) + 1``)."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]


class AlignmentError(ValueError):
    """Tag derivation could not reach the target (a bug, or too many iterations needed)."""


@lru_cache(maxsize=131072)
def substitution_cost(source: str, target: str) -> int:
    if source == target:
        return 0
    low_source, low_target = source.lower(), target.lower()
    if low_source == low_target:
        return _CASE_COST
    return _SUBSTITUTE_BASE + round(100 * (1 - similarity(low_source, low_target)))


def _join_match(parts: Sequence[str], word: str) -> tuple[int, tuple[str, ...]] | None:
    """Cost and joiners if ``parts`` joined by "" / "-" spell ``word`` (ignoring case)."""
    if sum(map(len, parts)) > len(word) or len(word) > sum(map(len, parts)) + len(parts):
        return None
    best = None
    for joiners in itertools.product(_JOINER_TAGS, repeat=len(parts) - 1):
        joined = parts[0] + "".join(j + p for j, p in zip(joiners, parts[1:], strict=True))
        if joined == word:
            return _JOIN_COST * len(joiners), joiners
        if best is None and joined.lower() == word.lower():
            best = _JOIN_CASE_COST * len(joiners), joiners
    return best


def _split_match(word: str, parts: Sequence[str]) -> int | None:
    """Cost if the hyphenated ``word`` splits at its hyphens into ``parts``."""
    joined = "-".join(parts)
    if joined == word:
        return _JOIN_COST * (len(parts) - 1)
    if joined.lower() == word.lower():
        return _JOIN_CASE_COST * (len(parts) - 1)
    return None


def align(source: Sequence[str], target: Sequence[str]) -> list[AlignmentOp]:
    """The cheapest alignment of two token lists, as ops in order.

    Ties are broken towards merges/splits, then deletions, then insertions, then
    substitutions; since the trace runs backwards, a repeated word's *second* copy is
    the one deleted ("the the cat" -> delete the second "the"). The common prefix and
    suffix are matched directly, which keeps long sentences with few edits fast (and
    agrees with the tie-break: the first copy of a repeated word is kept).
    """
    n, m = len(source), len(target)
    prefix = 0
    while prefix < min(n, m) and source[prefix] == target[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(n, m) - prefix and source[n - 1 - suffix] == target[m - 1 - suffix]:
        suffix += 1
    middle = _align_middle(source[prefix : n - suffix], target[prefix : m - suffix])
    return (
        [AlignmentOp("equal", i, i + 1, i, i + 1) for i in range(prefix)]
        + [_shifted(op, prefix, prefix) for op in middle]
        + [
            AlignmentOp("equal", i, i + 1, j, j + 1)
            for i, j in zip(range(n - suffix, n), range(m - suffix, m), strict=True)
        ]
    )


def _shifted(op: AlignmentOp, by_source: int, by_target: int) -> AlignmentOp:
    return AlignmentOp(
        op.kind, op.src_start + by_source, op.src_end + by_source, op.tgt_start + by_target,
        op.tgt_end + by_target, op.joiners,
    )


def _align_middle(source: Sequence[str], target: Sequence[str]) -> list[AlignmentOp]:
    """Weighted Levenshtein over tokens with merge and split moves (see align)."""
    n, m = len(source), len(target)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    back: list[list[AlignmentOp | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i or j:
                cost[i][j], back[i][j] = _best_move(source, target, cost, i, j)
    ops: list[AlignmentOp] = []
    i, j = n, m
    while i or j:
        op = back[i][j]
        assert op is not None
        ops.append(op)
        i, j = op.src_start, op.tgt_start
    ops.reverse()
    return ops


def _best_move(
    source: Sequence[str], target: Sequence[str], cost: list[list[int]], i: int, j: int
) -> tuple[int, AlignmentOp]:
    """The cheapest way to reach cell (i, j); candidates are listed in tie-break order."""
    candidates: list[tuple[int, AlignmentOp]] = []
    for k in range(2, _MAX_JOIN + 1):
        if i >= k and j >= 1:
            match = _join_match(source[i - k : i], target[j - 1])
            if match:
                op = AlignmentOp("merge", i - k, i, j - 1, j, match[1])
                candidates.append((cost[i - k][j - 1] + match[0], op))
        if i >= 1 and j >= k and "-" in source[i - 1]:
            split_cost = _split_match(source[i - 1], target[j - k : j])
            if split_cost is not None:
                op = AlignmentOp("split", i - 1, i, j - k, j)
                candidates.append((cost[i - 1][j - k] + split_cost, op))
    if i >= 1:
        candidates.append((cost[i - 1][j] + _GAP_COST, AlignmentOp("delete", i - 1, i, j, j)))
    if j >= 1:
        candidates.append((cost[i][j - 1] + _GAP_COST, AlignmentOp("insert", i, i, j - 1, j)))
    if i >= 1 and j >= 1:
        sub = substitution_cost(source[i - 1], target[j - 1])
        kind = "equal" if sub == 0 else "replace"
        candidates.append((cost[i - 1][j - 1] + sub, AlignmentOp(kind, i - 1, i, j - 1, j)))
    best = candidates[0]
    for candidate in candidates[1:]:
        if candidate[0] < best[0]:
            best = candidate
    return best


# --- tags -----------------------------------------------------------------------------------


def token_tag(source: str, target: str, previous: str | None = None) -> str:
    """The tag for one substituted token: ``$KEEP``, a case, verb-form or noun-number
    transform if one gives ``target`` exactly, otherwise ``$REPLACE_target``.

    When both a verb and a noun transform fit ("book" -> "books"), the word before
    decides: after a determiner, number, preposition or adjective it is a noun.
    """
    if source == target:
        return KEEP
    case_tag = case_tag_between(source, target)
    if case_tag:
        return case_tag
    verb_tag = verb_transform_between(source, target)
    noun_tag = noun_transform_between(source, target)
    if verb_tag and noun_tag:
        return noun_tag if _noun_context(previous) else verb_tag
    return verb_tag or noun_tag or replace_tag(target)


def _noun_context(previous: str | None) -> bool:
    if previous is None:
        return False
    word = previous.lower()
    if word in DETERMINERS or word in PREPOSITIONS or word in _NUMBER_WORDS or word.isdigit():
        return True
    # An adjective that cannot be a verb ("red", "old"; not "clean") before the word.
    classes = word_classes(word)
    return "ADJ" in classes and "VERB" not in classes


def derive_tags(source: Sequence[str], target: Sequence[str]) -> list[str]:
    """Tags for ONE iteration towards ``target``: ``len(source) + 1`` of them."""
    tags = [KEEP] * (len(source) + 1)
    first_insertion: dict[int, str] = {}
    for op in align(source, target):
        position = op.src_start + 1  # tag index of the op's first source token
        if op.kind == "replace":
            previous = source[op.src_start - 1] if op.src_start else None
            tags[position] = token_tag(source[op.src_start], target[op.tgt_start], previous)
        elif op.kind == "delete":
            tags[position] = DELETE
        elif op.kind == "split":
            tags[position] = SPLIT_HYPHEN
        elif op.kind == "merge":
            for offset, joiner in enumerate(op.joiners):
                tags[position + offset] = _JOINER_TAGS[joiner]
        elif op.kind == "insert":
            # Inserted at src_start: after token src_start - 1, i.e. that token's tag.
            first_insertion.setdefault(op.src_start, target[op.tgt_start])
    for index, word in first_insertion.items():
        if tags[index] == KEEP:
            tags[index] = append_tag(word)
    return tags


def derive_steps(
    source: Sequence[str], target: Sequence[str], max_iterations: int = 10
) -> list[TagStep]:
    """The iterations that turn ``source`` into ``target``; none if they are equal.
    Raises AlignmentError if more than ``max_iterations`` would be needed."""
    current, goal = list(source), list(target)
    steps: list[TagStep] = []
    while current != goal:
        if len(steps) == max_iterations:
            raise AlignmentError(f"more than {max_iterations} iterations: {source!r} -> {target!r}")
        tags = derive_tags(current, goal)
        following = apply_tags(current, tags)
        if following == current:
            raise AlignmentError(f"no progress at {current!r} towards {goal!r}")
        steps.append(TagStep(tuple(current), tuple(tags)))
        current = following
    return steps


def derive_tag_sequences(
    source: Sequence[str], target: Sequence[str], max_iterations: int = 10
) -> list[list[str]]:
    """The tag list of each iteration; ``apply_iterations(source, result) == target``."""
    return [list(step.tags) for step in derive_steps(source, target, max_iterations)]
