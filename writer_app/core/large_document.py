"""Budgets that keep a large document as quick to edit as a small one.

In a large document, work that looks at the whole text on every edit (checking every
sentence, drawing every underline) costs more than the edit. There, grammar checks
cover the region around what is visible and the cursor (and the rest on demand,
Tools › Check Document), and underlines are built for the visible part only. Small
documents keep the whole-document behaviour.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

# A document this long (characters) is "large": about 25,000 words.
LARGE_DOCUMENT_CHARS = 150_000
# Around the visible text, this much more on each side is checked and underlined, so
# that a short scroll finds the underlines already there.
REGION_MARGIN_CHARS = 6_000
# In a document up to this long (characters), every underline is drawn (no bookkeeping
# for a short text); in a longer one, those in view and UNDERLINE_MARGIN_CHARS around it,
# built again when the view leaves that range. Drawing then costs what is visible.
ALL_UNDERLINES_CHARS = 10_000
UNDERLINE_MARGIN_CHARS = 2_000


def is_large(characters: int) -> bool:
    return characters >= LARGE_DOCUMENT_CHARS


def check_region(length: int, visible: tuple[int, int], cursor: int,
                 margin: int = REGION_MARGIN_CHARS) -> tuple[int, int]:
    """The (start, end) range of a large document to check: the visible part and the
    cursor, with `margin` on each side, within the document."""
    low = min(visible[0], cursor) - margin
    high = max(visible[1], cursor) + margin
    return max(0, low), min(length, high)


# An issue spans a few words; a sentence-long one at most about this many characters.
LONGEST_ISSUE_CHARS = 1_000


def visible_indices(starts: Sequence[int], ends: Sequence[int], low: int,
                    high: int) -> range | list[int]:
    """Indices of the spans (sorted by start) that overlap [low, high], found by
    bisection: the cost follows the spans in view, not all of them."""
    first = bisect.bisect_left(starts, low - LONGEST_ISSUE_CHARS)
    last = bisect.bisect_right(starts, high)
    return [i for i in range(first, last) if ends[i] >= low]
