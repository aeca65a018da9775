"""`writer-app evaluate` and its parts: positions, next words, BLEU/ROUGE, gating in the
engine, and the command's output."""

from __future__ import annotations

import json
import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.cli import main
from writer_app.core.requests import CompletionRequest, GenerationParams
from writer_app.inference.completion import CompletionEngine
from writer_app.inference.evaluation import (
    Evaluator,
    _rest_of_word,
    _starts_word,
    overlap_scores,
    sample_positions,
)

TEXT = ("The weather today is sunny with a light breeze from the west. "
        "Please send me the report before the meeting on Monday morning. "
        "We walked along the river and talked about our plans for the summer.\n\n"
        "It was the best of times, it was the worst of times. "
        "Good writing is clear, concise and easy to read. ") * 3
SUMMARY_KEYS = {"perplexity", "next_word_top1", "next_word_top3", "keystroke_savings",
                "bleu", "rouge_l", "positions", "words"}


@pytest.fixture(scope="module")
def engine(tiny_gpt2_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    return CompletionEngine(model, tokenizer, max_context_tokens=200, half_decode=False)


def test_positions_are_word_starts_fixed_by_the_seed():
    spans = sample_positions(TEXT, 12, seed=5)
    assert spans == sample_positions(TEXT, 12, seed=5)
    assert spans != sample_positions(TEXT, 12, seed=6)
    assert len(spans) == 12
    for (start, end), following in zip(spans, spans[1:] + [(len(TEXT), 0)], strict=True):
        assert TEXT[start - 1].isspace() and TEXT[start].isalnum()
        assert start < end <= following[0]
        assert "\n\n" not in TEXT[start:end]
    assert len(sample_positions("one two", 50, 0)) == 1


def test_overlap_scores_use_sacrebleu_and_rouge():
    same = ["the cat sat on the mat today", "a dog ran to the park"]
    assert overlap_scores(same, same) == pytest.approx((100.0, 1.0))
    bleu, rouge = overlap_scores(["blue green red"], ["the cat sat on the mat"])
    assert bleu < 1 and rouge == 0
    assert overlap_scores([], []) == (0.0, 0.0)


def test_next_word_counts_the_greedy_word_as_written():
    pieces = [" The", " cat", "s", " sat", "."]
    ids = [1, 2, 3, 4, 5]
    assert _starts_word(pieces, 1) and not _starts_word(pieces, 2)
    text_of = {1: " The", 2: " cat", 3: "s", 4: " sat", 5: ".", 6: "ty", 7: " on"}.get
    # after " cat" the model would add "s" and then start a new word: " cats" as written
    top = [[], [2, 7, 6], [3, 4, 5], [4, 5, 6], [5, 6, 7]]
    assert _rest_of_word(pieces, ids, top, 1, text_of)
    # it would go on with "ty" instead of "s": "catty" is not "cats"
    top[2] = [6, 3, 4]
    assert not _rest_of_word(pieces, ids, top, 1, text_of)
    # it ends the word after "cats" with "." rather than " sat": the word is still right
    top[2], top[3] = [3, 4, 5], [5, 4, 6]
    assert _rest_of_word(pieces, ids, top, 1, text_of)
    # but not when it runs the word on ("catsty")
    top[3] = [6, 4, 5]
    assert not _rest_of_word(pieces, ids, top, 1, text_of)


def test_perplexity_is_that_of_one_forward_pass(engine):
    text = TEXT[:300]
    perplexity, top1, top3 = Evaluator(engine).teacher_forced(text)
    ids = engine.tokenizer(text)["input_ids"]
    with torch.inference_mode():
        loss = engine.model(input_ids=torch.tensor([ids]), labels=torch.tensor([ids])).loss
    assert perplexity == pytest.approx(math.exp(float(loss)), rel=1e-4)
    assert 0 <= top1 <= top3 <= 1


def test_gating_cuts_the_same_suggestion_at_a_confident_word_end(engine):
    params = GenerationParams(max_new_tokens=10, stop_at_sentence_end=False)
    found = 0
    for prompt in ("The weather today is", "Please send me the", "We walked along",
                   "Good writing is", "It was the best"):
        full = engine.complete(CompletionRequest(1, 1, prompt, params=params))
        stops = full.stops
        assert all(b[0] > a[0] and b[1] <= a[1] for a, b in zip(stops, stops[1:], strict=False))
        assert all(0 < offset <= len(full.text) for offset, _ in stops)
        if len(stops) < 2:
            continue
        found += 1
        offset, prob = stops[0]
        cut = engine.complete(CompletionRequest(
            2, 2, prompt, params=GenerationParams(max_new_tokens=10, stop_at_sentence_end=False,
                                                  min_confidence=prob)))
        assert cut.text == full.text[:offset].rstrip()
        assert cut.new_tokens < full.new_tokens, "decoding stopped where confidence fell"
        above = engine.complete(CompletionRequest(
            3, 3, prompt, params=GenerationParams(max_new_tokens=10, stop_at_sentence_end=False,
                                                  min_confidence=min(1.0, prob * 1.01))))
        assert above.text == "", "not even the first word is confident enough"
    assert found, "some suggestion had two word ends"


def test_evaluate_is_deterministic_and_complete(engine):
    evaluator = Evaluator(engine)
    first = evaluator.evaluate(TEXT, positions=6, seed=1)
    again = evaluator.evaluate(TEXT, positions=6, seed=1)
    assert first.summary() == again.summary()
    summary = first.summary()
    assert set(summary) == SUMMARY_KEYS
    assert summary["positions"] == 6 and summary["words"] == len(TEXT.split())
    assert summary["perplexity"] > 1 and 0 <= summary["keystroke_savings"] < 1
    assert 0 <= summary["bleu"] <= 100 and 0 <= summary["rouge_l"] <= 1
    assert [row["threshold"] for row in first.curve] == sorted(r["threshold"]
                                                              for r in first.curve)
    assert {row.get("setting") for row in first.curve} >= {"conservative", "balanced",
                                                          "eager"}


def test_cli_json_ends_with_the_summary(tiny_gpt2_dir, tmp_path, capsys):
    held = tmp_path / "held.txt"
    held.write_text(TEXT, encoding="utf-8")
    code = main(["evaluate", "--json", "--model", str(tiny_gpt2_dir), "--device", "cpu",
                 "--adapter", "", "--positions", "4", "--seed", "2", str(held)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    summary = json.loads(lines[-1])
    assert set(summary) == SUMMARY_KEYS and summary["positions"] == 4
    rows = [json.loads(line) for line in lines[:-1]]
    assert rows and all({"threshold", "precision", "coverage"} <= set(r) for r in rows)


@pytest.mark.parametrize("args, message", [
    (["--positions", "0", "held.txt"], "--positions must be at least 1"),
    (["missing.txt"], "missing.txt"),
    (["empty.txt"], "too little text"),
])
def test_cli_bad_input_is_one_line_and_status_2(args, message, tmp_path, capsys,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "held.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    code = main(["evaluate", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("writer-app: error: ") and message in err[-1]
