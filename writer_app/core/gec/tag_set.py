"""GECToR edit tags and applying them to tokens.

A sentence of ``n`` tokens gets ``n + 1`` tags: index 0 belongs to the virtual ``$START``
token (only ``$APPEND_x`` means anything there: it inserts at the start), index ``i`` to
token ``i - 1``. One application of the tags is one GECToR iteration; corrections that
need two edits on the same token (or several insertions after it) take several.

Tags:

* ``$KEEP``, ``$DELETE``, ``$APPEND_x`` (keep the token, insert ``x`` after it),
  ``$REPLACE_x``;
* case: ``$TRANSFORM_CASE_LOWER``, ``_UPPER`` (all capitals), ``_CAPITAL`` (first letter
  up, rest down), ``_CAPITAL_1`` (keep the first character, capitalise from the second:
  ``iphone`` -> ``iPhone``), ``_UPPER_-1`` (all but the last: ``ceos`` -> ``CEOs``);
* ``$TRANSFORM_VERB_{FROM}_{TO}`` for the Penn tags VB, VBD, VBG, VBN, VBP, VBZ;
* ``$TRANSFORM_AGREEMENT_PLURAL`` / ``_SINGULAR`` (noun number);
* ``$MERGE_SPACE`` / ``$MERGE_HYPHEN``: join the token with the next one ("every day" ->
  "everyday", "well known" -> "well-known"); ``$TRANSFORM_SPLIT_HYPHEN`` splits at hyphens.

A transform that does not fit its token (``$TRANSFORM_VERB_VBD_VBN`` on "table") leaves
the token unchanged, as GECToR does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from writer_app.core.gec.verb_forms import (
    VERB_TAGS,
    pluralize,
    singularize,
    transform_verb,
)

START = "$START"
KEEP = "$KEEP"
DELETE = "$DELETE"
APPEND_PREFIX = "$APPEND_"
REPLACE_PREFIX = "$REPLACE_"

CASE_LOWER = "$TRANSFORM_CASE_LOWER"
CASE_UPPER = "$TRANSFORM_CASE_UPPER"
CASE_CAPITAL = "$TRANSFORM_CASE_CAPITAL"
CASE_CAPITAL_1 = "$TRANSFORM_CASE_CAPITAL_1"
CASE_UPPER_MINUS_1 = "$TRANSFORM_CASE_UPPER_-1"
# Order matters when two transforms give the same result ("i" -> "I"): the first wins.
CASE_TAGS = (CASE_CAPITAL, CASE_LOWER, CASE_UPPER, CASE_CAPITAL_1, CASE_UPPER_MINUS_1)

VERB_PREFIX = "$TRANSFORM_VERB_"
VERB_TRANSFORM_TAGS = tuple(
    f"{VERB_PREFIX}{a}_{b}" for a in VERB_TAGS for b in VERB_TAGS if a != b
)
AGREEMENT_PLURAL = "$TRANSFORM_AGREEMENT_PLURAL"
AGREEMENT_SINGULAR = "$TRANSFORM_AGREEMENT_SINGULAR"
MERGE_SPACE = "$MERGE_SPACE"
MERGE_HYPHEN = "$MERGE_HYPHEN"
SPLIT_HYPHEN = "$TRANSFORM_SPLIT_HYPHEN"
MERGE_TAGS = {MERGE_SPACE: "", MERGE_HYPHEN: "-"}

TRANSFORM_TAGS: tuple[str, ...] = (
    CASE_TAGS
    + VERB_TRANSFORM_TAGS
    + (AGREEMENT_PLURAL, AGREEMENT_SINGULAR, SPLIT_HYPHEN, MERGE_SPACE, MERGE_HYPHEN)
)
BASE_TAGS: tuple[str, ...] = (KEEP, DELETE) + TRANSFORM_TAGS
_BASE_SET = frozenset(BASE_TAGS)


def append_tag(token: str) -> str:
    return APPEND_PREFIX + token


def replace_tag(token: str) -> str:
    return REPLACE_PREFIX + token


def is_lexical(tag: str) -> bool:
    """``$APPEND_x`` and ``$REPLACE_x``: the tags that carry a word."""
    return _payload(tag) is not None


def is_valid_tag(tag: str) -> bool:
    return tag in _BASE_SET or bool(_payload(tag))


def _payload(tag: str) -> str | None:
    for prefix in (APPEND_PREFIX, REPLACE_PREFIX):
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return tag[len(prefix) :]
    return None


# --- applying tags --------------------------------------------------------------------------


def convert_case(token: str, tag: str) -> str:
    """Apply one of the ``$TRANSFORM_CASE_*`` tags to ``token``."""
    if tag == CASE_LOWER:
        return token.lower()
    if tag == CASE_UPPER:
        return token.upper()
    if tag == CASE_CAPITAL:
        return token.capitalize()
    if tag == CASE_CAPITAL_1:
        return token[:1] + token[1:].capitalize()
    if tag == CASE_UPPER_MINUS_1:
        return token[:-1].upper() + token[-1:]
    raise ValueError(f"not a case tag: {tag!r}")


def case_tag_between(source: str, target: str) -> str | None:
    """The case transform that turns ``source`` into exactly ``target``, if any."""
    if source == target or source.lower() != target.lower():
        return None
    return next((tag for tag in CASE_TAGS if convert_case(source, tag) == target), None)


def apply_token_tag(token: str, tag: str) -> list[str]:
    """The tokens that ``token`` becomes under ``tag`` (merges are done by apply_tags)."""
    if tag == KEEP or tag in MERGE_TAGS:
        return [token]
    if tag == DELETE:
        return []
    if tag.startswith(APPEND_PREFIX) and is_lexical(tag):
        return [token, tag[len(APPEND_PREFIX) :]]
    if tag.startswith(REPLACE_PREFIX) and is_lexical(tag):
        return [tag[len(REPLACE_PREFIX) :]]
    if tag in CASE_TAGS:
        return [convert_case(token, tag)]
    if tag in VERB_TRANSFORM_TAGS:
        from_tag, to_tag = tag[len(VERB_PREFIX) :].split("_")
        return [transform_verb(token, from_tag, to_tag) or token]
    if tag == AGREEMENT_PLURAL:
        return [pluralize(token) or token]
    if tag == AGREEMENT_SINGULAR:
        return [singularize(token) or token]
    if tag == SPLIT_HYPHEN:
        return [part for part in token.split("-") if part] or [token]
    raise ValueError(f"unknown tag: {tag!r}")


def apply_tags(tokens: Sequence[str], tags: Sequence[str]) -> list[str]:
    """One GECToR iteration: ``tags[0]`` is for ``$START``, ``tags[i + 1]`` for ``tokens[i]``.

    On ``$START`` only ``$APPEND_x`` acts; a model's other predictions there are ignored.
    A merge joins the token with the first token that the following positions produce.
    """
    if len(tags) != len(tokens) + 1:
        raise ValueError(f"{len(tokens)} tokens need {len(tokens) + 1} tags, got {len(tags)}")
    start_tag = tags[0]
    result = [start_tag[len(APPEND_PREFIX) :]] if start_tag.startswith(APPEND_PREFIX) else []
    pending_join: str | None = None
    for token, tag in zip(tokens, tags[1:], strict=True):
        for produced in apply_token_tag(token, tag):
            if pending_join is not None and result:
                result[-1] += pending_join + produced
                pending_join = None
            else:
                result.append(produced)
        if tag in MERGE_TAGS:
            pending_join = MERGE_TAGS[tag]
    return result


def apply_iterations(tokens: Sequence[str], tag_lists: Iterable[Sequence[str]]) -> list[str]:
    """Apply several iterations of tags in turn (the output of derive_tag_sequences)."""
    current = list(tokens)
    for tags in tag_lists:
        current = apply_tags(current, tags)
    return current
