"""Entry point of the frozen one-folder build: the writer-app command, plus `-m MODULE`.

The app starts helper processes as `sys.executable -m writer_app.…` (personalization
training). In a frozen build sys.executable is this program, so it runs those modules
itself instead of opening the editor.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import sys


def _run_module(module: str, args: list[str]) -> int:
    if not module.startswith("writer_app."):
        print(f"writer-app: -m runs writer_app modules only, not “{module}”", file=sys.stderr)
        return 2
    if os.environ.get("PYTHONUNBUFFERED"):  # progress lines must reach the parent at once
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
    sys.argv = [sys.argv[0], *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    return 0


def main() -> int:
    multiprocessing.freeze_support()  # torch data loaders may start worker processes
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        return _run_module(sys.argv[2], sys.argv[3:])
    from writer_app.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
