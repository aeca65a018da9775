"""Child processes (training, conversion) end with the app that started them.

The app records its pid in ``WRITER_APP_PARENT_PID`` before it starts children, which
inherit the environment. A writer_app process that finds the variable asks Linux to send
it SIGTERM when that parent dies (``prctl(PR_SET_PDEATHSIG)``; SIGTERM makes training
stop cleanly, keeping its last checkpoint), exits at once if the parent is already gone,
and puts its own pid in the variable for its own children.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PARENT_ENV = "WRITER_APP_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def mark_parent() -> None:
    """Called by the app before it starts children."""
    os.environ[PARENT_ENV] = str(os.getpid())


def die_with_parent() -> bool:
    """Tie this process to the parent named in the environment; True when tied."""
    value = os.environ.get(PARENT_ENV, "")
    if not value.isdigit() or int(value) == os.getpid():
        return False
    parent = int(value)
    tied = False
    if not sys.platform.startswith("linux"):  # no parent-death signal elsewhere
        mark_parent()
        return False
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        tied = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    if os.getppid() != parent and not _alive(parent):  # it died before the tie was made
        os._exit(1)
    mark_parent()
    return tied


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
