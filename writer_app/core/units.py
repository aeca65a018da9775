"""Human-readable sizes and counts for the status bar, dialogs and reports."""

from __future__ import annotations


def human_size(size: int | None, unknown: str = "unknown") -> str:
    if size is None:
        return unknown
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def human_count(count: int) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= limit:
            return f"{count / limit:.1f}{suffix}"
    return str(count)
