"""Further suggestions for a misspelled word: the editor's menu and LanguageTool clients
both list several replacements, not only the best one."""

from __future__ import annotations

from dataclasses import replace

from writer_app.core.gec.edits import GrammarEdit

SPELLING_ALTERNATIVES = 4  # suggestions offered for a misspelled word


def with_alternatives(checker, text: str, edits: list[GrammarEdit]) -> list[GrammarEdit]:
    """``edits`` plus the next-best candidates of each misspelled word, as edits on the
    same span at half the confidence."""
    speller = getattr(checker, "speller", None)
    if speller is None or not hasattr(speller, "candidates"):
        return edits
    extra = []
    for edit in edits:
        if edit.rule_id != "SPELLING":
            continue
        others = [c for c in speller.candidates(text[edit.start:edit.end])
                  if c != edit.replacement][: SPELLING_ALTERNATIVES - 1]
        extra.extend(replace(edit, replacement=c, confidence=edit.confidence * 0.5)
                     for c in others)
    return edits + extra
