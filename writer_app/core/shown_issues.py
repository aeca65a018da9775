"""The issues shown for one text, kept per sentence unit, so that the results arriving for
a few units while a check runs redraw those units only, not the whole document.

GrammarController makes one for the text it draws (the whole document, or the region
of a large one around the view) and asks it again as batches of results arrive; when
the text, the filter or the settings change, it makes a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from writer_app.core.grammar_check import (
    DocIssue,
    IssueFilter,
    ResultCache,
    TextUnit,
    Utf16Positions,
)


class ShownIssues:
    """Issues of `units` (split from `text`, which starts at editor position `base`)
    in editor positions: UTF-16 code units, `base` added."""

    def __init__(self, text: str, base: int, units: Sequence[TextUnit]) -> None:
        self.text = text
        self.base = base
        self.units = units
        self._positions = Utf16Positions(text)
        self._indices: dict[str, list[int]] = {}  # unit key -> indices in units
        for index, unit in enumerate(units):
            self._indices.setdefault(unit.key, []).append(index)
        self._issues: dict[int, list[DocIssue]] = {}  # unit index -> its shown issues

    @property
    def end(self) -> int:
        """The editor position where the text ends."""
        return self.base + self._positions(len(self.text))

    def matches(self, text: str, base: int) -> bool:
        return base == self.base and text == self.text

    def fill(self, cache: ResultCache, shown: IssueFilter) -> None:
        """Every unit's issues, from the results cached now."""
        self._issues.clear()
        self.update(self._indices, cache, shown)

    def update(self, keys: Iterable[str], cache: ResultCache, shown: IssueFilter) -> None:
        """The issues of the units with these keys again (their results just arrived)."""
        for key in keys:
            for index in self._indices.get(key, ()):
                issues = [self._place(issue) for issue in cache.issues(self.units[index])
                          if shown.shows(issue)]
                if issues:
                    self._issues[index] = issues
                else:
                    self._issues.pop(index, None)

    def issues(self) -> list[DocIssue]:
        """All of them, in document order."""
        return [issue for index in sorted(self._issues) for issue in self._issues[index]]

    def _place(self, issue: DocIssue) -> DocIssue:
        issue = self._positions.issue(issue)
        return issue.moved(self.base) if self.base else issue
