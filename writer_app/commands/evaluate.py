"""`writer-app evaluate`: what the completion model (and a personal adapter) would do for a
writer on their own held-out text: perplexity, next-word accuracy, keystroke savings with
the editor's suggestion settings, BLEU and ROUGE-L, and the precision of the shown
suggestions against their coverage for each confidence setting."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

EXIT_USAGE = 2
MAX_POSITIONS = 100_000


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="how well suggestions would serve you on your own text",
        description=__doc__)
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="held-out writing: .txt, .md, .docx or .odt")
    parser.add_argument("--json", action="store_true",
                        help="one JSON line per confidence threshold, then the summary")
    parser.add_argument("--model", default="",
                        help="'default', a model folder, or a model id in the local HF cache "
                             "(default: the model in your settings)")
    parser.add_argument("--adapter", default=None, metavar="DIR",
                        help="a personal adapter folder (default: the one in your settings; "
                             "'' for none)")
    parser.add_argument("--positions", type=int, default=None, metavar="N",
                        help="sampled positions for keystrokes, BLEU and ROUGE (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="which positions are sampled")
    parser.add_argument("--device", default="", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--confidence", default="",
                        choices=("", "conservative", "balanced", "eager"),
                        help="the setting keystroke savings use (default: your settings)")
    from writer_app.cli_input import CHECK_MAX_BYTES, add_input_options

    add_input_options(parser, max_bytes=CHECK_MAX_BYTES)
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from writer_app.cli_input import option_problem
    from writer_app.core.doc_import import read_document
    from writer_app.core.documents import DocumentError
    from writer_app.core.paths import settings_file
    from writer_app.core.settings import load_settings
    from writer_app.inference.evaluation import DEFAULT_POSITIONS

    positions = DEFAULT_POSITIONS if args.positions is None else args.positions
    if positions < 1:
        return _error("--positions must be at least 1")
    if positions > MAX_POSITIONS:
        return _error(f"--positions must be at most {MAX_POSITIONS}")
    if option_problem(args):
        return _error(option_problem(args))
    texts = []
    for name in args.files:
        try:
            texts.append(read_document(name, args.max_bytes))
        except DocumentError as exc:
            return _error(str(exc))
    text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    if len(text.split()) < 2:
        return _error("the files hold too little text to evaluate")
    settings, _warnings = load_settings(settings_file())
    completion = settings.completion
    if args.confidence:
        completion = replace(completion, confidence=args.confidence)
    models = settings.models
    spec = replace(models.completion_spec(), reference=args.model or models.completion_model,
                   device=args.device or models.device, allow_pickle=args.allow_pickle)
    adapter = models.adapter if args.adapter is None else args.adapter
    engine, problem = _engine(spec, adapter)
    if engine is None:
        return _error(problem)
    return _report(engine, completion, text, positions, args)


def _engine(spec, adapter: str):
    """(CompletionEngine, "") or (None, why not)."""
    from writer_app.inference.adapters import AdapterError, model_fingerprint
    from writer_app.inference.completion import CompletionEngine
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    try:
        loaded = load_causal_lm(spec, lambda message: print(message, file=sys.stderr))
    except (ModelLoadError, DeviceError) as exc:
        return None, str(exc)
    from writer_app.cli_input import model_context

    # the editor's context, within what the model's positions allow
    context = model_context(loaded.model)
    limit = 1024 if context is None else max(16, min(1024, context - 80))
    engine = CompletionEngine(loaded.model, loaded.tokenizer, max_context_tokens=limit)
    engine.base_name = loaded.info.name
    engine.base_fingerprint = model_fingerprint(loaded.info.path)
    if adapter:
        try:
            engine.set_adapter(adapter)
        except AdapterError as exc:
            return None, str(exc)
    return engine, ""


def _report(engine, completion, text: str, positions: int, args: argparse.Namespace) -> int:
    from writer_app.inference.evaluation import Evaluator

    result = Evaluator(engine, completion).evaluate(
        text, positions, args.seed, lambda message: print(message, file=sys.stderr))
    if args.json:
        for row in result.curve:
            print(json.dumps(row))
        print(json.dumps(result.summary()))
        return 0
    print(format_evaluation(result))
    return 0


def format_evaluation(result) -> str:
    lines = [f"words: {result.words}, sampled positions: {result.positions}",
             f"keystroke savings: {result.keystroke_savings:.1%} "
             f"(suggestions: {result.setting})",
             f"next-word accuracy: top-1 {result.next_word_top1:.1%}, "
             f"top-3 {result.next_word_top3:.1%}",
             f"BLEU: {result.bleu:.2f}   ROUGE-L: {result.rouge_l:.3f}",
             f"perplexity: {result.perplexity:.3f}",
             "confidence   precision   coverage   keystroke savings"]
    for row in result.curve:
        name = row.get("setting", "")
        lines.append(f"{row['threshold']:>5.2f} {name:<13} {row['precision']:>6.1%}   "
                     f"{row['coverage']:>7.1%}   {row['keystroke_savings']:>8.1%}")
    return "\n".join(lines)
