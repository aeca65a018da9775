"""Which decoding settings make "Continue writing" read like prose (real embedded model).

For each setting, passages are written after a few prompts with a few seeds, and each
is scored on:
- `repeated_sentences`: sentences that occur more than once in the passage;
- `rep4`: the share of its word 4-grams that occurred earlier in it or in the prompt;
- `distinct2`: distinct word bigrams / all bigrams (higher: more varied);
- `nll`: mean negative log-likelihood of its tokens under the plain model, given the
  prompt (lower: more fluent; greedy text is lowest, and loops lower still);
- `boundary`: the share that ends at a sentence or paragraph end.

The rule: among the sampled settings (greedy gives the same text every time, which
the editor must not; its rows are the baseline) with no repeated sentence and rep4 at
most 0.02 in every passage, the lowest mean nll wins. Prints a table, then one line of
JSON with every figure and the winner.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from writer_app.core.passage import ends_at_boundary  # noqa: E402
from writer_app.core.requests import CompletionRequest, GenerationParams, ModelSpec  # noqa: E402
from writer_app.core.settings import CompletionSettings  # noqa: E402
from writer_app.inference.completion import CompletionEngine  # noqa: E402
from writer_app.inference.registry import load_causal_lm  # noqa: E402

PROMPTS = [
    "The lighthouse keeper had not seen a ship in eleven days. On the twelfth morning, "
    "the fog lifted and",
    "My grandmother kept a tin of buttons on the kitchen shelf. When I was small, I would",
    "The committee met again on Thursday to discuss the budget for the new library.",
    "Dear Sam,\n\nThank you for the letter and the photographs from your trip. I",
]
# (name, temperature, top_p, repetition penalty, no-repeat n-gram)
SETTINGS = [
    ("greedy", 0.0, 1.0, 1.0, 0),
    ("greedy ng4", 0.0, 1.0, 1.0, 4),
    ("t0.7 p0.9", 0.7, 0.9, 1.0, 0),
    ("t0.7 p0.9 ng4", 0.7, 0.9, 1.0, 4),
    ("t0.8 p0.9", 0.8, 0.9, 1.0, 0),
    ("t0.8 p0.9 ng4", 0.8, 0.9, 1.0, 4),
    ("t0.8 p0.9 rp1.1 ng4", 0.8, 0.9, 1.1, 4),
    ("t0.9 p0.9 ng4", 0.9, 0.9, 1.0, 4),
]
_WORD = re.compile(r"[\w’']+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]+")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def scores(prompt: str, passage: str) -> dict[str, float]:
    sentences = [" ".join(words(s)) for s in _SENTENCE.findall(passage)]
    sentences = [s for s in sentences if len(s.split()) >= 3]
    repeated = len(sentences) - len(set(sentences))
    before, own = words(prompt), words(passage)
    every = before + own
    seen = {tuple(before[i:i + 4]) for i in range(len(before) - 3)}
    own_grams = [tuple(every[i:i + 4]) for i in range(max(0, len(before) - 3), len(every) - 3)]
    repeats = 0
    for gram in own_grams:
        repeats += gram in seen
        seen.add(gram)
    bigrams = [tuple(own[i:i + 2]) for i in range(len(own) - 1)]
    return {
        "repeated_sentences": repeated,
        "rep4": repeats / len(own_grams) if own_grams else 0.0,
        "distinct2": len(set(bigrams)) / len(bigrams) if bigrams else 0.0,
        "boundary": float(ends_at_boundary(passage)),
    }


@torch.inference_mode()
def nll(engine: CompletionEngine, prompt: str, passage: str) -> float:
    tokenizer, model = engine.tokenizer, engine.base_model
    context = tokenizer(prompt)["input_ids"]
    ids = tokenizer(prompt + passage)["input_ids"]
    if len(ids) <= len(context):
        return float("nan")
    logits = model(input_ids=torch.tensor([ids])).logits[0, :-1].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    targets = torch.tensor(ids[1:])
    picked = logprobs[torch.arange(len(targets)), targets][len(context) - 1:]
    return float(-picked.mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=CompletionSettings().continue_tokens)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=len(PROMPTS))
    parser.add_argument("--only", default="",
                        help="comma-separated setting names to run (default: all)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 keeps a shared machine from thrashing)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_causal_lm(ModelSpec("default", "cpu"))
    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    results = {}
    print(f"{'setting':24} {'rep.sent':>8} {'rep4':>6} {'dist2':>6} {'nll':>6} "
          f"{'bound':>6} {'s/run':>6}")
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    for name, temperature, top_p, penalty, ngram in SETTINGS:
        if wanted and name not in wanted:
            continue
        rows, started = [], time.perf_counter()
        seeds = 1 if temperature == 0 else args.seeds
        for prompt in PROMPTS[: args.prompts]:
            for seed in range(1, seeds + 1):
                params = GenerationParams(
                    max_new_tokens=args.tokens, temperature=temperature, top_p=top_p,
                    repetition_penalty=penalty, no_repeat_ngram=ngram, seed=seed,
                    stop_at_sentence_end=False, multiline=True, end_at_boundary=True,
                    min_new_tokens=min(16, args.tokens))
                text = engine.complete(CompletionRequest(0, 0, prompt, params=params)).text
                row = scores(prompt, text)
                row["nll"] = nll(engine, prompt, text)
                row["text"] = text
                rows.append(row)
        elapsed = (time.perf_counter() - started) / len(rows)
        summary = {key: statistics.mean(r[key] for r in rows)
                   for key in ("repeated_sentences", "rep4", "distinct2", "nll", "boundary")}
        summary["worst_rep4"] = max(r["rep4"] for r in rows)
        summary["any_repeated_sentence"] = any(r["repeated_sentences"] for r in rows)
        summary["example"] = rows[0]["text"]
        results[name] = summary
        print(f"{name:24} {summary['repeated_sentences']:8.2f} {summary['rep4']:6.3f} "
              f"{summary['distinct2']:6.3f} {summary['nll']:6.2f} {summary['boundary']:6.2f} "
              f"{elapsed:6.1f}", flush=True)
    sampled = {name for name, temperature, *_ in SETTINGS if temperature > 0}
    eligible = [n for n, s in results.items() if n in sampled
                and not s["any_repeated_sentence"] and s["worst_rep4"] <= 0.02]
    winner = min(eligible, key=lambda n: results[n]["nll"]) if eligible else None
    print(f"winner: {winner}")
    for name, summary in results.items():
        print(f"--- {name}: {summary['example']!r}")
    print(json.dumps({"tokens": args.tokens, "winner": winner, "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
