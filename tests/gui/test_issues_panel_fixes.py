"""The issues panel after a Fix: focus, rows that stay put, no "No issues found" flash."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

TEXT = "Teh cat sat. Then she go home. Teh end. And she go out. It was very very late."


@pytest.fixture
def parts(app_parts, qtbot):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=15000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=15000):
        window._replace_document(TEXT, None, modified=False)
    window.show()
    window.issues_panel.show()
    # A panel that was open already (a window state saved by an earlier test) rebuilds
    # on its timer rather than on being shown: wait for the rows either way.
    qtbot.waitUntil(lambda: window.issues_panel.tree.topLevelItemCount() > 0, timeout=3000)
    yield window, controller
    window.issues_panel.hide()  # the saved window state must not open it for other tests
    window._save_window_state()


def _rows(panel, prefix: str) -> list[str]:
    tree = panel.tree
    top = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
               if tree.topLevelItem(i).text(0).startswith(prefix))
    return [top.child(j).text(0) for j in range(top.childCount())]


def _fix_button(panel, prefix: str, row: int) -> QToolButton:
    tree = panel.tree
    top = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
               if tree.topLevelItem(i).text(0).startswith(prefix))
    return tree.itemWidget(top.child(row), 1).findChild(QToolButton)


def test_fix_gives_the_keyboard_back_to_the_editor(parts, qtbot):
    window, _controller = parts
    panel = window.issues_panel
    button = _fix_button(panel, "Spelling", 0)
    button.setFocus()
    button.click()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor, timeout=3000)
    QTest.keyClicks(window.editor, "X")  # typing lands in the text
    assert "X" in window.editor.toPlainText()


def test_rows_under_the_pointer_stay_put_after_a_fix(parts, qtbot):
    window, _controller = parts
    panel = window.issues_panel
    QApplication.sendEvent(panel, QEvent(QEvent.Type.Enter))  # the pointer is over it
    before = _rows(panel, "Subject")
    assert len(before) == 2
    _fix_button(panel, "Subject", 0).click()
    panel.rebuild()
    after = _rows(panel, "Subject")
    assert len(after) == 2 and after[0].startswith("\u2713") and after[1] == before[1]
    assert _fix_button(panel, "Subject", 1) is not None  # the second Fix is where it was
    QApplication.sendEvent(panel, QEvent(QEvent.Type.Leave))  # pointer gone: rows settle
    assert _rows(panel, "Subject") == [before[1]]


def test_an_empty_list_says_checking_while_a_check_runs(parts, qtbot):
    window, controller = parts
    panel = window.issues_panel
    seen = []
    panel.summary.setText = lambda text, f=panel.summary.setText: (seen.append(text), f(text))
    window.editor.setPlainText("")
    panel.set_checking(True)
    panel.rebuild()
    assert panel.summary.text() == "Checking…"
    panel.set_checking(False)
    qtbot.waitUntil(lambda: panel.summary.text() == "No issues found.", timeout=3000)
    seen.clear()
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=15000):
        window._replace_document("Clean text here. Teh end.", None, modified=False)
    qtbot.waitUntil(lambda: panel.summary.text().startswith("1 issue"), timeout=5000)
    assert "No issues found." not in seen  # never flashed while the check ran


def test_check_document_shows_the_panel_and_fix_all_applies_the_reviewed(parts, qtbot):
    from writer_app.gui.fix_preview import FixPreviewDialog, change_preview

    window, _controller = parts
    panel = window.issues_panel
    panel.hide()
    assert window.action_check_document in window.menu_tools.actions()
    window.action_check_document.trigger()
    assert panel.isVisible()
    dialog = FixPreviewDialog(window.editor.toPlainText(), window.editor.issues(), window)
    assert dialog.list.count() == 5
    spelling = next(i for i in window.editor.issues() if i.original == "Teh")
    assert change_preview(TEXT, spelling, "The") == (
        "", "Teh", "The", " cat sat. Then she go home.…")
    reviewed = []

    def review(issues):  # the writer unticks the redundancy change
        dialog = FixPreviewDialog(window.editor.toPlainText(), issues, panel)
        for row, issue in enumerate(dialog.issues):
            if issue.original == "very very":
                dialog.list.item(row).setCheckState(Qt.CheckState.Unchecked)
        reviewed.append(len(dialog.issues))
        return dialog.chosen()

    panel._review = review
    assert panel.review_all() == 4 and reviewed == [5]
    assert window.editor.toPlainText() == ("The cat sat. Then she goes home. The end. "
                                           "And she goes out. It was very very late.")
    window.editor.undo()
    assert window.editor.toPlainText() == TEXT  # one undo step
    panel._review = lambda issues: []  # Cancel in the preview changes nothing
    assert panel.review_all() == 0 and window.editor.toPlainText() == TEXT
