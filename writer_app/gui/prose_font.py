"""The editor's default font: a proportional one made for reading prose.

A fixed-width font suits code, not a novel: it spreads text out and makes it harder
to read at length. The first installed font of a list of well-made text faces is
used, else the platform's general (proportional) font.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo

# Serif text faces first (long-form reading), then humanist sans faces.
PROSE_FAMILIES = ("Charter", "Source Serif 4", "Noto Serif", "Georgia", "Cambria",
                  "Literata", "DejaVu Serif", "Liberation Serif", "Noto Sans", "Segoe UI",
                  "Helvetica Neue", "DejaVu Sans")


def prose_font() -> QFont:
    """The default prose font (proportional), without a point size set."""
    installed = set(QFontDatabase.families())
    for family in PROSE_FAMILIES:
        if family in installed:
            return QFont(family)
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)


def is_proportional(font: QFont) -> bool:
    return not QFontInfo(font).fixedPitch()
