"""Synonyms in context: ranking quality and popup latency on the real embedded model.

Quality: for each sentence of the set (bench/data/word_choice.tsv: sentence, word, the
substitutes a careful writer accepts there), P@1 (the first suggestion is accepted) and
top-3 (one of the first three is), for the context ranking and for the thesaurus's own
order (the baseline), plus the share of sentences where any candidate is accepted at
all (the ceiling the thesaurus sets).

Latency: the time from request to ranked suggestions with about 1,000 tokens of
document before the word, warm (the model loaded and the document's prefix in the
cache, as while the writer works there), next to one completion step in the same run
(the machines are shared and noisy: compare ratios), and the same where the cache holds
other text (a word far from where the writer works). Prints a table, then one line of
JSON, with the load average at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from writer_app.core.requests import GenerationParams, ModelSpec  # noqa: E402
from writer_app.core.substitutes import candidates, find_target  # noqa: E402
from writer_app.core.thesaurus import Thesaurus  # noqa: E402
from writer_app.core.word_choice import SynonymRequest  # noqa: E402
from writer_app.inference.completion import CompletionEngine  # noqa: E402
from writer_app.inference.registry import load_causal_lm  # noqa: E402
from writer_app.inference.word_choice import WordChooser  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "word_choice.tsv"
CONTEXT_FILE = HERE / "data" / "context.txt"
RESOURCE = HERE.parent / "resources" / "thesaurus" / "wordnet-en.tsv.gz"


def read_set(path: Path) -> list[tuple[str, str, set[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sentence, word, gold = line.split("\t")
        rows.append((sentence, word, {g.strip().lower() for g in gold.split("|")}))
    return rows


def _hits(texts: list[str], gold: set[str]) -> tuple[bool, bool]:
    texts = [t.lower() for t in texts]
    return bool(texts) and texts[0] in gold, any(t in gold for t in texts[:3])


def quality(chooser: WordChooser, rows) -> dict:
    counts = {"p1": 0, "top3": 0, "base_p1": 0, "base_top3": 0, "ceiling": 0}
    misses = []
    for sentence, word, gold in rows:
        target = find_target(sentence, word)
        if target is None:
            raise SystemExit(f"'{word}' is not in: {sentence}")
        found = candidates(chooser.thesaurus, sentence, target)
        baseline = [c.text for c in found.candidates]
        result = chooser.synonyms(SynonymRequest(0, 0, sentence, target.start, target.end,
                                                 top=3))
        ranked = [s.text for s in result.suggestions]
        p1, top3 = _hits(ranked, gold)
        b1, b3 = _hits(baseline, gold)
        counts["p1"] += p1
        counts["top3"] += top3
        counts["base_p1"] += b1
        counts["base_top3"] += b3
        counts["ceiling"] += any(t.lower() in gold for t in baseline)
        if not p1:
            misses.append(f"{word!r} in {sentence!r}: {ranked}")
    n = len(rows)
    return {key: value / n for key, value in counts.items()} | {"sentences": n,
                                                                "misses": misses}


def latency(engine: CompletionEngine, chooser: WordChooser, rows, repeats: int) -> dict:
    """Warm popups after ~1,000 tokens of document; a one-token completion step as the
    baseline from the same run."""
    text = CONTEXT_FILE.read_text(encoding="utf-8")
    ids = engine.tokenizer(text)["input_ids"][:960]
    context = engine.tokenizer.decode(ids, skip_special_tokens=True)
    context = context[: context.rfind(".") + 1] + "\n\n"
    popups, colds, steps, tokens = [], [], [], 0
    step = GenerationParams(max_new_tokens=1)
    for sentence, word, _gold in rows[:repeats]:
        document = context + sentence
        target = find_target(document, word)
        # The writer has been working here: the prefix up to the word is in the cache.
        engine.generate_ids(engine.encode_context(document[:target.end]), step)
        tokens = len(engine.encode_context(document[:target.start]))
        request = SynonymRequest(0, 0, document, target.start, target.end)
        began = time.perf_counter()
        chooser.synonyms(request)
        popups.append((time.perf_counter() - began) * 1000)
        prefix = engine.encode_context(document[:target.end])
        began = time.perf_counter()
        engine.generate_ids(prefix + engine.tokenizer(" and")["input_ids"], step)
        steps.append((time.perf_counter() - began) * 1000)
        # A word far from where the writer works: the cache holds other text.
        engine.generate_ids(engine.encode_context(sentence + context), step)
        began = time.perf_counter()
        chooser.synonyms(request)
        colds.append((time.perf_counter() - began) * 1000)
    popup, base, cold = (statistics.median(popups), statistics.median(steps),
                         statistics.median(colds))
    return {"context_tokens": tokens, "popup_ms_median": round(popup, 1),
            "popup_ms_max": round(max(popups), 1), "step_ms_median": round(base, 1),
            "popup_over_step": round(popup / base, 2),
            "cold_popup_ms_median": round(cold, 1), "cold_over_step": round(cold / base, 2),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--latency-repeats", type=int, default=12, metavar="N")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--misses", action="store_true", help="list the P@1 misses")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    loaded = load_causal_lm(ModelSpec(threads=args.threads))
    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    chooser = WordChooser(engine, Thesaurus.load(RESOURCE))
    rows = read_set(args.data)
    chooser.synonyms(SynonymRequest(0, 0, "A warm-up.", 2, 6))  # lazy imports, first pass
    scores = quality(chooser, rows)
    timing = latency(engine, chooser, rows, args.latency_repeats)
    print(f"{scores['sentences']} sentences, {args.threads} threads, runner "
          f"{engine.runner_name}")
    print(f"{'':24}{'P@1':>8}{'top-3':>8}")
    print(f"{'context ranking':24}{scores['p1']:8.2f}{scores['top3']:8.2f}")
    print(f"{'thesaurus order':24}{scores['base_p1']:8.2f}{scores['base_top3']:8.2f}")
    print(f"{'any candidate accepted':24}{scores['ceiling']:8.2f}")
    print(f"popup at {timing['context_tokens']} tokens of context, warm: median "
          f"{timing['popup_ms_median']} ms (max {timing['popup_ms_max']} ms); one completion "
          f"step {timing['step_ms_median']} ms; ratio {timing['popup_over_step']}")
    print(f"popup where the cache holds other text: median {timing['cold_popup_ms_median']} "
          f"ms; ratio {timing['cold_over_step']}; load average {timing['load_average']}")
    if args.misses:
        print("\n".join(scores["misses"]))
    summary = {k: (round(v, 3) if isinstance(v, float) else v)
               for k, v in scores.items() if k != "misses"}
    print(json.dumps(summary | timing))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
