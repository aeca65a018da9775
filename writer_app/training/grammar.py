"""Command line for the grammar tagger's training pipeline.

``python -m writer_app.training.grammar build-data --out DIR [--limit N] [--seed S]
[--source PATH ...] [--no-default-sources] [--workers W] [--copies C]`` gathers clean sentences
(``corpus``), corrupts them and derives tags (``dataset``), and writes ``train.jsonl``,
``valid.jsonl``, ``vocabulary.json`` and ``sources.json`` into DIR. Progress is printed as
JSON lines on stdout (``{"event": "progress", ...}``), then a final ``{"event": "done"}``.

``python -m writer_app.training.grammar train --data DIR --out DIR [--encoder NAME|PATH]
[--max-steps N] [--epochs E] [--batch-size B] [--lr LR] [--encoder-lr LR]
[--freeze-encoder-steps K] [--eval-every N] [--seed S] [--device auto|cpu|cuda]`` trains the
tagger on that dataset (``tagger_training``) and keeps the best checkpoint (by validation
loss) at --out, with a model card. Progress is printed as JSON lines too (``progress``,
``eval``, ``saved``, ``done``); Ctrl+C or SIGTERM stops after the current step.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from writer_app.core.documents import atomic_write_text
from writer_app.jobs.protocol import print_event
from writer_app.training.corpus import CorpusStats, Source, TextFileSource, build_corpus
from writer_app.training.corpus import default_sources as corpus_default_sources
from writer_app.training.dataset import write_dataset


def _sources(args: argparse.Namespace) -> list[Source]:
    sources: list[Source] = [] if args.no_default_sources else corpus_default_sources()
    if args.source:
        sources.append(TextFileSource(args.source))
    return sources


def build_data(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        rates = dict(_rate(item) for item in args.rate)
        given_vocabulary = _model_vocabulary(args.vocabulary_of) if args.vocabulary_of else None
    except (ValueError, OSError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = _sources(args)
    if not sources:
        print("error: no sources (give --source PATH or drop --no-default-sources)",
              file=sys.stderr)
        return 2
    print_event("stage", stage="corpus", sources=[s.name for s in sources])
    corpus_stats = CorpusStats()
    sentences = build_corpus(sources, args.limit, args.seed, corpus_stats)
    corpus_seconds = time.monotonic() - started
    print_event("corpus", sentences=len(sentences), seconds=round(corpus_seconds, 2),
          sources=corpus_stats.to_dict())
    if not sentences:
        print("error: the sources gave no clean sentences", file=sys.stderr)
        return 1

    def progress(done: int, total: int) -> None:
        print_event("progress", stage="dataset", done=done, total=total,
              seconds=round(time.monotonic() - started, 2))

    # Each copy of a sentence gets its own corruption (chunks have their own seeds); all
    # copies land in the same split, which is chosen by the sentence's hash.
    sentences = sentences * args.copies
    vocabulary, stats = write_dataset(sentences, out, seed=args.seed, workers=args.workers,
                                      progress=progress, rates=rates,
                                      vocabulary=given_vocabulary)
    total_seconds = time.monotonic() - started
    report = {
        "seed": args.seed,
        "limit": args.limit,
        "copies": args.copies,
        "rates": rates,
        "vocabulary_of": args.vocabulary_of,
        "sources": corpus_stats.to_dict(),
        "dataset": stats.to_dict(),
        "vocabulary_size": len(vocabulary),
        "seconds": {"corpus": round(corpus_seconds, 2), "total": round(total_seconds, 2)},
    }
    atomic_write_text(out / "sources.json", json.dumps(report, indent=1) + "\n")
    print_event("done", out=str(out), sentences=len(sentences), examples=stats.examples,
          vocabulary_size=len(vocabulary), seconds=round(total_seconds, 2))
    return 0


def train(args: argparse.Namespace) -> int:
    from writer_app.training.tagger_training import TrainConfig, train_tagger

    data = Path(args.data)
    missing = [n for n in ("train.jsonl", "valid.jsonl", "vocabulary.json")
               if not (data / n).exists()]
    if missing:
        print(f"error: {data} lacks {', '.join(missing)} (run build-data first)",
              file=sys.stderr)
        return 2
    config = TrainConfig(
        data=data, out=Path(args.out), encoder=args.encoder, max_steps=args.max_steps,
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, encoder_lr=args.encoder_lr,
        freeze_encoder_steps=args.freeze_encoder_steps, eval_every=args.eval_every,
        log_every=args.log_every, valid_limit=args.valid_limit, seed=args.seed,
        device=args.device, init=Path(args.init) if args.init else None,
        train_layers=args.train_layers, threads=args.threads,
    )
    result = train_tagger(config, print_event)
    return 0 if result.best is not None else 1


def _corrector_factory(model: Path):
    """make(keep_confidence, min_error_probability) -> corrector: the full checker (the
    spelling layer in front of the tagger), loaded once."""
    from writer_app.inference.grammar.checker import GrammarChecker

    checker = GrammarChecker.load(str(model))

    def make(keep: float, min_error: float):
        def correct(texts):
            checker.keep_confidence, checker.min_error_probability = keep, min_error
            return checker.correct(texts)

        return correct

    return make


def tune_command(args: argparse.Namespace) -> int:
    from writer_app.inference.grammar.checkpoint import packaged_encoder_path
    from writer_app.training.tuning import export, tune, tuning_notes, tuning_pairs

    model = Path(args.model)
    sources, references = tuning_pairs(args.pairs, args.seed)
    print_event("pairs", count=len(sources))
    make = _corrector_factory(model)
    chosen, points = tune(make, sources, references, args.min_precision,
                          report=lambda p: print_event("point", **p.__dict__))
    print_event("chosen", **chosen.__dict__)
    if args.export:
        notes = tuning_notes(chosen, points, len(sources), args.seed)
        base = packaged_encoder_path() if args.delta else None
        floors = tuple(_floor(item) for item in args.floor)
        out = export(model, Path(args.export), chosen, notes, base_encoder=base,
                     floors=floors)
        print_event("exported", out=str(out))
    return 0


def _rate(item: str) -> tuple[str, float]:
    """"agreement=3" -> ("agreement", 3.0); the kind must be one the Corruptor knows."""
    from writer_app.training.corruption import ErrorKind

    kind, _, value = item.partition("=")
    kind = kind.strip().replace("_", " ")
    ErrorKind(kind)  # ValueError for an unknown kind
    return kind, float(value)


def _model_vocabulary(folder: str):
    """The tag vocabulary of a saved grammar model (its config.json)."""
    from writer_app.core.gec.tags import TagVocabulary

    config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    return TagVocabulary.from_json(json.dumps(config["vocabulary"]))


def _floor(item: str) -> tuple[str, float]:
    category, _, value = item.partition("=")
    return category.strip(), float(value)


def _add_train_arguments(trainer: argparse.ArgumentParser) -> None:
    from writer_app.inference.grammar.checkpoint import PACKAGED_ENCODER

    trainer.add_argument("--data", required=True, help="a build-data output folder")
    trainer.add_argument("--out", required=True, help="where the best checkpoint goes")
    trainer.add_argument("--encoder", default=PACKAGED_ENCODER,
                         help=f"{PACKAGED_ENCODER} (the pip package) or an encoder folder")
    trainer.add_argument("--max-steps", type=int, default=None)
    trainer.add_argument("--epochs", type=float, default=None,
                         help="default: 1 epoch, or --max-steps when given")
    trainer.add_argument("--batch-size", type=int, default=16)
    trainer.add_argument("--lr", type=float, default=1e-3, help="learning rate of the heads")
    trainer.add_argument("--encoder-lr", type=float, default=5e-5,
                         help="learning rate of the encoder once unfrozen")
    trainer.add_argument("--freeze-encoder-steps", type=int, default=0,
                         help="train only the heads for the first K steps")
    trainer.add_argument("--eval-every", type=int, default=200)
    trainer.add_argument("--log-every", type=int, default=10)
    trainer.add_argument("--valid-limit", type=int, default=2000,
                         help="evaluate on at most N validation examples")
    trainer.add_argument("--seed", type=int, default=0)
    trainer.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    trainer.add_argument("--init", help="continue from this checkpoint (same vocabulary)")
    trainer.add_argument("--train-layers", type=int, default=None,
                         help="once unfrozen, train only the top N encoder layers")
    trainer.add_argument("--threads", type=int, default=None,
                         help="CPU threads (default: all cores)")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m writer_app.training.grammar")
    commands = main.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-data", help="build the training dataset")
    build.add_argument("--out", required=True, help="output folder")
    build.add_argument("--limit", type=int, default=None, help="at most N clean sentences")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--workers", type=int, default=2)
    build.add_argument("--copies", type=int, default=1,
                       help="corrupt each clean sentence this many times, differently")
    build.add_argument("--rate", action="append", default=[], metavar="KIND=W",
                       help="weight of an error kind (confusion, agreement, verb_form...; "
                       "the Corruptor's defaults otherwise; repeatable)")
    build.add_argument("--vocabulary-of", metavar="MODEL",
                       help="use this grammar model's tag vocabulary (to continue training "
                       "it with --init)")
    build.add_argument("--source", action="append", default=[],
                       help="a text/Markdown file or folder of the user's (repeatable)")
    build.add_argument("--no-default-sources", action="store_true",
                       help="skip package metadata and /usr/share/doc")
    build.set_defaults(handler=build_data)
    trainer = commands.add_parser("train", help="train the tagger")
    _add_train_arguments(trainer)
    trainer.set_defaults(handler=train)
    tuner = commands.add_parser("tune", help="choose the inference knobs; export")
    tuner.add_argument("--model", required=True, help="a trained checkpoint folder")
    tuner.add_argument("--pairs", type=int, default=400)
    tuner.add_argument("--seed", type=int, default=1)
    tuner.add_argument("--min-precision", type=float, default=0.7)
    tuner.add_argument("--export", help="write the float16 copy with the knobs here")
    tuner.add_argument("--floor", action="append", default=[], metavar="CATEGORY=P",
                       help="show CATEGORY's edits only at confidence >= P (repeatable)")
    tuner.add_argument("--delta", action="store_true",
                       help="store only the weights that differ from the encoder package")
    tuner.set_defaults(handler=tune_command)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
