"""Fixtures for unit tests: tiny random models built once per session."""

from __future__ import annotations

import pytest

from tests.tiny_models import make_tiny_bert, make_tiny_gpt2, make_tiny_llama


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory):
    """A tiny random GPT-2 folder. Treat it as read-only: copy it before damaging it."""
    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory):
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))
