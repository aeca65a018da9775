"""SettingsStore: the one owner of the user's settings while the app runs.

Every part of the app reads the settings from here (`current()`) and follows
`sig_changed(old, new)`; nothing keeps a copy of its own to be kept in step by hand.
A change goes through `update()`, which validates it against the fields' declared
ranges and choices, writes the TOML file once (atomically, through
core.settings.save_settings, the one writer of that file) and then tells everyone.

It lives beside the widgets because it is a QObject that they subscribe to; it knows
nothing of models or inference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from writer_app.core.documents import DocumentError
from writer_app.core.settings import Settings, save_settings, settings_from_dict

Changes = Settings | Mapping[str, Mapping[str, Any]]


class SettingsStore(QObject):
    """Holds the settings; `update()` validates, saves once and emits sig_changed."""

    sig_changed = Signal(object, object)  # old Settings, new Settings
    sig_save_failed = Signal(str)  # why the settings file could not be written

    def __init__(self, settings: Settings | None = None, path: Path | None = None,
                 parent: QObject | None = None) -> None:
        """`path`: the settings file; None keeps the settings in memory only (a window
        shown without a settings file, and tests of single widgets)."""
        super().__init__(parent)
        self._settings = settings or Settings()
        self._path = path

    @property
    def path(self) -> Path | None:
        return self._path

    def current(self) -> Settings:
        return self._settings

    def update(self, changes: Changes, *, must_save: bool = False) -> bool:
        """Take `changes`: whole new Settings, or {section: {field: value}} on top of the
        current ones. Invalid values raise ValueError and change nothing.

        True when the settings are saved (or had nothing to save). When the file cannot
        be written, sig_save_failed says why; the change still applies for this session
        unless `must_save`, which leaves everything as it was.
        """
        old = self._settings
        new = changes if isinstance(changes, Settings) else merged(old, changes)
        check_changes(old, new)
        if new == old:
            return True
        saved = True
        if self._path is not None:
            try:
                save_settings(new, self._path)
            except DocumentError as exc:
                saved = False
                self.sig_save_failed.emit(str(exc))
                if must_save:
                    return False
        self._settings = new
        self.sig_changed.emit(old, new)
        return saved


def merged(settings: Settings, changes: Mapping[str, Mapping[str, Any]]) -> Settings:
    """`settings` with the fields named in `changes` replaced (unknown names raise)."""
    sections = {}
    for section, values in changes.items():
        current = getattr(settings, section, None)
        if current is None or not dataclasses.is_dataclass(current):
            raise ValueError(f"unknown settings section {section!r}")
        try:
            sections[section] = dataclasses.replace(current, **values)
        except TypeError as exc:
            raise ValueError(f"[{section}]: {exc}") from None
    return dataclasses.replace(settings, **sections)


def check_changes(old: Settings, new: Settings) -> None:
    """ValueError naming each changed value that is not of its field's type or not
    within its range and choices (the rules the TOML loader applies). Values that did
    not change are not judged again."""
    problems = []
    for section in dataclasses.fields(new):
        before, after = getattr(old, section.name), getattr(new, section.name)
        for spec in dataclasses.fields(after):
            value = getattr(after, spec.name)
            if value != getattr(before, spec.name):
                _, found = settings_from_dict({section.name: {spec.name: value}})
                problems.extend(found)
    if problems:
        raise ValueError("; ".join(problems))
