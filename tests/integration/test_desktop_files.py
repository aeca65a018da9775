"""The Linux desktop entry and AppStream metadata: valid per the freedesktop tools (when
installed; .ci/run installs them) and consistent with each other and the repository."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.writerapp.WriterApp"
DESKTOP = ROOT / "packaging" / "linux" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / "linux" / f"{APP_ID}.metainfo.xml"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validates():
    done = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error:" not in done.stdout


def test_metainfo_validates():
    done = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_desktop_entry_opens_text_and_markdown_with_the_shipped_icon():
    entry = _desktop_entry()
    assert set(entry["MimeType"].strip(";").split(";")) == {"text/plain", "text/markdown"}
    assert entry["Exec"] == "writer-app %f"
    icon = entry["Icon"]
    assert (ROOT / "resources" / "icons" / f"{icon}.svg").is_file()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert (ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
                / f"{icon}.png").is_file()


def test_metainfo_names_the_desktop_file_and_existing_screenshots():
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    images = [image.text.strip() for image in component.iter("image")]
    assert images, "no screenshots"
    for url in images:
        # URLs point at the repository's default branch; the file must be committed here
        relative = re.sub(r"^https://[^/]+/[^/]+/[^/]+/[^/]+/", "", url)
        shot = ROOT / relative
        assert shot.is_file(), url
        assert shot.stat().st_size < 400_000, f"{shot.name} is too large for a store page"
