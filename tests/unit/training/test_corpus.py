"""Corpus filters and deterministic sentence gathering."""

from __future__ import annotations

import gzip

import pytest

from writer_app.training.corpus import (
    CorpusStats,
    DebianDocSource,
    GeneratedSource,
    TextFileSource,
    build_corpus,
    is_clean_sentence,
    iter_sentences,
    paragraphs,
    spelling_ok,
)

GOOD = [
    "The package provides a small library for reading configuration files.",
    "We welcome contributions from anyone, even if you are new to open source.",
    "Before you start, make sure that the server is running!",
    "Is there a way to change the default settings of the program?",
]
BAD = [
    "too short to use.",  # lower-case start
    "This one is short.",  # five words
    "This sentence has no final punctuation at all and goes on",
    "See https://example.com for the full list of options and flags.",
    "Call the function foo_bar() with the right arguments and it works.",
    "Use the <code>option</code> tag when you write the documentation here.",
    "THIS SENTENCE IS WRITTEN ENTIRELY IN CAPITAL LETTERS FOR NO REASON.",
    "Run the build with make install and then check the file src/main.c carefully.",
    "The value of x is 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 13.",
    " ".join(["Word"] + ["word"] * 45) + ".",  # too long
    "Set the value with config.setValue before you call the main routine.",
]


@pytest.mark.parametrize("sentence", GOOD)
def test_clean_sentences_pass(sentence):
    assert is_clean_sentence(sentence)
    assert spelling_ok(sentence)


@pytest.mark.parametrize("sentence", BAD)
def test_unclean_sentences_fail(sentence):
    assert not is_clean_sentence(sentence)


def test_misspelled_sentence_fails_spell_check():
    pytest.importorskip("spellchecker")
    assert not spelling_ok("Thiss sentense has severel mispelled wrds in it.")


def test_paragraphs_drop_code_lists_and_headings():
    text = (
        "# Title\n\nThis is the first line of a paragraph\nthat goes on here.\n\n"
        "```\ncode = 1\n```\n\n    indented code block line\n- a list item here\n"
    )
    assert list(paragraphs(text)) == ["This is the first line of a paragraph that goes on here."]


def _write_docs(tmp_path):
    (tmp_path / "a.txt").write_text(
        "The first document has a sentence that is clean and useful. "
        "It also has another sentence that can be used for training.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "Markdown files are read as well when they are in the folder.\n"
        "The first document has a sentence that is clean and useful.\n",  # duplicate
        encoding="utf-8",
    )
    return tmp_path


def test_text_file_source_dedupes_and_counts(tmp_path):
    stats = CorpusStats()
    sentences = build_corpus([_write_docs(tmp_path)], limit=None, seed=1, stats=stats)
    assert len(sentences) == 3
    assert stats.to_dict() == {"user documents": {"found": 3, "selected": 3}}


def test_order_is_deterministic_for_a_seed(tmp_path):
    folder = _write_docs(tmp_path)
    first = build_corpus([folder], limit=None, seed=3)
    assert first == build_corpus([folder], limit=None, seed=3)
    assert sorted(first) == sorted(build_corpus([folder], limit=None, seed=4))


def test_limit_and_selected_counts(tmp_path):
    stats = CorpusStats()
    sentences = build_corpus([_write_docs(tmp_path)], limit=2, seed=0, stats=stats)
    assert len(sentences) == 2
    assert stats.selected["user documents"] == 2


def test_debian_source_reads_readmes_and_skips_changelogs(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "README.gz").write_bytes(
        gzip.compress(b"This readme explains how the package should be configured.\n")
    )
    (pkg / "changelog.txt").write_text("Fixed a crash that happened when the file was empty.\n")
    (pkg / "copyright").write_text("Permission is hereby granted to use this software freely.\n")
    sentences = list(iter_sentences([DebianDocSource(tmp_path)], seed=0))
    assert sentences == ["This readme explains how the package should be configured."]


def test_generated_source_hook():
    source = GeneratedSource(lambda: ["A generated sentence is filtered like any other one."])
    assert list(iter_sentences([source, TextFileSource([])])) == [
        "A generated sentence is filtered like any other one."
    ]


def test_wordnet_examples_become_sentences(tmp_path):
    from writer_app.training.corpus import WordNetExampleSource, build_corpus

    (tmp_path / "data.verb").write_text(
        '00001 29 v 01 breathe 0 | draw air into the lungs; "She breathed deeply before the '
        'long dive"; "force out the air"\n', encoding="utf-8")
    sentences = build_corpus([WordNetExampleSource(tmp_path)])
    assert sentences == ["She breathed deeply before the long dive."]


def test_fortunes_drop_attributions_and_offensive_section(tmp_path):
    from writer_app.training.corpus import FortuneSource, build_corpus

    (tmp_path / "wisdom").write_text(
        "A good friend will always tell you the truth about your work.\n"
        "\t\t-- Somebody Famous\n%\nNever trust a sentence that ends without a stop\n%\n",
        encoding="utf-8")
    (tmp_path / "wisdom.dat").write_bytes(b"\x00\x01binary")
    (tmp_path / "off").mkdir()
    (tmp_path / "off" / "rude").write_text("This sentence is in the offensive part.\n")
    sentences = build_corpus([FortuneSource(tmp_path)])
    assert sentences == ["A good friend will always tell you the truth about your work."]
