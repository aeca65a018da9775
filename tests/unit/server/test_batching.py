"""Concurrent checks are merged into one job; generation steps add up to one decode."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakes import FakeGrammarChecker
from tests.unit.server.conftest import serving
from writer_app.core.requests import GenerationParams
from writer_app.server.host import ThreadEngineHost
from writer_app.server.jobs import Finished, GenerateJob, GenerateRequest, _held_back
from writer_app.server.standalone import LoadedEngines


def test_concurrent_checks_share_one_batch():
    checker = FakeGrammarChecker()
    checker.gate = threading.Event()
    with serving(checker) as (url, services):
        texts = [f"teh {i}\nshe go {i}" for i in range(8)]

        def check(text):
            return httpx.post(f"{url}/v2/check", data={"text": text, "language": "en"},
                              timeout=30).json()

        with ThreadPoolExecutor(8) as pool:
            first = pool.submit(check, texts[0])
            assert checker.started.wait(10)  # the first request holds the engine
            rest = [pool.submit(check, text) for text in texts[1:]]
            deadline = threading.Event()
            while len(services.checks._waiting) < 7 and not deadline.wait(0.02):
                pass
            checker.gate.set()
            results = [first.result(30)] + [future.result(30) for future in rest]
        assert list(services.checks.batches) == [("en", 1), ("en", 7)]  # "en": both
        assert [len(call) for call in checker.calls] == [2, 14]  # two lines per request
        for text, result in zip(texts, results, strict=True):
            found = [text[m["offset"]:m["offset"] + m["length"]] for m in result["matches"]]
            assert found == ["teh", "she go"]


def test_variants_are_batched_apart():
    checker = FakeGrammarChecker()
    checker.gate = threading.Event()
    with serving(checker) as (url, services):
        def check(language):
            return httpx.post(f"{url}/v2/check", timeout=30,
                              data={"text": "teh", "language": language})

        with ThreadPoolExecutor(3) as pool:
            first = pool.submit(check, "en-US")
            assert checker.started.wait(10)
            calls = [first] + [pool.submit(check, lang) for lang in ("en-GB", "en-US")]
            deadline = threading.Event()
            while len(services.checks._waiting) < 2 and not deadline.wait(0.02):
                pass
            checker.gate.set()
            assert all(call.result(30).status_code == 200 for call in calls)
        batches = list(services.checks.batches)
        assert batches[0] == ("en-US", 1)
        assert sorted(batches[1:]) == [("en-GB", 1), ("en-US", 1)]


def _run(engine, request: GenerateRequest, tokens_per_step: int) -> tuple[str, Finished]:
    pieces: list[str] = []
    finished: list[Finished] = []
    done = threading.Event()

    def emit(item):
        if isinstance(item, Finished):
            finished.append(item)
            done.set()
        elif isinstance(item, BaseException):
            done.set()
            raise item
        else:
            pieces.append(item)

    host = ThreadEngineHost(LoadedEngines(None, engine, "tiny"))
    try:
        host.submit(GenerateJob(request, emit, threading.Event(), tokens_per_step))
        assert done.wait(60)
    finally:
        host.close()
    return "".join(pieces), finished[0]


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_steps_of_any_size_give_the_same_greedy_text(tiny_engine, temperature):
    params = GenerationParams(max_new_tokens=13, temperature=temperature, seed=3,
                              stop_at_sentence_end=False, multiline=True)
    request = GenerateRequest(params, prompt="We walked along the river")
    texts = {steps: _run(tiny_engine, request, steps) for steps in (1, 5, 13)}
    if temperature == 0:  # greedy: exactly one answer however it is cut into steps
        assert len({text for text, _ in texts.values()}) == 1
    for _text, finished in texts.values():
        assert finished.completion_tokens <= 13
        assert finished.reason == ("length" if finished.completion_tokens == 13 else "stop")
    again = _run(tiny_engine, request, 5)
    assert again[0] == texts[5][0]  # seeded: the same steps give the same text


def test_held_back_text_could_start_a_stop_string():
    assert _held_back("Hello wor", ["world"]) == 3
    assert _held_back("Hello", ["\n\n"]) == 0
    assert _held_back("Hello\n", ["\n\n", "xyz"]) == 1


class _ManualHost:
    """Holds jobs until the test runs them (in the event loop's thread)."""

    def __init__(self) -> None:
        self.jobs: list = []
        self.source = LoadedEngines(FakeGrammarChecker())

    def submit(self, job) -> None:
        self.jobs.append(job)

    def run_next(self) -> None:
        assert self.jobs[0].step(self.source)
        self.jobs.pop(0)


def test_an_idle_engine_waits_for_as_many_requests_as_were_lately_open():
    import asyncio

    from writer_app.server.services import CheckService

    async def scenario():
        host = _ManualHost()
        service = CheckService(host, gather_s=60.0)  # only the count can end the wait
        first = asyncio.create_task(service.check("en-US", ["teh"]))
        await asyncio.sleep(0.01)
        assert len(host.jobs) == 1  # alone: no waiting
        others = [asyncio.create_task(service.check("en-US", [f"wrold {i}"]))
                  for i in range(3)]
        await asyncio.sleep(0.01)
        host.run_next()  # four were open at once: the answered client is expected back
        await first
        assert not host.jobs
        again = asyncio.create_task(service.check("en-US", ["teh again"]))
        await asyncio.sleep(0.01)  # it came back: the four go together
        assert len(host.jobs) == 1 and len(host.jobs[0].texts) == 4
        host.run_next()
        await asyncio.gather(again, *others)
        return [size for _, size in service.batches]

    assert asyncio.run(scenario()) == [1, 4]


def test_after_a_burst_a_lone_client_waits_once_then_never():
    import asyncio

    from writer_app.server.services import CheckService

    async def scenario():
        host = _ManualHost()
        service = CheckService(host, gather_s=0.05, max_gather_s=0.05)
        burst = [asyncio.create_task(service.check("en-US", [f"wrold {i}"]))
                 for i in range(3)]
        await asyncio.sleep(0.01)
        host.run_next()  # the first went alone; the other two wait for it to come back
        await asyncio.sleep(0.1)  # it does not: they go when the wait ends
        host.run_next()
        await asyncio.gather(*burst)
        waits = []
        for _ in range(3):
            alone = asyncio.create_task(service.check("en-US", ["teh"]))
            await asyncio.sleep(0.01)
            waits.append(not host.jobs)  # still waiting for the burst's clients
            await asyncio.sleep(0.1)  # the wait ends short: expect what came
            host.run_next()
            await asyncio.wait_for(alone, 1)
        return waits, [size for _, size in service.batches]

    waits, sizes = asyncio.run(scenario())
    assert waits == [True, False, False]
    assert sizes == [1, 2, 1, 1, 1]


def test_the_wait_grows_with_the_last_job_and_ends_at_what_came():
    import asyncio

    from writer_app.server.services import CheckService

    async def scenario():
        host = _ManualHost()
        service = CheckService(host, gather_s=0.001, gather_share=0.5, max_gather_s=5.0)
        first = asyncio.create_task(service.check("en-US", ["teh"]))
        await asyncio.sleep(0.01)
        others = [asyncio.create_task(service.check("en-US", [f"wrold {i}"]))
                  for i in range(3)]
        await asyncio.sleep(0.01)
        for _ in range(2):  # a job of one, then a job of three, each taking 0.3 s
            await asyncio.sleep(0.3)
            host.run_next()
            await asyncio.sleep(0.01)
        await asyncio.gather(first, *others)
        late = asyncio.create_task(service.check("en-US", ["teh"]))
        await asyncio.sleep(0.05)
        assert not host.jobs  # two are expected: it waits about half the last job's time
        await asyncio.sleep(0.3)
        assert len(host.jobs) == 1  # then goes with what came
        host.run_next()
        await late
        alone = asyncio.create_task(service.check("en-US", ["teh"]))
        await asyncio.sleep(0.01)
        assert len(host.jobs) == 1  # one came, one is expected now: no wait
        host.run_next()
        await alone
        return [size for _, size in service.batches]

    assert asyncio.run(scenario()) == [1, 3, 1, 1]
