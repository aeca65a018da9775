"""Recovery journals: edits replayed on the last full copy, in the editor's UTF-16
positions; a cut-short line or a stale journal never damages what is restored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.core.documents import DocumentError
from writer_app.core.recovery import RecoveryStore
from writer_app.core.recovery_journal import append_edits, apply_edits, read_journal


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_edits_count_utf16_units_like_the_editor():
    # "😀" is two UTF-16 units: the editor puts "x" after it at position 2, not 1.
    text, applied = apply_edits("😀 ok", [(2, 0, "x"), (0, 2, "é"), (3, 2, "")])
    assert (text, applied) == ("éx ", 3)


def test_an_edit_that_does_not_fit_stops_the_replay():
    text, applied = apply_edits("abc", [(3, 0, "d"), (10, 1, "!"), (0, 1, "z")])
    assert (text, applied) == ("abcd", 1)


def test_a_line_cut_short_by_a_crash_ends_the_journal(tmp_path: Path):
    journal = tmp_path / "j.journal"
    append_edits(journal, [(0, 0, "a\nb"), (1, 1, "😀")])
    with open(journal, "a", encoding="utf-8") as handle:
        handle.write('[5, 0, "half')  # no newline: the write was cut short
    assert read_journal(journal) == [(0, 0, "a\nb"), (1, 1, "😀")]
    assert read_journal(tmp_path / "missing.journal") == []


def test_appended_edits_are_restored_on_the_full_copy(tmp_path: Path):
    old = RecoveryStore(tmp_path, pid=dead_pid())
    old.save("doc", "Line one.\n", "/home/me/draft.md")
    size = old.append("doc", [(9, 0, " More")])
    assert size > 0
    old.append("doc", [(0, 4, "First"), (len("First one. More"), 0, "\nZoë 😀")])
    (entry,) = RecoveryStore(tmp_path).pending()
    assert entry.text == "First one. More\nZoë 😀\n"
    assert entry.original_path == "/home/me/draft.md"


def test_a_new_full_copy_starts_a_new_journal(tmp_path: Path):
    old = RecoveryStore(tmp_path, pid=dead_pid())
    old.save("doc", "abc", None)
    old.append("doc", [(3, 0, "d")])
    old.save("doc", "abcd!", None)  # the journal before belongs to the old copy
    assert list(old.session_dir.glob("*.journal")) == []  # the old one is gone
    (entry,) = RecoveryStore(tmp_path).pending()
    assert entry.text == "abcd!"


def test_a_journal_of_another_copy_is_never_replayed(tmp_path: Path):
    """A crash after the new copy but before the old journal went: the sidecar names
    the journal that belongs to the text, the old one is ignored."""
    old = RecoveryStore(tmp_path, pid=dead_pid())
    old.save("doc", "abc", None)
    old.append("doc", [(0, 3, "XYZ")])
    (journal,) = old.session_dir.glob("*.journal")
    stale = journal.read_bytes()
    old.save("doc", "new text", None)
    journal.write_bytes(stale)  # left behind
    (entry,) = RecoveryStore(tmp_path).pending()
    assert entry.text == "new text"


def test_append_needs_a_full_copy_first(tmp_path: Path):
    store = RecoveryStore(tmp_path)
    with pytest.raises(DocumentError):
        store.append("doc", [(0, 0, "x")])


def test_remove_and_discard_take_the_journal_too(tmp_path: Path):
    store = RecoveryStore(tmp_path)
    store.save("doc", "abc", None)
    store.append("doc", [(0, 0, "x")])
    store.remove("doc")
    assert list(store.session_dir.glob("*")) == [store.session_dir / "session.json"]
    old = RecoveryStore(tmp_path / "other", pid=dead_pid())
    old.save("doc", "abc", None)
    old.append("doc", [(0, 0, "x")])
    (entry,) = RecoveryStore(tmp_path / "other").pending()
    RecoveryStore(tmp_path / "other").discard(entry)
    assert not old.session_dir.exists()
