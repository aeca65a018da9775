"""The layer contracts (pyproject.toml [tool.importlinter]) hold: core imports neither Qt
nor torch nor another layer, the GUI never imports inference or training, training no Qt,
inference no GUI. `make lint` runs the same check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept():
    binary = Path(sys.executable).parent / "lint-imports"
    command = str(binary) if binary.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.skip("import-linter is not installed (the dev extras)")
    run = subprocess.run([command, "--no-cache"], cwd=REPO, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
