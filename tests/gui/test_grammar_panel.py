"""The issues panel (a dock toggled from the View menu) and the grammar worker."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QToolButton

from tests.fakes import FakeGrammarChecker, fake_grammar_factory
from writer_app.core.grammar_check import GrammarConfig, GrammarRequest
from writer_app.inference.worker import GRAMMAR_BATCH_UNITS, WARM_UP_TEXT, InferenceWorker

TEXT = "Teh cat sat. Then she go home. Teh end. And she go out. It was very very late."


@pytest.fixture
def parts(app_parts, qtbot):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=15000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=15000):
        window._replace_document(TEXT, None, modified=False)
    return window, controller


def _groups(panel) -> dict[str, list[str]]:
    tree = panel.tree
    return {tree.topLevelItem(i).text(0): [tree.topLevelItem(i).child(j).text(0)
                                           for j in range(tree.topLevelItem(i).childCount())]
            for i in range(tree.topLevelItemCount())}


def test_view_menu_toggles_the_panel_which_lists_issues_by_category(parts, qtbot):
    window, _controller = parts
    panel = window.issues_panel
    assert not panel.isVisible()
    assert window.action_issues in window.menu_view.actions()
    window.action_issues.trigger()
    assert panel.isVisible()
    assert _groups(panel) == {
        "Redundancy (1)": ["\u2018very very\u2019 \u2192 \u2018very\u2019"],
        "Spelling (2)": ["\u2018Teh\u2019 \u2192 \u2018The\u2019"] * 2,
        "Subject\u2013verb agreement (2)": ["\u2018she go\u2019 \u2192 \u2018she goes\u2019"] * 2,
    }
    assert panel.summary.text() == "5 issues in 3 categories"
    window.action_issues.trigger()
    assert not panel.isVisible()


def test_clicking_an_issue_selects_it_and_fix_applies_it(parts, qtbot):
    window, _controller = parts
    panel = window.issues_panel
    window.action_issues.trigger()
    spelling = next(panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())
                    if panel.tree.topLevelItem(i).text(0).startswith("Spelling"))
    second = spelling.child(1)
    panel.tree.itemClicked.emit(second, 0)
    cursor = window.editor.textCursor()
    assert cursor.selectedText() == "Teh" and cursor.selectionStart() == TEXT.index("Teh end")
    button = panel.tree.itemWidget(second, 1).findChild(QToolButton)
    assert button.text() == "Fix"
    button.click()
    assert window.editor.toPlainText() == TEXT.replace("Teh end", "The end")
    qtbot.waitUntil(lambda: _groups(panel).get("Spelling (1)") is not None, timeout=15000)


def test_fix_all_in_category_is_confirmed_and_one_undo_step(parts, qtbot):
    window, _controller = parts
    panel = window.issues_panel
    window.action_issues.trigger()
    asked = []
    panel._confirm_fix_all = lambda title, count: asked.append((title, count)) or False
    assert panel.fix_all("Subject\u2013verb agreement") == 0
    assert window.editor.toPlainText() == TEXT  # declined: nothing changed
    panel._confirm_fix_all = lambda title, count: asked.append((title, count)) or True
    assert panel.fix_all("Subject\u2013verb agreement") == 2
    assert asked == [("Subject\u2013verb agreement", 2)] * 2
    fixed = TEXT.replace("she go ", "she goes ")
    assert window.editor.toPlainText() == fixed
    qtbot.waitUntil(lambda: "Subject\u2013verb agreement (2)" not in _groups(panel),
                    timeout=15000)
    window.editor.undo()
    assert window.editor.toPlainText() == TEXT


# --- the worker on its own --------------------------------------------------------------------


def _worker(checker: FakeGrammarChecker, **kwargs) -> InferenceWorker:
    worker = InferenceWorker(None, fake_grammar_factory(checker, **kwargs))
    worker.load_grammar(GrammarConfig(), 1, ["Zed"])
    assert checker.calls == [[WARM_UP_TEXT]]  # lazily loaded data loads now
    checker.calls.clear()
    return worker


def test_worker_checks_in_batches_and_returns_results_by_key(qtbot):
    checker = FakeGrammarChecker()
    worker = _worker(checker)
    assert checker.personal_words == {"zed"}
    units = tuple((f"k{i}", f"Sentence {i} has teh word.") for i in range(20))
    results = []
    worker.sig_grammar_result.connect(results.append)
    worker.check_grammar(GrammarRequest(-1, 3, 1, units), threading.Event())
    qtbot.waitUntil(lambda: bool(results) and results[-1].finished, timeout=3000)
    assert [len(c) for c in checker.calls] == [GRAMMAR_BATCH_UNITS, GRAMMAR_BATCH_UNITS, 4]
    assert [r.checked for r in results] == [8, 16, 20]
    keys = [key for r in results for key, _edits in r.results]
    assert keys == [key for key, _text in units]
    assert all(r.revision == 3 and r.generation == 1 for r in results)
    first_edits = results[0].results[0][1]
    assert [(e.start, e.replacement) for e in first_edits] == [(15, "the")]


def test_worker_cancels_between_batches(qtbot):
    checker = FakeGrammarChecker(delay_s=0.05)
    worker = _worker(checker)
    cancel = threading.Event()
    results = []
    worker.sig_grammar_result.connect(lambda r: (results.append(r), cancel.set()))
    units = tuple((f"k{i}", f"Text {i}.") for i in range(30))
    worker.check_grammar(GrammarRequest(-2, 1, 1, units), cancel)
    qtbot.wait(300)
    assert len(results) == 1 and len(checker.calls) == 1


def test_worker_reports_check_errors_on_the_grammar_failure_signal(qtbot):
    checker = FakeGrammarChecker()
    checker.fail_with = RuntimeError("tagger exploded")
    worker = _worker(checker)
    failures, completion_failures = [], []
    worker.sig_grammar_check_failed.connect(lambda rid, msg: failures.append((rid, msg)))
    worker.sig_request_failed.connect(lambda *args: completion_failures.append(args))
    worker.check_grammar(GrammarRequest(5, 1, 1, (("k", "Text."),)), threading.Event())
    qtbot.waitUntil(lambda: bool(failures), timeout=15000)
    # A grammar check's failure is never mistaken for a completion request's of that id.
    assert failures == [(5, "tagger exploded")]
    assert completion_failures == []


def test_worker_falls_back_to_spelling_when_the_grammar_model_is_missing():
    checker = FakeGrammarChecker()
    factory = fake_grammar_factory(checker, grammar_missing=True)
    worker = InferenceWorker(None, factory)
    statuses = []
    worker.sig_grammar_ready.connect(statuses.append)
    worker.load_grammar(GrammarConfig(), 4, [])
    assert [c.grammar for c, _w in factory.configs] == [True, False]
    assert statuses[0].generation == 4 and not statuses[0].grammar_available
    assert "unavailable" in statuses[0].note
    results = checker.check_many(["Then she go home with teh dog."])
    assert [e.replacement for e in results[0]] == ["the"]  # spelling only


def test_worker_retunes_the_knobs_without_reloading():
    checker = FakeGrammarChecker()
    checker.keep_confidence, checker.min_error_probability = 0.0, 0.0
    factory = fake_grammar_factory(checker)
    worker = InferenceWorker(None, factory)
    statuses = []
    worker.sig_grammar_ready.connect(statuses.append)
    worker.load_grammar(GrammarConfig(keep_confidence=0.1), 1, [])
    worker.load_grammar(GrammarConfig(keep_confidence=0.3, min_error_probability=0.6),
                            2, [])
    assert len(factory.configs) == 1
    assert (checker.keep_confidence, checker.min_error_probability) == (0.3, 0.6)
    assert [s.generation for s in statuses] == [1, 2]
    worker.load_grammar(GrammarConfig(variant="en-GB"), 3, [])  # a new checker
    assert len(factory.configs) == 2
