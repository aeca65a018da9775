"""Ghost-text completion through the real window, controller and worker thread."""

from __future__ import annotations

import random
import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from writer_app.core.requests import ModelSpec


def type_text(qtbot, editor, text: str) -> None:
    editor.setFocus()
    QTest.keyClicks(editor, text)


def wait_for_suggestion(qtbot, controller, editor, expected: str | None = None) -> str:
    qtbot.waitUntil(lambda: editor.has_suggestion() and (
        expected is None or editor.suggestion == expected), timeout=3000)
    return editor.suggestion


def test_pause_shows_ghost_text_without_touching_document(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    assert wait_for_suggestion(qtbot, controller, editor, " sat on the mat.")
    assert editor.toPlainText() == "The cat"
    assert not window.isWindowModified() or editor.document().isModified()
    assert backend.requests[-1].text_before == "The cat"


def test_debounce_sends_one_request_after_a_burst(qtbot, app_parts, backend):
    window, controller = app_parts
    type_text(qtbot, window.editor, "The quick brown fox")
    wait_for_suggestion(qtbot, controller, window.editor)
    assert len(backend.requests) == 1
    assert backend.requests[0].text_before == "The quick brown fox"


def test_tab_accepts_all_as_one_undo_step(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    wait_for_suggestion(qtbot, controller, editor)
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The cat sat on the mat."
    assert not editor.has_suggestion()
    editor.undo()
    assert editor.toPlainText() == "The cat"


def test_ctrl_right_accepts_one_word_and_keeps_the_rest(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    wait_for_suggestion(qtbot, controller, editor)
    QTest.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == "The cat sat"
    assert editor.suggestion == " on the mat."


def test_escape_dismisses(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    wait_for_suggestion(qtbot, controller, editor)
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.has_suggestion()
    assert editor.toPlainText() == "The cat"


def test_typing_through_keeps_the_rest_and_diverging_clears(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    wait_for_suggestion(qtbot, controller, editor)
    QTest.keyClicks(editor, " sa")
    assert editor.suggestion == "t on the mat."
    qtbot.wait(150)  # past the debounce: no new request while the suggestion stands
    assert len(backend.requests) == 1
    QTest.keyClicks(editor, "x")
    assert not editor.has_suggestion()
    assert editor.toPlainText() == "The cat sax"


def test_no_suggestion_in_the_middle_of_a_word(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    editor.setPlainText("The catalogue")
    cursor = editor.textCursor()
    cursor.setPosition(7)
    editor.setTextCursor(cursor)
    assert not controller.completion.request_now()
    cursor.setPosition(len("The catalogue"))
    editor.setTextCursor(cursor)
    assert controller.completion.request_now()


def test_stale_result_is_dropped_when_text_changed_meanwhile(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    backend.script = lambda request: f" <{request.text_before[-4:]}>"
    backend.gate = threading.Event()
    type_text(qtbot, editor, "The cat")
    qtbot.waitUntil(lambda: len(backend.requests) == 1, timeout=3000)
    QTest.keyClicks(editor, "s")  # the document changes while request 1 runs
    backend.gate.set()  # request 1 finishes now, with text meant for "The cat"
    wait_for_suggestion(qtbot, controller, editor)
    assert editor.suggestion == " <cats>"
    assert all(r.text_before != "The cat" or r.request_id == 1 for r in backend.requests)


def test_new_request_cancels_the_running_one(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    backend.chunk_delay_s = 0.2
    backend.script = " one two three four five six."
    type_text(qtbot, editor, "Count")
    qtbot.waitUntil(lambda: len(backend.requests) == 1, timeout=3000)
    QTest.keyClicks(editor, "ing")
    qtbot.waitUntil(lambda: 1 in backend.cancelled_ids, timeout=2000)
    wait_for_suggestion(qtbot, controller, editor)
    assert backend.requests[-1].text_before == "Counting"


def test_random_edits_never_show_a_suggestion_for_old_text(qtbot, app_parts, backend):
    window, controller = app_parts
    editor = window.editor
    backend.chunk_delay_s = 0.01
    backend.script = lambda request: f" #{len(request.text_before)} end."
    rng = random.Random(7)
    shown: list[tuple[str, str]] = []
    controller.completion.sig_suggestion_shown.connect(
        lambda text: shown.append((editor.toPlainText()[: editor.cursor_position()], text)))
    type_text(qtbot, editor, "Start")
    for _ in range(40):
        action = rng.choice(["type", "type", "delete", "move", "wait"])
        if action == "type":
            QTest.keyClicks(editor, rng.choice(["a", "bc", "de"]))
        elif action == "delete":
            QTest.keyClick(editor, Qt.Key.Key_Backspace)
        elif action == "move":
            QTest.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(rng.choice([0, 5, 30, 60]))
    qtbot.wait(200)
    assert shown, "some suggestions should have been shown"
    for before, text in shown:
        assert text.startswith(f" #{len(before)}")


def test_broken_model_keeps_previous_model(qtbot, app_parts):
    window, controller = app_parts
    with qtbot.waitSignal(controller.models.sig_model_failed, timeout=3000) as blocker:
        controller.models.load_model(ModelSpec("broken"))
    assert "broken" in blocker.args[0]
    assert controller.models.model_info.name == "fake-model"
    type_text(qtbot, window.editor, "Still works")
    wait_for_suggestion(qtbot, controller, window.editor)


def test_worker_error_is_reported_without_a_dialog(qtbot, app_parts, backend):
    window, controller = app_parts

    def explode(request):
        raise RuntimeError("the backend fell over")

    backend.script = explode
    notices: list[str] = []
    window.show_notice = lambda message, *args, **kwargs: notices.append(message)
    type_text(qtbot, window.editor, "Hello")
    qtbot.waitUntil(lambda: any("fell over" in n for n in notices), timeout=3000)
    assert not window.editor.has_suggestion()


def test_text_typed_after_accepting_is_an_undo_step_of_its_own(qtbot, app_parts):
    window, controller = app_parts
    editor = window.editor
    type_text(qtbot, editor, "The cat")
    wait_for_suggestion(qtbot, controller, editor)
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    QTest.keyClicks(editor, " Then")
    editor.undo()
    assert editor.toPlainText() == "The cat sat on the mat."
    editor.undo()
    assert editor.toPlainText() == "The cat"
