"""--out never replaces what this app did not write, and swaps are atomic."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.robustness.conftest import run_cli
from writer_app.core import out_folder
from writer_app.core.out_folder import MARKER, out_problem, swap_in, sweep_stale, temp_folder


def tree(folder: Path) -> dict[str, str]:
    """Every path under `folder` with a hash of its bytes (folders and links marked)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def novel(tmp_path):
    folder = tmp_path / "Novel"
    (folder / "drafts").mkdir(parents=True)
    for n in range(3):
        (folder / f"chapter{n}.txt").write_text(
            "\n".join(f"Chapter {n}, line {k}: the keeper lit the lamp at dusk." for k in
                      range(40)), encoding="utf-8")
    (folder / "drafts" / "notes.md").write_text("# Notes\nKeep the gulls.\n", encoding="utf-8")
    (folder / "cover.png").write_bytes(b"\x89PNG\x00binary")
    return folder


def _commands(docs: Path, out: Path, model: Path) -> list[list[str]]:
    return [["finetune", "--docs", str(docs), "--out", str(out), "--model", str(model),
             "--max-steps", "1", "--device", "cpu", "--context", "16"],
            ["grammar-personalize", "--docs", str(docs), "--out", str(out), "--max-steps",
             "1"]]


@pytest.mark.parametrize("which", ["documents", "a document", "unrelated", "inside docs"])
def test_out_pointing_at_the_writers_files_leaves_them_byte_for_byte(which, novel, tmp_path,
                                                                     tiny_gpt2):
    other = tmp_path / "Photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(os.urandom(2048))
    out = {"documents": novel, "a document": novel / "chapter0.txt", "unrelated": other,
           "inside docs": novel / "drafts"}[which]
    before = {"novel": tree(novel), "other": tree(other)}
    for argv in _commands(novel, out, tiny_gpt2):
        line = run_cli(argv).assert_one_clear_error()
        assert "--out" in line
    assert {"novel": tree(novel), "other": tree(other)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Novel", "Photos"]  # no temp left


def test_a_symlink_is_refused(tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    assert "symbolic link" in out_problem(tmp_path / "link")


def test_this_apps_own_output_may_be_replaced(novel, tmp_path, tiny_gpt2):
    out = tmp_path / "adapter"
    first = run_cli(_commands(novel, out, tiny_gpt2)[0])
    assert first.code == 0, first.err
    assert (out / MARKER).is_file() and (out / "adapter_config.json").is_file()
    again = run_cli(_commands(novel, out, tiny_gpt2)[0])
    assert again.code == 0, again.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Novel", "adapter"]


@pytest.mark.parametrize("exchange", [True, False])
def test_swap_is_complete_or_untouched(tmp_path, monkeypatch, exchange):
    if not exchange:  # systems without renameat2: two renames, repaired on the next start
        monkeypatch.setattr(out_folder, "_exchange", lambda a, b: False)
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("old", encoding="utf-8")
    with temp_folder(target) as staging:
        (staging / "weights").write_text("new", encoding="utf-8")
        swap_in(staging, target)
    assert (target / "weights").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_kill_between_two_renames_is_repaired_on_start(tmp_path):
    target = tmp_path / "model"
    old = tmp_path / ".model.old-abc123"
    old.mkdir()
    (old / "weights").write_text("old", encoding="utf-8")  # target renamed aside, then kill
    sweep_stale(tmp_path, "model")
    assert (target / "weights").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_sweep_removes_abandoned_folders_only(tmp_path):
    abandoned = tmp_path / ".model.work-dead"
    abandoned.mkdir()
    (abandoned / "train.jsonl").write_text("the writer's sentences", encoding="utf-8")
    with temp_folder(tmp_path / "model", "work") as alive:
        sweep_stale(tmp_path)
        assert alive.is_dir()  # its process (this one) holds the lock
        assert not abandoned.exists()
    assert list(tmp_path.iterdir()) == []
