"""The crash-recovery store: sessions, pending entries, and damaged files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.core.documents import DocumentError
from writer_app.core.recovery import RecoveryStore, pid_alive


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "recovery"


def crashed_store(folder: Path) -> RecoveryStore:
    return RecoveryStore(folder, pid=dead_pid())


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())
    assert not pid_alive(0)


def test_entries_of_a_crashed_session_are_pending(folder: Path) -> None:
    old = crashed_store(folder)
    old.save("doc-1", "Zoë’s draft — ünïcödé\n", "/home/zoe/draft.md")
    old.save("doc-2", "untitled text", None)

    entries = RecoveryStore(folder).pending()

    by_key = {entry.doc_key: entry for entry in entries}
    assert set(by_key) == {"doc-1", "doc-2"}
    assert by_key["doc-1"].text == "Zoë’s draft — ünïcödé\n"
    assert by_key["doc-1"].original_path == "/home/zoe/draft.md"
    assert by_key["doc-1"].display_name == "draft.md"
    assert by_key["doc-2"].original_path is None
    assert by_key["doc-2"].display_name == "Untitled"
    assert all(entry.session_id == old.session_id for entry in entries)


def test_live_sessions_are_not_pending(folder: Path) -> None:
    running = RecoveryStore(folder)  # this process: alive
    running.save("doc", "still being edited", None)
    assert RecoveryStore(folder).pending() == []
    assert running.pending() == []  # a store never offers its own session


def test_pending_is_newest_first(folder: Path) -> None:
    old = crashed_store(folder)
    for key in ("first", "second", "third"):
        old.save(key, key, None)
        meta = old._files(key)[1]
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["saved_at"] = {"first": 100.0, "second": 300.0, "third": 200.0}[key]
        meta.write_text(json.dumps(data), encoding="utf-8")
    assert [e.doc_key for e in RecoveryStore(folder).pending()] == ["second", "third", "first"]


def test_save_overwrites_the_previous_copy(folder: Path) -> None:
    old = crashed_store(folder)
    old.save("doc", "version 1", None)
    old.save("doc", "version 2", "/tmp/x.txt")
    (entry,) = RecoveryStore(folder).pending()
    assert entry.text == "version 2"
    assert entry.original_path == "/tmp/x.txt"
    assert not [p for p in old.session_dir.iterdir() if p.suffix == ".tmp"]


def test_discard_removes_the_entry_and_finally_the_session(folder: Path) -> None:
    old = crashed_store(folder)
    old.save("a", "A", None)
    old.save("b", "B", None)
    store = RecoveryStore(folder)
    first, second = store.pending()

    store.discard(first)
    assert [e.doc_key for e in store.pending()] == [second.doc_key]
    assert old.session_dir.exists()

    store.discard(second)
    assert store.pending() == []
    assert not old.session_dir.exists()


def test_remove_and_clear_session(folder: Path) -> None:
    store = RecoveryStore(folder)
    store.save("a", "A", None)
    store.save("b", "B", None)
    store.remove("a")
    assert sorted(p.suffix for p in store.session_dir.iterdir()) == [".json", ".json", ".txt"]
    store.remove("never-saved")  # no error
    store.clear_session()
    assert not store.session_dir.exists()
    store.clear_session()  # twice is fine


def test_dead_session_without_entries_is_cleaned_up(folder: Path) -> None:
    old = crashed_store(folder)
    old.save("doc", "text", None)
    old.remove("doc")
    assert old.session_dir.exists()
    assert RecoveryStore(folder).pending() == []
    assert not old.session_dir.exists()


def test_damaged_entries_are_skipped_not_fatal(folder: Path) -> None:
    old = crashed_store(folder)
    old.save("good", "good text", "/docs/good.md")
    old.save("bad-text", "will be broken", None)
    old.save("bad-meta", "text survives a broken sidecar", "/docs/lost.md")
    old._files("bad-text")[0].write_bytes(b"\xff\xfe\x00broken")
    old._files("bad-meta")[1].write_text("{not json", encoding="utf-8")
    (folder / "stray-file.txt").write_text("not a session", encoding="utf-8")
    junk = folder / "junk-session"
    junk.mkdir()
    (junk / "session.json").write_text("[]", encoding="utf-8")
    (junk / "x.json").write_text("garbage", encoding="utf-8")

    entries = {e.text: e for e in RecoveryStore(folder).pending()}

    assert set(entries) == {"good text", "text survives a broken sidecar"}
    assert entries["good text"].original_path == "/docs/good.md"
    # Without its sidecar the text is still offered, only the original path is lost.
    assert entries["text survives a broken sidecar"].original_path is None


def test_missing_folder_has_nothing_pending(tmp_path: Path) -> None:
    assert RecoveryStore(tmp_path / "does-not-exist").pending() == []


def test_save_failure_raises_document_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    store = RecoveryStore(blocker / "recovery")
    with pytest.raises(DocumentError):
        store.save("doc", "text", None)
