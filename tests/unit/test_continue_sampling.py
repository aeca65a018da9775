"""Continue writing's decoding: seeded sampling, no repeated n-grams, ending at a boundary."""

from __future__ import annotations

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.core.requests import CompletionRequest, GenerationParams
from writer_app.core.settings import CompletionSettings
from writer_app.inference.completion import CompletionEngine, _ngram_bans

PROMPT = "The quick brown fox jumps over the lazy dog. She sells sea shells by the"


@pytest.fixture(scope="module")
def engine(tiny_llama_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    return CompletionEngine(model, tokenizer, max_context_tokens=200, half_decode=False)


def passage(engine, seed: int, **changes) -> str:
    params = CompletionSettings(continue_tokens=24, **changes).continue_params(seed)
    return engine.complete(CompletionRequest(0, 0, PROMPT, params=params)).text


def test_the_same_seed_gives_the_same_passage_and_seeds_differ(engine):
    first = passage(engine, 5)
    assert passage(engine, 5) == first
    assert len({passage(engine, seed) for seed in range(1, 6)}) > 1


def test_ngram_bans_name_what_would_complete_a_repeat():
    assert _ngram_bans([1, 2, 3, 9, 1, 2], 3) == [3]
    assert sorted(_ngram_bans([1, 2, 3, 1, 2, 4, 1, 2], 3)) == [3, 4]
    assert _ngram_bans([1, 2, 3], 0) == [] and _ngram_bans([1, 2], 3) == []


def test_no_token_ngram_is_written_twice(engine):
    params = GenerationParams(max_new_tokens=40, temperature=0.0, repetition_penalty=1.0,
                              no_repeat_ngram=3, stop_at_sentence_end=False, multiline=True)
    ids = engine.encode_context(PROMPT)
    generated = engine.generate_ids(ids, params)
    tokens = ids[-256:] + generated
    grams = [tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)]
    own = grams[len(ids[-256:]) - 2:]
    seen = set(grams[: len(ids[-256:]) - 2])
    for gram in own:
        assert gram not in seen
        seen.add(gram)


def test_settings_defaults_sample_and_end_at_a_boundary():
    params = CompletionSettings().continue_params(3)
    assert 0.7 <= params.temperature <= 0.9 and params.top_p <= 0.95
    assert params.no_repeat_ngram >= 3 or params.repetition_penalty > 1.0
    assert params.end_at_boundary and params.seed == 3
    inline = CompletionSettings().inline_params()
    assert inline.temperature == 0.0 and not inline.end_at_boundary
