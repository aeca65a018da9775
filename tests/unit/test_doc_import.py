"""Reading the user's documents for personalization: every format, and what is skipped."""

from __future__ import annotations

import os

import pytest

from writer_app.core.doc_import import count_words, read_document, read_documents


def _docx(path, paragraphs, table=None):
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=1, cols=len(table))
        for cell, text in zip(grid.rows[0].cells, table, strict=True):
            cell.text = text
    document.save(str(path))
    return path


def _odt(path, heading, paragraphs):
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P, Span

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        paragraph = P(text=text[:5])
        paragraph.addElement(Span(text=text[5:]))  # text split across a styled span
        document.text.addElement(paragraph)
    document.save(str(path))
    return path


def test_plain_text_and_markdown(tmp_path):
    (tmp_path / "a.txt").write_text("One two three.\r\nFour.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Notes\n\nIt's *five* words here.", encoding="utf-8")
    result = read_documents([tmp_path / "a.txt", tmp_path / "b.md"])
    assert [d.text for d in result.documents][0] == "One two three.\nFour."
    assert [d.words for d in result.documents] == [4, 5]
    assert result.words == 9 and result.skipped == []


def test_docx_paragraphs_and_tables(tmp_path):
    path = _docx(tmp_path / "letter.docx", ["Dear Ada,", "The engine is ready."],
                 table=["left cell", "right cell"])
    text = read_document(path)
    assert text.splitlines() == ["Dear Ada,", "The engine is ready.", "left cell\tright cell"]


def test_odt_headings_paragraphs_and_spans_in_order(tmp_path):
    path = _odt(tmp_path / "story.odt", "Chapter One", ["Night fell early.", "Then morning."])
    assert read_document(path).splitlines() == ["Chapter One", "Night fell early.",
                                                "Then morning."]


def test_folders_are_searched_recursively_once_each(tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "deep.txt").write_text("deep words here", encoding="utf-8")
    (tmp_path / "top.md").write_text("top", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00\x00")  # other types in folders: ignored
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    result = read_documents([tmp_path, nested / "deep.txt"])
    assert sorted(os.path.basename(d.path) for d in result.documents) == ["deep.txt", "top.md"]
    assert result.skipped == [] and result.words == 4


@pytest.mark.parametrize("name, content, reason", [
    ("binary.txt", b"abc\x00\x01\x02", "binary"),
    ("latin1.txt", "caf\u00e9".encode("latin-1"), "UTF-8"),
    ("broken.docx", b"this is not a zip file", "not a valid Word document"),
    ("broken.odt", b"PK\x03\x04 truncated", "OpenDocument"),
    ("empty.md", b"   \n\n", "no text"),
])
def test_unreadable_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("still read", encoding="utf-8")
    result = read_documents([tmp_path])
    assert [os.path.basename(d.path) for d in result.documents] == ["good.txt"]
    assert len(result.skipped) == 1 and reason in result.skipped[0].reason
    assert result.skipped[0].path.endswith(name)


def test_zip_that_is_not_a_docx_is_skipped(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "fake.docx", "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    result = read_documents([tmp_path / "fake.docx"])
    assert not result.documents
    assert "not a readable Word document" in result.skipped[0].reason


def test_missing_path_unsupported_file_and_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    result = read_documents([tmp_path / "nope.txt", tmp_path / "sheet.xlsx",
                             tmp_path / "empty"])
    reasons = [s.reason for s in result.skipped]
    assert result.documents == [] and result.words == 0
    assert reasons[0] == "does not exist"
    assert "unsupported file type" in reasons[1] and ".xlsx" in reasons[1]
    assert "holds no" in reasons[2]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_permissions(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("words", encoding="utf-8")
    path.chmod(0)
    result = read_documents([path])
    assert "cannot be read" in result.skipped[0].reason


def test_count_words():
    assert count_words("Don't stop — it's 3 o'clock, Zoë.") == 6
    assert count_words("") == 0
