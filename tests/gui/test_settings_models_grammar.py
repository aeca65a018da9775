"""Preferences > Models: the grammar model choice end to end on fake backends, the model
scan off the GUI thread, and the device facts in the status bar and on the page."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QDoubleSpinBox, QMessageBox

from tests.fakes import FakeGrammarChecker
from tests.gui.conftest import DEVICES, KNOWN_MODELS, fast_settings
from tests.tiny_models import make_tiny_gpt2
from writer_app.core.settings import load_settings
from writer_app.gui.settings_dialog import ADD_FOLDER, SettingsDialog
from writer_app.gui.settings_store import SettingsStore
from writer_app.inference.errors import ModelLoadError

GRAMMAR_MODELS = [
    SimpleNamespace(reference="default", name="Shipped grammar tagger", source="embedded",
                    path="/app/resources/grammar/default", size_bytes=12 * 1024**2),
    SimpleNamespace(reference="org/gector-base", name="org/gector-base", source="hf-cache",
                    path="/hf/cache/org/gector-base", size_bytes=500 * 1024**2),
    SimpleNamespace(reference="org/gector-broken", name="org/gector-broken",
                    source="hf-cache", path="/hf/cache/org/gector-broken", size_bytes=None),
]


@pytest.fixture(scope="module")
def tiny_gpt2_dir(tmp_path_factory):
    return make_tiny_gpt2(tmp_path_factory.mktemp("models") / "tiny-gpt2")


class GatedScan:
    """A scan that blocks until the test opens the gate, as a slow disk would."""

    def __init__(self, result) -> None:
        self.result = result
        self.gate = threading.Event()
        self.threads: list[str] = []

    def __call__(self):
        self.threads.append(threading.current_thread().name)
        assert self.gate.wait(10), "the test never opened the gate"
        return self.result


def _grammar_factory(checker: FakeGrammarChecker):
    """Hands out `checker`; the model "org/gector-broken" fails to load."""

    def factory(config, words):
        factory.configs.append(config)
        if config.grammar and config.model == "org/gector-broken":
            raise ModelLoadError("“org/gector-broken” has no weights.")
        checker.grammar = config.grammar
        checker.set_personal_words(words)
        return checker

    factory.configs = []
    return factory


@pytest.fixture
def parts(qtbot, factory, tmp_path):
    """(window, controller, grammar factory, scans) with gated model scans."""
    from writer_app.controllers import EditorController
    from writer_app.core.recovery import RecoveryStore
    from writer_app.gui.main_window import MainWindow

    settings = fast_settings()
    store = SettingsStore(settings, tmp_path / "settings.toml")
    window = MainWindow(store, RecoveryStore(tmp_path / "recovery"))
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(window)
    grammar_factory = _grammar_factory(FakeGrammarChecker())
    scans = SimpleNamespace(completion=GatedScan(KNOWN_MODELS), grammar=GatedScan(GRAMMAR_MODELS))
    controller = EditorController(
        window, store, factory,
        known_models=scans.completion, known_grammar_models=scans.grammar,
        devices=lambda: DEVICES, dictionary_path=tmp_path / "dictionary.txt",
        grammar_factory=grammar_factory)
    with qtbot.waitSignal(controller.grammar.sig_status, timeout=5000):
        controller.models.load_model()
    window.show()
    yield window, controller, grammar_factory, scans
    scans.completion.gate.set()
    scans.grammar.gate.set()
    controller.shutdown()
    window.close()


def _open(controller, qtbot) -> SettingsDialog:
    controller.window.action_preferences.trigger()
    dialog = controller.preferences.dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _finish_scan(qtbot, controller, scans) -> None:
    with qtbot.waitSignal(controller.preferences.model_scan.sig_finished, timeout=5000):
        scans.completion.gate.set()
        scans.grammar.gate.set()


def _items(combo) -> list:
    return [combo.itemData(i) for i in range(combo.count())]


def test_preferences_open_at_once_while_the_scan_is_slow(parts, qtbot):
    _window, controller, _grammar, scans = parts
    # started once the model loaded
    qtbot.waitUntil(lambda: controller.preferences.model_scan.running)
    started = time.perf_counter()
    dialog = _open(controller, qtbot)
    assert time.perf_counter() - started < 1.0
    assert scans.completion.threads == ["model-scan"]  # never the GUI thread
    models = dialog.models_page
    assert models.scan_note.isVisible()
    assert _items(models.model_combo) == ["default", ADD_FOLDER]
    assert _items(models.grammar_combo) == ["default", ADD_FOLDER]
    _finish_scan(qtbot, controller, scans)
    assert not models.scan_note.isVisible()
    assert _items(models.model_combo) == ["default", "org/cached-model", "broken", ADD_FOLDER]
    assert _items(models.grammar_combo) == [
        "default", "org/gector-base", "org/gector-broken", ADD_FOLDER]
    assert models.model_combo.currentData() == "default"
    assert models.grammar_combo.currentData() == "default"
    # Opened again: the last scan shows at once, a fresh one refreshes it.
    dialog.reject()
    qtbot.waitUntil(lambda: controller.preferences.dialog is None)
    dialog = _open(controller, qtbot)
    assert "org/gector-base" in _items(dialog.models_page.grammar_combo)


def test_a_grammar_model_from_the_cache_is_applied_without_restart(parts, qtbot, tmp_path):
    window, controller, grammar_factory, scans = parts
    dialog = _open(controller, qtbot)
    _finish_scan(qtbot, controller, scans)
    models = dialog.models_page
    models.grammar_combo.setCurrentIndex(models.grammar_combo.findData("org/gector-base"))
    assert "500.0 MB" in models.grammar.details.text()
    assert "/hf/cache/org/gector-base" in models.grammar.details.text()
    window.editor.setPlainText("Some text that stays.")
    loads = len(grammar_factory.configs)
    with qtbot.waitSignal(controller.grammar.sig_status, timeout=5000) as blocker:
        dialog.apply_button.click()
        assert window.statusBar().currentMessage() == "Loading grammar model “org/gector-base”…"
    assert window.statusBar().currentMessage() == "Grammar model “org/gector-base” is ready."
    assert grammar_factory.configs[-1].model == "org/gector-base"
    assert len(grammar_factory.configs) == loads + 1
    assert blocker.args[0].grammar_available and not blocker.args[0].note
    assert controller.settings.models.grammar_model == "org/gector-base"
    assert load_settings(tmp_path / "settings.toml")[0].models.grammar_model == "org/gector-base"
    assert window.editor.toPlainText() == "Some text that stays."
    # Another completion setting alone does not reload the grammar model.
    dialog.completion_page.findChild(QDoubleSpinBox, "temperature").setValue(0.4)
    dialog.apply_button.click()
    assert len(grammar_factory.configs) == loads + 1


def test_a_grammar_model_that_fails_keeps_the_one_serving(parts, qtbot, tmp_path):
    window, controller, grammar_factory, scans = parts
    dialog = _open(controller, qtbot)
    _finish_scan(qtbot, controller, scans)
    models = dialog.models_page
    models.grammar_combo.setCurrentIndex(models.grammar_combo.findData("org/gector-broken"))
    with qtbot.waitSignal(controller.grammar.sig_status, timeout=5000) as blocker:
        dialog.apply_button.click()
    status = blocker.args[0]
    assert status.grammar_available
    assert "org/gector-broken" in status.note and "no weights" in status.note
    assert status.note == ("Grammar model not loaded: “org/gector-broken” has no weights; "
                           "still using the shipped grammar model.")
    assert window.statusBar().currentMessage() == status.note
    assert window.status_bar.notice_is_error
    # The settings (and the file) go back to the model that serves.
    assert controller.settings.models.grammar_model == "default"
    assert load_settings(tmp_path / "settings.toml")[0].models.grammar_model == "default"
    assert models.grammar_combo.currentData() == "default"
    assert models.grammar.error.isVisible() and "no weights" in models.grammar.error.text()
    # Checking goes on with the checker that served before.
    window.editor.setPlainText("I has a cat.")
    with qtbot.waitSignal(controller.grammar.sig_check_finished, timeout=5000):
        controller.grammar.check_now()
    assert window.editor.issues


@pytest.mark.parametrize("kind", ["causal", "empty"])
def test_add_grammar_folder_rejects_unusable_folders(parts, qtbot, tmp_path, tiny_gpt2_dir,
                                                     kind):
    _window, controller, _grammar, _scans = parts
    dialog = _open(controller, qtbot)
    models = dialog.models_page
    folder = tiny_gpt2_dir if kind == "causal" else tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    count = models.grammar_combo.count()
    models._choose_grammar_folder = lambda: folder
    models.grammar_combo.activated.emit(models.grammar_combo.findData(ADD_FOLDER))
    expected = "is a text-generation model, not a grammar model" if kind == "causal" \
        else "is empty"
    assert expected in models.grammar.error.text()
    assert models.grammar.error.isVisible()
    assert models.grammar_combo.count() == count
    assert models.grammar_combo.currentData() == "default"


def test_add_grammar_folder_accepts_a_gector_folder(parts, qtbot, tmp_path):
    import json

    window, controller, grammar_factory, _scans = parts
    folder = tmp_path / "my-gector"
    folder.mkdir()
    labels = {"$KEEP": 0, "$DELETE": 1, "<PAD>": 2}
    (folder / "config.json").write_text(json.dumps(
        {"label2id": labels, "d_label2id": {"$CORRECT": 0, "$INCORRECT": 1},
         "model_id": "roberta-base"}))
    (folder / "model.safetensors").write_bytes(b"\0" * 2048)
    (folder / "tokenizer.json").write_text("{}")
    dialog = _open(controller, qtbot)
    models = dialog.models_page
    models._choose_grammar_folder = lambda: folder
    models.grammar_combo.activated.emit(models.grammar_combo.findData(ADD_FOLDER))
    assert models.grammar_combo.currentData() == str(folder)
    assert not models.grammar.error.isVisible()
    assert str(folder) in models.grammar.details.text()
    with qtbot.waitSignal(controller.grammar.sig_status, timeout=5000):
        dialog.apply_button.click()
    assert grammar_factory.configs[-1].model == str(folder)


def test_device_facts_show_in_the_status_bar_and_on_the_page(parts, qtbot, backend,
                                                             monkeypatch):
    """The worker asks torch.cuda (faked: no GPU here) for the name and memory in use."""
    import torch

    window, controller, _grammar, _scans = parts
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda index=None: 3 * 1024**3)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: "Fake GPU 8GB")
    backend.info = replace(backend.info, device="cuda:0", dtype="bfloat16")
    with qtbot.waitSignal(controller.models.sig_model_ready, timeout=5000):
        controller.models.load_model()
    device = window.status_bar.label_device.text()
    assert device == "Fake GPU 8GB (cuda:0) · bfloat16 · 3.0 GB in use"
    dialog = _open(controller, qtbot)
    facts = dialog.models_page.facts.text()
    assert "Fake GPU 8GB" in facts and "3.0 GB in use" in facts


def test_a_scan_that_fails_lists_nothing_and_keeps_the_other(qtbot):
    from writer_app.gui.model_scan import ModelScan

    def broken():
        raise OSError("cache unreadable")

    scan = ModelScan({"completion": broken, "grammar": lambda: GRAMMAR_MODELS[:1]})
    with qtbot.waitSignal(scan.sig_finished, timeout=5000):
        scan.start()
    assert scan.wait(5)
    assert scan.get("completion") == [] and scan.get("grammar") == GRAMMAR_MODELS[:1]


def test_the_grammar_model_in_use_shows_its_parameter_count(qtbot):
    settings = fast_settings()
    dialog = SettingsDialog(SettingsStore(settings), known_models=KNOWN_MODELS, devices=DEVICES,
                            grammar_models=GRAMMAR_MODELS, grammar_parameters=22_713_216)
    qtbot.addWidget(dialog)
    page = dialog.models_page
    assert "Parameters: 22.7M" in page.grammar.details.text()
    page.grammar.combo.setCurrentIndex(page.grammar.combo.findData("org/gector-base"))
    assert "Parameters: known once loaded" in page.grammar.details.text()


def test_the_worker_counts_the_taggers_parameters():
    import torch

    from writer_app.inference.worker import _tagger_parameters

    checker = SimpleNamespace(engine=SimpleNamespace(tagger=torch.nn.Linear(4, 3)))
    assert _tagger_parameters(checker) == 15
    assert _tagger_parameters(FakeGrammarChecker()) is None
