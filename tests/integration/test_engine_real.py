"""The prefix-cached engine on the real embedded model, against plain generate()."""

from __future__ import annotations

import pytest
import torch

from writer_app.core.requests import GenerationParams, ModelSpec
from writer_app.inference import kv_runner
from writer_app.inference.completion import CompletionEngine
from writer_app.inference.kv_runner import LlamaRunner
from writer_app.inference.registry import load_causal_lm

pytestmark = pytest.mark.slow
GREEDY = GenerationParams(max_new_tokens=8, repetition_penalty=1.0, stop_at_sentence_end=False)
EDITS = [
    "The old lighthouse stood at the edge of the cliff",
    "The old lighthouse stood at the edge of the cliff, its white paint",
    "The old lighthouse stood at the edge of the cliff, its white",  # deleted a word
    "The old lighthouse stood at the edge of the rocky cliff, its white",  # mid insert
    "The old lighthouse stood at the edge of the rocky cliff, its white walls. Every night",
]


@pytest.fixture(scope="module")
def loaded():
    return load_causal_lm(ModelSpec("default"))


def generate_ids(model, ids: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids),
                             dtype=torch.long), max_new_tokens=n, do_sample=False)
    return out[0, len(ids):].tolist()


def test_cached_greedy_equals_generate_token_for_token(loaded):
    engine = CompletionEngine(loaded.model, loaded.tokenizer, half_decode=False)
    for runner in (engine._runner, LlamaRunner(loaded.model)):  # both, in fp32
        engine._runner = runner
        engine.reset_cache()
        check_against_generate(engine, loaded.model)


def test_drafted_greedy_equals_generate_token_for_token(loaded):
    """Guessed tokens checked in one forward (fp32 here, so the comparison is exact)."""
    engine = CompletionEngine(loaded.model, loaded.tokenizer, half_decode=False)
    for runner in (engine._runner, LlamaRunner(loaded.model)):
        runner.draft_rows = 4
        engine._runner = runner
        engine.reset_cache()
        check_against_generate(engine, loaded.model)
        ids = engine.encode_context(EDITS[-1])
        first = engine.generate_ids(ids, GREEDY)
        typed = ids + first[:2]  # the writer typed the start of the suggestion
        assert engine.generate_ids(typed, GREEDY) == generate_ids(loaded.model, typed, 8)


def check_against_generate(engine: CompletionEngine, model) -> None:
    for text in EDITS:
        ids = engine.encode_context(text)
        assert engine.generate_ids(ids, GREEDY) == generate_ids(model, ids, 8), text


def test_float16_decode_follows_the_fp32_tokens(loaded):
    engine = CompletionEngine(loaded.model, loaded.tokenizer, half_decode=True)
    assert engine._runner.draft_rows > 0 or not kv_runner._fbgemm_fp16()
    params = GenerationParams(max_new_tokens=16, repetition_penalty=1.0,
                              stop_at_sentence_end=False)
    agreed = total = 0
    for text in EDITS[::2]:
        ids = engine.encode_context(text)
        ours, reference = engine.generate_ids(ids, params), generate_ids(loaded.model, ids, 16)
        prefix = next((i for i, (a, b) in enumerate(zip(ours, reference, strict=False))
                       if a != b), len(reference))
        agreed, total = agreed + prefix, total + len(reference)
    assert agreed / total >= 0.75, f"only {agreed}/{total} tokens before diverging"
