"""Completion latency and throughput on the real embedded model.

Every figure is measured in this run, next to its baseline, because these machines
are noisy: compare the ratios, not the absolute numbers across runs.
Prints a table, then one line of JSON.
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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from writer_app.core.requests import CompletionRequest, GenerationParams, ModelSpec  # noqa: E402
from writer_app.core.text_ops import clip_context  # noqa: E402
from writer_app.inference.completion import CompletionEngine  # noqa: E402
from writer_app.inference.kv_runner import half_kernel_name  # noqa: E402
from writer_app.inference.registry import load_causal_lm  # noqa: E402

CONTEXT_FILE = Path(__file__).resolve().parent / "data" / "context.txt"
# What the user types between two requests: one more word each time.
EXTRA_WORDS = [" She", " wrote", " about", " the", " garden", " behind", " the", " house",
               " and", " the", " old"]
INLINE = GenerationParams(max_new_tokens=8, repetition_penalty=1.0, stop_at_sentence_end=False)


def context_of(tokenizer, target_tokens: int) -> str:
    """Varied prose (no repeated passages, which would flatter any lookup-based trick)."""
    text = CONTEXT_FILE.read_text(encoding="utf-8")
    ids = tokenizer(text)["input_ids"][:target_tokens]
    cut = tokenizer.decode(ids, skip_special_tokens=True)
    return cut[: cut.rfind(".") + 1]


def hf_generate(model, ids: list[int], new_tokens: int) -> float:
    """Seconds for plain greedy generate(), no cache reuse."""
    tensor = torch.tensor([ids], device=model.device)
    start = time.perf_counter()
    with torch.inference_mode():
        model.generate(tensor, attention_mask=torch.ones_like(tensor), do_sample=False,
                       max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=0)
    return time.perf_counter() - start


def bench_inline(engine: CompletionEngine, context: str, repeats: int) -> dict[str, float]:
    """Each request follows one for the text a word shorter, as when a writer types.

    The `_no_drafts` figures time the same requests with guessed tokens switched off
    (one forward per token): they show what the drafts add on this text.
    """
    model, tokenizer = engine.model, engine.tokenizer
    naive, cached, first, plain = [], [], [], []
    for i in range(repeats):
        text = context + "".join(EXTRA_WORDS[: i + 1])
        ids = tokenizer(text)["input_ids"]
        naive.append(hf_generate(model, ids, INLINE.max_new_tokens) * 1000)
        for drafting, times in ((False, plain), (True, cached)):
            engine.drafting = drafting
            engine.reset_drafts()
            engine.complete(CompletionRequest(i, i, context + "".join(EXTRA_WORDS[:i]),
                                              params=INLINE))
            result = engine.complete(CompletionRequest(i, i, text, params=INLINE))
            times.append(result.latency_ms)
            if drafting:
                first.append(result.first_token_ms)
    engine.drafting = True
    return {
        "naive_ms": statistics.median(naive),
        "cached_ms": statistics.median(cached),
        "cached_ms_no_drafts": statistics.median(plain),
        "first_token_ms": statistics.median(first),
    }


def _tail_clip(text_before: str, max_chars: int) -> str:
    """The context clipping before sentence anchoring (the baseline): the last
    `max_chars` from a word boundary, so the start moved with every key."""
    if len(text_before) <= max_chars:
        return text_before
    tail = text_before[-max_chars:]
    space = tail.find(" ")
    return tail[space + 1:] if 0 <= space < 40 else tail


def bench_long_document(engine: CompletionEngine, words: int,
                        context_chars: int = 4000) -> dict[str, float]:
    """Suggestions while a writer types word by word at the end of a document longer than
    the context the model reads (Settings: context_chars), with the editor's clipping
    (a sentence start that stays put) and with the tail clipping it replaced."""
    story = CONTEXT_FILE.read_text(encoding="utf-8").strip()
    document = "\n\n".join([story] * (2 * context_chars // len(story) + 2))
    typed = "".join(EXTRA_WORDS + [".", " The", " rain", " kept", " on", " falling", "."]
                    + EXTRA_WORDS)[: sum(map(len, EXTRA_WORDS)) * 2]
    pieces = [piece for piece in typed.split(" ") if piece][:words]
    results = {}
    for name, clip in (("long_doc_tail_clip_ms", _tail_clip),
                       ("long_doc_ms", clip_context)):
        engine.reset_cache()
        engine.reset_drafts()
        text, times = document, []
        for index, piece in enumerate(pieces):
            text += " " + piece
            request = CompletionRequest(index, index, clip(text, context_chars),
                                        params=INLINE)
            times.append(engine.complete(request).latency_ms)
        results[name] = statistics.median(times[1:])
    results["long_doc_speedup"] = results["long_doc_tail_clip_ms"] / results["long_doc_ms"]
    return results


def bench_decode(engine: CompletionEngine, context: str, new_tokens: int) -> dict[str, float]:
    """Decode speed after a long context, ours and generate()'s, plus token agreement.

    No remembered suggestions: guesses come only from the context and the text being
    decoded (prompt lookup). `_no_drafts` is one forward per token.
    """
    ids = engine.encode_context(context)
    params = GenerationParams(max_new_tokens=new_tokens, repetition_penalty=1.0,
                              stop_at_sentence_end=False)
    ours, plain, theirs = [], [], []
    for _ in range(2):
        for drafting, rates in ((False, plain), (True, ours)):
            engine.drafting = drafting
            engine.reset_cache()
            engine.generate_ids(ids, GenerationParams(max_new_tokens=1))  # the prompt is cached
            engine.reset_drafts()
            start = time.perf_counter()
            out = engine.generate_ids(ids, params)  # re-runs one prompt token, then decodes
            rates.append(len(out) / (time.perf_counter() - start))
        prompt_only = hf_generate(engine.model, ids, 1)
        total = hf_generate(engine.model, ids, new_tokens + 1)
        theirs.append(new_tokens / max(total - prompt_only, 1e-6))
    engine.drafting = True
    reference = greedy_reference(engine.model, ids, new_tokens)
    agreed = next((i for i, (a, b) in enumerate(zip(out, reference, strict=False)) if a != b),
                  min(len(out), len(reference)))
    return {
        "decode_tokens_per_s": statistics.median(ours),
        "decode_tokens_per_s_no_drafts": statistics.median(plain),
        "hf_generate_tokens_per_s": statistics.median(theirs),
        "greedy_tokens_matching_generate": f"{agreed}/{len(reference)}",
    }


def greedy_reference(model, ids: list[int], new_tokens: int) -> list[int]:
    tensor = torch.tensor([ids], device=model.device)
    with torch.inference_mode():
        out = model.generate(tensor, attention_mask=torch.ones_like(tensor), do_sample=False,
                             max_new_tokens=new_tokens, pad_token_id=0)
    return out[0, len(ids):].tolist()


def bench_ui_stall(reference: str, context: str) -> float:
    """Longest gap of a 10 ms QTimer in a real offscreen window while suggestions run."""
    from PySide6.QtWidgets import QApplication

    from writer_app.controllers import EditorController
    from writer_app.core.settings import (
        CompletionSettings,
        GrammarSettings,
        ModelSettings,
        Settings,
    )
    from writer_app.gui.diagnostics import EventLoopGapMeter
    from writer_app.gui.main_window import MainWindow
    from writer_app.gui.settings_store import SettingsStore

    _app = QApplication.instance() or QApplication([])  # kept alive for the run
    settings = Settings(models=ModelSettings(completion_model=reference),
                        completion=CompletionSettings(debounce_ms=50),
                        # completion alone: bench/grammar_editor.py measures checking
                        grammar=GrammarSettings(grammar_enabled=False, spelling_enabled=False))
    store = SettingsStore(settings)  # in memory: a benchmark leaves the user's file alone
    window = MainWindow(store)
    controller = EditorController(window, store)
    wait_for(controller.models.sig_model_ready, controller.models.load_model, 600)
    window.show()
    window.editor.setPlainText(context)
    gaps = EventLoopGapMeter()
    for word in EXTRA_WORDS:
        window.editor.clear_suggestion()
        cursor = window.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        window.editor.setTextCursor(cursor)
        gaps.start()
        type_word = lambda w=word: window.editor.insertPlainText(w)  # noqa: E731
        wait_for(controller.completion.sig_completion_finished, type_word, 60)
        gaps.stop()
    controller.shutdown()
    window.editor.document().setModified(False)
    window.close()
    return gaps.longest_ms


def wait_for(signal, trigger, timeout_s: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    trigger()
    loop.exec()
    signal.disconnect(loop.quit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="default")
    parser.add_argument("--context-tokens", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--decode-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = default)")
    parser.add_argument("--half-decode", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--no-ui", action="store_true", help="skip the GUI stall measurement")
    parser.add_argument("--long-doc-words", type=int, default=12,
                        help="words typed in the long-document measurement")
    args = parser.parse_args()

    spec = ModelSpec(args.model, threads=args.threads)
    loaded = load_causal_lm(spec, lambda m: print(m, file=sys.stderr))
    half = {"auto": None, "on": True, "off": False}[args.half_decode]
    engine = CompletionEngine(loaded.model, loaded.tokenizer, half_decode=half)
    context = context_of(loaded.tokenizer, args.context_tokens)
    results: dict[str, float | int | str] = {
        "model": loaded.info.name,
        "device": loaded.info.device,
        "dtype": loaded.info.dtype,
        "threads": torch.get_num_threads(),
        "runner": engine.runner_name,
        "half_kernel": half_kernel_name() if "fp16" in engine.runner_name else "none",
        "context_tokens": len(engine.encode_context(context)),
    }
    hf_generate(loaded.model, engine.encode_context(context)[:64], 2)  # warm-up
    results |= bench_inline(engine, context, args.repeats)
    results["prefix_cache_speedup"] = results["naive_ms"] / results["cached_ms"]
    results |= bench_long_document(engine, args.long_doc_words)
    results |= bench_decode(engine, context, args.decode_tokens)
    results["decode_speedup"] = (
        results["decode_tokens_per_s"] / results["hf_generate_tokens_per_s"])
    if not args.no_ui:
        results["ui_max_stall_ms"] = bench_ui_stall(args.model, context)
    width = max(map(len, results))
    for key, value in results.items():
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v
                      for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
