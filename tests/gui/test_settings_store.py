"""The SettingsStore: the one owner of the settings (validates, saves once, tells all),
and the case that copies used to get wrong: a failed model, then a theme change."""

from __future__ import annotations

import dataclasses

import pytest

from writer_app.core.settings import EditorSettings, Settings, load_settings
from writer_app.gui.settings_store import SettingsStore


@pytest.fixture
def saves(monkeypatch):
    """Every file write the store makes, in order."""
    import writer_app.gui.settings_store as module

    written: list[Settings] = []
    real = module.save_settings

    def counting(settings, path):
        written.append(settings)
        real(settings, path)

    monkeypatch.setattr(module, "save_settings", counting)
    return written


def test_update_saves_once_and_tells_old_and_new(qtbot, tmp_path, saves):
    path = tmp_path / "settings.toml"
    store = SettingsStore(Settings(), path)
    changes = []
    store.sig_changed.connect(lambda old, new: changes.append((old, new)))
    assert store.update({"editor": {"theme": "dark", "font_size": 14}})
    assert len(saves) == 1
    old, new = changes[0]
    assert old == Settings() and new == store.current()
    assert (new.editor.theme, new.editor.font_size) == ("dark", 14)
    assert load_settings(path)[0] == store.current()  # what is on disk is what is in use


def test_an_unchanged_value_neither_saves_nor_tells(qtbot, tmp_path, saves):
    store = SettingsStore(Settings(), tmp_path / "settings.toml")
    changes = []
    store.sig_changed.connect(lambda *args: changes.append(args))
    assert store.update({"editor": {"theme": Settings().editor.theme}})
    assert store.update(Settings())
    assert saves == [] and changes == []


@pytest.mark.parametrize("changes", [
    {"editor": {"font_size": 500}},  # out of range
    {"editor": {"theme": "neon"}},  # not one of the choices
    {"completion": {"debounce_ms": "fast"}},  # wrong type
    {"editor": {"no_such_field": 1}},
    {"no_such_section": {"x": 1}},
])
def test_invalid_changes_raise_and_change_nothing(qtbot, tmp_path, saves, changes):
    store = SettingsStore(Settings(), tmp_path / "settings.toml")
    told = []
    store.sig_changed.connect(lambda *args: told.append(args))
    with pytest.raises(ValueError):
        store.update(changes)
    assert store.current() == Settings()
    assert saves == [] and told == []


def test_only_changed_values_are_judged(qtbot):
    """A value the file already had (and the loader kept) does not block other changes."""
    odd = Settings(editor=dataclasses.replace(EditorSettings(), font_size=13))
    store = SettingsStore(odd)
    assert store.update({"editor": {"theme": "light"}})
    assert store.current().editor.font_size == 13


def test_a_failed_save_is_told_and_must_save_keeps_everything(qtbot, tmp_path):
    path = tmp_path / "settings.toml"
    path.mkdir()  # a folder where the file should be: it cannot be written
    store = SettingsStore(Settings(), path)
    failures, told = [], []
    store.sig_save_failed.connect(failures.append)
    store.sig_changed.connect(lambda *args: told.append(args))
    assert not store.update({"editor": {"theme": "dark"}}, must_save=True)
    assert store.current() == Settings() and told == []
    assert not store.update({"editor": {"theme": "dark"}})  # applies for this session
    assert store.current().editor.theme == "dark" and len(told) == 1
    assert len(failures) == 2 and all(failures)


def test_without_a_path_nothing_is_written(qtbot, tmp_path, saves):
    store = SettingsStore()
    assert store.update({"editor": {"theme": "dark"}})
    assert saves == [] and store.path is None


# --- every part follows the one store --------------------------------------------------


def test_a_failed_model_then_a_theme_change_keeps_the_working_model(app_parts, qtbot,
                                                                     factory):
    """The failed model is forgotten everywhere: a later theme change (saved from the
    window) neither writes it back nor loads it again."""
    window, controller = app_parts
    store = controller.store
    with qtbot.waitSignal(controller.models.sig_model_failed, timeout=5000):
        store.update({"models": {"completion_model": "broken"}})
    assert store.current().models.completion_model == "default"
    assert window.settings.models.completion_model == "default"
    loads = len(factory.specs)
    window.theme_actions["dark"].trigger()
    qtbot.wait(200)  # a load would be queued to the worker by now
    saved = load_settings(store.path)[0]
    assert saved.editor.theme == "dark"
    assert saved.models.completion_model == "default"
    assert len(factory.specs) == loads  # "broken" was not asked for again
    assert [spec.reference for spec in factory.specs].count("broken") == 1


def test_a_refused_adapter_is_forgotten_everywhere(app_parts, qtbot):
    window, controller = app_parts
    controller.store.update({"models": {"adapter": "/adapters/mine"}})
    controller.models._on_adapter_failed("That adapter is for another model.", "")
    assert controller.settings.models.adapter == ""
    assert window.settings.models.adapter == ""
    window.theme_actions["light"].trigger()
    assert load_settings(controller.store.path)[0].models.adapter == ""
