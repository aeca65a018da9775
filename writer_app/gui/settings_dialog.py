"""Edit > Preferences: every user setting on its pages, applied without a restart.

The pages (gui/settings_page.py, models_page.py, grammar_page.py, server_page.py and
Personalize below) show the settings read from the SettingsStore; the dialog emits the
edited Settings on Apply or OK and saves nothing and loads no model itself. What it
needs from the inference side (known models, devices, folder validation) is handed in
as plain data and callables, so this module imports no inference code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from writer_app.core.requests import ModelInfo
from writer_app.core.settings import (
    Settings,
)
from writer_app.gui.grammar_page import GrammarPage
from writer_app.gui.models_page import ADD_FOLDER, DeviceLike, KnownModelLike, ModelsPage
from writer_app.gui.personalize.adapters import AdapterStoreLike
from writer_app.gui.personalize.page import PersonalizePage
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.gui.settings_page import CompletionPage, EditorPage, SettingsPage
from writer_app.gui.settings_store import SettingsStore
from writer_app.jobs.runner import TrainingRunner

__all__ = ["ADD_FOLDER", "SettingsDialog", "SettingsPage"]


class SettingsDialog(QDialog):
    """Preferences. Emits sig_settings_applied(Settings) on Apply and OK (when changed)
    and sig_dictionary_applied(list[str]) when the personal dictionary changed.

    It reads the settings from the app's SettingsStore (what Apply compares with) and
    never changes them itself; whoever opens it applies what it emits, and talks to it
    only through the methods below, not through its pages."""

    sig_settings_applied = Signal(object)  # Settings
    sig_dictionary_applied = Signal(list)

    def __init__(
        self,
        store: SettingsStore,
        *,
        known_models: Sequence[KnownModelLike] = (),
        devices: Sequence[DeviceLike] = (),
        validate_folder: Callable[[Path], str | None] = lambda _folder: None,
        grammar_models: Sequence[KnownModelLike] = (),
        validate_grammar_folder: Callable[[Path], str | None] = lambda _folder: None,
        scanning: bool = False,
        grammar_parameters: int | None = None,
        model_info: ModelInfo | None = None,
        dictionary_words: Sequence[str] = (),
        personalize_runner: TrainingRunner | None = None,
        adapter_store: AdapterStoreLike | None = None,
        activate_adapter: Callable[[str], str | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._store = store
        settings = store.current()
        self.models_page = ModelsPage(
            known_models, devices, validate_folder, model_info,
            settings.models.completion_model, grammar_models=grammar_models,
            validate_grammar_folder=validate_grammar_folder, scanning=scanning,
            grammar_parameters=grammar_parameters,
            active_grammar=settings.models.grammar_model)
        self.completion_page = CompletionPage()
        self.grammar_page = GrammarPage(dictionary_words)
        self.editor_page = EditorPage()
        has_gpu = any(device.id.startswith("cuda") for device in devices)
        self.personalize_page = PersonalizePage(PersonalizePanel(
            personalize_runner, store=adapter_store, activate_adapter=activate_adapter,
            has_gpu=has_gpu))
        from writer_app.gui.server_page import ServerPage  # it builds on SettingsPage

        self.server_page = ServerPage()
        self.pages: list[SettingsPage] = [
            self.models_page, self.completion_page, self.grammar_page, self.editor_page,
            self.personalize_page, self.server_page,
        ]
        self._build()
        for page in self.pages:
            page.load(settings)
        self.page_list.setCurrentRow(0)
        self.resize(760, 560)

    def _build(self) -> None:
        self.page_list = QListWidget()
        self.page_list.setObjectName("page_list")
        self.stack = QStackedWidget()
        for page in self.pages:
            self.page_list.addItem(page.title)
            self.stack.addWidget(page)
        self.page_list.setSpacing(3)
        self.page_list.setFixedWidth(self.page_list.sizeHintForColumn(0) + 40)
        self.page_list.currentRowChanged.connect(self._on_page_changed)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.restore_button.setToolTip("Put this page's settings back to their defaults")
        self.buttons.clicked.connect(self._on_button_clicked)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

    # -- buttons ------------------------------------------------------------------------
    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    @property
    def apply_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Apply)

    @property
    def cancel_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    @property
    def restore_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)

    def _on_button_clicked(self, button: QAbstractButton) -> None:
        if button is self.apply_button:
            self.apply()
        elif button is self.ok_button:
            self.apply()
            self.accept()
        elif button is self.restore_button:
            self.current_page().restore_defaults()
        else:
            self.reject()

    # -- pages --------------------------------------------------------------------------
    def current_page(self) -> SettingsPage:
        return self.stack.currentWidget()

    def show_page(self, page: SettingsPage) -> None:
        self.page_list.setCurrentRow(self.pages.index(page))

    def _on_page_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        # Personalize holds runs and adapters, no defaults to restore.
        self.restore_button.setEnabled(bool(self.pages[row].section))

    def set_known_models(self, known_models: Sequence[KnownModelLike],
                         grammar_models: Sequence[KnownModelLike]) -> None:
        """A scan of the model cache finished: offer what it found."""
        self.models_page.set_known_models(known_models, grammar_models)

    def grammar_model_kept(self, reference: str, message: str) -> None:
        """The grammar model applied did not load; `reference` serves instead."""
        self.models_page.grammar.select(reference)
        self.models_page.grammar.show_error(message)

    def show_grammar_model(self, reference: str) -> None:
        """`reference` is the grammar model in use now (chosen outside the Models page)."""
        self.models_page.grammar.select(reference)

    def adapter_refused(self, in_use: str, message: str) -> None:
        """The worker could not use the adapter asked for; `in_use` serves instead."""
        self.personalize_page.panel.adapter_refused(in_use, message)

    def lock_dictionary(self, problem: str) -> None:
        """The personal dictionary file could not be read: show why, allow no edits (an
        edit must not overwrite the unread file)."""
        self.grammar_page.lock_dictionary(problem)

    def dictionary_words_added(self, words: Sequence[str]) -> None:
        """`words` were added to the personal dictionary (and saved) elsewhere."""
        page = self.grammar_page
        unedited = page.words() == page.saved_words
        page.add_words(words)
        if unedited:  # nothing of the user's pending there: the page is saved as is
            page.saved_words = page.words()

    def set_personalize_hooks(self, *, make_speller: Callable, load_words: Callable,
                              add_words: Callable, grammar_runner: TrainingRunner,
                              grammar_root: Path, use_grammar_model: Callable) -> None:
        """What the Personalize page calls for vocabulary review and grammar adaptation."""
        panel = self.personalize_page.panel
        panel.set_dictionary_hooks(make_speller, load_words, add_words)
        panel.set_grammar_hooks(grammar_runner, grammar_root, use_grammar_model)

    def show_personalize(self) -> None:
        self.show_page(self.personalize_page)

    def personalize_panel(self) -> PersonalizePanel:
        """The Personalize page's view of the training runner and adapters."""
        return self.personalize_page.panel

    # -- values -------------------------------------------------------------------------
    def edited_settings(self) -> Settings:
        """The settings as the pages show them now."""
        settings = self._store.current()
        for page in self.pages:
            settings = page.collect(settings)
        return settings

    def apply(self) -> Settings:
        """Emit what changed since the dialog opened (or the last Apply)."""
        settings = self.edited_settings()
        if settings != self._store.current():
            self.sig_settings_applied.emit(settings)
        self.personalize_page.panel.set_model(settings.models.completion_model,
                                              settings.models.device)
        words = self.grammar_page.words()
        if words != self.grammar_page.saved_words:
            self.grammar_page.saved_words = words
            self.sig_dictionary_applied.emit(words)
        return settings
