"""EditorController: builds the controllers for one editor window and the worker they
share, and ends them in order.

The controllers package is the only place that knows both the GUI and the inference
side. Each concern has its own controller; this one owns what they share: the
inference thread and its worker, and the SettingsStore every part reads from.

  CompletionController    suggestions, alternatives, Continue writing
  ModelController         completion model and adapter: load, swap, failure
  GrammarController       incremental grammar and spelling checks
  WordChoiceController    synonyms and rephrasing
  ServeController         the local API other apps use
  PreferencesCoordinator  the Preferences dialog, the dictionary, personalization runs
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Slot

from writer_app.controllers.completion import CompletionController
from writer_app.controllers.grammar import GrammarController
from writer_app.controllers.models import AdapterStore, ModelController
from writer_app.controllers.preferences import PreferencesCoordinator
from writer_app.controllers.serve import ServeController
from writer_app.controllers.word_choice import WordChoiceController
from writer_app.core.dictionary import dictionary_file
from writer_app.core.settings import Settings
from writer_app.core.variant import resolve_variant
from writer_app.gui.main_window import MainWindow
from writer_app.gui.settings_store import SettingsStore
from writer_app.inference.worker import BackendFactory, GrammarFactory, InferenceWorker

GIL_SWITCH_INTERVAL_S = 0.001


def _known_models() -> list:
    # Imported here: the registry pulls in torch, which the GUI tests do without.
    from writer_app.inference.registry import list_known_models

    return list_known_models()


def _known_grammar_models() -> list:
    from writer_app.inference.registry import list_grammar_models

    return list_grammar_models()


def _folder_problem(folder: Path, kind: str) -> str | None:
    """None for a folder that holds a usable model of `kind` ("completion" or "grammar"),
    else why not (a ConsentNeeded when only the writer's consent to pickle weights is
    missing)."""
    from writer_app.core.trusted import ConsentNeeded
    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.registry import validate_grammar_folder, validate_model_folder
    from writer_app.inference.trust import PickleOnlyError

    validate = validate_grammar_folder if kind == "grammar" else validate_model_folder
    try:
        validate(folder, folder.name)
    except PickleOnlyError as exc:
        return ConsentNeeded(str(exc), exc.folder)
    except ModelLoadError as exc:
        return str(exc)
    return None


def _validate_grammar_folder(folder: Path) -> str | None:
    """None for a folder that holds a grammar model (config and label maps), else why not."""
    return _folder_problem(folder, "grammar")


def _validate_folder(folder: Path) -> str | None:
    """None for a folder that holds a usable text-generation model, else why not."""
    return _folder_problem(folder, "completion")


def _devices() -> list:
    from writer_app.inference.devices import available_devices

    return available_devices()


class EditorController(QObject):
    def __init__(
        self,
        window: MainWindow,
        store: SettingsStore,
        backend_factory: BackendFactory | None = None,
        *,
        known_models: Callable[[], Sequence] = _known_models,
        devices: Callable[[], Sequence] = _devices,
        validate_folder: Callable[[Path], str | None] = _validate_folder,
        dictionary_path: Path | None = None,
        grammar_factory: GrammarFactory | None = None,
        known_grammar_models: Callable[[], Sequence] = _known_grammar_models,
        validate_grammar_folder: Callable[[Path], str | None] = _validate_grammar_folder,
        adapter_store: Callable[[], object] = AdapterStore,
    ) -> None:
        """`store` holds the settings (and knows their file); `dictionary_path` defaults
        to the user's file; the callables feed the Preferences dialog (tests pass their
        own)."""
        super().__init__()
        self.window = window
        self.store = store
        self.dictionary_path = dictionary_path or dictionary_file()
        store.sig_save_failed.connect(self._on_save_failed)
        self._thread = QThread()
        self._thread.setObjectName("inference")
        self._worker = InferenceWorker(backend_factory, grammar_factory)
        self._worker.moveToThread(self._thread)
        self.models = ModelController(window, store, self)
        self.models.connect_worker(self._worker)
        self.completion = CompletionController(window, store, self.models, self)
        self.completion.connect_worker(self._worker)
        # Grammar and spelling: its own controller, on the same worker thread.
        self.grammar = GrammarController(window, store, self.dictionary_path, self)
        self.grammar.connect_worker(self._worker)
        # "Let other apps use writer_app": served by this worker's engines.
        self.serve = ServeController(self._worker, self._thread, window, self)
        self.word_choice = WordChoiceController(
            window, self, lambda: store.current().completion.context_chars)
        self.word_choice.connect_worker(self._worker)
        self.preferences = PreferencesCoordinator(
            window, store, self.models, self.grammar, self.dictionary_path,
            known_models=known_models, known_grammar_models=known_grammar_models,
            devices=devices, validate_folder=validate_folder,
            validate_grammar_folder=validate_grammar_folder, adapter_store=adapter_store,
            parent=self)
        store.sig_changed.connect(self._on_settings_changed)
        # The worker runs pure-Python text checking next to the event loop; at the default
        # 5 ms GIL switch interval the window stalled 127 ms during a full check of a
        # 5,000-word document, at 1 ms 32 ms (bench/grammar_editor.py).
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._thread.start()
        # After the event loop turns: a completion model asked for right after this
        # constructor loads first.
        QTimer.singleShot(0, self.grammar.start)
        self._apply_server(store.current())

    @property
    def settings(self) -> Settings:
        """The settings now (read from the store; there is no other copy)."""
        return self.store.current()

    def shutdown(self) -> None:
        """Stop the worker thread; call before the window goes away."""
        self.completion.shutdown()
        self.preferences.shutdown()
        self.grammar.shutdown()
        self.serve.stop()
        self._thread.quit()
        self._thread.wait()

    def _apply_server(self, settings: Settings) -> None:
        self.serve.apply(settings.server, resolve_variant(settings.grammar.language_variant))

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        if (old.server, old.grammar.language_variant) != (new.server,
                                                           new.grammar.language_variant):
            self._apply_server(new)

    @Slot(str)
    def _on_save_failed(self, message: str) -> None:
        self.window.show_notice(f"Settings not saved: {message}", 15000, error=True)
