"""What both APIs' handlers share: bounded body reading and the refusal type."""

from __future__ import annotations

from starlette.requests import Request


class RefusedError(Exception):
    """A request the server will not serve: HTTP ``status`` and a message for the caller
    (never containing the caller's text)."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 once it passes ``limit`` bytes (a declared
    Content-Length was checked before; this counts what actually arrives)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RefusedError(413, f"The request is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
