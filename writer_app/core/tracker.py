"""Request ids, revisions and cancel events shared by the controller and the worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Pending:
    request_id: int
    revision: int
    cancel: threading.Event


class RequestTracker:
    """Issues increasing request ids and decides which results are still wanted.

    Only the newest request of a kind is current; starting a new one sets the
    previous one's cancel event, which the worker checks while decoding.
    """

    def __init__(self, first_id: int = 1) -> None:
        """`first_id`: where this tracker's ids start, so that the trackers of several
        controllers that share one worker never hand out the same id."""
        self._next_id = first_id
        self._current: _Pending | None = None

    def start(self, revision: int) -> tuple[int, threading.Event]:
        self.cancel_current()
        request_id = self._next_id
        self._next_id += 1
        self._current = _Pending(request_id, revision, threading.Event())
        return request_id, self._current.cancel

    def cancel_current(self) -> None:
        if self._current is not None:
            self._current.cancel.set()
            self._current = None

    def is_current(self, request_id: int, revision: int, document_revision: int) -> bool:
        """A result is wanted only for the newest request and the unchanged document."""
        current = self._current
        return (
            current is not None
            and current.request_id == request_id
            and current.revision == revision == document_revision
        )

    def finish(self, request_id: int) -> None:
        if self._current is not None and self._current.request_id == request_id:
            self._current = None

    @property
    def pending_id(self) -> int | None:
        return None if self._current is None else self._current.request_id
