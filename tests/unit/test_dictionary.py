"""The personal dictionary file: UTF-8 word list, one word a line, written atomically."""

from __future__ import annotations

import os

import pytest

from writer_app.core import dictionary
from writer_app.core.dictionary import (
    dictionary_file,
    load_dictionary,
    normalize_words,
    parse_word_list,
    save_dictionary,
)
from writer_app.core.documents import DocumentError


def test_missing_file_is_an_empty_dictionary(tmp_path):
    assert load_dictionary(tmp_path / "nope.txt") == []


def test_round_trip_keeps_utf8_and_order(tmp_path):
    path = tmp_path / "sub" / "dictionary.txt"
    words = ["Zoë", "naïve", "東京", "writer_app", "O'Neill"]
    assert save_dictionary(words, path) == words
    assert path.read_bytes() == "Zoë\nnaïve\n東京\nwriter_app\nO'Neill\n".encode()
    assert load_dictionary(path) == words


def test_blank_lines_whitespace_and_duplicates_are_dropped(tmp_path):
    path = tmp_path / "dictionary.txt"
    path.write_bytes("\ufeffalpha\r\n\n  beta  \nalpha\n\t\nnew   york\nbeta\n".encode())
    assert load_dictionary(path) == ["alpha", "beta", "new york"]


def test_composed_and_decomposed_forms_are_one_word():
    assert normalize_words(["Zoe\u0308", "Zo\u00eb"]) == ["Zo\u00eb"]


def test_over_long_lines_are_not_words():
    assert parse_word_list("ok\n" + "x" * 500 + "\n") == ["ok"]


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "dictionary.txt"
    save_dictionary(["first"], path)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(DocumentError, match="No space left"):
        save_dictionary(["second"], path)
    assert load_dictionary(path) == ["first"]
    assert [p.name for p in tmp_path.iterdir()] == ["dictionary.txt"]  # no temp file left


def test_unreadable_file_raises_a_user_facing_error(tmp_path):
    path = tmp_path / "dictionary.txt"
    path.write_bytes(b"\xff\xfe\xfa not utf-8")
    with pytest.raises(DocumentError, match="personal dictionary"):
        load_dictionary(path)


def test_default_location_is_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("WRITER_APP_DATA_DIR", str(tmp_path))
    assert dictionary_file() == tmp_path / "dictionary.txt"
    assert dictionary.load_dictionary() == []
