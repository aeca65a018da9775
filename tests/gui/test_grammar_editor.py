"""Grammar and spelling in the editor: underlines, tooltip, fixes, ignores, dictionary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from writer_app.core.dictionary import load_dictionary
from writer_app.gui.editor_issues import ISSUE_COLOURS

RED = ISSUE_COLOURS["spelling"].name()
BLUE = ISSUE_COLOURS["grammar"].name()
AMBER = ISSUE_COLOURS["style"].name()


def set_text(qtbot, controller, text: str) -> None:
    """Replace the document (as a file open does) and wait for the check to finish."""
    window = controller.window
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        window._replace_document(text, None, modified=False)


def underlined(editor) -> list[tuple[str, str]]:
    text = editor.toPlainText()
    return [(text[s:e], colour) for s, e, colour in editor.underlined_ranges()]


@pytest.fixture
def parts(app_parts, qtbot, grammar_checker):
    window, controller = app_parts
    # The grammar checker loads after the first event-loop turn.
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    grammar_checker.calls.clear()  # the worker's warm-up check
    return window, controller


def test_underlines_appear_in_three_colours(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Teh wrold is big. Then she go home. It was very very late.")
    assert underlined(window.editor) == [("Teh", RED), ("wrold", RED), ("she go", BLUE),
                                         ("very very", AMBER)]
    # Nothing entered the document: underlines are display only.
    assert window.editor.toPlainText().startswith("Teh wrold")
    assert not window.is_modified()


def test_typing_checks_only_the_changed_sentence(parts, qtbot, grammar_checker):
    window, controller = parts
    set_text(qtbot, controller, "The first line is fine.\nThe second line is fine too.")
    grammar_checker.calls.clear()
    editor = window.editor
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        QTest.keyClicks(editor, " I recieve mail.")
    # Only the new sentence went to the checker: the others' results are cached.
    assert grammar_checker.calls == [["I recieve mail."]]
    assert ("recieve", RED) in underlined(editor)
    # Undo brings back known text: its (empty) result is cached, nothing is sent.
    grammar_checker.calls.clear()
    editor.undo()
    controller.grammar.check_now()
    assert grammar_checker.calls == []
    assert underlined(editor) == []


def test_tooltip_shows_category_explanation_and_suggestions(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Then she go home.")
    editor = window.editor
    issue = editor.issues()[0]
    tip = editor.issue_tooltip(issue)
    assert "Subject\u2013verb agreement" in tip and "Use 'goes' with 'she'" in tip
    assert "she goes" in tip
    # A real hover over the underlined words shows it.
    cursor = editor.textCursor()
    cursor.setPosition(issue.start + 2)
    point = editor.cursorRect(cursor).center()
    event = QHelpEvent(QEvent.Type.ToolTip, point, editor.viewport().mapToGlobal(point))
    QApplication.sendEvent(editor.viewport(), event)
    assert QToolTip.isVisible()
    assert "agreement" in QToolTip.text()


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions()]


def test_context_menu_applies_a_suggestion_as_one_undo_step(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Then she go home.")
    editor = window.editor
    issue = editor.issues()[0]
    menu = editor.show_issue_menu(issue)
    texts = _menu_texts(menu)
    assert texts[0] == "she goes"
    assert "Ignore" in texts and any(t.startswith("Ignore rule") for t in texts)
    menu.actions()[0].trigger()
    assert editor.toPlainText() == "Then she goes home."
    assert editor.issues() == []  # the fixed text is no longer flagged
    editor.undo()
    assert editor.toPlainText() == "Then she go home."


def test_right_click_menu_puts_suggestions_before_the_edit_actions(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Teh end.")
    editor = window.editor
    cursor = editor.textCursor()
    cursor.setPosition(1)
    point = editor.cursorRect(cursor).center()
    from PySide6.QtGui import QContextMenuEvent

    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                              editor.viewport().mapToGlobal(point))
    editor.contextMenuEvent(event)
    texts = _menu_texts(editor.issue_menu)
    assert texts[0] == "The"
    assert texts.index("Add \u2018Teh\u2019 to dictionary") < texts.index(
        next(t for t in texts if "Undo" in t))
    editor.issue_menu.close()


def test_ignore_hides_the_issue_for_this_document(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Teh cat. Teh dog.")
    editor = window.editor
    first = editor.issues()[0]
    menu = editor.show_issue_menu(first)
    next(a for a in menu.actions() if a.text() == "Ignore").trigger()
    assert [i.start for i in editor.issues()] == [9]
    # Editing elsewhere and checking again keeps it ignored.
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    cursor.insertText(" More.")
    controller.grammar.check_now()
    qtbot.waitUntil(lambda: not controller.grammar.is_checking(), timeout=5000)
    controller.grammar.render()
    assert [i.start for i in editor.issues()] == [9]


def test_ignore_rule_hides_every_issue_of_that_rule(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Then she go home. And she go out. Teh end.")
    editor = window.editor
    menu = editor.show_issue_menu(editor.issues()[0])
    next(a for a in menu.actions() if a.text().startswith("Ignore rule")).trigger()
    assert [i.original for i in editor.issues()] == ["Teh"]


def test_add_to_dictionary_persists_and_survives_a_restart(parts, qtbot, tmp_path, factory):
    window, controller = parts
    set_text(qtbot, controller, "Teh cat sat. Teh end.")
    editor = window.editor
    menu = editor.show_issue_menu(editor.issues()[0])
    next(a for a in menu.actions() if a.text().startswith("Add ")).trigger()
    assert editor.issues() == []  # every "Teh" at once
    assert load_dictionary(tmp_path / "dictionary.txt") == ["Teh"]
    # A restart: a new window and controller on the same files and a fresh checker.
    from tests.fakes import FakeGrammarChecker, fake_grammar_factory
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    checker = FakeGrammarChecker()
    grammar_factory = fake_grammar_factory(checker)
    store = SettingsStore(controller.settings, tmp_path / "settings.toml")
    again = MainWindow(store, RecoveryStore(tmp_path / "recovery2"))
    again._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    restarted = EditorController(again, store, factory,
                                 dictionary_path=tmp_path / "dictionary.txt",
                                 grammar_factory=grammar_factory)
    try:
        qtbot.waitUntil(lambda: restarted.grammar.status is not None, timeout=5000)
        assert grammar_factory.configs[0][1] == ["Teh"]  # the checker is told
        with qtbot.waitSignal(restarted.grammar.sig_check_finished, timeout=5000):
            again._replace_document("Teh cat sat. Teh end.", None, modified=False)
        assert again.editor.issues() == []
    finally:
        restarted.shutdown()
        again.close()


def test_dictionary_is_case_aware(parts, qtbot):
    window, controller = parts
    controller.grammar.set_words(["teh"])  # lower case: any capitalisation
    set_text(qtbot, controller, "Teh cat. TEH dog.")
    assert window.editor.issues() == []


def test_f8_and_shift_f8_walk_through_issues(parts, qtbot):
    window, controller = parts
    set_text(qtbot, controller, "Teh cat. Then she go home. Teh end.")
    editor = window.editor
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(0)
    editor.setTextCursor(cursor)
    QTest.keyClick(editor, Qt.Key.Key_F8)
    assert editor.textCursor().selectedText() == "she go" or \
        editor.textCursor().selectedText() == "Teh"
    seen = [editor.textCursor().selectedText()]
    QTest.keyClick(editor, Qt.Key.Key_F8)
    seen.append(editor.textCursor().selectedText())
    QTest.keyClick(editor, Qt.Key.Key_F8)
    seen.append(editor.textCursor().selectedText())
    assert seen == ["Teh", "she go", "Teh"] and editor.textCursor().selectionStart() == 27
    QTest.keyClick(editor, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert editor.textCursor().selectedText() == "she go"
    # Alt+Enter opens the suggestion menu for the selected issue.
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert editor.issue_menu is not None and editor.issue_menu.isVisible()
    assert _menu_texts(editor.issue_menu)[0] == "she goes"
    editor.issue_menu.close()


def test_code_blocks_inline_code_and_urls_are_not_checked(parts, qtbot, grammar_checker):
    window, controller = parts
    text = ("Teh start.\n```\nteh code block\n```\nUse `teh` here. See http://x.org/teh now."
            "\n# Teh heading")
    set_text(qtbot, controller, text)
    checked = [t for call in grammar_checker.calls for t in call]
    assert not any("code block" in t for t in checked)
    assert [(i.original, i.start) for i in window.editor.issues()] == [
        ("Teh", 0), ("Teh", text.index("Teh heading"))]


def test_status_bar_says_when_grammar_is_unavailable(qtbot, app_parts):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    assert controller.grammar.status.grammar_available
    # The same checker, loaded as if the grammar model were missing.
    from tests.fakes import FakeGrammarChecker, fake_grammar_factory
    from writer_app.inference.worker import InferenceWorker

    worker = InferenceWorker(None, fake_grammar_factory(FakeGrammarChecker(),
                                                        grammar_missing=True))
    statuses = []
    worker.sig_grammar_ready.connect(statuses.append)
    from writer_app.core.grammar_check import GrammarConfig

    worker.load_grammar(GrammarConfig(), 1, [])
    assert statuses and not statuses[0].grammar_available
    assert "unavailable" in statuses[0].note
    controller.grammar._generation = 7
    controller.grammar._on_ready(type(statuses[0])(7, False, statuses[0].note))
    assert window.status_bar.label_grammar.text() == "Spelling only"


def test_underlines_and_ghost_text_coexist(parts, qtbot, backend):
    window, controller = parts
    set_text(qtbot, controller, "Teh cat sat on")
    editor = window.editor
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    # the whole suggestion, not its first chunk: Tab accepts what is on screen
    with qtbot.waitSignal(controller.completion.sig_completion_finished, timeout=5000):
        controller.completion.request_now()
    assert editor.has_suggestion()
    assert underlined(editor) == [("Teh", RED)]
    assert editor.toPlainText() == "Teh cat sat on"  # neither entered the document
    QTest.keyClick(editor, Qt.Key.Key_Tab)  # accepting the suggestion keeps the underline
    assert underlined(editor) == [("Teh", RED)]
    assert editor.toPlainText() == "Teh cat sat on" + backend.script


def test_settings_apply_live(parts, qtbot, grammar_factory):
    window, controller = parts
    set_text(qtbot, controller, "Teh cat. Then she go home. It was very very late.")
    editor = window.editor
    grammar = controller.settings.grammar
    import dataclasses

    def apply(**changes):
        settings = dataclasses.replace(controller.settings,
                                       grammar=dataclasses.replace(grammar, **changes))
        controller.store.update(settings)
        qtbot.waitUntil(lambda: not controller.grammar.is_checking(), timeout=5000)
        controller.grammar.render()
        return sorted(i.original for i in editor.issues())

    assert apply(spelling_enabled=False) == ["she go", "very very"]
    assert apply(disabled_categories="style") == ["Teh", "she go"]
    assert apply(grammar_enabled=False) == ["Teh"]
    assert apply(grammar_enabled=False, spelling_enabled=False) == []
    assert apply() == ["Teh", "she go", "very very"]
    # The sensitivity and variant reach the checker as its knobs.
    apply(sensitivity="picky", language_variant="en-GB")
    config = grammar_factory.configs[-1][0]
    assert (config.variant, config.keep_confidence, config.min_error_probability) == (
        "en-GB", 0.0, 0.0)


def test_opening_a_long_document_checks_it_in_the_background_with_progress(parts, qtbot,
                                                                            grammar_checker):
    window, controller = parts
    grammar_checker.delay_s = 0.02  # per batch: the check takes a while
    text = "\n".join(f"Line {n} has teh word number {n}." for n in range(60))
    seen = []
    controller.grammar.sig_issues_updated.connect(
        lambda: seen.append((window.status_bar.grammar_progress.isVisible(),
                             window.status_bar.grammar_progress.value())))
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=10000):
        window._replace_document(text, None, modified=False)
        assert window.status_bar.grammar_progress.isVisible()
        assert window.status_bar.grammar_progress.maximum() == 60
    assert not window.status_bar.grammar_progress.isVisible()
    assert len(window.editor.issues()) == 60
    assert seen[0][0]  # underlines appeared while the check was still running
    # The cursor's sentence went first.
    assert grammar_checker.calls[0][0] == "Line 0 has teh word number 0."


def test_applying_fixes_in_the_editor_never_glues_words(parts, qtbot, grammar_checker):
    """The edits the checker gives for "it, their" (the span takes the comma and the space,
    the replacement brings its own space) and for a deleted doubled word, applied one by
    one and all at once, leave every other character where it was."""
    from writer_app.core.gec.edits import GrammarEdit
    from writer_app.core.gec.tags import Category

    window, controller = parts
    spans = {", their": (" there", Category.OTHER), " a a": (" a", Category.REDUNDANCY)}

    def check_many(texts):
        return [[GrammarEdit(t.find(p), t.find(p) + len(p), r, c, "m", 0.9, "R")
                 for p, (r, c) in spans.items() if p in t] for t in texts]

    grammar_checker.check_many = check_many
    text = "She likes it, their is a a noise."
    set_text(qtbot, controller, text)
    editor = window.editor
    issues = editor.issues()
    assert sorted(i.original for i in issues) == [" a a", ", their"]
    editor.apply_suggestion(issues[0], issues[0].suggestions[0])
    assert editor.toPlainText() == "She likes it there is a a noise."
    editor.undo()
    qtbot.waitUntil(lambda: len(editor.issues()) == 2, timeout=5000)
    fixed = editor.apply_fixes([(i, i.suggestions[0]) for i in editor.issues()])
    assert fixed == 2 and editor.toPlainText() == "She likes it there is a noise."
