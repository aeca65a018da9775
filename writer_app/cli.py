"""Command line: `writer-app [FILE]` opens the editor; subcommands work headless."""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from writer_app import __version__
from writer_app.cli_input import (
    CHECK_MAX_BYTES,
    MAX_CONTEXT,
    MAX_NEW_TOKENS,
    PROMPT_MAX_BYTES,
    add_input_options,
    line_pieces,
    model_context,
    option_problem,
    read_stdin,
    tokens_problem,
)
from writer_app.core.documents import DocumentError

COMMANDS = ("complete", "models", "correct", "check", "finetune", "perplexity",
            "grammar-personalize", "serve", "continue", "evaluate", "synonyms")
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
    complete.add_argument("--adapter", default="", metavar="DIR",
                          help="a personal adapter folder (from 'writer-app finetune')")
    add_input_options(complete, max_bytes=PROMPT_MAX_BYTES)
    complete.set_defaults(handler=_cmd_complete)
    models = sub.add_parser("models", help="list known models and devices")
    models.add_argument("--json", action="store_true", help="machine-readable output")
    models.set_defaults(handler=_cmd_models)
    _add_grammar_commands(sub)
    _add_personalize_commands(sub)
    from writer_app.commands import continue_writing, evaluate, serve

    serve.register(sub)
    continue_writing.register(sub)
    evaluate.register(sub)
    from writer_app.commands import synonyms

    synonyms.register(sub)
    return parser


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _cmd_complete(args: argparse.Namespace) -> int:
    from writer_app.core.requests import CompletionRequest, GenerationParams, ModelSpec
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    problem = option_problem(args) or tokens_problem(
        "--max-new-tokens", args.max_new_tokens, 1, MAX_NEW_TOKENS)
    if problem:
        return _error(problem)
    try:
        # `echo TEXT | writer-app complete -` ends the text with a newline it does not mean
        text = read_stdin(args.max_bytes).removesuffix("\n") if args.text == "-" else args.text
    except DocumentError as exc:
        return _error(str(exc))
    if "\x00" in text:
        return _error("TEXT holds NUL characters")
    if not text.strip():
        return _error("nothing to continue: TEXT is empty")

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    try:
        loaded = load_causal_lm(ModelSpec(args.model, args.device, args.dtype,
                                          allow_pickle=args.allow_pickle), progress)
    except (ModelLoadError, DeviceError) as exc:
        return _error(str(exc))
    context = model_context(loaded.model)
    if context is not None and args.max_new_tokens >= context:
        return _error(f"--max-new-tokens {args.max_new_tokens} does not fit this model's "
                      f"context of {context} tokens")
    from writer_app.inference.completion import CompletionEngine

    engine = CompletionEngine(loaded.model, loaded.tokenizer)
    if context is not None:  # the prompt and the new tokens together fit the positions
        engine.max_context_tokens = min(engine.max_context_tokens,
                                        context - args.max_new_tokens)
    if args.adapter:
        from writer_app.inference.adapters import AdapterError, model_fingerprint

        engine.base_name = loaded.info.name
        engine.base_fingerprint = model_fingerprint(loaded.info.path)
        try:
            engine.set_adapter(args.adapter, allow_pickle=args.allow_pickle)
        except AdapterError as exc:
            return _error(str(exc))
    params = GenerationParams(
        max_new_tokens=args.max_new_tokens, stop_at_sentence_end=False, multiline=True)
    print(engine.complete(CompletionRequest(0, 0, text, params=params)).text)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from writer_app.inference.registry import format_models_report

    print(format_models_report(as_json=args.json))
    return 0


# --- grammar: correct and check ---------------------------------------------------------------


def _add_grammar_commands(sub) -> None:
    correct = sub.add_parser(
        "correct", help="correct grammar and spelling; one sentence or paragraph per line")
    check = sub.add_parser("check", help="list grammar and spelling issues with line and column")
    check.add_argument("--json", action="store_true",
                       help="print a LanguageTool-compatible JSON object")
    for parser, handler in ((correct, _cmd_correct), (check, _cmd_check)):
        parser.add_argument("file", nargs="?", default="-",
                            help="a UTF-8 text file; '-' (the default) reads standard input")
        parser.add_argument("--model", default="default",
                            help="'default', a grammar model folder (ours or gector layout) "
                            "or a model id in the local Hugging Face cache")
        parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
        parser.add_argument("--variant", default="auto", choices=("auto", "en-US", "en-GB", "en"),
                            help="English spelling: auto (the system locale; where it names "
                            "neither, both are accepted), en-US, en-GB or en (both)")
        parser.add_argument("--no-spelling", action="store_true", help="skip the spelling layer")
        parser.add_argument("--no-grammar", action="store_true", help="skip the grammar model")
        parser.add_argument("--no-confusions", action="store_true",
                            help="skip judging confusable words (their/there, its/it's...) "
                            "with the completion model")
        add_input_options(parser, max_bytes=CHECK_MAX_BYTES)
        parser.set_defaults(handler=handler)


def _read_input(name: str, limit: int) -> str:
    """The input text (UTF-8) with \n line ends; raises DocumentError."""
    from writer_app.core.documents import read_text_document

    return read_stdin(limit) if name == "-" else read_text_document(name, limit)


def _load_checker(args: argparse.Namespace, text: str = ""):
    """The GrammarChecker for the options (with the confusion layer when ``text`` holds a
    confusable word), or an error message."""
    from writer_app.core.dictionary import load_dictionary
    from writer_app.core.documents import DocumentError
    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.grammar.factory import (
        CheckerOptions,
        add_scoring_model,
        build_checker,
    )

    try:
        words = load_dictionary()
    except DocumentError as exc:  # checked without it rather than not at all
        print(f"writer-app: warning: {exc}; checking without it", file=sys.stderr)
        words = []
    try:
        checker = build_checker(CheckerOptions(
            model=args.model, device=args.device, variant=args.variant,
            spelling=not args.no_spelling, grammar=not args.no_grammar,
            allow_pickle=args.allow_pickle), words)
    except (ModelLoadError, DocumentError, ValueError) as exc:
        return None, str(exc)
    if not args.no_grammar and not args.no_confusions and _has_confusables(text):
        add_scoring_model(checker, args.device,
                          lambda line: print(f"writer-app: note: {line}", file=sys.stderr))
    return checker, None


def _has_confusables(text: str) -> bool:
    from writer_app.core.gec.confusables import find_confusables

    return any(find_confusables(line) for line in text.splitlines())


def _grammar_input(args: argparse.Namespace):
    """(text, checker, None), or (None, None, exit status) after printing the error."""
    from writer_app.core.documents import DocumentError

    problem = option_problem(args)
    if problem:
        return None, None, _error(problem)
    try:
        text = _read_input(args.file, args.max_bytes)
    except DocumentError as exc:
        return None, None, _error(str(exc))
    checker, problem = _load_checker(args, text)
    if checker is None:
        return None, None, _error(problem)
    return text, checker, None


_BATCH_LINES = 256  # lines per call: a long file streams instead of waiting for the end


def _checked_lines(checker, lines: list[str]):
    """(line index, piece start, piece end, edits into the piece) for every piece of every
    line, in order, batched; a long line comes in several pieces (line_pieces)."""
    units = ((index, start, end) for index, line in enumerate(lines)
             for start, end in line_pieces(line))
    while batch := list(itertools.islice(units, _BATCH_LINES)):
        found = checker.check_many([lines[index][start:end] for index, start, end in batch])
        for (index, start, end), edits in zip(batch, found, strict=True):
            yield index, start, end, edits


def _cmd_correct(args: argparse.Namespace) -> int:
    from writer_app.core.gec.edits import apply_edits

    text, checker, status = _grammar_input(args)
    if status is not None:
        return status
    lines = text.removesuffix("\n").split("\n") if text else []
    for index, start, end, edits in _checked_lines(checker, lines):
        last = end == len(lines[index])
        print(apply_edits(lines[index][start:end], edits), end="\n" if last else "",
              flush=last)
    return 0


def _read_as_sent(name: str, limit: int) -> str:
    """The input exactly as it is (byte-order mark and line ends kept): JSON offsets
    refer to it. The same checks as every input; raises DocumentError."""
    from writer_app.core.documents import decode_text, read_file_bytes

    label = "standard input" if name == "-" else f"“{Path(name).name}”"
    if name != "-":
        data = read_file_bytes(name, limit)
    else:
        raw = getattr(sys.stdin, "buffer", None)
        data = raw.read(limit + 1) if raw is not None else sys.stdin.read().encode(
            "utf-8", "surrogatepass")
        if len(data) > limit:
            raise DocumentError(f"standard input is larger than the limit of {limit} bytes.")
    decode_text(data, label)  # refuses binary or undecodable input with its message
    return data.decode("utf-8")


def _cmd_check(args: argparse.Namespace) -> int:
    import json

    from writer_app.core.documents import DocumentError
    from writer_app.core.gec.languagetool import RuleSelection, to_languagetool
    from writer_app.core.gec.source_text import SourceText

    if args.json:
        if option_problem(args):
            return _error(option_problem(args))
        try:
            source = SourceText.from_text(_read_as_sent(args.file, args.max_bytes))
        except DocumentError as exc:
            return _error(str(exc))
        checker, problem = _load_checker(args, source.plain)
        if checker is None:
            return _error(problem)
        text = source.plain
    else:
        text, checker, status = _grammar_input(args)
        if status is not None:
            return status
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    found = []
    for index, start, _end, edits in _checked_lines(checker, lines):
        for edit in edits:
            if args.json:
                found.append(_shifted(edit, starts[index] + start))
            else:
                print(_describe(lines[index], index, _shifted(edit, start)))
    if args.json:
        result = to_languagetool(source, found, checker.variant or "en",
                                 selection=RuleSelection(picky=True))
        print(json.dumps(result, ensure_ascii=False))
    return 0


def _shifted(edit, shift: int):
    from dataclasses import replace

    return replace(edit, start=edit.start + shift, end=edit.end + shift)


def _describe(line: str, index: int, edit) -> str:
    original = line[edit.start : edit.end]
    return (f"{index + 1}:{edit.start + 1}  {edit.category}  "
            f"'{original}' -> '{edit.replacement}'  {edit.message}")


# --- personalization: finetune and perplexity -------------------------------------------------


def _add_personalize_commands(sub) -> None:
    from writer_app.training.personalize import add_arguments

    finetune = sub.add_parser("finetune", help="train a personal adapter on your documents")
    add_arguments(finetune)
    finetune.add_argument("--json-progress", action="store_true",
                          help="print progress as JSON lines on stdout")
    add_input_options(finetune, max_bytes=None)
    finetune.set_defaults(handler=_cmd_finetune)
    perplexity = sub.add_parser("perplexity", help="perplexity of a document under the model")
    perplexity.add_argument("file", help="a .txt, .md, .docx or .odt document")
    perplexity.add_argument("--model", default="default",
                            help="'default', a model folder, or a model id in the local HF cache")
    perplexity.add_argument("--adapter", default="", metavar="DIR",
                            help="a personal adapter folder")
    perplexity.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    perplexity.add_argument("--context", type=int, default=512, metavar="N",
                            help="tokens per window (half of each is carried-over context)")
    add_input_options(perplexity, max_bytes=CHECK_MAX_BYTES)
    perplexity.set_defaults(handler=_cmd_perplexity)
    from writer_app.training import grammar_personalize

    adapt = sub.add_parser("grammar-personalize",
                           help="adapt the grammar checker to your documents")
    grammar_personalize.add_arguments(adapt)
    adapt.add_argument("--json-progress", action="store_true",
                       help="print progress as JSON lines on stdout")
    adapt.set_defaults(handler=_cmd_grammar_personalize)


def _cmd_grammar_personalize(args: argparse.Namespace) -> int:
    from writer_app.training import grammar_personalize as module

    if module.argument_problem(args):
        return _error(module.argument_problem(args))
    from writer_app.jobs.events import ProcessError
    from writer_app.jobs.protocol import print_event

    failed: list[str] = []

    def emit(event) -> None:
        if isinstance(event, ProcessError):
            failed.append(event.message)
        if args.json_progress:
            print_event(event)
        elif isinstance(event, ProcessError):
            _error(event.message)
        else:
            module.text_event(event)

    code = module.personalize(module.config_from_args(args), emit)
    return EXIT_USAGE if failed else code


def _cmd_finetune(args: argparse.Namespace) -> int:
    from writer_app.jobs import events as ev
    from writer_app.jobs.protocol import print_event
    from writer_app.training.personalize import (
        argument_problem,
        config_from_args,
        finetune,
        format_report,
    )

    if argument_problem(args):
        return _error(argument_problem(args))
    seen: dict[type, object] = {}

    def emit(event) -> None:
        seen[type(event)] = event
        if args.json_progress:
            print_event(event)
        elif isinstance(event, ev.ProcessError):
            _error(event.message)
        elif isinstance(event, ev.TrainingStarted | ev.Progress | ev.Evaluated | ev.Saved
                        | ev.ProcessWarning):
            print(_progress_line(event), file=sys.stderr, flush=True)

    code = finetune(config_from_args(args), emit)
    if ev.ProcessError in seen:
        return EXIT_USAGE
    done = seen.get(ev.TrainingDone)
    if ev.TrainingReport in seen:
        print(format_report(seen[ev.TrainingReport]),
              file=sys.stderr if args.json_progress else None)
    elif not args.json_progress and done is not None and done.interrupted:
        print("stopped; run again with --resume to continue", file=sys.stderr)
    return code


def _progress_line(event) -> str:
    from writer_app.jobs import events as ev

    if isinstance(event, ev.Progress):
        return (f"step {event.step}/{event.total_steps}  loss {event.loss:.3f}  "
                f"{event.tokens_per_s or 0:.0f} tokens/s  {event.elapsed_s:.0f} s elapsed, "
                f"about {event.eta_s:.0f} s left")
    if isinstance(event, ev.TrainingStarted):
        return (f"{event.documents} documents, {event.words} words, "
                f"{event.tokens} tokens; {event.total_steps} steps on "
                f"{event.device}, about {event.estimate_s:.0f} s")
    if isinstance(event, ev.Evaluated):
        return f"step {event.step}: validation loss {event.valid_loss:.4f}"
    if isinstance(event, ev.Saved):
        return f"saved the best adapter so far (step {event.step}) to {event.path}"
    return f"{event.kind}: {getattr(event, 'message', '')}"


def _cmd_perplexity(args: argparse.Namespace) -> int:
    from writer_app.core.doc_import import read_document
    from writer_app.core.documents import DocumentError
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.adapters import (
        AdapterError,
        check_compatible,
        merged_model,
        model_fingerprint,
        read_adapter,
    )
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm
    from writer_app.training.lora_steps import text_perplexity

    problem = option_problem(args) or tokens_problem("--context", args.context, 8, MAX_CONTEXT)
    if problem:
        return _error(problem)
    try:
        text = read_document(args.file, args.max_bytes)
    except DocumentError as exc:
        return _error(str(exc))
    try:
        loaded = load_causal_lm(ModelSpec(args.model, args.device, "float32",
                                          allow_pickle=args.allow_pickle),
                                lambda m: print(m, file=sys.stderr))
    except (ModelLoadError, DeviceError) as exc:
        return _error(str(exc))
    model = loaded.model
    problem = tokens_problem("--context", args.context, 8, MAX_CONTEXT, model)
    if problem:
        return _error(problem)
    try:
        if args.adapter:
            check_compatible(read_adapter(args.adapter), model_fingerprint(loaded.info.path),
                             loaded.info.name)
            model = merged_model(model, args.adapter, allow_pickle=args.allow_pickle)
    except AdapterError as exc:
        return _error(str(exc))
    value, tokens = text_perplexity(model, loaded.tokenizer, text, args.context)
    if tokens == 0:
        return _error(f"“{args.file}” has too little text to measure")
    print(f"tokens: {tokens}")
    print(f"perplexity: {value:.4f}")
    return 0
