"""Edit > Preferences: every page applied end to end on the fake backend."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QWidget

from tests.fakes import fake_model_name
from tests.tiny_models import make_tiny_bert, make_tiny_gpt2
from writer_app.core.settings import Settings, load_settings
from writer_app.gui.settings_dialog import ADD_FOLDER, SettingsDialog


@pytest.fixture(scope="module")
def tiny_gpt2_dir(tmp_path_factory):
    return make_tiny_gpt2(tmp_path_factory.mktemp("models") / "tiny-gpt2")


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("models") / "tiny-bert")


@pytest.fixture
def prefs(app_parts, qtbot):
    """(window, controller, dialog): Preferences opened from the Edit menu."""
    window, controller = app_parts
    assert window.action_preferences.isEnabled()
    window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    assert isinstance(dialog, SettingsDialog)
    qtbot.waitUntil(dialog.isVisible)
    return window, controller, dialog


def _select(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def _field(page, name: str) -> QWidget:
    widget = page.findChild(QWidget, name)
    assert widget is not None, name
    return widget


def _apply_and_wait_for_model(qtbot, controller, dialog, signal="ready"):
    models = controller.models
    signal = models.sig_model_ready if signal == "ready" else models.sig_model_failed
    with qtbot.waitSignal(signal, timeout=5000) as blocker:
        dialog.apply_button.click()
    return blocker.args[0]


def test_dialog_has_every_page_and_every_field_a_tooltip(prefs):
    _window, _controller, dialog = prefs
    titles = [dialog.page_list.item(row).text() for row in range(dialog.page_list.count())]
    assert titles == ["Models", "Completion", "Grammar and spelling", "Editor", "Personalize",
                      "Other apps"]
    for page in dialog.pages:
        for name in page._bindings:
            assert _field(page, name).toolTip(), f"{page.title}: {name} has no tooltip"
    dialog.show_page(dialog.personalize_page)
    assert dialog.stack.currentWidget() is dialog.personalize_page
    assert "fine-tuning" in dialog.personalize_page.note.text()
    assert not dialog.restore_button.isEnabled()  # nothing to restore there yet
    assert "Right-click an underline" in dialog.grammar_page.note.text()


def test_apply_reaches_the_controller_window_and_disk(prefs, qtbot, factory, tmp_path):
    window, controller, dialog = prefs
    completion = dialog.completion_page
    _field(completion, "enabled").setChecked(False)
    _field(completion, "debounce_ms").setValue(500)
    _field(completion, "max_new_tokens").setValue(20)
    _field(completion, "continue_tokens").setValue(120)
    _field(completion, "alternatives").setValue(4)
    _field(completion, "temperature").setValue(0.7)
    _field(completion, "top_p").setValue(0.8)
    _field(completion, "repetition_penalty").setValue(1.3)
    grammar = dialog.grammar_page
    _field(grammar, "grammar_enabled").setChecked(False)
    grammar.sensitivity_slider.setValue(2)  # Picky
    _select(_field(grammar, "language_variant"), "en-GB")
    grammar.category_boxes["style"].setChecked(False)
    grammar.word_edit.setText("  Zoë  ")
    grammar.add_button.click()
    editor_page = dialog.editor_page
    _field(editor_page, "font_size").setValue(15)
    _select(_field(editor_page, "theme"), "dark")
    _field(editor_page, "line_width").setValue(70)
    _field(editor_page, "autosave_seconds").setValue(120)
    _field(editor_page, "focus_mode").setChecked(True)
    dialog.models_page.threads_spin.setValue(3)
    _select(dialog.models_page.device_combo, "cpu")
    _select(dialog.models_page.dtype_combo, "float32")

    _apply_and_wait_for_model(qtbot, controller, dialog)  # the spec changed: reload

    settings = controller.settings
    assert settings.completion.enabled is False and settings.completion.debounce_ms == 500
    assert settings.completion.max_new_tokens == 20
    assert settings.completion.continue_tokens == 120
    assert settings.completion.alternatives == 4
    assert settings.completion.temperature == pytest.approx(0.7)
    assert settings.completion.top_p == pytest.approx(0.8)
    assert settings.completion.repetition_penalty == pytest.approx(1.3)
    assert settings.grammar.grammar_enabled is False
    assert settings.grammar.sensitivity == "picky"
    assert settings.grammar.language_variant == "en-GB"
    assert settings.grammar.disabled_set() == {"style"}
    assert (settings.editor.font_size, settings.editor.theme) == (15, "dark")
    assert (settings.editor.line_width, settings.editor.autosave_seconds) == (70, 120)
    assert settings.editor.focus_mode is True
    assert factory.specs[-1].threads == 3 and factory.specs[-1].device == "cpu"
    assert factory.specs[-1].dtype == "float32"
    # ... taken by the controller and the window ...
    assert controller.completion._timer.interval() == 500
    assert window.settings == settings
    assert window.autosave_timer.interval() == 120_000
    assert window.editor.font().pointSize() == 15
    assert window.editor.line_width == 70 and window.editor.focus_mode
    assert window.theme_actions["dark"].isChecked()
    # ... and saved.
    on_disk, warnings = load_settings(tmp_path / "settings.toml")
    assert on_disk == settings and warnings == []
    assert (tmp_path / "dictionary.txt").read_text(encoding="utf-8") == "Zoë\n"


def test_ok_applies_and_closes(prefs, qtbot, tmp_path):
    _window, controller, dialog = prefs
    _field(dialog.completion_page, "debounce_ms").setValue(900)
    with qtbot.waitSignal(dialog.finished, timeout=2000):
        dialog.ok_button.click()
    assert controller.settings.completion.debounce_ms == 900
    assert load_settings(tmp_path / "settings.toml")[0].completion.debounce_ms == 900
    assert controller.preferences.dialog is None


def test_cancel_changes_nothing(prefs, qtbot, factory, tmp_path):
    window, controller, dialog = prefs
    before, loads = controller.settings, len(factory.specs)
    _field(dialog.completion_page, "debounce_ms").setValue(900)
    _field(dialog.editor_page, "focus_mode").setChecked(True)
    _select(dialog.models_page.model_combo, "org/cached-model")
    dialog.grammar_page.add_words(["unsaved"])
    with qtbot.waitSignal(dialog.finished, timeout=2000):
        dialog.cancel_button.click()
    assert controller.settings is before and window.settings is before
    assert not window.editor.focus_mode
    assert len(factory.specs) == loads
    assert not (tmp_path / "settings.toml").exists()
    assert not (tmp_path / "dictionary.txt").exists()


def test_hot_swap_to_a_model_folder_and_back(prefs, qtbot, factory, tiny_gpt2_dir):
    window, controller, dialog = prefs
    window.editor.setPlainText("The text stays as it is.")
    models = dialog.models_page
    models._choose_model_folder = lambda: tiny_gpt2_dir
    models.model_combo.activated.emit(models.model_combo.findData(ADD_FOLDER))
    assert models.model_combo.currentData() == str(tiny_gpt2_dir)
    assert not models.model_error.isVisible()
    assert str(tiny_gpt2_dir) in models.model_details.text()

    info = _apply_and_wait_for_model(qtbot, controller, dialog)
    assert factory.specs[-1].reference == str(tiny_gpt2_dir)
    assert info.name == fake_model_name(str(tiny_gpt2_dir)) == "fake:tiny-gpt2"
    assert window.status_bar.label_model.text() == "fake:tiny-gpt2"

    _select(models.model_combo, "default")
    info = _apply_and_wait_for_model(qtbot, controller, dialog)
    assert factory.specs[-1].reference == "default"
    assert window.status_bar.label_model.text() == "fake-model" == controller.models.model_info.name
    assert window.editor.toPlainText() == "The text stays as it is."


def test_unchanged_model_is_not_reloaded(prefs, factory):
    _window, controller, dialog = prefs
    loads = len(factory.specs)
    _field(dialog.completion_page, "temperature").setValue(0.5)
    dialog.apply_button.click()
    assert controller.settings.completion.temperature == pytest.approx(0.5)
    assert len(factory.specs) == loads


def test_failed_load_keeps_the_previous_model(prefs, qtbot, backend):
    window, controller, dialog = prefs
    _select(dialog.models_page.model_combo, "broken")
    message = _apply_and_wait_for_model(qtbot, controller, dialog, signal="failed")
    assert "broken" in message
    assert controller.models.model_info.name == "fake-model"
    assert window.status_bar.label_model.text() == "fake-model"
    assert "Still using fake-model" in window.statusBar().currentMessage()
    # The settings (and the file) stay on the model that serves, for the next start.
    assert controller.settings.models.completion_model == "default"
    assert 'completion_model = "default"' in controller.store.path.read_text()
    # The old model still serves.
    window.editor.setPlainText("The cat")
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    with qtbot.waitSignal(controller.completion.sig_suggestion_shown, timeout=5000):
        assert controller.completion.request_now()


@pytest.mark.parametrize("kind", ["bert", "empty"])
def test_add_model_folder_rejects_unusable_folders(prefs, tiny_bert_dir, tmp_path, kind):
    _window, controller, dialog = prefs
    folder = tiny_bert_dir if kind == "bert" else tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    models = dialog.models_page
    count, current = models.model_combo.count(), models.model_combo.currentData()
    models._choose_model_folder = lambda: folder
    models.model_combo.activated.emit(models.model_combo.findData(ADD_FOLDER))
    assert models.model_error.isVisible()
    expected = "not a text-generation model" if kind == "bert" else "has no config.json"
    assert expected in models.model_error.text()
    assert "\n" not in models.model_error.text()
    assert models.model_combo.count() == count
    assert models.model_combo.currentData() == current
    assert dialog.edited_settings().models == controller.settings.models


def test_precision_choices_follow_the_device(prefs):
    _window, _controller, dialog = prefs
    models = dialog.models_page
    _select(models.device_combo, "cuda:0")
    assert all(models.precision_enabled(d) for d in ("auto", "float32", "float16", "bfloat16"))
    assert "Fake GPU 8GB" in models.device_combo.currentText()
    assert "6.0 GB free" in models.device_combo.currentText()
    _select(models.dtype_combo, "float16")
    _select(models.device_combo, "cpu")
    assert not models.precision_enabled("float16")
    assert not models.precision_enabled("bfloat16")
    assert models.precision_enabled("auto") and models.precision_enabled("float32")
    tip = models.dtype_combo.itemData(models.dtype_combo.findData("float16"),
                                      Qt.ItemDataRole.ToolTipRole)
    assert "CPU" in tip
    assert models.dtype_combo.currentData() == "auto"  # float16 no longer fits


def test_restore_defaults_is_per_page(prefs):
    _window, _controller, dialog = prefs
    _field(dialog.completion_page, "debounce_ms").setValue(900)
    _field(dialog.completion_page, "enabled").setChecked(False)
    _field(dialog.editor_page, "font_size").setValue(20)
    dialog.show_page(dialog.completion_page)
    dialog.restore_button.click()
    edited = dialog.edited_settings()
    assert edited.completion == Settings().completion
    assert edited.editor.font_size == 20  # another page: untouched
    dialog.show_page(dialog.models_page)
    _select(dialog.models_page.model_combo, "org/cached-model")
    dialog.restore_button.click()
    assert dialog.edited_settings().models == Settings().models


def test_focus_mode_dims_all_but_the_current_paragraph(prefs, qtbot):
    window, _controller, dialog = prefs
    editor = window.editor
    editor.setPlainText("One.\nTwo here.\nThree.")
    editor.document().setModified(False)
    cursor = editor.textCursor()
    cursor.setPosition(7)  # in "Two here."
    editor.setTextCursor(cursor)
    _field(dialog.editor_page, "focus_mode").setChecked(True)
    dialog.apply_button.click()
    assert editor.dimmed_ranges() == [(0, 5), (15, 21)]
    cursor.setPosition(1)
    editor.setTextCursor(cursor)
    assert editor.dimmed_ranges() == [(5, 21)]
    # Display only: the document, its undo history and modified flag are untouched.
    assert editor.toPlainText() == "One.\nTwo here.\nThree."
    assert not editor.document().isModified()
    assert not editor.document().isUndoAvailable()
    # Ghost text in the current paragraph and a pending block coexist with the dimming.
    cursor.setPosition(4)
    editor.setTextCursor(cursor)
    assert editor.show_suggestion(" More.", 4, editor.revision)
    assert editor.dimmed_ranges() == [(5, 21)]
    editor.clear_suggestion()
    editor.begin_pending()
    editor.set_pending_text(" Streamed.")
    tints = [s for s in editor.extraSelections() if s.format.background().style()
             != Qt.BrushStyle.NoBrush]
    assert len(tints) == 1 and editor.dimmed_ranges() == [(15, 31)]
    editor.discard_pending()
    _field(dialog.editor_page, "focus_mode").setChecked(False)
    dialog.apply_button.click()
    assert editor.dimmed_ranges() == []


def test_line_width_narrows_the_text_column(prefs, qtbot):
    window, _controller, dialog = prefs
    window.resize(1600, 800)  # room for the column even with a side panel open
    qtbot.waitUntil(lambda: window.editor.width() > 1000, timeout=10000)
    assert window.editor.viewportMargins().left() == 0
    window.editor.setPlainText("A long line that must wrap inside the column. " * 8)
    _field(dialog.editor_page, "line_width").setValue(40)
    dialog.apply_button.click()
    assert window.editor.horizontalScrollBar().maximum() == 0  # rewrapped, not clipped
    assert window.editor.document().lineCount() > 8
    side = window.editor.viewportMargins().left()
    assert side > 100 and window.editor.viewportMargins().right() == side
    column = window.editor.viewport().width()
    assert column < 40 * window.editor.fontMetrics().averageCharWidth() + 60
    _field(dialog.editor_page, "line_width").setValue(0)
    dialog.apply_button.click()
    assert window.editor.viewportMargins().left() == 0


def test_line_width_cannot_go_below_forty_characters(prefs, qtbot):
    window, _controller, dialog = prefs
    spin = _field(dialog.editor_page, "line_width")
    spin.setValue(1)  # one letter a line is not a column: this reads "Window width"
    assert spin.text() == "Window width"
    spin.stepBy(1)
    assert spin.value() == 40
    dialog.apply_button.click()
    assert window.settings.editor.line_width == 40
    window.editor.set_line_width(3)
    assert window.editor.line_width == 40


def test_a_settings_file_that_cannot_be_written_is_reported(prefs, tmp_path):
    window, controller, dialog = prefs
    path = controller.store.path
    path.unlink(missing_ok=True)
    path.mkdir()  # a folder where the file should be: it cannot be written
    _field(dialog.completion_page, "debounce_ms").setValue(700)
    dialog.apply_button.click()
    assert "Settings not saved" in window.statusBar().currentMessage()
    assert controller.settings.completion.debounce_ms == 700  # still in effect


def test_personal_dictionary_editor(prefs, tmp_path):
    _window, _controller, dialog = prefs
    page = dialog.grammar_page
    source = tmp_path / "words.txt"
    source.write_text("\ufeffnaïve\n\nZoë\nnaïve\n", encoding="utf-8")
    page._choose_import_path = lambda: source
    page.import_button.click()
    assert page.words() == ["Zoë", "naïve"]  # sorted, each once
    assert "2 new" in page.dictionary_status.text()
    page.word_edit.setText("naïve")
    page.add_button.click()
    assert "Already" in page.dictionary_status.text() and len(page.words()) == 2
    page.word_list.item(0).setSelected(True)
    page.remove_button.click()
    assert page.words() == ["naïve"]
    target = tmp_path / "out" / "export.txt"
    target.parent.mkdir()
    page._choose_export_path = lambda: target
    page.export_button.click()
    assert target.read_text(encoding="utf-8") == "naïve\n"
    dialog.apply_button.click()
    assert (tmp_path / "dictionary.txt").read_text(encoding="utf-8") == "naïve\n"


def test_preferences_show_the_running_model(prefs):
    _window, controller, dialog = prefs
    models = dialog.models_page
    assert models.model_combo.currentData() == "default"
    assert "fake-model" in models.facts.text()
    assert "Parameters: 1.0K" in models.model_details.text()
    assert "270.0 MB" in models.model_details.text()
    _select(models.model_combo, "org/cached-model")
    assert "/hf/cache/org/cached-model" in models.model_details.text()
    assert "known once loaded" in models.model_details.text()
