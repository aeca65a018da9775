"""Continue writing: sampled with a seed, Try again in place, drafts to cycle through;
and no ghost suggestion after an edit the writer did not type."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.test_completion import type_text


@pytest.fixture
def parts(app_parts, backend):
    """A fake whose passage depends on the seed, so each attempt reads differently."""
    backend.script = lambda request: (f" Passage {request.params.seed}."
                                      if request.params.multiline else " ghost.")
    return app_parts


def write(qtbot, controller, start) -> object:
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=5000) as blocker:
        start()
    return blocker.args[0]


def test_continue_writing_samples_with_the_settings_seed(qtbot, parts, backend):
    window, controller = parts
    type_text(qtbot, window.editor, "Hello.")
    write(qtbot, controller, window.action_continue.trigger)
    params = backend.requests[-1].params
    defaults = controller.settings.completion
    assert params.temperature == defaults.continue_temperature > 0
    assert params.no_repeat_ngram == defaults.continue_no_repeat_ngram
    assert params.end_at_boundary and params.seed >= 1


def test_try_again_replaces_the_passage_and_alt_brackets_cycle_drafts(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    controller.store.update({"completion": {"continue_seed": 10}})
    type_text(qtbot, editor, "Hello.")
    write(qtbot, controller, window.action_continue.trigger)
    assert editor.toPlainText() == "Hello. Passage 10."
    assert window.action_try_again.isEnabled()
    write(qtbot, controller, window.action_try_again.trigger)
    assert editor.toPlainText() == "Hello. Passage 11."  # in place, the next seed
    assert backend.requests[-1].text_before == "Hello."  # written after the same text
    assert editor.pending_text() == " Passage 11."
    write(qtbot, controller, lambda: QTest.keyClick(
        editor, Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
    assert editor.toPlainText() == "Hello. Passage 12."
    assert window.status_bar.label_alternative.text() == "3/3"
    QTest.keyClick(editor, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.AltModifier)
    assert editor.toPlainText() == "Hello. Passage 11."
    assert window.status_bar.label_alternative.text() == "2/3"
    QTest.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
    assert editor.toPlainText() == "Hello. Passage 10."  # wraps around
    QTest.keyClick(editor, Qt.Key.Key_Return)  # keep it
    assert not editor.has_pending() and editor.toPlainText() == "Hello. Passage 10."
    assert not window.action_try_again.isEnabled()
    assert window.status_bar.label_alternative.isHidden()
    editor.undo()
    assert editor.toPlainText() == "Hello."  # the kept passage is one undo step


def test_no_ghost_text_after_a_grammar_fix_only_after_typing(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Teh cat sat")
    qtbot.waitUntil(editor.has_suggestion, timeout=3000)
    editor.clear_suggestion()
    qtbot.waitUntil(lambda: bool(editor.issues()), timeout=15000)
    requests = len(backend.requests)
    issue = next(i for i in editor.issues() if i.original == "Teh")
    editor.apply_suggestion(issue, "The")
    assert not editor.last_edit_typed
    qtbot.wait(controller.settings.completion.debounce_ms * 4)
    assert not editor.has_suggestion() and len(backend.requests) == requests
    QTest.keyClicks(editor, " down")  # typing again brings suggestions back
    qtbot.waitUntil(editor.has_suggestion, timeout=3000)
