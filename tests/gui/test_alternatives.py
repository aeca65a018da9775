"""Alt+] / Alt+[: other suggestions for the same place, through the real controller."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.test_completion import type_text, wait_for_suggestion

SHOWN = " sat on the mat."


def press_alt(editor, step: int) -> None:
    key = Qt.Key.Key_BracketRight if step > 0 else Qt.Key.Key_BracketLeft
    QTest.keyClick(editor, key, Qt.KeyboardModifier.AltModifier)


def step_and_wait(qtbot, controller, editor, step: int) -> list:
    with qtbot.waitSignal(controller.completion.sig_alternative_shown, timeout=3000) as blocker:
        press_alt(editor, step)
    return blocker.args


def show_cat_suggestion(qtbot, window, controller) -> None:
    type_text(qtbot, window.editor, "The cat")
    wait_for_suggestion(qtbot, controller, window.editor, SHOWN)


def label(window) -> str:
    label = window.status_bar.label_alternative
    return label.text() if label.isVisible() else ""


def test_cycles_forward_and_back_with_wrap_around(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    backend.alternative_texts = [" lay by the door.", " slept."]
    show_cat_suggestion(qtbot, window, controller)
    assert label(window) == ""

    assert step_and_wait(qtbot, controller, editor, +1) == [1, 3]
    assert editor.suggestion == " lay by the door."
    assert label(window) == "2/3"
    press_alt(editor, +1)  # the texts are here now: no new request, shown at once
    assert (editor.suggestion, label(window)) == (" slept.", "3/3")
    press_alt(editor, +1)
    assert (editor.suggestion, label(window)) == (SHOWN, "1/3")
    press_alt(editor, -1)
    assert (editor.suggestion, label(window)) == (" slept.", "3/3")
    press_alt(editor, -1)
    assert (editor.suggestion, label(window)) == (" lay by the door.", "2/3")
    assert editor.toPlainText() == "The cat"  # ghost text only, the document is untouched

    assert len(backend.alternative_calls) == 1
    request, shown, count = backend.alternative_calls[0]
    inline = backend.requests[0]
    assert (shown, count) == (SHOWN, 3)
    assert request.request_id != inline.request_id
    assert (request.revision, request.text_before, request.text_after) == (
        inline.revision, inline.text_before, inline.text_after)


def test_alternatives_are_fetched_only_on_the_first_press(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    show_cat_suggestion(qtbot, window, controller)
    qtbot.wait(100)
    assert backend.alternative_calls == []  # a suggestion alone costs no alternatives

    backend.gate = threading.Event()  # hold the alternatives until both presses are in
    press_alt(editor, +1)
    qtbot.waitUntil(lambda: len(backend.alternative_calls) == 1, timeout=3000)
    press_alt(editor, +1)  # while they are computed: nothing extra
    assert editor.suggestion == SHOWN
    with qtbot.waitSignal(controller.completion.sig_alternative_shown, timeout=3000) as blocker:
        backend.gate.set()
    assert blocker.args == [1, 3]  # the first press's step, once
    assert label(window) == "2/3"
    assert len(backend.alternative_calls) == 1


def test_alt_left_first_goes_to_the_last(qtbot, app_parts):
    window, controller = app_parts
    show_cat_suggestion(qtbot, window, controller)
    assert step_and_wait(qtbot, controller, window.editor, -1) == [2, 3]
    assert window.editor.suggestion == " slept."


def test_duplicates_are_shown_once(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    backend.dedupe_alternatives = False
    backend.alternative_texts = [SHOWN, " slept.", " slept."]
    show_cat_suggestion(qtbot, window, controller)
    assert step_and_wait(qtbot, controller, editor, +1) == [1, 2]
    assert editor.suggestion == " slept."
    assert label(window) == "2/2"
    press_alt(editor, +1)
    assert (editor.suggestion, label(window)) == (SHOWN, "1/2")


def test_a_single_distinct_text_shows_one_of_one(qtbot, app_parts, backend):
    window, controller = app_parts
    backend.dedupe_alternatives = False
    backend.alternative_texts = [SHOWN, SHOWN]
    show_cat_suggestion(qtbot, window, controller)
    assert step_and_wait(qtbot, controller, window.editor, +1) == [0, 1]
    assert window.editor.suggestion == SHOWN
    assert label(window) == "1/1"


def test_stale_alternatives_are_dropped_after_typing(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    shown: list = []
    controller.completion.sig_alternative_shown.connect(lambda *args: shown.append(args))
    show_cat_suggestion(qtbot, window, controller)
    backend.gate = threading.Event()
    press_alt(editor, +1)
    qtbot.waitUntil(lambda: len(backend.alternative_calls) == 1, timeout=3000)
    QTest.keyClicks(editor, "s")  # the document changes while they are computed
    backend.gate.set()
    # The new text gets its own inline suggestion; the old alternatives never show.
    backend.gate = None
    qtbot.waitUntil(lambda: editor.has_suggestion(), timeout=3000)
    qtbot.wait(100)
    assert shown == []
    assert label(window) == ""
    assert editor.toPlainText() == "The cats"
    assert editor.suggestion == SHOWN  # the fake's inline script, for the new text
    assert backend.requests[-1].text_before == "The cats"


def test_moving_the_cursor_drops_them_and_hides_the_label(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    show_cat_suggestion(qtbot, window, controller)
    step_and_wait(qtbot, controller, editor, +1)
    QTest.keyClick(editor, Qt.Key.Key_Left)
    assert not editor.has_suggestion()
    assert label(window) == ""
    press_alt(editor, +1)  # no suggestion: nothing to cycle
    assert not editor.has_suggestion()


def test_tab_accepts_the_alternative_on_screen(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    show_cat_suggestion(qtbot, window, controller)
    step_and_wait(qtbot, controller, editor, +1)
    press_alt(editor, +1)
    assert editor.suggestion == " slept."
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The cat slept."
    assert not editor.has_suggestion()
    assert label(window) == ""
    editor.undo()
    assert editor.toPlainText() == "The cat"
