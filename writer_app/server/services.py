"""The server's asynchronous side of the engines.

CheckService merges concurrent check requests into one job: while a batch is being
checked, new requests wait together, and the next job checks all of them at once, so
the tagger sees them in the same batches. GenerateService streams a completion's text
as its job produces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from writer_app.core.gec.edits import GrammarEdit
from writer_app.server.jobs import CheckJob, Finished, GenerateJob, GenerateRequest, Job


class EngineHost(Protocol):
    def submit(self, job: Job) -> None: ...


@dataclass
class _Waiting:
    variant: str
    texts: list[str]
    future: asyncio.Future


class CheckService:
    """``await check(variant, texts)`` -> edits per text, batched with other requests."""

    def __init__(self, host: EngineHost, *, max_batch_texts: int = 512,
                 units_per_step: int = 64, gather_s: float = 0.02,
                 max_gather_s: float = 0.25, gather_share: float = 0.5) -> None:
        self.host = host
        self.max_batch_texts = max_batch_texts
        self.units_per_step = units_per_step
        # Under concurrent load, an idle engine waits up to gather_s for as many requests
        # as were lately open at once: the clients one job answered come back at about the
        # same time, and the first of them would otherwise go alone. A lone client never
        # waits; the expected number is what was open when the last job ended, and what
        # came when a wait ends short. The wait grows with the last job's time (gather_share of
        # it, at most max_gather_s): on a busy machine the answered clients took longer
        # than 20 ms to come back, so one request went alone before each full batch
        # (batches of 1, 7, 1, 7 with 8 clients), and a job of one costs nearly as much as
        # a job of eight.
        self.gather_s = gather_s
        self.max_gather_s = max_gather_s
        self.gather_share = gather_share
        self._last_job_s = 0.0
        self._job_started = 0.0
        self._open = 0  # requests accepted and not yet answered
        self._peak = 1
        self._timer: asyncio.TimerHandle | None = None
        # (variant, requests) of each job, the latest thousand: what batching achieved
        self.batches: deque[tuple[str, int]] = deque(maxlen=1000)
        self._waiting: list[_Waiting] = []
        self._busy = False

    async def check(self, variant: str, texts: Sequence[str]) -> list[list[GrammarEdit]]:
        texts = list(texts)
        if not texts:
            return []
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(variant, texts, future))
        self._open += 1
        self._peak = max(self._peak, self._open)
        self._consider()
        try:
            return await future
        finally:
            self._open -= 1

    def _consider(self) -> None:
        """Dispatch now, or wait a little for the requests that are likely to come."""
        if self._busy or not self._waiting:
            return
        if len(self._waiting) >= self._peak:
            self._dispatch()
        elif self._timer is None:
            wait = max(self.gather_s, min(self.max_gather_s,
                                          self.gather_share * self._last_job_s))
            self._timer = asyncio.get_running_loop().call_later(wait, self._waited)

    def _waited(self) -> None:
        """The wait ended before the expected number came: expect what did come."""
        self._timer = None
        self._peak = max(1, len(self._waiting))
        self._dispatch()

    def _dispatch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiting = [w for w in self._waiting if not w.future.done()]  # timed out
        if self._busy or not self._waiting:
            return
        variant = self._waiting[0].variant
        batch: list[_Waiting] = []
        size = 0
        for waiting in self._waiting:
            if waiting.variant != variant:
                continue
            if batch and size + len(waiting.texts) > self.max_batch_texts:
                break
            batch.append(waiting)
            size += len(waiting.texts)
        self._waiting = [w for w in self._waiting if w not in batch]
        self._busy = True
        self.batches.append((variant, len(batch)))
        loop = asyncio.get_running_loop()
        self._job_started = loop.time()

        def on_done(found, error) -> None:  # in the engines' thread
            _call_soon(loop, self._finished, batch, found, error)

        texts = [text for waiting in batch for text in waiting.texts]
        try:
            self.host.submit(CheckJob(variant, texts, on_done, self.units_per_step))
        except RuntimeError as error:
            self._finished(batch, None, error)

    def _finished(self, batch: list[_Waiting], found, error) -> None:
        self._busy = False
        self._last_job_s = asyncio.get_running_loop().time() - self._job_started
        at = 0
        for waiting in batch:
            count = len(waiting.texts)
            if not waiting.future.done():
                if error is not None:
                    waiting.future.set_exception(error)
                else:
                    waiting.future.set_result(found[at:at + count])
            at += count
        # Every request open now (the ones just answered included) is a client that is
        # likely to come back at once: expect that many. Clients that do not come back
        # cost one short wait, after which the expectation is what came (_waited).
        self._peak = max(1, self._open)
        self._consider()


@dataclass
class Generation:
    """A running generation: iterate ``pieces()`` for the text; ``finished`` is set at
    the end. Leaving the iteration early cancels the job."""

    queue: asyncio.Queue
    cancel: threading.Event
    finished: Finished | None = None
    text: list[str] = field(default_factory=list)
    head: list[object] = field(default_factory=list)  # taken by ready(), not yet seen

    async def ready(self) -> None:
        """Wait for the first piece of text (or the end); raises what the job raised,
        so that a stream can still be refused with a status code."""
        item = await self.queue.get()
        if isinstance(item, BaseException):
            self.cancel.set()
            raise item
        self.head.append(item)

    async def pieces(self) -> AsyncIterator[str]:
        try:
            while True:
                item = self.head.pop() if self.head else await self.queue.get()
                if isinstance(item, Finished):
                    self.finished = item
                    return
                if isinstance(item, BaseException):
                    raise item
                self.text.append(item)
                yield item
        finally:
            if self.finished is None:
                self.cancel.set()

    async def complete(self) -> str:
        async for _ in self.pieces():
            pass
        return "".join(self.text)


class GenerateService:
    """``start(request)`` -> a Generation fed by a job in the engines' thread."""

    def __init__(self, host: EngineHost, model_id: Callable[[], str | None], *,
                 tokens_per_step: int = 16) -> None:
        self.host = host
        self.model_id = model_id
        self.tokens_per_step = tokens_per_step

    def start(self, request: GenerateRequest) -> Generation:
        loop = asyncio.get_running_loop()
        generation = Generation(asyncio.Queue(), threading.Event())

        def emit(item: object) -> None:  # in the engines' thread
            _call_soon(loop, generation.queue.put_nowait, item)

        self.host.submit(GenerateJob(request, emit, generation.cancel, self.tokens_per_step))
        return generation


def _call_soon(loop: asyncio.AbstractEventLoop, callback, *args) -> None:
    """From another thread; nothing to do once the server's loop has closed."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


@dataclass
class Services:
    """What the app serves with; either part may be missing (None)."""

    checks: CheckService | None = None
    generation: GenerateService | None = None
    default_variant: str = "en-US"

    def model_id(self) -> str | None:
        return self.generation.model_id() if self.generation else None
