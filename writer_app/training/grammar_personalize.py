"""Adapting the grammar tagger to the writer's own sentences.

``python -m writer_app.training.grammar_personalize --docs PATH [PATH ...] --out DIR
[--model M] [--max-steps N] [--batch-size B] [--train-layers K] [--seed S] [--threads N]
[--json-progress]``

The documents' sentences are split into training and held-out sets (by document when
there are three or more, else by position: the last fifth of each document). Synthetic
errors from the project's corruption generator are injected into the training sentences;
each training sentence is also kept unchanged (all ``$KEEP``), so the tagger learns the
writer's names, vocabulary and style as correct while it keeps learning to fix errors.
The shipped default model (or ``--model``) is fine-tuned with the tagger's own training
loop (``tagger_training``): heads plus the top ``--train-layers`` encoder blocks, so a
step takes under a second on two CPU cores.

Before and after, on the held-out sentences, the grammar layer (the part that is
adapted; the spelling layer does not change) is measured: the **false-alarm rate** (share
of clean sentences where it proposes any edit) and the recall on corrupted copies (share
where it proposes an edit, and share it corrects exactly).

The model is written in the shipped layout (float16 heads, the encoder stored as the
weights that differ from the encoder package) with ``personalization.json`` (the report),
into a temporary folder beside DIR that is swapped into place with one atomic rename at
the end: a crash, kill or cancel never leaves a half-written DIR. DIR must be missing,
empty, or an earlier output of this app (it holds the marker file); anything else is
refused before any work starts.

Progress is printed as JSON lines with ``--json-progress`` (``start``, ``stage``,
``measure``, ``progress``, ``eval``, ``report``, ``done``, ``error``), else as text.
SIGINT and SIGTERM stop the run (training stops after the current step); nothing is
written then.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from writer_app.core.doc_import import MAX_CORPUS_BYTES, read_documents
from writer_app.core.documents import atomic_write_text
from writer_app.core.gec.edits import apply_edits
from writer_app.core.gec.tokens import split_sentences, words
from writer_app.core.out_folder import out_problem, swap_in, sweep_stale, temp_folder, write_marker
from writer_app.jobs.events import (
    Evaluated,
    Event,
    GrammarDone,
    GrammarReport,
    GrammarStarted,
    Measured,
    Measurement,
    ProcessError,
    Progress,
    SkippedFile,
    Stage,
)
from writer_app.jobs.protocol import Stopped, as_dict, print_event

DEFAULT_STEPS = 150
MIN_WORDS, MAX_WORDS = 4, 50  # sentences the tagger sees whole (128 subword tokens)
HELD_OUT_SHARE = 0.2
HELD_OUT_LIMIT = 150  # held-out sentences measured (each is checked four times)
MIN_TRAIN, MIN_HELD_OUT = 8, 4
REPORT_FILE = "personalization.json"
_ENDS_SENTENCE = (".", "!", "?", "…", ".\"", "!\"", "?\"", ".”", "!”", "?”", ".)", ".'")

Emit = Callable[[Event], None]


class GrammarPersonalizeError(Exception):
    """A problem the user can act on (too few sentences, a model that cannot be adapted)."""


@dataclass(frozen=True)
class GrammarPersonalizeConfig:
    docs: tuple[str, ...]
    out: Path
    model: str = "default"
    max_steps: int = DEFAULT_STEPS
    batch_size: int = 8
    train_layers: int = 2
    lr: float = 2e-4  # the heads (already trained: a gentle rate)
    encoder_lr: float = 3e-5
    seed: int = 0
    threads: int | None = None
    held_out_limit: int = HELD_OUT_LIMIT
    max_bytes: int = MAX_CORPUS_BYTES  # text read from the documents at most


# --- sentences ------------------------------------------------------------------------------


def user_sentences(text: str) -> list[str]:
    """The prose sentences of `text` the tagger can learn from: 4-50 words, ending like a
    sentence, with lower-case letters (not headings, lists of names or shouting)."""
    found = []
    for sentence in split_sentences(text):
        line = " ".join(sentence.text.split())
        count = len(words(line))
        if (MIN_WORDS <= count <= MAX_WORDS and line.endswith(_ENDS_SENTENCE)
                and any(ch.islower() for ch in line) and not line.startswith(("#", "|"))):
            found.append(line)
    return found


def split_held_out(documents: Sequence[Sequence[str]], share: float = HELD_OUT_SHARE
                   ) -> tuple[list[str], list[str]]:
    """(train, held-out) sentences: whole documents from the end when there are three or
    more, else the last `share` of each document's sentences. Duplicates of a held-out
    sentence are dropped from training."""
    documents = [list(d) for d in documents if d]
    total = sum(len(d) for d in documents)
    held: list[str] = []
    train: list[str] = []
    if len(documents) >= 3:
        kept = list(documents)
        while kept and len(kept) > 1 and len(held) < share * total:
            held = kept.pop() + held
        train = [s for d in kept for s in d]
    else:
        for document in documents:
            cut = len(document) - max(1, round(len(document) * share))
            train += document[:cut]
            held += document[cut:]
    held = list(dict.fromkeys(held))
    held_set = set(held)
    return list(dict.fromkeys(s for s in train if s not in held_set)), held


def training_examples(sentences: Sequence[str], seed: int):
    """Each sentence unchanged (all $KEEP) and once corrupted, as tagger examples."""
    from writer_app.training.corruption import Corruptor
    from writer_app.training.dataset import Example, examples_for

    corruptor = Corruptor(seed, unchanged_share=0.0)
    examples = []
    for sentence in sentences:
        tokens = tuple(words(sentence))
        examples.append(Example(tokens, ("$KEEP",) * (len(tokens) + 1), ()))
        examples.extend(examples_for(sentence, corruptor).examples)
    return examples


def corrupted_pairs(sentences: Sequence[str], seed: int) -> list[tuple[str, str]]:
    """(corrupted, clean) for every sentence the generator could corrupt."""
    from writer_app.training.corruption import Corruptor

    corruptor = Corruptor(seed, unchanged_share=0.0)
    pairs = [(corruptor.corrupt(s)[0], s) for s in sentences]
    return [(bad, good) for bad, good in pairs if bad != good]


def measure(checker, clean: Sequence[str], pairs: Sequence[tuple[str, str]]) -> Measurement:
    """False alarms on clean sentences, recall on corrupted ones (any edit / exact fix)."""
    alarms = sum(bool(edits) for edits in checker.check_many(list(clean)))
    corrupted = [bad for bad, _good in pairs]
    found = checker.check_many(corrupted)
    detected = sum(bool(edits) for edits in found)
    fixed = sum(apply_edits(bad, edits) == good
                for (bad, good), edits in zip(pairs, found, strict=True))
    return Measurement(clean_sentences=len(clean), false_alarms=alarms,
                       false_alarm_rate=_share(alarms, len(clean)),
                       corrupted_sentences=len(pairs), detected=detected,
                       recall=_share(detected, len(pairs)), corrected=fixed,
                       correction_rate=_share(fixed, len(pairs)))


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- the run --------------------------------------------------------------------------------


@contextlib.contextmanager
def _stops_raise() -> Iterator[None]:
    """SIGINT/SIGTERM raise Stopped (the training loop installs its own gentler handler
    while it runs, then this one is back)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_number, _frame) -> None:
        raise Stopped

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


class GrammarPersonalizer:
    def __init__(self, config: GrammarPersonalizeConfig, emit: Emit) -> None:
        self.config = config
        self.emit = emit
        self.started = time.monotonic()

    def base_folder(self) -> Path:
        from writer_app.inference.grammar.checker import DEFAULT_MODEL_NAMES, default_model_path

        model = self.config.model
        folder = default_model_path() if model in DEFAULT_MODEL_NAMES else Path(model)
        config = folder / "config.json"
        try:
            is_ours = json.loads(config.read_text(encoding="utf-8")).get("format") \
                == "writer_app.grammar_tagger"
        except (OSError, ValueError):
            raise GrammarPersonalizeError(f"No grammar model at {folder}.") from None
        if not is_ours:
            raise GrammarPersonalizeError(f"{folder} is not a writer_app grammar model; only "
                                          "those can be adapted.")
        return folder

    def sentences(self) -> tuple[list[str], list[str], int, tuple[SkippedFile, ...]]:
        result = read_documents(self.config.docs, self.config.max_bytes)
        if not result.documents:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in result.skipped[:3])
            raise GrammarPersonalizeError("No readable documents were found"
                                          + (f" ({reasons})" if reasons else "") + ".")
        documents = [user_sentences(d.text) for d in result.documents]
        train, held = split_held_out(documents)
        rng = random.Random(self.config.seed)
        if len(held) > self.config.held_out_limit:
            held = sorted(rng.sample(held, self.config.held_out_limit), key=held.index)
        if len(train) < MIN_TRAIN or len(held) < MIN_HELD_OUT:
            raise GrammarPersonalizeError(
                f"Too few sentences to learn from ({len(train) + len(held)} found in "
                f"{len(result.documents)} document(s)); add more of your writing.")
        skipped = tuple(SkippedFile(s.path, s.reason) for s in result.skipped)
        return train, held, len(result.documents), skipped

    def run(self, work: Path) -> GrammarReport | None:
        """Adapt, measure and swap the model into place; None when stopped."""
        config = self.config
        base = self.base_folder()
        train, held, documents, skipped = self.sentences()
        pairs = corrupted_pairs(held, config.seed + 1)
        examples = training_examples(train, config.seed)
        self.emit(GrammarStarted(
            documents=documents, skipped=skipped, sentences=len(train) + len(held),
            train_sentences=len(train), held_out=len(held), train_examples=len(examples),
            total_steps=config.max_steps, base_model=str(base)))
        self.emit(Stage("measure", when="before"))
        before = self.measure(base, held, pairs)
        self.emit(Measured(**dataclasses.asdict(before), when="before"))
        data = self.write_data(work / "data", base, examples, held, pairs)
        self.emit(Stage("train"))
        trained = self.train(data, base, work / "checkpoint")
        if trained is None:
            return None
        self.emit(Stage("export"))
        model = self.export(base, work / "checkpoint", work / "model")
        self.emit(Stage("measure", when="after"))
        after = self.measure(model, held, pairs)
        self.emit(Measured(**dataclasses.asdict(after), when="after"))
        report = GrammarReport(
            model=str(Path(config.out).expanduser()), base_model=str(base), documents=documents,
            train_sentences=len(train), held_out_sentences=len(held),
            train_examples=len(examples), steps=trained["steps"], best=trained["best"],
            before=before, after=after, seconds=round(time.monotonic() - self.started, 1),
            measured="grammar layer (spelling off), held-out sentences")
        saved = {k: v for k, v in as_dict(report).items() if k not in ("event", "model")}
        atomic_write_text(model / REPORT_FILE, json.dumps(saved, indent=1) + "\n")
        (model / REPORT_FILE).chmod(0o644)  # readable like the rest of the model
        write_marker(model, "grammar-model")
        config.out.parent.mkdir(parents=True, exist_ok=True)
        swap_in(model, config.out)
        return report

    def measure(self, folder: Path, held: list[str], pairs: list[tuple[str, str]]
                ) -> Measurement:
        from writer_app.inference.grammar.checker import GrammarChecker

        checker = GrammarChecker.load(str(folder), spelling=False)
        return measure(checker, held, pairs)

    def write_data(self, data: Path, base: Path, examples, held: list[str],
                   pairs: list[tuple[str, str]]) -> Path:
        """train.jsonl, valid.jsonl (held-out: clean and corrupted) and the base model's
        tag vocabulary, as the tagger's training loop reads them."""
        data.mkdir(parents=True)
        vocabulary = json.loads((base / "config.json").read_text(encoding="utf-8"))["vocabulary"]
        atomic_write_text(data / "vocabulary.json", json.dumps(vocabulary))
        atomic_write_text(data / "train.jsonl", "".join(e.to_json() + "\n" for e in examples))
        from writer_app.training.dataset import Example, examples_for

        valid = []
        for sentence in held:
            tokens = tuple(words(sentence))
            valid.append(Example(tokens, ("$KEEP",) * (len(tokens) + 1), ()))
        for bad, good in pairs:
            valid.extend(examples_for(good, _Fixed(bad)).examples)
        atomic_write_text(data / "valid.jsonl", "".join(e.to_json() + "\n" for e in valid))
        return data

    def train(self, data: Path, base: Path, out: Path) -> dict | None:
        from writer_app.training.tagger_training import TrainConfig, train_tagger

        config = self.config
        train_config = TrainConfig(
            data=data, out=out, max_steps=config.max_steps, batch_size=config.batch_size,
            lr=config.lr, encoder_lr=config.encoder_lr, freeze_encoder_steps=0,
            eval_every=max(1, config.max_steps // 3), log_every=1, valid_limit=None,
            seed=config.seed, device="cpu", threads=config.threads, init=base,
            train_layers=config.train_layers)
        result = train_tagger(train_config, self._training_event)
        if result.interrupted or result.best is None:
            return None
        return {"steps": result.steps, "best": result.best}

    def _training_event(self, event: str, **fields) -> None:
        """The training loop's events, as this run reports them."""
        if event == "progress":
            step = int(fields["step"])
            elapsed = float(fields.get("elapsed_s", 0.0))
            total = self.config.max_steps
            self.emit(Progress(step=step, total_steps=total, loss=fields["loss"],
                               elapsed_s=elapsed,
                               eta_s=round(elapsed / step * (total - step), 1)))
        elif event == "eval":
            self.emit(Evaluated(step=fields["step"], valid_loss=fields["valid_loss"]))

    def export(self, base: Path, checkpoint: Path, out: Path) -> Path:
        """The trained checkpoint in the shipped layout, with the base model's knobs."""
        from writer_app.inference.grammar.checkpoint import (
            PACKAGED_ENCODER,
            load_tagger,
            packaged_encoder_path,
        )
        from writer_app.training.tuning import TuningPoint, export

        settings = load_tagger(base).settings
        knobs = TuningPoint(settings.keep_confidence, settings.min_error_probability,
                            0.0, 0.0, 0.0)
        packaged = json.loads((base / "config.json").read_text(encoding="utf-8")) \
            .get("encoder") == PACKAGED_ENCODER
        notes = (f"\n## Personalization\nAdapted from `{base}` on the writer's documents by "
                 "`python -m writer_app.training.grammar_personalize`; the measurements are "
                 f"in {REPORT_FILE}.\n")
        return export(checkpoint, out, knobs, notes,
                      base_encoder=packaged_encoder_path() if packaged else None,
                      floors=settings.category_min_confidence)


class _Fixed:
    """A corruptor that returns one given corruption (to tag a held-out pair)."""

    def __init__(self, corrupted: str) -> None:
        self.corrupted = corrupted

    def corrupt(self, _sentence: str) -> tuple[str, tuple[str, ...]]:
        return self.corrupted, ("held-out",)


def personalize(config: GrammarPersonalizeConfig, emit: Emit) -> int:
    """Run it; 0 on success or a clean stop, 1 on an error (reported as an `error` event)."""
    from writer_app.inference.errors import ModelLoadError, one_line

    out = Path(config.out).expanduser()
    problem = out_problem(out, config.docs)
    if problem:  # refused before anything is read or written
        emit(ProcessError(problem))
        return 1
    sweep_stale(out.parent, out.name)  # work folders of killed runs hold the writer's text
    try:
        with _stops_raise(), temp_folder(out, "work") as work:
            report = GrammarPersonalizer(config, emit).run(work)
        if report is None:
            emit(GrammarDone(model=None, interrupted=True))
            return 0
        emit(report)
        emit(GrammarDone(model=str(out), interrupted=False))
        return 0
    except Stopped:
        emit(GrammarDone(model=None, interrupted=True))
        return 0
    except (GrammarPersonalizeError, ModelLoadError) as exc:
        emit(ProcessError(str(exc)))
        return 1
    except Exception as exc:  # noqa: BLE001 - anything else: one line, not a traceback
        import traceback

        traceback.print_exc(file=sys.stderr)
        emit(ProcessError(f"{type(exc).__name__}: {one_line(exc)}"))
        return 1


# --- output ---------------------------------------------------------------------------------


def text_event(event: Event) -> None:
    """The events as short lines for a person at a terminal."""
    if isinstance(event, Progress):
        print(f"step {event.step}/{event.total_steps}  loss {event.loss:.4f}", flush=True)
    elif isinstance(event, Measured):
        print(f"{event.when}: false alarms {event.false_alarm_rate:.1%} of "
              f"{event.clean_sentences} clean sentences; recall {event.recall:.1%}, "
              f"exact corrections {event.correction_rate:.1%} of "
              f"{event.corrupted_sentences} corrupted", flush=True)
    elif isinstance(event, GrammarStarted):
        print(f"{event.documents} document(s): {event.train_sentences} sentences to "
              f"learn from, {event.held_out} held out", flush=True)
    elif isinstance(event, GrammarDone):
        print(f"model: {event.model}" if event.model else "stopped: nothing written",
              flush=True)
    elif isinstance(event, ProcessError):
        print(f"error: {event.message}", file=sys.stderr, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", nargs="+", required=True, metavar="PATH",
                        help="documents (.txt, .md, .docx, .odt) and folders of them")
    parser.add_argument("--out", required=True, metavar="DIR", help="the new model folder")
    parser.add_argument("--model", default="default",
                        help="the grammar model to adapt: 'default' or a model folder")
    parser.add_argument("--max-steps", type=int, default=DEFAULT_STEPS, metavar="N")
    parser.add_argument("--batch-size", type=int, default=8, metavar="B")
    parser.add_argument("--train-layers", type=int, default=2, metavar="K",
                        help="encoder blocks trained, from the top (the heads always are)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="CPU threads (default: all available cores)")
    parser.add_argument("--max-bytes", type=int, default=MAX_CORPUS_BYTES, metavar="N",
                        help=f"read at most N bytes of text from the documents (default "
                             f"{MAX_CORPUS_BYTES >> 20} MB)")


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python -m writer_app.training.grammar_personalize",
        description="Adapt the grammar checker to your own documents.")
    add_arguments(main_parser)
    main_parser.add_argument("--json-progress", action="store_true",
                             help="print progress as JSON lines")
    return main_parser


def config_from_args(args: argparse.Namespace) -> GrammarPersonalizeConfig:
    return GrammarPersonalizeConfig(
        docs=tuple(args.docs), out=Path(args.out), model=args.model, max_steps=args.max_steps,
        batch_size=args.batch_size, train_layers=args.train_layers, seed=args.seed,
        threads=args.threads, max_bytes=args.max_bytes)


def argument_problem(args: argparse.Namespace) -> str:
    checks = ((args.max_steps < 1, "--max-steps must be >= 1"),
              (args.batch_size < 1, "--batch-size must be >= 1"),
              (args.train_layers < 0, "--train-layers must be >= 0"),
              (args.threads is not None and args.threads < 1, "--threads must be >= 1"),
              (args.max_bytes < 1, "--max-bytes must be >= 1"))
    return next((message for bad, message in checks if bad), "")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    emit = print_event if args.json_progress else text_event
    problem = argument_problem(args)
    if problem:
        emit(ProcessError(problem))
        return 1
    return personalize(config_from_args(args), emit)


if __name__ == "__main__":
    raise SystemExit(main())
