"""Recovery journals: the edits made since a document's last full recovery copy.

Writing the whole document at every autosave tick costs in proportion to its length:
seconds of disk traffic an hour for a novel, and a full copy of the text out of the
editor each time. Instead the editor's own change notifications (position, characters
removed, text inserted) are appended to a journal beside the last full copy, so a tick
costs in proportion to what changed. A new full copy (and an empty journal) is written
only when the journal outgrows it.

Positions and counts are the editor's: UTF-16 code units, as Qt counts them, so the
journal is replayed on UTF-16 text. Each line is one JSON array `[position, removed,
inserted]`; a line cut short by a crash ends the replay there (everything before it
is kept), and so does an edit that does not fit the text, which cannot happen unless
the files were damaged.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from writer_app.core.documents import DocumentError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
Edit = tuple[int, int, str]  # UTF-16 position, UTF-16 units removed, text inserted


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, int]:
    """`text` with `edits` applied in order, and how many applied (the first that does
    not fit stops the replay)."""
    units = bytearray(text.encode("utf-16-le", "surrogatepass"))
    applied = 0
    for position, removed, inserted in edits:
        start, end = 2 * position, 2 * (position + removed)
        if position < 0 or removed < 0 or end > len(units):
            break
        units[start:end] = inserted.encode("utf-16-le", "surrogatepass")
        applied += 1
    # Half of a surrogate pair (an edit that split one) is kept while replaying, as the
    # editor keeps it, and dropped from the result, as the editor's text drops it.
    text = _LONE_SURROGATE.sub("", units.decode("utf-16-le", "surrogatepass"))
    return text, applied


def read_journal(path: Path) -> list[Edit]:
    """The edits in a journal file, up to the first line that is not a whole edit."""
    try:
        with open(path, encoding="utf-8", errors="strict") as handle:
            lines = handle.read().split("\n")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        return []
    edits: list[Edit] = []
    for line in lines[:-1]:  # the part after the last newline is never a whole line
        try:
            position, removed, inserted = json.loads(line)
        except (ValueError, TypeError):
            break
        if not (type(position) is int and type(removed) is int
                and isinstance(inserted, str)):
            break
        edits.append((position, removed, inserted))
    return edits


def append_edits(path: Path, edits: Sequence[Edit]) -> int:
    """Append `edits` to the journal and make them durable; the journal's size in bytes.
    Raises DocumentError when it cannot be written."""
    data = "".join(json.dumps(list(edit)) + "\n" for edit in edits)
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            return handle.tell()
    except OSError as exc:
        raise DocumentError(f"Cannot write “{path.name}”: {exc.strerror or exc}.") from None
