"""Command line for the grammar tagger's training pipeline.

``python -m writer_app.training.grammar build-data --out DIR [--limit N] [--seed S]
[--source PATH ...] [--no-default-sources] [--workers W]`` gathers clean sentences
(``corpus``), corrupts them and derives tags (``dataset``), and writes ``train.jsonl``,
``valid.jsonl``, ``vocabulary.json`` and ``sources.json`` into DIR. Progress is printed as
JSON lines on stdout (``{"event": "progress", ...}``), then a final ``{"event": "done"}``.

``train`` is not implemented yet: it says so and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from writer_app.core.documents import atomic_write_text
from writer_app.training.corpus import CorpusStats, Source, TextFileSource, build_corpus
from writer_app.training.corpus import default_sources as corpus_default_sources
from writer_app.training.dataset import write_dataset


def _emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def _sources(args: argparse.Namespace) -> list[Source]:
    sources: list[Source] = [] if args.no_default_sources else corpus_default_sources()
    if args.source:
        sources.append(TextFileSource(args.source))
    return sources


def build_data(args: argparse.Namespace) -> int:
    started = time.monotonic()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = _sources(args)
    if not sources:
        print("error: no sources (give --source PATH or drop --no-default-sources)",
              file=sys.stderr)
        return 2
    _emit("stage", stage="corpus", sources=[s.name for s in sources])
    corpus_stats = CorpusStats()
    sentences = build_corpus(sources, args.limit, args.seed, corpus_stats)
    corpus_seconds = time.monotonic() - started
    _emit("corpus", sentences=len(sentences), seconds=round(corpus_seconds, 2),
          sources=corpus_stats.to_dict())
    if not sentences:
        print("error: the sources gave no clean sentences", file=sys.stderr)
        return 1

    def progress(done: int, total: int) -> None:
        _emit("progress", stage="dataset", done=done, total=total,
              seconds=round(time.monotonic() - started, 2))

    vocabulary, stats = write_dataset(sentences, out, seed=args.seed, workers=args.workers,
                                      progress=progress)
    total_seconds = time.monotonic() - started
    report = {
        "seed": args.seed,
        "limit": args.limit,
        "sources": corpus_stats.to_dict(),
        "dataset": stats.to_dict(),
        "vocabulary_size": len(vocabulary),
        "seconds": {"corpus": round(corpus_seconds, 2), "total": round(total_seconds, 2)},
    }
    atomic_write_text(out / "sources.json", json.dumps(report, indent=1) + "\n")
    _emit("done", out=str(out), sentences=len(sentences), examples=stats.examples,
          vocabulary_size=len(vocabulary), seconds=round(total_seconds, 2))
    return 0


def train(args: argparse.Namespace) -> int:
    print("writer_app.training.grammar: training is not implemented yet; "
          "run build-data to prepare the dataset.", file=sys.stderr)
    return 2


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m writer_app.training.grammar")
    commands = main.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-data", help="build the training dataset")
    build.add_argument("--out", required=True, help="output folder")
    build.add_argument("--limit", type=int, default=None, help="at most N clean sentences")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--workers", type=int, default=2)
    build.add_argument("--source", action="append", default=[],
                       help="a text/Markdown file or folder of the user's (repeatable)")
    build.add_argument("--no-default-sources", action="store_true",
                       help="skip package metadata and /usr/share/doc")
    build.set_defaults(handler=build_data)
    trainer = commands.add_parser("train", help="train the tagger (not implemented yet)")
    trainer.add_argument("rest", nargs=argparse.REMAINDER)
    trainer.set_defaults(handler=train)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
