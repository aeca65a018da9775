"""Files shipped in the writer_app.resources package (icons)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon, QImageReader

ICON_NAME = "writer-app"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@functools.cache
def _resources_root() -> Path:
    try:
        return Path(str(resources.files("writer_app.resources")))
    except ModuleNotFoundError:
        # Running from a source checkout that is not pip-installed: resources/ sits
        # at the top of the tree and is only mapped to writer_app.resources on install.
        return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource file, e.g. resource_path("icons", "writer-app.svg")."""
    return _resources_root().joinpath(*parts)


def _svg_supported() -> bool:
    return b"svg" in {bytes(fmt.data()) for fmt in QImageReader.supportedImageFormats()}


def app_icon() -> QIcon:
    """The application icon with every rendered PNG size.

    The SVG is used only when the PNGs are missing (a checkout where
    packaging/make_icons.py has not run): added to a pixmap icon it would just be
    rasterised once at 256 px, duplicating a PNG.
    """
    icon = QIcon()
    for size in ICON_SIZES:
        png = resource_path("icons", "hicolor", f"{size}x{size}", "apps", f"{ICON_NAME}.png")
        if png.is_file():
            icon.addFile(str(png))
    svg = resource_path("icons", f"{ICON_NAME}.svg")
    if icon.isNull() and svg.is_file() and _svg_supported():
        icon.addFile(str(svg))
    return icon
