"""Build the sdist, then the wheel from that sdist, offline, and check the wheel is complete.

    python packaging/build_dist.py [OUT_DIR]      (make dist: OUT_DIR is dist/)

Uses the setuptools already installed in the running environment (no build isolation,
no network). Building the wheel from the unpacked sdist, as `python -m build` does, means
a file the sdist forgot is missing from the wheel too, and the check below catches it:
every file under resources/ (icons, grammar weights, themes, ...) and the desktop files
must be in the wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "io.github.writerapp.WriterApp"
_SDIST = (
    "import sys\n"
    "from setuptools import build_meta\n"
    "name = build_meta.build_sdist(sys.argv[1])\n"
    "print('\\nSDIST=' + name)\n"
)


def _run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"build_dist: failed: {' '.join(command)}")
    return done.stdout


def build_sdist(source: Path, out: Path) -> Path:
    output = _run([sys.executable, "-c", _SDIST, str(out)], cwd=source)
    names = [line[6:] for line in output.splitlines() if line.startswith("SDIST=")]
    return out / names[-1]


def build_wheel(sdist: Path, out: Path) -> Path:
    before = set(out.glob("*.whl"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(out), str(sdist)], cwd=out)
    built = set(out.glob("*.whl")) - before or set(out.glob("writer_app-*.whl"))
    return max(built, key=lambda p: p.stat().st_mtime)


def expected_files(source: Path) -> set[str]:
    """Wheel paths that must be present: all of resources/ and the desktop files."""
    expected = {
        "writer_app/resources/" + p.relative_to(source / "resources").as_posix()
        for p in (source / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    data = "writer_app-*.data/data/share/"
    expected.add(data + f"applications/{APP_ID}.desktop")
    expected.add(data + f"metainfo/{APP_ID}.metainfo.xml")
    expected.add(data + "icons/hicolor/scalable/apps/writer-app.svg")
    return expected


def missing_from_wheel(wheel: Path, source: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    # the .data folder is named after the version: writer_app-0.1.0.data
    data_dir = next((n.split("/")[0] for n in names if ".data/" in n), "writer_app-*.data")
    wanted = {n.replace("writer_app-*.data", data_dir) for n in expected_files(source)}
    return sorted(wanted - names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sdist = build_sdist(ROOT, out)
    wheel = build_wheel(sdist, out)
    missing = missing_from_wheel(wheel, ROOT)
    for path in (sdist, wheel):
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    if missing:
        print("build_dist: missing from the wheel:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
