"""PreferencesCoordinator: Edit › Preferences, Tools › Personalize…, the personal
dictionary and the personalization runs, on behalf of the rest of the app.

It talks to the dialog only through the methods and signals SettingsDialog declares
(never through its pages), and changes settings only through the SettingsStore. The
training runners live here, not in a view: there is one run at a time whichever view
started it, it goes on while Preferences and the Personalize window are closed, and
the status bar says how it ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Slot

from writer_app.core import paths
from writer_app.core.dictionary import load_dictionary, save_dictionary
from writer_app.core.documents import DocumentError
from writer_app.core.settings import Settings
from writer_app.core.variant import resolve_variant
from writer_app.gui.model_scan import ModelScan
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.gui.personalize.window import PersonalizeWindow
from writer_app.gui.settings_dialog import SettingsDialog
from writer_app.jobs.runner import TrainingRunner


class PreferencesCoordinator(QObject):
    def __init__(self, window, store, models, grammar, dictionary_path: Path, *,
                 known_models: Callable[[], Sequence],
                 known_grammar_models: Callable[[], Sequence],
                 devices: Callable[[], Sequence],
                 validate_folder: Callable[[Path], str | None],
                 validate_grammar_folder: Callable[[Path], str | None],
                 adapter_store: Callable[[], object],
                 parent: QObject | None = None) -> None:
        """`models`: the ModelController; `grammar`: the GrammarController. The callables
        feed the dialog (tests pass their own); the model lists are scanned off the GUI
        thread (see ModelScan)."""
        super().__init__(parent)
        self.window = window
        self._store = store
        self._models = models
        self._grammar = grammar
        self.dictionary_path = dictionary_path
        self._devices = devices
        self._validate_folder = validate_folder
        self._validate_grammar_folder = validate_grammar_folder
        self._adapter_store = adapter_store
        self.model_scan = ModelScan({"completion": known_models,
                                     "grammar": known_grammar_models}, self)
        self.model_scan.sig_finished.connect(self._on_models_scanned)
        self.dialog: SettingsDialog | None = None
        self.personalize_runner = TrainingRunner.personalize(parent=self)
        self.personalize_runner.sig_state_changed.connect(self._on_personalize_state)
        self.grammar_personalize_runner = TrainingRunner.grammar(parent=self)
        for runner in (self.personalize_runner, self.grammar_personalize_runner):
            runner.sig_state_changed.connect(self._on_training_state)
        self.personalize_window: PersonalizeWindow | None = None  # one, made when asked
        store.sig_changed.connect(self._on_settings_changed)
        models.sig_model_ready.connect(self._on_model_ready)
        models.sig_adapter_refused.connect(self._on_adapter_refused)
        grammar.sig_model_kept.connect(self._on_grammar_model_kept)
        window.sig_preferences_requested.connect(self.open)
        window.action_personalize.triggered.connect(self.open_personalize)

    # -- public -----------------------------------------------------------------------
    def open(self) -> SettingsDialog:
        """Show Edit › Preferences (window-modal), or raise it if it is open."""
        dialog = self.dialog
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        problem = ""
        try:
            words = load_dictionary(self.dictionary_path)
        except DocumentError as exc:
            words, problem = [], str(exc)
            self.window.show_notice(problem, 15000, error=True)
        scan = self.model_scan
        scan.start()  # the cache may have changed: the dialog updates when this ends
        dialog = SettingsDialog(
            self._store, known_models=scan.get("completion"), devices=self._devices(),
            validate_folder=self._validate_folder, grammar_models=scan.get("grammar"),
            validate_grammar_folder=self._validate_grammar_folder, scanning=scan.running,
            grammar_parameters=self._grammar.parameters,
            model_info=self._models.model_info,
            dictionary_words=words, personalize_runner=self.personalize_runner,
            adapter_store=self._adapter_store(),
            activate_adapter=self._models.activate_adapter, parent=self.window)
        if problem:  # shown, and locked: an edit must not overwrite the unread file
            dialog.lock_dictionary(problem)
        dialog.sig_settings_applied.connect(self._on_settings_applied)
        dialog.sig_dictionary_applied.connect(self._on_dictionary_applied)
        dialog.finished.connect(self._on_closed)
        dialog.set_personalize_hooks(
            make_speller=self._make_speller,
            load_words=lambda: load_dictionary(self.dictionary_path),
            add_words=self.add_dictionary_words,
            grammar_runner=self.grammar_personalize_runner,
            grammar_root=paths.personal_grammar_dir(),
            use_grammar_model=self.use_grammar_model)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_personalize(self) -> PersonalizeWindow:
        """Tools › Personalize…: the Personalize window (one per app, non-modal). It shows
        the same runner as Preferences › Personalize, so there is only ever one run."""
        window = self.personalize_window
        if window is None:
            panel = PersonalizePanel(
                self.personalize_runner, store=self._adapter_store(),
                activate_adapter=self._models.activate_adapter, compact=True,
                has_gpu=any(device.id.startswith("cuda") for device in self._devices()),
                model_source=self._completion_model)
            # Without its own box there: Start waits while the grammar checker adapts.
            panel.set_grammar_hooks(self.grammar_personalize_runner,
                                    paths.personal_grammar_dir(), self.use_grammar_model)
            window = self.personalize_window = PersonalizeWindow(panel, parent=self.window)
        window.panel.set_active_adapter(self._store.current().models.adapter)
        window.present()
        return window

    def add_dictionary_words(self, words: Sequence[str]) -> str | None:
        """Add `words` to the personal dictionary (saved at once, underlines go); None,
        or why not. An open Preferences lists them too."""
        try:
            merged = save_dictionary([*load_dictionary(self.dictionary_path), *words],
                                     self.dictionary_path)
        except DocumentError as exc:
            return f"Personal dictionary not saved: {exc}"
        self._grammar.set_words(merged)
        if self.dialog is not None:
            self.dialog.dictionary_words_added(words)
        return None

    def use_grammar_model(self, path: str) -> str | None:
        """Check with the grammar model in folder `path` from now on (saved in the
        settings; the checker reloads); None, or why not."""
        if not (Path(path) / "config.json").is_file():
            return f"No grammar model in {path}."
        if not self._store.update({"models": {"grammar_model": path}}, must_save=True):
            return "The settings could not be saved (see the status bar)."
        if self.dialog is not None:  # its Models page shows the model in use
            self.dialog.show_grammar_model(path)
        return None

    def shutdown(self) -> None:
        self.personalize_runner.stop_now()
        self.grammar_personalize_runner.stop_now()
        self.model_scan.wait(10.0)

    # -- internals --------------------------------------------------------------------
    def _completion_model(self) -> tuple[str, str]:
        """(model, device) the completion model in use is loaded from: what a run trains
        an adapter for."""
        models = self._store.current().models
        return models.completion_model, models.device

    def _make_speller(self):
        """A loaded spelling checker in the editor's language (called off the GUI thread)."""
        # Its package loads the tagger's torch modules: only when a review asks.
        from writer_app.inference.grammar.spelling import SpellingChecker

        variant = self._store.current().grammar.language_variant
        return SpellingChecker(resolve_variant(variant)).load()

    @Slot(object)
    def _on_settings_applied(self, settings: Settings) -> None:
        self._store.update(settings)

    @Slot(object, object)
    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        """The adapter in use changed (chosen in either view, or refused by the worker):
        both views show it."""
        if old.models.adapter != new.models.adapter:
            for panel in self._personalize_panels():
                panel.set_active_adapter(new.models.adapter)

    def _personalize_panels(self) -> list[PersonalizePanel]:
        """The open views of the runner: the window's and Preferences' panel."""
        panels = [self.personalize_window.panel] if self.personalize_window else []
        if self.dialog is not None:
            panels.append(self.dialog.personalize_panel())
        return panels

    @Slot(list)
    def _on_dictionary_applied(self, words: list[str]) -> None:
        try:
            save_dictionary(words, self.dictionary_path)
        except DocumentError as exc:
            self.window.show_notice(f"Personal dictionary not saved: {exc}", 15000, error=True)
            return
        self._grammar.set_words(words)

    @Slot(object)
    def _on_model_ready(self, _info) -> None:
        if not self.model_scan.started:  # the models Preferences offers, found early
            self.model_scan.start()

    @Slot()
    def _on_models_scanned(self) -> None:
        if self.dialog is not None:
            scan = self.model_scan
            self.dialog.set_known_models(scan.get("completion"), scan.get("grammar"))

    @Slot(str, str)
    def _on_adapter_refused(self, in_use: str, message: str) -> None:
        if self.dialog is not None:
            self.dialog.adapter_refused(in_use, message)
        if self.personalize_window is not None:
            self.personalize_window.panel.adapter_refused(in_use, message)

    @Slot(str, str)
    def _on_grammar_model_kept(self, reference: str, message: str) -> None:
        if self.dialog is not None:
            self.dialog.grammar_model_kept(reference, message)

    @Slot(str)
    def _on_personalize_state(self, state: str) -> None:
        """Training may end while its views are closed: say so in the status bar."""
        messages = {"done": "Personalization finished: use the new adapter from "
                            "Tools > Personalize.",
                    "failed": "Personalization failed; Tools > Personalize shows why."}
        if state in messages:
            self.window.show_notice(messages[state], 15000, error=state == "failed")

    @Slot(str)
    def _on_training_state(self, _state: str) -> None:
        """While either training process runs, the editor's models use only their share
        of the CPU cores (core.cpu_share)."""
        self._models.share_cores(any(runner.is_active() for runner in (
            self.personalize_runner, self.grammar_personalize_runner)))

    @Slot(int)
    def _on_closed(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
