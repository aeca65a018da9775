import os

import pytest

from writer_app.core.documents import DocumentError, atomic_write_text, read_text_document


def test_utf8_round_trip_without_temp_files(tmp_path):
    path = tmp_path / "note.md"
    atomic_write_text(path, "Crème brûlée — 東京\n")
    assert read_text_document(path) == "Crème brûlée — 東京\n"
    assert os.listdir(tmp_path) == ["note.md"]


def test_overwrite_keeps_permissions(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write_text(path, "new")
    assert path.read_text() == "new" and (path.stat().st_mode & 0o777) == 0o640


def test_invalid_utf8_binary_and_missing_files_are_refused(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DocumentError, match="not valid UTF-8"):
        read_text_document(latin)
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\x00\x00data")
    with pytest.raises(DocumentError, match="binary"):
        read_text_document(binary)
    with pytest.raises(DocumentError, match="does not exist"):
        read_text_document(tmp_path / "missing.txt")


def test_crlf_and_bom_are_normalised(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    assert read_text_document(path) == "one\ntwo\n"


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.txt"
    path.write_text("precious")

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(DocumentError, match="No space left"):
        atomic_write_text(path, "new text")
    assert path.read_text() == "precious"
    assert os.listdir(tmp_path) == ["keep.txt"]
