"""``writer-app serve``: LanguageTool's /v2 and OpenAI's /v1 API for other apps."""

from __future__ import annotations

import argparse
import logging
import sys

from writer_app.server.config import DEFAULT_HOST, DEFAULT_PORT, ServeConfig, is_loopback


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve grammar checking (LanguageTool API) and completion (OpenAI API) "
        "to other apps")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--token", default="",
                        help="required from callers (Bearer header or LanguageTool's apiKey); "
                        "needed for a non-loopback --host")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="a web origin allowed to call (browser extensions always are)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="a Host header name accepted besides localhost and --host")
    parser.add_argument("--max-check-chars", type=int, default=100_000, metavar="N")
    parser.add_argument("--model", default="default", help="the completion model")
    parser.add_argument("--adapter", default="", metavar="DIR", help="a personal adapter")
    parser.add_argument("--grammar-model", default="default", help="the grammar model")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--variant", default="auto", choices=("auto", "en-US", "en-GB", "en"),
                        help="the variant for language 'auto' without a preferred variant: "
                        "auto (from the system locale), en-US, en-GB or en (both spellings "
                        "accepted); a request's en-US, en-GB or en is honoured as asked")
    parser.add_argument("--no-completion", action="store_true", help="serve checks only")
    parser.add_argument("--no-grammar", action="store_true", help="no grammar model")
    parser.add_argument("--no-spelling", action="store_true", help="no spelling layer")
    parser.add_argument("--no-confusions", action="store_true",
                        help="skip judging confusable words (their/there, its/it's...) with "
                        "the completion model")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load models whose weights are pickle files only (pickle can "
                        "run code: only for models you trust)")
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    config = ServeConfig(host=args.host, port=args.port, token=args.token,
                         allowed_origins=tuple(args.allow_origin),
                         allowed_hosts=tuple(args.allow_host),
                         max_check_chars=args.max_check_chars)
    problem = config.problem()
    if problem is None and args.max_check_chars < 1:
        problem = "--max-check-chars must be at least 1"
    if problem is None and args.no_completion and args.no_grammar and args.no_spelling:
        problem = "nothing to serve: completion, grammar and spelling are all off"
    if problem:
        return _error(problem)
    from writer_app.server.runner import ServerThread

    try:
        server = ServerThread(None, config.host, config.port)
    except OSError as exc:
        return _error(f"cannot listen on {config.host}:{config.port}: "
                      f"{exc.strerror or exc}")
    host = _start_host(args)
    if isinstance(host, int):
        server.socket.close()
        return host
    from writer_app.core.variant import resolve_variant

    return _serve(server, host, config, resolve_variant(args.variant))


def _start_host(args: argparse.Namespace):
    """The engine host, with the engines loaded in its own thread (the thread that runs
    them: see server/host.py); an exit status after saying why not."""
    from writer_app.core.documents import DocumentError
    from writer_app.inference.adapters import AdapterError
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.errors import ModelLoadError
    from writer_app.server.host import ThreadEngineHost

    try:
        return ThreadEngineHost.loading(lambda: _load(args))
    except (ModelLoadError, DeviceError, AdapterError, DocumentError, ValueError) as exc:
        return _error(str(exc))


def _load(args: argparse.Namespace):
    """The engines ``args`` ask for; raises with a one-line message."""
    from writer_app.core.variant import resolve_variant
    from writer_app.server.standalone import load_engines, warm_up

    engines = load_engines(
        grammar=not args.no_grammar, spelling=not args.no_spelling,
        grammar_model=args.grammar_model, completion=not args.no_completion,
        model=args.model, device=args.device, dtype=args.dtype, adapter=args.adapter,
        variant=resolve_variant(args.variant), progress=lambda m: print(m, file=sys.stderr),
        allow_pickle=args.allow_pickle, confusions=not args.no_confusions)
    warm_up(engines, resolve_variant(args.variant))
    return engines


def _serve(server, host, config: ServeConfig, variant: str) -> int:
    from writer_app.server.app import create_app
    from writer_app.server.services import CheckService, GenerateService, Services

    engines = host.source
    services = Services(
        checks=CheckService(host) if engines.checker(variant) is not None else None,
        generation=GenerateService(host, lambda: engines.model_id)
        if engines.model_id else None,
        default_variant=variant)
    server.use(create_app(services, config))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    if not is_loopback(config.host):
        print(f"writer-app: warning: listening on {config.host}, beyond this computer; "
              "callers need the token", file=sys.stderr)
    offered = [f"the {name} API at {server.url}/{path}" for name, path, on in (
        ("LanguageTool", "v2", services.checks), ("OpenAI", "v1", services.generation)) if on]
    print(f"writer-app: serving {' and '.join(offered)} (Ctrl+C stops)", file=sys.stderr,
          flush=True)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn stops, then passes Ctrl+C on
        print("writer-app: stopped", file=sys.stderr)
    finally:
        host.close()
    return 0
