"""Personalization end to end on a tiny random Llama: train, stop, resume, crash."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.tiny_models import make_tiny_llama
from writer_app.inference import adapters
from writer_app.jobs.protocol import decode

ROOT = Path(__file__).resolve().parents[2]
# Small windows, one thread and a high learning rate keep each run to seconds.
FAST = ["--context", "32", "--threads", "1", "--lr", "0.02"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    for n in range(4):
        lines = [f"Keeper {n} logged day {d}: grey sea, loud gulls, lamp lit at dusk."
                 for d in range(25)]
        (folder / f"log{n}.txt").write_text("\n".join(lines), encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"not a zip")
    return folder


def _command(model_dir, docs, out, *extra):
    return [sys.executable, "-m", "writer_app.training.personalize", "--docs", str(docs),
            "--out", str(out), "--model", str(model_dir), *FAST, *extra]


def _run(args, timeout=600):
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    for line in lines:  # every line is an event of the typed protocol (jobs/events.py)
        decode(line)
    return done.returncode, [json.loads(line) for line in lines], done.stderr


class Reader:
    """A training process read event by event."""

    def __init__(self, args) -> None:
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        self.events: list[dict] = []

    def until(self, accept, timeout=600) -> dict:
        deadline = time.monotonic() + timeout
        for line in self.process.stdout:
            decode(line)  # the typed protocol reads it
            event = json.loads(line)
            self.events.append(event)
            if accept(event):
                return event
            assert time.monotonic() < deadline, f"no matching event in {self.events}"
        raise AssertionError(f"the process ended first: {self.events}")

    def finish(self, timeout=600) -> int:
        for line in self.process.stdout:
            decode(line)
            self.events.append(json.loads(line))
        return self.process.wait(timeout)


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def trained(model_dir, docs, tmp_path_factory):
    out = tmp_path_factory.mktemp("adapters") / "mine"
    code, events, stderr = _run(_command(model_dir, docs, out, "--max-steps", "4",
                                         "--name", "Keeper logs"))
    assert code == 0, stderr
    return out, events


def test_events_follow_the_protocol(trained):
    out, events = trained
    kinds = [e["event"] for e in events if e["event"] != "warning"]  # warnings: any time
    assert kinds[0] == "start" and kinds[-2:] == ["report", "done"]
    events = [e for e in events if e["event"] != "warning"] + [
        e for e in events if e["event"] == "warning"]
    start = events[0]
    assert start["documents"] == 4 and start["total_steps"] == 4 and start["device"] == "cpu"
    assert start["skipped"][0]["path"].endswith("broken.docx")
    assert start["words"] > 0 and start["tokens"] > 0 and start["estimate_s"] > 0
    assert start["train_chunks"] > 0 and start["valid_chunks"] > 0
    evals = [e for e in events if e["event"] == "eval"]
    assert evals[0]["step"] == 0, "validation before training"
    progress = [e for e in events if e["event"] == "progress"]
    assert [p["step"] for p in progress] == [1, 2, 3, 4]
    assert all(p["tokens_per_s"] > 0 and p["eta_s"] >= 0 for p in progress)
    report = next(e for e in events if e["event"] == "report")
    assert report["ppl_after"] < report["ppl_before"]
    assert len(report["samples"]) == 3
    assert all(set(s) == {"prompt", "base", "tuned"} for s in report["samples"])
    # base against personalized on the held-out text, in the terms of `evaluate`
    evaluation = report["evaluation"]
    assert set(evaluation) == {"base", "tuned"}
    for figures in evaluation.values():
        assert {"keystroke_savings", "next_word_top1", "next_word_top3", "bleu", "rouge_l",
                "perplexity", "positions", "words", "curve"} <= set(figures)
        assert figures["positions"] > 0 and figures["words"] >= 20
    assert evaluation["tuned"]["perplexity"] < evaluation["base"]["perplexity"]
    done = next(e for e in events if e["event"] == "done")
    assert done == {"event": "done", "adapter": str(out), "interrupted": False}
    assert any(e["event"] == "warning" and "words" in e["message"] for e in events)


def test_adapter_is_saved_with_metadata_and_changes_the_model(trained, model_dir):
    from transformers import AutoModelForCausalLM

    out, events = trained
    info = adapters.read_adapter(out)
    assert info.name == "Keeper logs" and info.documents == 4 and info.steps >= 1
    assert info.base_fingerprint == adapters.model_fingerprint(model_dir)
    report = next(e for e in events if e["event"] == "report")
    assert info.metrics["ppl_after"] == report["ppl_after"]
    assert [p.name for p in out.parent.iterdir()] == ["mine"], "no temporary folders left"
    base = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
    merged = adapters.merged_model(base, out)
    ids = torch.tensor([[5, 17, 42, 99, 7]])
    with torch.no_grad():
        assert not torch.allclose(base(ids).logits, merged(ids).logits, atol=1e-4)


def test_sigterm_stops_fast_and_resume_continues(model_dir, docs, tmp_path):
    out = tmp_path / "adapter"
    args = _command(model_dir, docs, out, "--max-steps", "400")
    run = Reader(args)
    stopped_at = run.until(lambda e: e["event"] == "progress" and e["step"] >= 2)["step"]
    began = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    assert run.finish() == 0
    assert time.monotonic() - began < 5.0
    assert run.events[-1]["event"] == "done" and run.events[-1]["interrupted"] is True
    state = json.loads((out / "resume" / "state.json").read_text(encoding="utf-8"))
    assert state["step"] >= stopped_at
    resumed = Reader([*args, "--resume"])
    first = resumed.until(lambda e: e["event"] == "progress")
    assert first["step"] == state["step"] + 1, "continues after the saved step"
    assert not any(e["event"] == "eval" and e["step"] == 0 for e in resumed.events)
    resumed.process.send_signal(signal.SIGINT)
    assert resumed.finish() == 0


def test_resume_refuses_other_documents(model_dir, docs, tmp_path):
    out = tmp_path / "adapter"
    code, _, _ = _run(_command(model_dir, docs, out, "--max-steps", "2"))
    assert code == 0
    other = tmp_path / "other.txt"
    other.write_text("Something else entirely, written another day. " * 40, encoding="utf-8")
    code, events, _ = _run(_command(model_dir, other, out, "--max-steps", "2", "--resume"))
    assert code == 1 and events[-1]["event"] == "error"
    assert "start without --resume" in events[-1]["message"]
    adapters.read_adapter(out)


def test_kill_during_a_run_leaves_the_previous_adapter_intact(trained, model_dir, docs,
                                                             tmp_path):
    import shutil

    out = shutil.copytree(trained[0], tmp_path / "mine")
    before = _digest(out)
    run = Reader(_command(model_dir, docs, out, "--max-steps", "400", "--seed", "5"))
    run.until(lambda e: e["event"] == "progress" and e["step"] == 1)
    run.process.send_signal(signal.SIGKILL)
    run.process.wait(60)
    assert _digest(out) == before
    # Killed as it starts to save: either the old adapter or a complete new one.
    run = Reader(_command(model_dir, docs, out, "--max-steps", "10", "--seed", "6"))
    run.until(lambda e: e["event"] == "eval" and e["step"] > 0)
    run.process.send_signal(signal.SIGKILL)
    run.process.wait(60)
    info = adapters.read_adapter(out)
    assert info.name in ("Keeper logs", "mine")
    assert adapters.is_adapter_dir(out)
    assert not [p for p in out.parent.iterdir() if p.name != "mine" and not
                p.name.startswith(".")]


def test_bad_input_is_an_error_event(model_dir, tmp_path):
    code, events, _ = _run(_command(model_dir, tmp_path / "missing", tmp_path / "out"))
    assert code == 1 and events[-1]["event"] == "error"
    assert "No readable documents" in events[-1]["message"]
    assert not (tmp_path / "out").exists()


def test_cli_finetune_and_perplexity(trained, model_dir, docs, tmp_path):
    text = docs / "log1.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = subprocess.run([sys.executable, "-m", "writer_app", "perplexity", "--model",
                           str(model_dir), "--device", "cpu", str(text)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    tuned = subprocess.run([sys.executable, "-m", "writer_app", "perplexity", "--model",
                            str(model_dir), "--device", "cpu", "--adapter", str(trained[0]),
                            str(text)], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=600)
    assert base.returncode == 0 and tuned.returncode == 0, base.stderr + tuned.stderr
    values = [float(r.stdout.strip().splitlines()[-1].split(": ")[1]) for r in (base, tuned)]
    assert base.stdout.strip().splitlines()[-1].startswith("perplexity: ")
    assert values[1] < values[0], "the adapter learned these logs"


def test_the_thread_count_asked_for_is_the_one_training_runs_on(model_dir, tmp_path):
    """`--threads` (the app passes the training share of the cores) survives the model
    load, which sets a count of its own on a CPU."""
    import torch

    from tests.torch_threads import run_in_own_thread
    from writer_app.training.lora_plan import FinetuneConfig
    from writer_app.training.lora_trainer import Personalizer

    def load() -> tuple[int, int]:
        trainer = Personalizer(FinetuneConfig(docs=(), out=tmp_path / "out",
                                              model=str(model_dir), device="cpu",
                                              threads=1), emit=lambda event: None)
        trainer._load()
        return torch.get_num_threads(), trainer.threads

    assert run_in_own_thread(load) == (1, 1)
