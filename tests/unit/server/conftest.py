"""Servers for the tests: the real app on uvicorn at 127.0.0.1 on a free port, over a
scripted grammar checker and a tiny random completion model."""

from __future__ import annotations

import contextlib
import logging

import pytest

from tests.fakes import FakeGrammarChecker
from writer_app.server.app import create_app
from writer_app.server.config import ServeConfig
from writer_app.server.host import ThreadEngineHost
from writer_app.server.runner import ServerThread
from writer_app.server.services import CheckService, GenerateService, Services
from writer_app.server.standalone import LoadedEngines

CHAT_TEMPLATE = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<assistant>{% endif %}")


@pytest.fixture(scope="session")
def tiny_engine(tiny_llama_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from writer_app.inference.completion import CompletionEngine

    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    tokenizer.chat_template = CHAT_TEMPLATE
    return CompletionEngine(model, tokenizer, max_context_tokens=200, half_decode=False)


@contextlib.contextmanager
def serving(checker=None, engine=None, config: ServeConfig | None = None, **services):
    """The app on a free loopback port; yields (base url, Services)."""
    engines = LoadedEngines(checker, engine, "tiny-llama" if engine is not None else None)
    host = ThreadEngineHost(engines)
    built = Services(
        checks=CheckService(host) if checker is not None else None,
        generation=GenerateService(host, lambda: engines.model_id, tokens_per_step=4)
        if engine is not None else None, **services)
    config = config or ServeConfig(port=0)
    server = ServerThread(create_app(built, config), "127.0.0.1", 0)
    server.start()
    try:
        yield server.url, built
    finally:
        server.stop()
        host.close()


@pytest.fixture
def checker():
    return FakeGrammarChecker()


@pytest.fixture
def lt_server(checker):
    with serving(checker) as (url, _):
        yield url


@pytest.fixture
def quiet_logs():
    logging.getLogger("writer_app.server").setLevel(logging.INFO)
    yield
