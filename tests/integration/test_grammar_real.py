"""Grammar and spelling in a real window with the real checker (the shipped grammar model
when it is installed, else the spelling layer alone)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.slow


def test_real_checker_underlines_and_fixes_in_a_window(qtbot, tmp_path):
    from tests.gui.conftest import fast_settings
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    settings = fast_settings()
    store = SettingsStore(settings, tmp_path / "settings.toml")
    window = MainWindow(store, RecoveryStore(tmp_path / "recovery"))
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    controller = EditorController(window, store, None,
                                  dictionary_path=tmp_path / "dictionary.txt")
    window.show()
    try:
        grammar = controller.grammar
        # Loading takes a second or two on an idle machine, minutes on a very busy one.
        qtbot.waitUntil(lambda: grammar.status is not None or grammar._broken,
                        timeout=900_000)
        assert grammar.status is not None, window.status_bar.label_grammar.toolTip()
        text = "I recieve teh letters every morning.\n```\nrecieve = teh()\n```\nSee `teh`."
        with qtbot.waitSignal(grammar.sig_check_finished, timeout=300_000):
            window._replace_document(text, None, modified=False)
        flagged = {(i.original, i.suggestions[0]) for i in window.editor.issues()}
        assert {("recieve", "receive"), ("teh", "the")} <= flagged
        assert all(i.start < text.index("```") for i in window.editor.issues())
        if grammar.status.grammar_available:
            with qtbot.waitSignal(grammar.sig_check_finished, timeout=300_000):
                window._replace_document("we met on a rainy afternoon.", None,
                                         modified=False)
            # A tagger edit (the uncased encoder sees case through its case features).
            assert [(i.original, i.suggestions[0]) for i in window.editor.issues()] == [
                ("we", "We")], "the grammar model found nothing"
        else:
            assert window.status_bar.label_grammar.text() == "Spelling only"
        issue = next(i for i in window.editor.issues() if i.original == "recieve") \
            if not grammar.status.grammar_available else window.editor.issues()[0]
        assert window.editor.apply_suggestion(issue, issue.suggestions[0])
    finally:
        controller.shutdown()
        window.close()
