"""The prefix-cached decode loop must give exactly what plain greedy generate() gives."""

from __future__ import annotations

import random
import threading

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.core.requests import CompletionRequest, GenerationParams
from writer_app.inference.completion import CompletionEngine
from writer_app.inference.kv_runner import LlamaRunner

GREEDY = GenerationParams(max_new_tokens=8, repetition_penalty=1.0, stop_at_sentence_end=False)


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def engine(request):
    """Both runners: the generic one (GPT-2) and the direct Llama-family one."""
    folder = request.getfixturevalue(f"tiny_{request.param}_dir")
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # fp32 throughout: these tests compare token for token with generate()
    engine = CompletionEngine(model, tokenizer, max_context_tokens=200, half_decode=False)
    if request.param == "llama":  # the direct runner, in fp32, for exact comparisons
        engine._runner = LlamaRunner(model)
    return engine


def reference_greedy(engine: CompletionEngine, ids: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = engine.model.generate(
            torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=n, do_sample=False, pad_token_id=engine.tokenizer.eos_token_id,
        )
    generated = out[0, len(ids):].tolist()
    eos = engine.tokenizer.eos_token_id
    return generated[: generated.index(eos)] if eos in generated else generated


def random_edits(rng: random.Random, text: str) -> str:
    action = rng.choice(["append", "append", "delete", "insert", "paste", "undo"])
    words = ["the", "sea", "shore", "report", "Monday", "river", "quick", "fox", "best"]
    if action == "append":
        return text + rng.choice(["", " "]) + rng.choice(words)
    if action == "delete" and len(text) > 10:
        return text[: -rng.randint(1, 6)]
    if action == "insert":
        at = rng.randint(0, len(text))
        return text[:at] + rng.choice(words) + " " + text[at:]
    if action == "paste":
        return text + " We walked along the river and talked about our plans."
    return text[: max(5, len(text) - 12)]  # "undo" of a recent addition


def test_cached_output_equals_uncached_greedy_over_edit_sequences(engine):
    rng = random.Random(3)
    text = "The quick brown fox"
    engine.reset_cache()
    for _ in range(30):
        text = random_edits(rng, text)
        ids = engine.encode_context(text)
        cached = engine.generate_ids(ids, GREEDY)
        assert cached == reference_greedy(engine, ids, GREEDY.max_new_tokens), text


def test_cache_is_reused_for_a_longer_context(engine):
    engine.reset_cache()
    ids = engine.encode_context("Please send me the report before the meeting")
    engine.generate_ids(ids, GREEDY)
    assert engine.cached_tokens >= len(ids)
    longer = engine.encode_context("Please send me the report before the meeting on Monday")
    calls = []
    original = engine._runner.run

    def counting_run(ids, rows=1):
        calls.append(ids.shape[1])
        return original(ids, rows)

    engine._runner.run = counting_run
    try:
        engine.generate_ids(longer, GenerationParams(max_new_tokens=1))
    finally:
        del engine._runner.run
    assert calls[0] < len(longer) // 2, "only the new tokens should run"


def test_context_over_the_cap_drops_whole_blocks_from_the_front(engine):
    long_text = " ".join(["The weather today is sunny with a light breeze."] * 60)
    ids = engine.encode_context(long_text)
    assert len(ids) <= engine.max_context_tokens
    again = engine.encode_context(long_text + " It")
    assert again[: len(ids) - 5] == ids[: len(ids) - 5], "window start must stay put"


def test_cancel_stops_decoding(engine):
    cancel = threading.Event()
    cancel.set()
    request = CompletionRequest(1, 1, "The capital of France", params=GREEDY)
    result = engine.complete(request, cancel)
    assert result.cancelled and result.new_tokens == 0


def test_streaming_calls_back_with_growing_text(engine):
    engine.reset_cache()
    seen: list[str] = []
    params = GenerationParams(max_new_tokens=10, stop_at_sentence_end=False)
    request = CompletionRequest(1, 1, "It was the best of times, it was", params=params)
    result = engine.complete(request, None, seen.append)
    assert seen and seen[-1] == result.text
    assert all(later.startswith(earlier) for earlier, later in zip(seen, seen[1:], strict=False))
    assert result.latency_ms >= result.first_token_ms >= 0


def test_sampling_is_reproducible_with_a_seed(engine):
    params = GenerationParams(max_new_tokens=6, temperature=0.9, top_p=0.9, seed=5,
                              stop_at_sentence_end=False)
    ids = engine.encode_context("She sells sea shells")
    first = engine.generate_ids(ids, params)
    engine.reset_cache()
    assert engine.generate_ids(ids, params) == first


def test_alternatives_are_distinct_and_reproducible(engine):
    params = GenerationParams(max_new_tokens=6, stop_at_sentence_end=False)
    request = CompletionRequest(1, 1, "We walked along the river and", params=params)
    shown = engine.complete(request).text
    first = engine.alternatives(request, shown, count=3)
    assert first.texts[0] == shown
    assert len(set(first.texts)) == len(first.texts) >= 2
    assert engine.alternatives(request, shown, count=3).texts == first.texts


def test_multiline_continuation_runs_past_newlines(engine):
    params = GenerationParams(max_new_tokens=40, stop_at_sentence_end=False, multiline=True)
    inline = GenerationParams(max_new_tokens=40, stop_at_sentence_end=False)
    text = "Good writing is clear.\n\nThe weather today"
    long = engine.complete(CompletionRequest(1, 1, text, params=params))
    short = engine.complete(CompletionRequest(2, 1, text, params=inline))
    assert "\n" not in short.text
    assert long.new_tokens >= short.new_tokens
    assert long.text.startswith(short.text.rstrip()[:5])


def test_min_new_tokens_holds_back_the_end_of_text(engine):
    eos = next(iter(engine._eos_ids))
    ids = engine.encode_context("The weather today is sunny")
    original = engine._runner.run

    def eos_everywhere(tensor, rows=1):
        logits = original(tensor, rows).clone()
        logits[..., eos] = logits.max() + 10  # the model "wants" to stop at once
        return logits

    engine._runner.run = eos_everywhere
    try:
        engine.reset_cache()
        assert engine.generate_ids(ids, GenerationParams(max_new_tokens=5)) == []
        engine.reset_cache()
        held = engine.generate_ids(ids, GenerationParams(max_new_tokens=5, min_new_tokens=3))
    finally:
        del engine._runner.run
    assert len(held) == 3 and eos not in held


@pytest.fixture
def drafting(engine):
    """The engine checking up to 3 guessed tokens per forward (the fp32 runners do not
    by default on a CPU), with a record of each forward's (tokens, rows)."""
    runner, original = engine._runner, engine._runner.run
    saved_rows, calls = runner.draft_rows, []

    def recording_run(ids, rows=1):
        calls.append((ids.shape[1], rows))
        return original(ids, rows)

    runner.draft_rows, runner.run = 3, recording_run
    engine.reset_cache()
    engine.reset_drafts()
    yield calls
    runner.draft_rows = saved_rows
    del runner.run
    engine.reset_cache()


def test_drafted_greedy_equals_generate_over_edit_sequences(engine, drafting):
    rng = random.Random(5)
    text = "The river ran past the mill. The river ran past the"
    produced = 0
    for _ in range(20):
        text = random_edits(rng, text)
        ids = engine.encode_context(text)
        ours = engine.generate_ids(ids, GREEDY)
        assert ours == reference_greedy(engine, ids, GREEDY.max_new_tokens), text
        produced += len(ours)
    assert any(rows > 1 for _, rows in drafting), "no guess was ever checked"
    assert len(drafting) < produced, "guesses should save forwards"


def test_a_suggestion_typed_by_the_writer_is_checked_in_one_forward(engine, drafting):
    ids = engine.encode_context("Please send me the report before the meeting")
    first = engine.generate_ids(ids, GREEDY)
    drafting.clear()
    typed = ids + first[:1]  # the writer types the suggestion's first token
    again = engine.generate_ids(typed, GREEDY)
    assert again == reference_greedy(engine, typed, GREEDY.max_new_tokens)
    assert again[: len(first) - 1] == first[1:]
    assert drafting[0][1] == 4, "the rest of the old suggestion is checked at once"


def test_stopping_inside_a_draft_leaves_a_consistent_cache(engine, drafting):
    text = "The river ran past the mill. The river ran past the mill. The river ran"
    ids = engine.encode_context(text)
    full = engine.generate_ids(ids, GREEDY)
    engine.generate_ids(ids[:-2], GREEDY)  # remembered: a different suggestion
    stopped = engine.generate_ids(ids, GREEDY, on_token=lambda generated: len(generated) >= 2)
    assert stopped == full[:2]
    for cut in (0, 1, 3):  # the cache, whatever it kept, still gives exact answers
        longer = ids + full[:cut]
        assert engine.generate_ids(longer, GREEDY) == reference_greedy(
            engine, longer, GREEDY.max_new_tokens)
