"""Incremental grammar bookkeeping gives what a fresh computation gives: the splitter's
per-paragraph cache after any edits, the issues kept with the cached results, and the
issues drawn per unit as results arrive."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.core import grammar_check as gc
from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tags import Category
from writer_app.core.shown_issues import ShownIssues

# Pieces that exercise sentence ends, paragraphs, fences, markers and non-prose text.
PIECES = ("The cat sat", ". ", "? ", "! ", "\n", "\n\n", "```\n", "~~~\n", "# ", "- ",
          "> ", "teh wrold", " and ", "Mr. Smith", "e.g. this", "v1.2", "x", " ", "’",
          "\U0001f600", "1. ", "a/b.py", "`code`")

edits_strategy = st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 12), st.sampled_from(PIECES)),
    min_size=1, max_size=25)


def _edit(text: str, where: float, removed: int, inserted: str) -> str:
    position = int(where * len(text))
    return text[:position] + inserted + text[position + removed:]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), edits_strategy)
def test_cached_splitter_after_random_edits_equals_a_fresh_split(start, edits):
    splitter = gc.UnitSplitter(cache_size=8)  # small: evictions happen too
    text = "".join(start)
    assert splitter.split(text) == gc.split_units(text)
    for where, removed, inserted in edits:
        text = _edit(text, where, removed, inserted)
        units = splitter.split(text)
        assert units == gc.split_units(text)
        for unit in units:
            assert text[unit.start:unit.end] == unit.text
            assert unit.key == gc.unit_key(unit.text)


def _random_edits(rng: random.Random, text: str) -> list[GrammarEdit]:
    found = []
    for _ in range(rng.randint(0, 4)):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.randint(0, 4))
        found.append(GrammarEdit(start, end, rng.choice(["the", "", "a"]),
                                 rng.choice(list(Category)), "msg",
                                 rng.choice([0.2, 0.5, 0.9]), rng.choice(["R1", "R2"])))
    return found


def _fresh_issues(units, results, shown) -> list[gc.DocIssue]:
    """The issues computed from scratch, as before they were kept with the results."""
    issues = []
    for unit in units:
        edits = results.get(unit.key)
        if edits:
            issues.extend(i for i in gc.unit_issues(unit, edits) if shown.shows(i))
    return issues


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_kept_issues_equal_fresh_ones_through_edits_new_results_and_evictions(seed):
    rng = random.Random(seed)
    text = "Teh cat sat. It go home. Teh end.\n\nA wrold apart. It go home. Then 12 more."
    cache = gc.ResultCache(size=rng.choice([3, 50]))
    shown = gc.IssueFilter(min_confidence=rng.choice([0.0, 0.4]))
    splitter = gc.UnitSplitter()
    results: dict[str, tuple[GrammarEdit, ...]] = {}  # what the cache holds, by hand
    for _ in range(8):
        text = _edit(text, rng.random(), rng.randint(0, 5), rng.choice(PIECES))
        units = splitter.split(text)
        for unit in rng.sample(units, min(len(units), 3)):
            edits = tuple(_random_edits(rng, unit.text))
            cache.put(unit.key, edits)  # a new result for a known text replaces the old
            results[unit.key] = edits
        results = {k: v for k, v in results.items() if k in cache}  # evicted: gone
        assert gc.document_issues(units, cache, shown) == _fresh_issues(units, results, shown)
        for unit in units:  # the unit's issues wherever the unit is now
            assert cache.issues(unit) == (gc.unit_issues(unit, results[unit.key])
                                          if results.get(unit.key) else [])
    cache.clear()
    assert gc.document_issues(splitter.split(text), cache, shown) == []


def _reference(text: str, base: int, units, cache, shown) -> list[gc.DocIssue]:
    """How the controller drew a text before: all units, then UTF-16, then the base."""
    positions = gc.Utf16Positions(text)
    return [positions.issue(i).moved(base) for i in gc.document_issues(units, cache, shown)]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_shown_issues_updated_as_results_arrive_equal_a_fresh_drawing(seed):
    rng = random.Random(seed)
    text = ("Teh cat \U0001f600 sat. It go home. Teh end.\n\nA wrold apart. It go home.\n"
            "Then 12 more. Teh cat \U0001f600 sat.")
    base = rng.choice([0, 7, 1000])
    units = gc.split_units(text)
    cache, shown = gc.ResultCache(), gc.IssueFilter()
    drawn = ShownIssues(text, base, units)
    drawn.fill(cache, shown)
    assert drawn.issues() == [] and drawn.end == base + len(text.encode("utf-16-le")) // 2
    pending = list(dict.fromkeys(u.key for u in units))
    rng.shuffle(pending)
    texts = {u.key: u.text for u in units}
    while pending:  # results arrive in batches, in any order, some twice
        batch = [pending.pop() for _ in range(min(len(pending), rng.randint(1, 3)))]
        if rng.random() < 0.3:
            batch.append(rng.choice(list(texts)))
        for key in batch:
            cache.put(key, _random_edits(rng, texts[key]))
        drawn.update(batch, cache, shown)
        assert drawn.issues() == _reference(text, base, units, cache, shown)
    assert drawn.matches(text, base) and not drawn.matches(text + "x", base)
    again = ShownIssues(text, base, units)
    again.fill(cache, shown)
    assert again.issues() == drawn.issues()
