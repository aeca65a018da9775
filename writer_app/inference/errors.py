"""Exceptions shared by the inference modules (kept here to avoid import cycles)."""

from __future__ import annotations


class ModelLoadError(Exception):
    """A model could not be found or loaded. The message is one user-facing line."""


_MAX_MESSAGE = 200


def one_line(exc: BaseException) -> str:
    """The first meaningful line of an exception, short enough for a status bar."""
    for line in str(exc).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 1] + "…"
    return type(exc).__name__
