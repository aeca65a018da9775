"""Preferences › Other apps: "Let other apps use writer_app" (off by default)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from writer_app.core.settings import ServerSettings
from writer_app.gui.settings_page import SettingsPage, note_label


class ServerPage(SettingsPage):
    title = "Other apps"
    section = "server"
    section_type = ServerSettings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled_box = self._check("enabled", "Let other apps use writer_app")
        self.port_spin = self._spin("port", "Port:")
        self.port_spin.setGroupSeparatorShown(False)
        origins = QLineEdit(placeholderText="e.g. app://obsidian.md")
        self._bind("allowed_origins", "Also allow web origins:", origins, origins.text,
                   origins.setText)
        self._finish()
        self.note = note_label("Grammar checking and completion for LibreOffice, the LanguageTool "
                          "browser add-on, Obsidian and AI tools, with the models loaded "
                          "here; your typing keeps priority. Only this computer can "
                          "connect, and no text is logged.")
        self.note.setObjectName("server_note")
        self.layout_.insertWidget(1, self.note)
        self.addresses = note_label("")
        self.addresses.setObjectName("server_addresses")
        self.layout_.insertWidget(3, self.addresses)
        self.port_spin.valueChanged.connect(self._show_addresses)
        self._show_addresses()

    def _show_addresses(self) -> None:
        base = f"http://127.0.0.1:{self.port_spin.value()}"
        self.addresses.setText(f"LanguageTool server:  {base}/v2\n"
                               f"OpenAI base URL:  {base}/v1")
