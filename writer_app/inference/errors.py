"""Exceptions shared by the inference modules (kept here to avoid import cycles)."""

from __future__ import annotations


class ModelLoadError(Exception):
    """A model could not be found or loaded. The message is one user-facing line."""
