"""Continue writing: streamed text enters the document as a pending block."""

from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from tests.gui.test_completion import type_text

CONTINUATION = " and then the rain came.\nIt fell on the roof all night long."
GHOST = " ghost."


@pytest.fixture
def parts(app_parts, backend):
    """The app with a fake that writes CONTINUATION for Continue writing, GHOST inline."""
    backend.script = lambda request: CONTINUATION if request.params.multiline else GHOST
    return app_parts


def record_chunks(controller, window) -> list[tuple]:
    """(block text, document text, state label, stop enabled) at every streamed chunk."""
    seen: list[tuple] = []
    controller.completion.sig_writing_chunk.connect(lambda text: seen.append((
        text, window.editor.toPlainText(), window.status_bar.label_state.text(),
        window.action_stop.isEnabled())))
    return seen


def highlighted(editor) -> list[tuple[int, int]]:
    return [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in editor.extraSelections()]


def write_all(qtbot, window, controller):
    """Run Continue writing to the end; returns its CompletionResult."""
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=5000) as blocker:
        window.action_continue.trigger()
    return blocker.args[0]


def start_and_wait_for_chunks(qtbot, window, controller, backend, count: int) -> list[tuple]:
    backend.chunk_delay_s = 0.05
    seen = record_chunks(controller, window)
    window.action_continue.trigger()
    qtbot.waitUntil(lambda: len(seen) >= count, timeout=3000)
    return seen


def test_ctrl_enter_streams_the_block_chunk_by_chunk(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    backend.chunk_delay_s = 0.01
    seen = record_chunks(controller, window)
    user_edits: list[None] = []
    editor.sig_text_edited.connect(lambda: user_edits.append(None))
    revision = editor.revision
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=5000) as blocker:
        QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    result = blocker.args[0]

    pieces = re.findall(r"\s*\S+", CONTINUATION)  # the fake streams word by word
    expected = ["".join(pieces[: n + 1]) for n in range(len(pieces))]
    assert [text for text, *_ in seen] == expected  # every chunk, cumulative
    for text, document, state, stop_enabled in seen:
        assert document == "Hello" + text  # the block grows in the document itself
        assert state == "writing…" and stop_enabled
    assert not result.cancelled and result.text == CONTINUATION
    assert editor.toPlainText() == "Hello" + CONTINUATION
    assert editor.has_pending() and editor.pending_text() == CONTINUATION
    assert highlighted(editor) == [(5, 5 + len(CONTINUATION))]
    assert editor.cursor_position() == 5 + len(CONTINUATION)
    assert window.status_bar.label_state.text() == "ready"
    assert not window.action_stop.isEnabled() and window.action_continue.isEnabled()
    assert user_edits == []  # streamed inserts are not user edits…
    assert editor.revision > revision  # …but they do change the document

    request = backend.requests[-1]
    assert request.text_before == "Hello"
    assert request.params.max_new_tokens == 80
    assert request.params.multiline and not request.params.stop_at_sentence_end


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab])
def test_enter_or_tab_keeps_the_block_as_one_undo_step(qtbot, parts, key):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)
    QTest.keyClick(editor, key)
    assert editor.toPlainText() == "Hello" + CONTINUATION  # no newline or tab typed
    assert not editor.has_pending()
    assert highlighted(editor) == []
    assert editor.cursor_position() == len("Hello" + CONTINUATION)
    editor.undo()
    assert editor.toPlainText() == "Hello"  # the whole block in one step
    editor.redo()
    assert editor.toPlainText() == "Hello" + CONTINUATION


def test_escape_removes_the_block_and_leaves_no_trace(qtbot, parts):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    editor.document().setModified(False)  # as if just saved
    write_all(qtbot, window, controller)
    assert window.is_modified()
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.toPlainText() == "Hello"
    assert not editor.has_pending() and highlighted(editor) == []
    assert not window.is_modified()  # back to exactly the saved text
    assert editor.cursor_position() == 5
    assert not editor.document().isRedoAvailable()  # redo cannot bring it back
    editor.undo()
    assert editor.toPlainText() == ""  # the next undo is the user's own typing


def test_escape_while_streaming_stops_and_removes(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    start_and_wait_for_chunks(qtbot, window, controller, backend, 1)
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=2000) as blocker:
        QTest.keyClick(editor, Qt.Key.Key_Escape)
        assert editor.toPlainText() == "Hello"
        assert window.status_bar.label_state.text() == "ready"
    assert blocker.args[0].cancelled
    qtbot.wait(120)  # chunks already on their way are dropped
    assert editor.toPlainText() == "Hello"
    assert not editor.has_pending()


def test_stop_ends_the_stream_quickly_and_keeps_the_block_pending(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    seen = start_and_wait_for_chunks(qtbot, window, controller, backend, 2)
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "\n" not in editor.toPlainText()  # Ctrl+Enter while writing types nothing
    stop_button = window.toolbar.widgetForAction(window.action_stop)
    assert stop_button.isEnabled()
    request_id = backend.requests[-1].request_id
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=2000) as blocker:
        clicked = time.perf_counter()
        qtbot.mouseClick(stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].cancelled
    assert backend.ended_at[request_id] - clicked < 0.1  # the worker let go within 100 ms
    streamed = seen[-1][0]
    qtbot.wait(150)
    assert editor.pending_text() == streamed  # nothing more arrived
    assert editor.toPlainText() == "Hello" + streamed
    assert highlighted(editor) == [(5, 5 + len(streamed))]
    assert not window.action_stop.isEnabled()
    assert window.status_bar.label_state.text() == "ready"
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == "Hello" + streamed and not editor.has_pending()


def test_typing_during_streaming_stops_and_loses_nothing(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    seen = start_and_wait_for_chunks(qtbot, window, controller, backend, 2)
    with qtbot.waitSignal(controller.completion.sig_writing_finished, timeout=2000) as blocker:
        QTest.keyClicks(editor, "!")  # the cursor rode along at the block's end
    assert blocker.args[0].cancelled
    streamed = seen[-1][0]
    qtbot.wait(150)
    assert editor.toPlainText() == "Hello" + streamed + "!"
    assert editor.pending_text() == streamed  # still pending, the "!" outside it
    assert highlighted(editor) == [(5, 5 + len(streamed))]
    assert window.status_bar.label_state.text() == "ready"

    QTest.keyClick(editor, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, ">")  # typing elsewhere moves the block along
    assert highlighted(editor) == [(6, 6 + len(streamed))]
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.toPlainText() == ">Hello!"  # the block went, the user's typing stayed
    assert not editor.has_pending()


def test_typing_before_the_first_chunk_stops_with_nothing_pending(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    backend.chunk_delay_s = 0.05
    window.action_continue.trigger()
    QTest.keyClicks(editor, "!")
    assert not editor.has_pending()
    assert window.status_bar.label_state.text() == "ready"
    qtbot.wait(300)  # the cancelled request sends nothing into the document
    assert editor.toPlainText() == "Hello!"
    assert not editor.has_pending() and highlighted(editor) == []


def test_no_ghost_text_while_streaming_or_pending(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    qtbot.waitUntil(lambda: editor.suggestion == GHOST, timeout=3000)
    seen = start_and_wait_for_chunks(qtbot, window, controller, backend, 1)
    assert not editor.has_suggestion()  # Continue writing replaced the ghost text
    inline_requests = sum(not r.params.multiline for r in backend.requests)
    qtbot.waitUntil(lambda: not window.action_stop.isEnabled(), timeout=5000)  # done
    qtbot.wait(150)  # well past the 40 ms debounce
    assert seen and not editor.has_suggestion()

    QTest.keyClick(editor, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, "Oh ")  # a user edit while the block is pending
    QTest.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(150)
    assert not editor.has_suggestion()
    assert not controller.completion.request_now()
    assert sum(not r.params.multiline for r in backend.requests) == inline_requests

    QTest.keyClick(editor, Qt.Key.Key_Tab)  # keep it; inline suggestions come back
    QTest.keyClicks(editor, " And")
    qtbot.waitUntil(lambda: editor.suggestion == GHOST, timeout=3000)


def test_ctrl_z_while_pending_removes_the_block(qtbot, parts):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)
    window.action_undo.trigger()
    assert editor.toPlainText() == "Hello"
    assert not editor.has_pending() and highlighted(editor) == []


def test_saving_while_pending_saves_the_text_as_shown(qtbot, parts, tmp_path):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)
    path = tmp_path / "draft.txt"
    assert window.save_to(path)
    assert path.read_text(encoding="utf-8") == "Hello" + CONTINUATION
    assert editor.has_pending()  # saving does not decide for the user
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert window.is_modified()  # the saved file still has the block


def test_continue_again_keeps_the_pending_block_and_goes_on(qtbot, parts):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)
    write_all(qtbot, window, controller)
    assert editor.toPlainText() == "Hello" + CONTINUATION * 2
    assert editor.pending_text() == CONTINUATION
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.toPlainText() == "Hello" + CONTINUATION
    assert not editor.has_pending()


def test_nothing_to_add_leaves_no_block(qtbot, parts, backend):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    backend.script = ""
    notices: list[str] = []
    window.show_notice = lambda message, *args, **kwargs: notices.append(message)
    write_all(qtbot, window, controller)
    assert editor.toPlainText() == "Hello"
    assert not editor.has_pending()
    assert notices and "nothing to add" in notices[-1]
    assert window.status_bar.label_state.text() == "ready"


def test_theme_switch_retints_the_pending_block(qtbot, parts):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)

    def tint():
        selection = editor.extraSelections()[0]  # hold each wrapper: PySide frees temporaries
        fmt = selection.format
        return QColor(fmt.background().color())

    light = tint()
    window.set_theme("dark")
    qtbot.waitUntil(lambda: tint().lightness() < light.lightness() - 100, timeout=2000)
    assert editor.has_pending() and editor.pending_text() == CONTINUATION
    window.set_theme("light")


def test_text_typed_after_keeping_is_an_undo_step_of_its_own(qtbot, parts):
    window, controller = parts
    editor = window.editor
    type_text(qtbot, editor, "Hello")
    write_all(qtbot, window, controller)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QTest.keyClicks(editor, " More")
    editor.undo()
    assert editor.toPlainText() == "Hello" + CONTINUATION
    editor.undo()
    assert editor.toPlainText() == "Hello"
