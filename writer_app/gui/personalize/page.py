"""Preferences › Personalize: the full panel on a settings page."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QWidget

from writer_app.core.settings import Settings
from writer_app.gui.personalize.common import scrolling
from writer_app.gui.personalize.panel import PersonalizePanel
from writer_app.gui.settings_page import SettingsPage


class PersonalizePage(SettingsPage):
    """Training runs and adapters (gui/personalize/panel.py). The active adapter is applied
    at once through the panel's callable; the page only keeps Settings in step with it."""

    title = "Personalize"

    def __init__(self, panel: PersonalizePanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.note = panel.intro
        self.layout_.addWidget(scrolling(panel), 1)

    def load(self, settings: Settings) -> None:
        self.panel.set_model(settings.models.completion_model, settings.models.device)
        self.panel.set_active_adapter(settings.models.adapter)

    def collect(self, settings: Settings) -> Settings:
        return with_adapter(settings, self.panel.active_adapter)


def with_adapter(settings: Settings, path: str) -> Settings:
    """`settings` with ModelSettings.adapter set to `path`."""
    if settings.models.adapter == path:
        return settings
    models = dataclasses.replace(settings.models, adapter=path)
    return dataclasses.replace(settings, models=models)
