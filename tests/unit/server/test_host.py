"""ThreadEngineHost.loading: the engines are loaded by the thread that runs them (torch
keeps one OpenMP pool per thread that used it; two pools on a small machine throttle
each other), and a failed load is the caller's error."""

from __future__ import annotations

import threading

import pytest

from writer_app.server.host import ThreadEngineHost


class _Source:
    def __init__(self) -> None:
        self.loaded_in = threading.get_ident()

    def checker(self, variant):
        return None

    def completion(self):
        return None


class _Job:
    def __init__(self) -> None:
        self.ran_in: int | None = None
        self.done = threading.Event()

    def step(self, source) -> bool:
        self.ran_in = threading.get_ident()
        self.done.set()
        return True

    def fail(self, error) -> None:
        raise AssertionError(error)


def test_the_engines_are_loaded_in_the_thread_that_runs_the_jobs():
    host = ThreadEngineHost.loading(_Source)
    try:
        job = _Job()
        host.submit(job)
        assert job.done.wait(5)
        assert job.ran_in == host.source.loaded_in != threading.get_ident()
    finally:
        host.close()


def test_a_failed_load_is_raised_in_the_caller():
    def broken():
        raise ValueError("the model folder holds no weights")

    with pytest.raises(ValueError, match="no weights"):
        ThreadEngineHost.loading(broken)
