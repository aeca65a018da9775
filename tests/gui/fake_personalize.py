"""A stand-in for `python -m writer_app.training.personalize` in GUI tests.

Speaks the same JSON-lines protocol, with short sleeps instead of training. Its
own options pick a behaviour: --fake-mode ok | crash | ignore-term | no-evaluation, --step-delay S,
--steps N. SIGTERM stops it at the next step with the checkpoint kept, like the real
process; --resume continues from that checkpoint. One progress line is written in
two pieces so the reader's buffering of partial lines is exercised.

With --json-progress it stands in for `python -m writer_app.training.grammar_personalize`
instead: start, stage, measure, progress, eval, report and done, and a model folder
written at --out (nothing on SIGTERM or in crash mode).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

stop = False


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


def on_term(_signum, _frame) -> None:
    global stop
    stop = True


def save_checkpoint(out: Path, step: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "checkpoint.json").write_text(json.dumps({"step": step}), encoding="utf-8")
    emit(event="saved", step=step, path=str(out))


def write_adapter(out: Path, args, steps: int) -> None:
    meta = {"name": args.name, "created": "2026-11-28T19:40:00", "base_model": args.model,
            "metrics": {"ppl_before": 42.0, "ppl_after": 30.5, "valid_loss": 3.42},
            "documents": len(args.docs), "tokens": 1234, "seconds": 1.5, "steps": steps}
    (out / "writer_app_adapter.json").write_text(json.dumps(meta), encoding="utf-8")
    (out / "adapter_config.json").write_text(json.dumps({"r": 16}), encoding="utf-8")
    (out / "adapter_model.safetensors").write_bytes(b"fake weights")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fake-mode", default="ok")
    parser.add_argument("--step-delay", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--docs", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--model", default="default")
    parser.add_argument("--name", default="adapter")
    parser.add_argument("--preset", default="full")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--json-progress", action="store_true")  # the grammar adaptation
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args()
    if args.json_progress:
        return grammar_main(args)
    out = Path(args.out)
    if args.fake_mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, on_term)
    total = min(args.steps, 40) if args.preset == "quick" else args.steps
    first = 1
    if args.resume:
        first = json.loads((out / "checkpoint.json").read_text())["step"] + 1
        print(f"resuming from step {first - 1}", file=sys.stderr, flush=True)
    emit(event="start", documents=len(args.docs), skipped=[], words=2500, tokens=3300,
         train_chunks=12, valid_chunks=2, total_steps=total, device="cpu",
         estimate_s=total * max(args.step_delay, 0.01))
    print("Loading checkpoint shards: 100%", flush=True)  # a library talking on stdout
    emit(event="warning", message="Only 2,500 words: personalization will be weak.")
    emit(event="progress", step="not a number")  # malformed: must be shrugged off
    if not args.resume:
        emit(event="eval", step=0, valid_loss=4.0)
    began = time.monotonic()
    for step in range(first, total + 1):
        if stop:
            emit(event="done", adapter=None, interrupted=True)
            return 0
        time.sleep(args.step_delay)
        if args.fake_mode == "crash" and step == 4:
            for number in range(30):
                print(f"log line {number}", file=sys.stderr)
            print("RuntimeError: the fake trainer fell over", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        elapsed = time.monotonic() - began
        line = json.dumps({"event": "progress", "step": step, "total_steps": total,
                           "loss": 1.0 + 3.0 * math.exp(-step / 8), "tokens_per_s": 850.0,
                           "elapsed_s": elapsed, "eta_s": (total - step) * args.step_delay})
        if step == 2:  # a line that arrives in two pieces
            sys.stdout.write(line[:15])
            sys.stdout.flush()
            time.sleep(0.05)
            line = line[15:]
        print(line, flush=True)
        if step % 5 == 0:
            emit(event="eval", step=step, valid_loss=1.2 + 2.8 * math.exp(-step / 8))
            save_checkpoint(out, step)
    save_checkpoint(out, total)
    emit(event="report", ppl_before=42.0, ppl_after=30.5, documents=len(args.docs),
         tokens=3300, seconds=time.monotonic() - began, best_step=total, adapter=str(out),
         samples=[{"prompt": f"Held-out passage number {i} ends here",
                   "base": f"base continuation {i}", "tuned": f"personal continuation {i}"}
                  for i in range(1, 4)],
         evaluation=None if args.fake_mode == "no-evaluation" else {
             "base": {"keystroke_savings": 0.11, "next_word_top1": 0.30,
                      "next_word_top3": 0.48, "bleu": 9.8, "rouge_l": 0.21,
                      "perplexity": 42.0, "positions": 24, "words": 900,
                      "setting": "balanced", "curve": []},
             "tuned": {"keystroke_savings": 0.14, "next_word_top1": 0.34,
                       "next_word_top3": 0.52, "bleu": 12.3, "rouge_l": 0.25,
                       "perplexity": 30.5, "positions": 24, "words": 900,
                       "setting": "balanced", "curve": []}})
    write_adapter(out, args, total)
    emit(event="done", adapter=str(out), interrupted=False)
    return 0


def grammar_main(args) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN if args.fake_mode == "ignore-term"
                  else on_term)
    total = args.max_steps or args.steps
    out = Path(args.out)
    emit(event="start", documents=len(args.docs), skipped=[], sentences=120,
         train_sentences=96, held_out=24, train_examples=200, total_steps=total,
         base_model="default")
    before = {"clean_sentences": 24, "false_alarms": 6, "false_alarm_rate": 0.25,
              "corrupted_sentences": 22, "detected": 14, "recall": 0.6364, "corrected": 9,
              "correction_rate": 0.4091}
    after = {**before, "false_alarms": 2, "false_alarm_rate": 0.0833, "detected": 13,
             "recall": 0.5909}
    emit(event="stage", stage="measure", when="before")
    emit(event="measure", when="before", **before)
    emit(event="stage", stage="train")
    for step in range(1, total + 1):
        if stop:
            emit(event="done", model=None, interrupted=True)
            return 0
        time.sleep(args.step_delay)
        if args.fake_mode == "crash" and step == 3:
            print("RuntimeError: the fake grammar trainer fell over", file=sys.stderr,
                  flush=True)
            emit(event="error", message="RuntimeError: the fake grammar trainer fell over")
            return 1
        emit(event="progress", step=step, total_steps=total, loss=0.5 / step,
             elapsed_s=step * args.step_delay, eta_s=(total - step) * args.step_delay)
    emit(event="eval", step=total, valid_loss=0.2)
    emit(event="stage", stage="export")
    out.mkdir(parents=True)
    (out / "config.json").write_text(json.dumps({"format": "writer_app.grammar_tagger"}),
                                     encoding="utf-8")
    emit(event="stage", stage="measure", when="after")
    emit(event="measure", when="after", **after)
    emit(event="report", model=str(out), base_model="default", documents=len(args.docs),
         train_sentences=96, held_out_sentences=24, train_examples=200, steps=total,
         best={"step": total, "valid_loss": 0.2}, before=before, after=after, seconds=1.0,
         measured="grammar layer (spelling off), held-out sentences")
    emit(event="done", model=str(out), interrupted=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
