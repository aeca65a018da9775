"""Start the one-folder build on an X display, time it and take a screenshot.

    Xvfb :99 -screen 0 1280x800x24 &
    DISPLAY=:99 .venv/bin/python packaging/bundle_smoke.py [dist/bundle/writer-app]

Prints the bundle size, the time from starting the process to its main window being
mapped (found with xdotool), and writes the window to build/bundle-smoke.png after the
embedded model has had time to load. Settings and data go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _wait_for_window(process: subprocess.Popen, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bundle_smoke: the app exited with status {process.returncode}")
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(process.pid)],
            capture_output=True, text=True)
        ids = found.stdout.split()
        if ids:
            return ids[-1]
        time.sleep(0.05)
    raise SystemExit("bundle_smoke: no window appeared")


def _grab(window_id: str, path: Path) -> None:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    pixmap = app.primaryScreen().grabWindow(int(window_id))
    if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
        raise SystemExit(f"bundle_smoke: could not grab the window into {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path,
                        default=ROOT / "dist" / "bundle" / "writer-app")
    parser.add_argument("--settle", type=float, default=30.0,
                        help="seconds to wait after the window appears before the screenshot")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundle-smoke.png")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        parser.error("no DISPLAY: start Xvfb (see the module docstring)")
    program = args.bundle / "writer-app"
    print(f"bundle size: {_folder_size(args.bundle) / 1e6:.0f} MB ({args.bundle})")
    scratch = Path(tempfile.mkdtemp(prefix="writer-app-bundle-"))
    env = dict(os.environ, WRITER_APP_CONFIG_DIR=str(scratch / "config"),
               WRITER_APP_DATA_DIR=str(scratch / "data"),
               WRITER_APP_CACHE_DIR=str(scratch / "cache"))  # the bundle's model only
    env.pop("QT_QPA_PLATFORM", None)
    log = (scratch / "app.log").open("w")
    start = time.monotonic()
    process = subprocess.Popen([str(program)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        window = _wait_for_window(process, 300)
        print(f"window shown after {time.monotonic() - start:.1f} s")
        time.sleep(args.settle)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        _grab(window, args.out)
        print(f"screenshot: {args.out}")
    finally:
        process.terminate()
        process.wait(30)
        log.close()
        print("app log:\n" + (scratch / "app.log").read_text(errors="replace")[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
