"""The large-document budgets: what is checked and drawn follows the view."""

from __future__ import annotations

from writer_app.core.large_document import (
    LARGE_DOCUMENT_CHARS,
    REGION_MARGIN_CHARS,
    check_region,
    is_large,
    visible_indices,
)


def test_only_long_documents_are_large():
    assert not is_large(LARGE_DOCUMENT_CHARS - 1) and is_large(LARGE_DOCUMENT_CHARS)


def test_the_check_region_covers_the_view_and_the_cursor_with_a_margin():
    assert check_region(1_000_000, (500_000, 503_000), 501_000) == (
        500_000 - REGION_MARGIN_CHARS, 503_000 + REGION_MARGIN_CHARS)
    # the cursor out of view (the writer scrolled away) is covered too
    low, high = check_region(1_000_000, (10_000, 13_000), 900_000)
    assert low == 10_000 - REGION_MARGIN_CHARS and high == 900_000 + REGION_MARGIN_CHARS
    assert check_region(5_000, (0, 4_000), 100) == (0, 5_000)  # clipped to the document


def test_visible_spans_are_found_by_bisection():
    starts = list(range(0, 100_000, 10))
    ends = [s + 4 for s in starts]
    found = visible_indices(starts, ends, 50_002, 50_031)
    assert [starts[i] for i in found] == [50_000, 50_010, 50_020, 50_030]
    assert visible_indices(starts, ends, 200_000, 300_000) == []
