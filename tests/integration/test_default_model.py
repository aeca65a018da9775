"""The real embedded model: GGUF conversion (~30-50 s the first time) and generation."""

from __future__ import annotations

import time

import pytest
import torch

from writer_app.core.requests import ModelSpec
from writer_app.inference.convert import MARKER_NAME, ensure_default_model, is_converted
from writer_app.inference.registry import load_causal_lm

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_dir():
    messages: list[str] = []
    folder = ensure_default_model(messages.append)
    if messages:  # it converted: the child's progress lines were relayed
        assert "Ready after" in messages[-1]
    return folder


def test_conversion_result(default_dir):
    assert is_converted()
    assert (default_dir / MARKER_NAME).is_file()
    assert list(default_dir.glob("*.safetensors"))
    assert (default_dir / "config.json").is_file()


def test_second_ensure_is_fast(default_dir):
    start = time.perf_counter()
    assert ensure_default_model() == default_dir
    assert time.perf_counter() - start < 1.0


def test_default_model_generates(default_dir):
    loaded = load_causal_lm(ModelSpec("default", device="cpu"))
    assert loaded.info.device == "cpu"
    assert loaded.info.parameters > 100_000_000
    tokenizer = loaded.tokenizer
    inputs = tokenizer("The capital of France is", return_tensors="pt")
    with torch.no_grad():
        out = loaded.model.generate(
            **inputs, max_new_tokens=6, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
    text = tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    assert text.strip()
