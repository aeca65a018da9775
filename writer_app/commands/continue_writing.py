"""`writer-app continue`: print the passage the editor's Continue writing would insert.

It reads the same settings file as the editor (length, temperature, top-p, repetition
penalty, no-repeat n-gram, seed, context size), so a passage seen in the window can be
reproduced here with its seed, and the other way round.
"""

from __future__ import annotations

import argparse
import sys

EXIT_USAGE = 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "continue", help="print the passage that Continue writing would insert after TEXT",
        description="Write on from TEXT as the editor's Continue writing does (sampled, "
                    "ending at a sentence or paragraph end near the length), with the "
                    "settings of the editor.")
    parser.add_argument("text", help="the text to continue; '-' reads standard input")
    parser.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                        help="about how many tokens to write (default: the editor's "
                             "Continue writing length)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="random seed, at least 1: the same seed and text give the same "
                             "passage (default: the editor's setting; a new one when 0)")
    parser.add_argument("--model", default=None,
                        help="'default', a model folder, or a model id in the local HF cache "
                             "(default: the editor's)")
    parser.add_argument("--adapter", default=None, metavar="DIR",
                        help="a personal adapter folder (default: the editor's; '' for none)")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N or mps")
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from writer_app.core import paths
    from writer_app.core.passage import passage_seed
    from writer_app.core.settings import load_settings
    from writer_app.core.text_ops import clip_context

    text = sys.stdin.read().removesuffix("\n") if args.text == "-" else args.text
    if not text.strip():
        return _error("nothing to continue: TEXT is empty")
    if args.max_new_tokens is not None and args.max_new_tokens < 1:
        return _error("--max-new-tokens must be at least 1")
    if args.seed is not None and args.seed < 1:
        return _error("--seed must be at least 1")
    settings, warnings = load_settings(paths.settings_file())
    for warning in warnings:
        print(f"writer-app: warning: {warning}", file=sys.stderr)
    completion, models = settings.completion, settings.models
    seed = args.seed if args.seed is not None else passage_seed(completion.continue_seed)
    params = completion.continue_params(seed)
    if args.max_new_tokens is not None:
        from dataclasses import replace

        params = replace(params, max_new_tokens=args.max_new_tokens,
                         min_new_tokens=min(params.min_new_tokens, args.max_new_tokens))
    engine, problem = _engine(args.model or models.completion_model,
                              args.device or models.device, models.dtype,
                              models.adapter if args.adapter is None else args.adapter)
    if engine is None:
        return _error(problem)
    from writer_app.core.requests import CompletionRequest

    prompt = clip_context(text, completion.context_chars)
    result = engine.complete(CompletionRequest(0, 0, prompt, params=params))
    print(f"seed {seed}", file=sys.stderr)
    print(result.text)
    return 0


def _engine(model: str, device: str, dtype: str, adapter: str):
    """(CompletionEngine, None) or (None, a one-line reason)."""
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    try:
        loaded = load_causal_lm(ModelSpec(model, device, dtype),
                                lambda message: print(message, file=sys.stderr))
    except (ModelLoadError, DeviceError) as exc:
        return None, str(exc)
    from writer_app.inference.completion import CompletionEngine

    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    if adapter:
        from writer_app.inference.adapters import AdapterError, model_fingerprint

        engine.base_name = loaded.info.name
        engine.base_fingerprint = model_fingerprint(loaded.info.path)
        try:
            engine.set_adapter(adapter)
        except AdapterError as exc:
            return None, str(exc)
    return engine, None
