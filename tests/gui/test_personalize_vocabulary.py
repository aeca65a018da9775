"""The Personalize page off the GUI thread, and its vocabulary review."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from writer_app.core.dictionary import load_dictionary
from writer_app.gui.personalize.documents import scan_documents
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.inference.grammar.spelling import SpellingChecker

FIRST = ("Ysolde sailed from Quillhaven at dawn. The grommetry of the sails was off. "
         "At noon the wrold went quiet, and Ysolde checked the grommetry again. "
         "I recieve letters from Quillhaven every week. ")
SECOND = ("The keeper at Quillhaven fixed the grommetry. I recieve no thanks from Ysolde. "
          "The wrold was calm all day.")


@pytest.fixture
def speller() -> SpellingChecker:
    return SpellingChecker().load()


@pytest.fixture
def docs(tmp_path) -> list[Path]:
    first, second = tmp_path / "log.txt", tmp_path / "notes.md"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    return [first, second]


@pytest.fixture
def make_panel(qtbot):
    panels = []

    def make(**kwargs) -> PersonalizePanel:
        panel = PersonalizePanel(**kwargs)
        qtbot.addWidget(panel)
        panel.resize(700, 1200)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.wait_for_workers()


def _choose(panel, monkeypatch, files) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *args, **kwargs: ([str(f) for f in files], ""))
    panel.documents.add_files_button.click()


def _rows(panel) -> dict[str, bool]:
    return {entry.word: checked for entry, checked in panel.vocabulary()}


def _item(panel, word: str):
    return panel.vocabulary_box.vocabulary_list.findItems(word, Qt.MatchFlag.MatchExactly, 0)[0]


def test_a_slow_scan_does_not_block_the_page(make_panel, docs, monkeypatch, qtbot):
    release = threading.Event()
    scanned: list[list[Path]] = []

    def slow_scan(items):
        release.wait(5)  # a scan on the GUI thread would freeze the page for 5 s
        scanned.append(list(items))
        return scan_documents(items)

    panel = make_panel(scanner=slow_scan)
    began = time.monotonic()
    _choose(panel, monkeypatch, docs[:1])
    assert time.monotonic() - began < 1.0
    assert panel.scanning and panel.documents.scan_label.text() == "Scanning…"
    assert not panel.start_button.isEnabled() and not panel.vocabulary_box.review_button.isEnabled()
    ticks = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=3000)  # the event loop turns
    timer.stop()
    assert panel.scanning and not scanned
    # A second file while the first scan runs: only the newest scan's result counts.
    _choose(panel, monkeypatch, docs[1:])
    release.set()
    with qtbot.waitSignal(panel.sig_scan_finished, timeout=10000):
        pass
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    # Both scans ran (the first is discarded, and may finish in either order).
    assert any(len(items) == 2 for items in scanned)
    assert panel.scan_result is not None and len(panel.scan_result.files) == 2
    assert panel.documents.scan_label.text().startswith("2 document(s)")


def test_a_failing_scan_is_reported(make_panel, docs, monkeypatch, qtbot):
    def broken_scan(_items):
        raise OSError("the disk went away")

    panel = make_panel(scanner=broken_scan)
    _choose(panel, monkeypatch, docs)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    assert "Cannot read the documents: the disk went away" in panel.documents.scan_label.text()
    assert not panel.start_button.isEnabled()


def test_reviewing_and_adding_vocabulary(make_panel, docs, monkeypatch, qtbot, speller):
    added: list[list[str]] = []
    speller_threads: list[str] = []

    def make_speller():
        speller_threads.append(threading.current_thread().name)
        return speller

    panel = make_panel()
    assert not panel.vocabulary_box.review_button.isEnabled()  # no dictionary behind the page
    panel.set_dictionary_hooks(make_speller, lambda: ["ysolde"],
                               lambda words: added.append(words))
    _choose(panel, monkeypatch, docs)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    assert panel.vocabulary_box.review_button.isEnabled()
    assert not panel.vocabulary_box.vocabulary_list.isVisible()
    qtbot.mouseClick(panel.vocabulary_box.review_button, Qt.MouseButton.LeftButton)
    assert panel.vocabulary_box.vocabulary_status.text() == "Scanning…"
    qtbot.waitUntil(lambda: not panel.finding_vocabulary, timeout=15000)
    assert speller_threads and speller_threads[0] != threading.main_thread().name
    rows = _rows(panel)
    # Recurring unknown words and names; the dictionary's "Ysolde" is left out; rare
    # near-duplicates of known words are unchecked.
    assert rows == {"Quillhaven": True, "grommetry": True, "recieve": False, "wrold": False}
    assert panel.vocabulary_box.vocabulary_list.isVisible()
    assert "2 look like typos" in panel.vocabulary_box.vocabulary_status.text()
    quill = _item(panel, "Quillhaven")
    assert quill.text(1) == "3" and "Quillhaven" in quill.text(2)
    assert "a name, 3 in 2 document(s)" in quill.toolTip(0)
    typo = _item(panel, "recieve")
    assert "perhaps a typo" in typo.text(2) and "receive" in typo.text(2)

    # The writer trusts "wrold" after all (a word of their fantasy world), and adds.
    _item(panel, "wrold").setCheckState(0, Qt.CheckState.Checked)
    qtbot.mouseClick(panel.vocabulary_box.add_words_button, Qt.MouseButton.LeftButton)
    assert len(added) == 1 and sorted(added[0]) == ["Quillhaven", "grommetry", "wrold"]
    assert _rows(panel) == {"recieve": False}
    assert "Added 3 word(s)" in panel.vocabulary_box.vocabulary_status.text()
    assert not panel.vocabulary_box.add_words_button.isEnabled()  # nothing checked is left


def test_a_dictionary_failure_keeps_the_list(make_panel, docs, monkeypatch, qtbot, speller):
    panel = make_panel()
    panel.set_dictionary_hooks(lambda: speller, list, lambda _words: "the disk is full")
    _choose(panel, monkeypatch, docs)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    panel.review_vocabulary()
    qtbot.waitUntil(lambda: not panel.finding_vocabulary, timeout=15000)
    before = _rows(panel)
    assert not panel.add_checked_words()
    assert panel.vocabulary_box.vocabulary_status.text() == "the disk is full"
    assert _rows(panel) == before


def test_new_documents_drop_a_review_in_progress(make_panel, docs, monkeypatch, qtbot,
                                                  speller):
    gate = threading.Event()

    def slow_speller():
        gate.wait(5)
        return speller

    panel = make_panel()
    panel.set_dictionary_hooks(slow_speller, list, lambda _words: None)
    _choose(panel, monkeypatch, docs)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    assert panel.review_vocabulary()
    panel.set_items(docs[:1])  # the list changed: the old review no longer applies
    gate.set()
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    panel.wait_for_workers()
    qtbot.wait(100)  # the dropped result's event is delivered (and ignored)
    assert panel.vocabulary() == [] and panel.vocabulary_box.vocabulary_status.text() == ""


def test_added_words_reach_the_dictionary_and_the_editor(app_parts, qtbot, tmp_path, docs,
                                                         monkeypatch):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        window._replace_document("The wrold was calm.", None, modified=False)
    assert [window.editor.toPlainText()[s:e] for s, e, _c in
            window.editor.underlined_ranges()] == ["wrold"]
    window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.show_page(dialog.personalize_page)
    panel = dialog.personalize_page.panel
    _choose(panel, monkeypatch, docs)
    qtbot.waitUntil(lambda: not panel.scanning, timeout=10000)
    panel.vocabulary_box.review_button.click()
    qtbot.waitUntil(lambda: not panel.finding_vocabulary, timeout=15000)
    rows = _rows(panel)
    assert rows["grommetry"] and rows["Quillhaven"] and not rows["wrold"]
    _item(panel, "wrold").setCheckState(0, Qt.CheckState.Checked)
    panel.vocabulary_box.add_words_button.click()
    saved = load_dictionary(tmp_path / "dictionary.txt")
    assert set(saved) >= {"Quillhaven", "grommetry", "wrold"}
    assert window.editor.underlined_ranges() == []  # at once, no new check needed
    # The Grammar page lists them, and Apply does not take them away again.
    assert {"Quillhaven", "grommetry", "wrold"} <= set(dialog.grammar_page.words())
    dialog.apply()
    assert set(load_dictionary(tmp_path / "dictionary.txt")) == set(saved)
