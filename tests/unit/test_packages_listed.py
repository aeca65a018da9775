"""Every package of the source tree is listed in pyproject.toml, so the wheel (and an
installed writer-app) has it: a package left out installs and then fails to import."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_package_is_in_the_wheel():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(REPO).parts)
             for init in (REPO / "writer_app").rglob("__init__.py")}
    assert found - listed == set()
