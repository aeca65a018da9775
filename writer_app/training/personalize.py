"""Personalization: a LoRA adapter for the completion model, trained on the user's documents.

``python -m writer_app.training.personalize --docs PATH [PATH ...] --out DIR [--model M]
[--max-steps N] [--epochs E] [--preset quick|full] [--resume] [--name NAME] [--seed S]
[--device auto|cpu|cuda] [--dry-run]``

The documents (.txt, .md, .docx, .odt; folders recursively) are tokenised, 10% of the text
is held out for validation (``lora_data``), and LoRA (r 16, alpha 32, dropout 0.05 on every
attention and MLP projection) is trained with AdamW on a cosine schedule with warm-up.
On a GPU a step is windows of 512 tokens in micro-batches with gradient accumulation and
bf16/fp16 autocast, at 2e-4; on a CPU a step is 2 windows of 256 tokens, at 1e-3 (short
runs of small steps: see CPU_LR).

The validation loss is measured before training and every few steps; the adapter with the
lowest one is written to DIR through a temporary folder and a rename, so DIR always holds
a complete adapter (or the one that was there before). ``DIR/resume/`` holds the latest
optimizer, scheduler and adapter state, which ``--resume`` continues from.

SIGINT and SIGTERM stop the run within a fraction of a second, even in the middle of a
step or an evaluation (hooks on the decoder blocks check between blocks, forwards and
backwards alike); the step in progress is dropped and the state after the last finished
step is saved for ``--resume``.

Progress is printed as JSON lines on stdout (one object per line, ``writer_app/jobs``):
``start``, ``eval``, ``progress``, ``saving``, ``saved``, ``report``, ``done``, and
``warning`` or ``error``. ``--dry-run`` prints ``start`` (with the time estimate) and
``done`` without training. The run itself is ``lora_trainer.Personalizer``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from writer_app.core.doc_import import MAX_CORPUS_BYTES
from writer_app.core.out_folder import out_problem, sweep_stale
from writer_app.jobs.commands import QUICK_STEPS
from writer_app.jobs.events import ProcessError, TrainingDone, TrainingReport
from writer_app.jobs.protocol import Stopped, print_event
from writer_app.training import distributed
from writer_app.training.lora_checkpoint import RESUME_DIR, has_adapter
from writer_app.training.lora_plan import (
    CPU_LR,
    CPU_WINDOWS,
    GPU_LR,
    Emit,
    FinetuneConfig,
    PersonalizeError,
)
from writer_app.training.lora_trainer import Personalizer, errors_only

# --- perplexity and the report as text -------------------------------------------------------


def format_report(report: TrainingReport) -> str:
    """The `report` event as text, for the command line."""
    before, after = report.ppl_before, report.ppl_after
    lines = [f"documents: {report.documents}, tokens: {report.tokens}, "
             f"time: {report.seconds} s"]
    if before and after:
        change = 100.0 * (after - before) / before
        lines.append(f"validation perplexity: {before:.3f} -> {after:.3f} ({change:+.1f}%)")
    for number, sample in enumerate(report.samples, 1):
        lines += [f"sample {number}: …{sample.prompt[-120:]}",
                  f"  base:  {sample.base!r}", f"  tuned: {sample.tuned!r}"]
    lines.append(f"adapter: {report.adapter}")
    return "\n".join(lines)


# --- entry points ---------------------------------------------------------------------------


def finetune(config: FinetuneConfig, emit: Emit = print_event) -> int:
    """Run a fine-tune with stop signals handled; 0 on success or a clean stop, 1 on error."""
    import warnings

    from writer_app.inference.errors import ModelLoadError, one_line
    from writer_app.training.tagger_training import stop_signals

    warnings.filterwarnings("ignore", category=FutureWarning)  # library deprecation notes
    warnings.filterwarnings("ignore", message=".*fan_in_fan_out.*")  # GPT-2's Conv1D layers
    problem = out_problem(config.out, config.docs)
    if problem:  # refused before anything is loaded or written
        emit(ProcessError(problem))
        return 1
    if distributed.world_from_env().main:
        sweep_stale(Path(config.out).expanduser().parent, Path(config.out).name)
        sweep_stale(Path(config.out).expanduser(), RESUME_DIR)
    else:  # under torchrun only rank 0 reports
        emit = errors_only(emit)
    with stop_signals() as stop:
        try:
            Personalizer(config, emit).run(stop)
        except (PersonalizeError, ModelLoadError) as exc:
            emit(ProcessError(str(exc)))
            return 1
        except Stopped:  # a stop during loading or set-up
            emit(TrainingDone(adapter=str(config.out) if has_adapter(Path(config.out))
                              else None, interrupted=True))
        except Exception as exc:  # noqa: BLE001 - anything else: one line, not a traceback
            import traceback

            traceback.print_exc(file=sys.stderr)
            emit(ProcessError(f"{type(exc).__name__}: {one_line(exc)}"))
            return 1
        finally:
            distributed.stop()
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", nargs="+", required=True, metavar="PATH",
                        help="documents (.txt, .md, .docx, .odt) and folders of them")
    parser.add_argument("--out", required=True, metavar="DIR", help="the adapter folder")
    parser.add_argument("--model", default="default",
                        help="'default', a model folder, or a model id in the local HF cache")
    parser.add_argument("--max-steps", type=int, default=None, metavar="N",
                        help="optimizer steps (default: from the corpus size)")
    parser.add_argument("--epochs", type=float, default=None, metavar="E",
                        help="passes over the text (default: 1-3 from the corpus size)")
    parser.add_argument("--preset", choices=("quick", "full"), default="full",
                        help=f"quick caps the run at {QUICK_STEPS} steps")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in DIR")
    parser.add_argument("--name", default="", help="the adapter's display name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    advanced = parser.add_argument_group("advanced")
    advanced.add_argument("--lr", type=float, default=None,
                          help=f"peak learning rate (default {GPU_LR:g} on a GPU, "
                               f"{CPU_LR:g} on a CPU)")
    advanced.add_argument("--context", type=int, default=None, metavar="N",
                          help="tokens per training window (default 256 on CPU, 512 on GPU)")
    advanced.add_argument("--threads", type=int, default=None, metavar="N",
                          help="CPU threads (default: all available cores, shared out "
                               "among the processes of a torchrun launch)")
    advanced.add_argument("--max-bytes", type=int, default=MAX_CORPUS_BYTES, metavar="N",
                          help=f"read at most N bytes of text from the documents (default "
                               f"{MAX_CORPUS_BYTES >> 20} MB)")
    advanced.add_argument("--windows-per-step", type=int, default=None, metavar="N",
                          help="training windows per optimizer step across all processes "
                               f"(default: {CPU_WINDOWS} per process on a CPU, 8-32 per "
                               "process on a GPU)")


def config_from_args(args: argparse.Namespace) -> FinetuneConfig:
    return FinetuneConfig(
        docs=tuple(args.docs), out=Path(args.out), model=args.model, max_steps=args.max_steps,
        epochs=args.epochs, preset=args.preset, resume=args.resume, name=args.name,
        seed=args.seed, device=args.device, dry_run=getattr(args, "dry_run", False),
        lr=args.lr, context=args.context, threads=args.threads,
        allow_pickle=getattr(args, "allow_pickle", False), max_bytes=args.max_bytes,
        windows_per_step=getattr(args, "windows_per_step", None))


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m writer_app.training.personalize",
                                          description=__doc__.split("\n\n")[0])
    add_arguments(main_parser)
    main_parser.add_argument("--dry-run", action="store_true",
                             help="print the plan and time estimate, then stop")
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    message = argument_problem(args)
    if message:
        print_event(ProcessError(message))
        return 1
    return finetune(config_from_args(args))


def argument_problem(args: argparse.Namespace) -> str:
    """Why the numeric options cannot be used, or ""."""
    checks = ((args.max_steps is not None and args.max_steps < 1, "--max-steps must be >= 1"),
              (args.epochs is not None and args.epochs <= 0, "--epochs must be positive"),
              (args.lr is not None and args.lr <= 0, "--lr must be positive"),
              (args.context is not None and args.context < 8, "--context must be >= 8"),
              (args.threads is not None and args.threads < 1, "--threads must be >= 1"),
              (args.max_bytes < 1, "--max-bytes must be >= 1"),
              (getattr(args, "windows_per_step", None) is not None
               and args.windows_per_step < 1, "--windows-per-step must be >= 1"))
    return next((message for bad, message in checks if bad), "")


if __name__ == "__main__":
    raise SystemExit(main())
