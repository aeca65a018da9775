"""The Grammar page of Preferences: sensitivity slider, advanced knobs, dictionary."""

from __future__ import annotations

import pytest

from writer_app.core.dictionary import load_dictionary
from writer_app.core.settings import load_settings


@pytest.fixture
def parts(app_parts, qtbot):
    window, controller = app_parts
    qtbot.waitUntil(lambda: controller.grammar.status is not None, timeout=5000)
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        window._replace_document("Teh cat. Then she go home.", None, modified=False)
    dialog = controller.preferences.open()
    dialog.show_page(dialog.grammar_page)
    yield window, controller, dialog
    dialog.reject()


def test_slider_and_advanced_knobs_reach_the_checker_and_the_file(parts, qtbot, tmp_path,
                                                                  grammar_factory):
    _window, controller, dialog = parts
    page = dialog.grammar_page
    assert page.sensitivity_slider.value() == 1  # balanced
    assert "0.00" in page.sensitivity_details.text()
    page.sensitivity_slider.setValue(0)
    assert "0.50" in page.sensitivity_details.text()  # relaxed's min. error probability
    assert page.keep_spin.text() == "From sensitivity"
    page.keep_spin.setValue(0.4)
    dialog.apply()
    saved, _warnings = load_settings(tmp_path / "settings.toml")
    assert saved.grammar.sensitivity == "relaxed" and saved.grammar.keep_confidence == 0.4
    # The worker takes the new checker settings in its own thread.
    qtbot.waitUntil(lambda: (grammar_factory.configs[-1][0].keep_confidence,
                             grammar_factory.configs[-1][0].min_error_probability)
                    == (0.4, 0.5), timeout=5000)
    assert controller.grammar.settings.sensitivity == "relaxed"


def test_dictionary_words_from_the_page_stop_the_underlines(parts, qtbot, tmp_path):
    window, controller, dialog = parts
    assert "Teh" in [i.original for i in window.editor.issues()]
    page = dialog.grammar_page
    page.word_edit.setText("teh")
    page.add_button.click()
    dialog.apply()
    assert load_dictionary(tmp_path / "dictionary.txt") == ["teh"]
    assert [i.original for i in window.editor.issues()] == ["she go"]
    page.word_list.item(0).setSelected(True)
    page.remove_button.click()
    # Results made while "teh" was accepted never flag it: the document is checked again.
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        dialog.apply()
    assert load_dictionary(tmp_path / "dictionary.txt") == []
    assert sorted(i.original for i in window.editor.issues()) == ["Teh", "she go"]
