"""Documents on disk: line ends, BOM, symlinks, modes and read-only files survive a save;
a file changed by another program is never overwritten without asking."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.core.document_file import (
    ChangedOnDiskError,
    DocumentFile,
    ReadOnlyFileError,
)
from writer_app.core.documents import DocumentError, TextFormat, read_text_document

_TEXT = st.text(st.characters(blacklist_categories=("Cs",),
                              blacklist_characters="\x00\r"), max_size=300)


@settings(max_examples=60, deadline=None)
@given(text=_TEXT, newline=st.sampled_from(["\n", "\r\n", "\r"]), bom=st.booleans())
def test_open_edit_save_keeps_line_ends_and_bom(tmp_path_factory, text, newline, bom):
    path = tmp_path_factory.mktemp("fmt") / "doc.txt"
    original = ("first line\n" + text).replace("\n", newline)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + original.encode("utf-8"))
    loaded, file = DocumentFile.open(path)
    assert file.format == TextFormat(newline, bom)
    assert loaded == ("first line\n" + text)
    file.save(loaded + "\nadded")
    expected = ("first line\n" + text + "\nadded").replace("\n", newline)
    assert path.read_bytes() == (b"\xef\xbb\xbf" if bom else b"") + expected.encode("utf-8")


def test_a_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    text, file = DocumentFile.open(link)
    file.save("new\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


def test_mode_is_kept_and_new_files_follow_the_umask(tmp_path):
    path = tmp_path / "shared.txt"
    path.write_text("x", encoding="utf-8")
    path.chmod(0o664)
    _, file = DocumentFile.open(path)
    file.save("y")
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    umask = os.umask(0o022)
    try:
        DocumentFile(tmp_path / "new.txt").save("z")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_read_only_file_needs_consent(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("precious", encoding="utf-8")
    path.chmod(0o444)
    _, file = DocumentFile.open(path)
    with pytest.raises(ReadOnlyFileError):
        file.save("mine")
    assert path.read_text(encoding="utf-8") == "precious"
    file.save("mine", overwrite_read_only=True)
    assert path.read_text(encoding="utf-8") == "mine"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # still read-only


@pytest.mark.parametrize("change", ["edited", "replaced", "removed", "same size"])
def test_a_file_changed_on_disk_is_not_overwritten(tmp_path, change):
    path = tmp_path / "doc.txt"
    path.write_text("version one", encoding="utf-8")
    _, file = DocumentFile.open(path)
    if change == "edited":
        path.write_text("their version, longer", encoding="utf-8")
    elif change == "replaced":  # another editor's atomic save: a new inode
        (tmp_path / "tmp").write_text("version two", encoding="utf-8")
        os.replace(tmp_path / "tmp", path)
    elif change == "removed":
        path.unlink()
    else:
        path.write_text("version 1!!", encoding="utf-8")
        os.utime(path, ns=(1, 1))
    assert file.changed_on_disk()
    with pytest.raises(ChangedOnDiskError):
        file.save("my version")
    if change != "removed":
        assert path.read_text(encoding="utf-8") != "my version"
    file.save("my version", overwrite_changes=True)
    assert path.read_text(encoding="utf-8") == "my version"


def test_only_regular_files_open(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for path, why in ((fifo, "FIFO"), ("/dev/zero", "device"), (tmp_path, "folder")):
        with pytest.raises(DocumentError, match=why):
            read_text_document(path)
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: 51 MB without writing them
    with pytest.raises(DocumentError, match="the limit is 50.0 MB"):
        DocumentFile.open(big)
