"""Command line: `writer-app [FILE]` opens the editor; subcommands work headless."""

from __future__ import annotations

import argparse
import sys

from writer_app import __version__

COMMANDS = ("complete", "models")
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        args = _command_parser().parse_args(argv)
        return args.handler(args)
    args = _gui_parser().parse_args(argv)
    from writer_app.app import run_gui

    return run_gui(args.file)


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="writer-app",
        description="A private writing assistant. Opens the editor; FILE opens a document.",
        epilog="commands (run headless): "
        "'writer-app complete TEXT' prints a continuation; "
        "'writer-app models' lists models and devices. "
        "Use 'writer-app COMMAND --help' for details.",
    )
    parser.add_argument("file", nargs="?", help="a .txt or .md document to open")
    parser.add_argument("--version", action="version", version=f"writer-app {__version__}")
    return parser


def _command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="writer-app")
    sub = parser.add_subparsers(dest="command", required=True)
    complete = sub.add_parser("complete", help="print a continuation of TEXT")
    complete.add_argument("text", help="the text to continue; '-' reads standard input")
    complete.add_argument("--max-new-tokens", type=int, default=32, metavar="N")
    complete.add_argument("--model", default="default",
                          help="'default', a model folder, or a model id in the local HF cache")
    complete.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    complete.add_argument("--dtype", default="auto")
    complete.set_defaults(handler=_cmd_complete)
    models = sub.add_parser("models", help="list known models and devices")
    models.add_argument("--json", action="store_true", help="machine-readable output")
    models.set_defaults(handler=_cmd_models)
    return parser


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _cmd_complete(args: argparse.Namespace) -> int:
    from writer_app.core.requests import CompletionRequest, GenerationParams, ModelSpec
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    # `echo TEXT | writer-app complete -` ends the text with a newline it does not mean
    text = sys.stdin.read().removesuffix("\n") if args.text == "-" else args.text
    if not text.strip():
        return _error("nothing to continue: TEXT is empty")
    if args.max_new_tokens < 1:
        return _error("--max-new-tokens must be at least 1")

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    try:
        loaded = load_causal_lm(ModelSpec(args.model, args.device, args.dtype), progress)
    except (ModelLoadError, DeviceError) as exc:
        return _error(str(exc))
    from writer_app.inference.completion import CompletionEngine

    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    params = GenerationParams(
        max_new_tokens=args.max_new_tokens, stop_at_sentence_end=False, multiline=True)
    print(engine.complete(CompletionRequest(0, 0, text, params=params)).text)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from writer_app.inference.registry import format_models_report

    print(format_models_report(as_json=args.json))
    return 0
