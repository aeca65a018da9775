"""Issue positions survive edits while results arrive late; stale results are dropped."""

from __future__ import annotations

import random
import re
import threading

import pytest

from writer_app.core.settings import GrammarSettings

WORDS = ("teh", "wrold", "recieve")
SNIPPETS = ("a", "x", " ", "teh ", " wrold", "e", ".", " Teh", "\n", "\U0001f600", "recieve ")


def expected_issues(text: str) -> list[tuple[int, str]]:
    """(UTF-16 position, word) of every scripted misspelling in `text`."""
    found = []
    for match in re.finditer(rf"(?<!\w)({'|'.join(WORDS)})(?!\w)", text, re.IGNORECASE):
        position = len(text[:match.start()].encode("utf-16-le")) // 2
        found.append((position, match.group()))
    return found


def assert_anchored(editor) -> None:
    """Every underline sits exactly on the text it was found for."""
    for issue in editor.issues():
        assert editor.issue_text(issue) == issue.original, issue
        assert issue.original.lower() in WORDS
    drawn = [(s, e) for s, e, _c in editor.underlined_ranges()]
    assert len(drawn) <= len(editor.issues())


@pytest.fixture
def gated(app_parts, qtbot, grammar_checker):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    gate = threading.Event()
    grammar_checker.gate = gate
    yield window, controller, gate
    gate.set()  # never leave the worker waiting at teardown


def _random_edit(rng: random.Random, editor) -> None:
    """Insert a snippet or delete a few characters, never inside a surrogate pair (the
    user cannot put the cursor there either)."""
    boundaries = [0]
    for ch in editor.toPlainText():
        boundaries.append(boundaries[-1] + (2 if ord(ch) > 0xFFFF else 1))
    index = rng.randrange(len(boundaries))
    cursor = editor.textCursor()
    cursor.setPosition(boundaries[index])
    if rng.random() < 0.4 and len(boundaries) > 1:
        end = boundaries[min(len(boundaries) - 1, index + rng.randint(1, 6))]
        cursor.setPosition(end, cursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
    else:
        cursor.insertText(rng.choice(SNIPPETS))
    editor.setTextCursor(cursor)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_offsets_survive_random_edits_while_results_arrive_late(gated, qtbot, seed):
    window, controller, gate = gated
    rng = random.Random(seed)
    editor = window.editor
    window._replace_document(
        "Teh first line \U0001f600 has teh wrold.\nI recieve mail. Teh end is near.\n"
        "Another wrold here. Fine text.", None, modified=False)
    for _step in range(40):
        _random_edit(rng, editor)
        assert_anchored(editor)
        if rng.random() < 0.3:
            controller.grammar.check_now()
        if rng.random() < 0.35:
            gate.set()
            qtbot.wait(rng.randint(5, 40))
            gate.clear()
        else:
            qtbot.wait(rng.randint(0, 8))
        assert_anchored(editor)
    gate.set()
    controller.grammar.check_now()
    qtbot.waitUntil(lambda: not controller.grammar.is_checking(), timeout=10000)
    controller.grammar.render()
    text = editor.toPlainText()
    got = [(issue.start, issue.original) for issue in editor.issues()]
    assert got == expected_issues(text)
    assert_anchored(editor)


def test_a_result_for_an_edited_sentence_is_not_shown(gated, qtbot, grammar_checker):
    window, controller, gate = gated
    editor = window.editor
    window._replace_document("Teh cat sat.", None, modified=False)
    qtbot.waitUntil(lambda: grammar_checker.started.is_set(), timeout=5000)
    cursor = editor.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(3, cursor.MoveMode.KeepAnchor)
    cursor.insertText("The")  # fixed by hand while the check runs
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        gate.set()
        controller.grammar.check_now()
    controller.grammar.render()
    assert editor.toPlainText() == "The cat sat."
    assert editor.issues() == [] and editor.underlined_ranges() == []


def test_an_issue_disappears_as_soon_as_its_text_is_edited(gated, qtbot):
    window, controller, gate = gated
    gate.set()
    editor = window.editor
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        window._replace_document("Hello teh world.", None, modified=False)
    assert [i.original for i in editor.issues()] == ["teh"]
    cursor = editor.textCursor()
    cursor.setPosition(9)  # right after "teh": a letter glues onto the word
    cursor.insertText("e")
    assert editor.issues() == []
    editor.undo()
    controller.grammar.check_now()  # the sentence is known again: no model call
    assert [i.original for i in editor.issues()] == ["teh"]
    cursor.setPosition(0)
    cursor.insertText("Oh. ")  # elsewhere: the underline moves along
    assert [(i.start, i.original) for i in editor.issues()] == [(10, "teh")]
    assert editor.underlined_ranges()[0][:2] == (10, 13)


def test_results_computed_under_old_settings_are_dropped(gated, qtbot, grammar_checker):
    window, controller, gate = gated
    window._replace_document("Teh cat sat.", None, modified=False)
    qtbot.waitUntil(lambda: grammar_checker.started.is_set(), timeout=5000)
    old_generation = controller.grammar._generation
    controller.store.update(controller.settings.__class__(
        **{**controller.settings.__dict__,
           "grammar": GrammarSettings(language_variant="en-GB")}))
    assert controller.grammar._generation == old_generation + 1
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        gate.set()
    # The old request's batch was not cached; the new one's was.
    assert [i.original for i in window.editor.issues()] == ["Teh"]
    assert len(controller.grammar.cache) == 1
