"""Colour themes: system, light and dark, on Qt's Fusion style.

Fusion is used for every theme because it is the one style that honours a custom
palette on all platforms; "system" picks the light or dark palette that matches
the OS colour scheme and follows it when it changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_THEME_PROPERTY = "writer_app_theme"
_HOOKED_PROPERTY = "writer_app_theme_hooked"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# Accent shared with the app icon; the dark variant is lighter so it stands out on grey.
_LIGHT = {
    Role.Window: "#eff0f3",
    Role.WindowText: "#1f2128",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f5f6f8",
    Role.Text: "#1f2128",
    Role.Button: "#e8e9ee",
    Role.ButtonText: "#1f2128",
    Role.BrightText: "#ffffff",
    Role.Highlight: "#4656d8",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#2f4fd0",
    Role.LinkVisited: "#7440c4",
    Role.ToolTipBase: "#ffffff",
    Role.ToolTipText: "#1f2128",
    Role.PlaceholderText: "#7c7f88",
    Role.Light: "#ffffff",
    Role.Midlight: "#f4f5f7",
    Role.Mid: "#c4c6cd",
    Role.Dark: "#a3a6ae",
    Role.Shadow: "#6b6e76",
}
_LIGHT_DISABLED = {
    Role.WindowText: "#8e9098",
    Role.Text: "#8e9098",
    Role.ButtonText: "#8e9098",
    Role.Highlight: "#b7bdd9",
    Role.HighlightedText: "#f4f5f7",
    Role.Base: "#f4f5f7",
}

_DARK = {
    Role.Window: "#2a2c31",
    Role.WindowText: "#e4e5e9",
    Role.Base: "#1e1f23",
    Role.AlternateBase: "#25272c",
    Role.Text: "#e4e5e9",
    Role.Button: "#34363c",
    Role.ButtonText: "#e4e5e9",
    Role.BrightText: "#ffffff",
    Role.Highlight: "#5566e8",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#8aa6ff",
    Role.LinkVisited: "#bb98f5",
    Role.ToolTipBase: "#3a3d44",
    Role.ToolTipText: "#e4e5e9",
    Role.PlaceholderText: "#8a8d96",
    Role.Light: "#4a4d55",
    Role.Midlight: "#3c3f46",
    Role.Mid: "#24262a",
    Role.Dark: "#18191c",
    Role.Shadow: "#0c0d0e",
}
_DARK_DISABLED = {
    Role.WindowText: "#7d8089",
    Role.Text: "#7d8089",
    Role.ButtonText: "#7d8089",
    Role.Highlight: "#3c4170",
    Role.HighlightedText: "#a9abb3",
    Role.Base: "#25272c",
}


# Fusion outlines an unchecked box in the window colour darkened: on a dark window the box
# all but disappears. Only the unchecked state is restyled; checked boxes keep Fusion's mark.
DARK_INDICATORS = """
QCheckBox::indicator:unchecked, QGroupBox::indicator:unchecked {
    width: 12px; height: 12px; border: 1px solid #8a8d96; border-radius: 2px;
    background: #1e1f23;
}
QCheckBox::indicator:unchecked:hover, QGroupBox::indicator:unchecked:hover {
    border-color: #8aa6ff;
}
QCheckBox::indicator:unchecked:disabled, QGroupBox::indicator:unchecked:disabled {
    border-color: #4a4d55;
}
"""


def make_palette(dark: bool) -> QPalette:
    """The light or dark palette, with readable disabled text."""
    colours, disabled = (_DARK, _DARK_DISABLED) if dark else (_LIGHT, _LIGHT_DISABLED)
    palette = QPalette()
    for role, value in colours.items():
        palette.setColor(role, QColor(value))
    if hasattr(Role, "Accent"):  # Qt 6.6+
        palette.setColor(Role.Accent, QColor(colours[Role.Highlight]))
    for role, value in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(value))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply "system", "light" or "dark" to the whole application at once."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")
    app.setProperty(_THEME_PROPERTY, theme)
    _hook_color_scheme(app)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    hints = app.styleHints()
    # Tell the platform too, so native parts (title bars) match the chosen theme.
    if theme == "system":
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)
    dark = _wants_dark(app, theme)
    app.setPalette(make_palette(dark))
    app.setStyleSheet(DARK_INDICATORS if dark else "")


def current_theme(app: QApplication) -> str | None:
    """The theme last applied with apply_theme, or None."""
    value = app.property(_THEME_PROPERTY)
    return value if value in THEMES else None


def _wants_dark(app: QGuiApplication, theme: str) -> bool:
    if theme == "system":
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    return theme == "dark"


def _hook_color_scheme(app: QApplication) -> None:
    if app.property(_HOOKED_PROPERTY):
        return
    app.setProperty(_HOOKED_PROPERTY, True)
    app.styleHints().colorSchemeChanged.connect(_on_color_scheme_changed)


def _on_color_scheme_changed(scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    # Only "system" follows the OS; an explicit light/dark choice stays put.
    if app is not None and app.property(_THEME_PROPERTY) == "system":
        app.setPalette(make_palette(scheme == Qt.ColorScheme.Dark))


def is_dark(palette: QPalette) -> bool:
    """True when the window background is darker than its text."""
    return palette.color(Role.Window).lightnessF() < palette.color(Role.WindowText).lightnessF()


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def ghost_text_color(palette: QPalette) -> QColor:
    """Grey for suggested (not yet accepted) text: readable, yet clearly not document text.

    Halfway between the editor background and its text colour: 3.2:1 contrast
    against the background in light, 4.3:1 in dark, against 13-16:1 for real text.
    """
    return _mix(palette.color(Role.Base), palette.color(Role.Text), 0.5)


def dimmed_text_color(palette: QPalette) -> QColor:
    """Text outside the current paragraph in focus mode: present but quiet.

    Lighter than ghost text (it is real text, only out of focus), so a suggestion in
    the current paragraph still reads as a suggestion.
    """
    return _mix(palette.color(Role.Base), palette.color(Role.Text), 0.4)


def error_color(palette: QPalette) -> QColor:
    """Red for error notices, readable on the window background."""
    return QColor("#ff7b72") if is_dark(palette) else QColor("#c42b1c")


def tinted_icon(icon: QIcon, color: QColor, disabled: QColor,
                sizes: tuple[int, ...] = (16, 22, 24, 32, 48)) -> QIcon:
    """`icon`'s shape in one colour (and another when disabled).

    Theme and style icons are drawn for the desktop's background, not for the
    app's own light or dark palette; recoloured glyphs read well on both. Suits
    one-colour glyphs (play, stop), not many-coloured icons.
    """
    tinted = QIcon()
    for size in sizes:
        source = icon.pixmap(size, size)
        if source.isNull():
            continue
        for mode, fill in ((QIcon.Mode.Normal, color), (QIcon.Mode.Disabled, disabled)):
            pixmap = QPixmap(source.size())
            pixmap.setDevicePixelRatio(source.devicePixelRatio())
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.drawPixmap(0, 0, source)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(pixmap.rect(), fill)
            painter.end()
            tinted.addPixmap(pixmap, mode)
    return tinted


def pending_text_background(palette: QPalette) -> QColor:
    """A soft accent tint behind streamed text the user has not kept yet.

    Mixed from the editor background towards the accent, a little more in dark
    themes where a faint tint disappears; document text keeps over 10:1 contrast.
    """
    base, accent = palette.color(Role.Base), palette.color(Role.Highlight)
    return _mix(base, accent, 0.3 if is_dark(palette) else 0.16)
