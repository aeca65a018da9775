"""kill -9 at random points of a training run: the last good adapter still loads, and
after the next start's sweep no copy of the writer's text is left in temporary files."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from writer_app.core.out_folder import sweep_stale

ROOT = Path(__file__).resolve().parents[2]
PHRASE = "Quillfeather harbour lanterns"  # appears in the documents only


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    for n in range(3):
        lines = [f"{PHRASE} {n}: the keeper wrote on day {d}. The gulls were loud today."
                 for d in range(30)]
        (folder / f"log{n}.txt").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _start(module: str, args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})


def _kill_after(process: subprocess.Popen, events: int, delay: float) -> list[str]:
    seen = []
    for line in process.stdout:
        seen.append(json.loads(line)["event"])
        if len(seen) >= events:
            break
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return seen


def _files_holding_the_text(root: Path, docs: Path) -> list[Path]:
    needle = PHRASE.split()[0].encode("utf-8")  # a word no library or model holds
    return [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(docs)
            and needle in p.read_bytes()]


def _assert_adapter_loads(out: Path, model: Path) -> None:
    from transformers import AutoModelForCausalLM

    from writer_app.inference.adapters import merged_model, read_adapter

    read_adapter(out)
    merged_model(AutoModelForCausalLM.from_pretrained(str(model)), out)


@pytest.mark.parametrize("seed", [1, 2])
def test_finetune_killed_at_random_points(seed, docs, tiny_llama, tmp_path):
    rng = random.Random(seed)
    out = tmp_path / "adapter"
    args = ["--docs", str(docs), "--out", str(out), "--model", str(tiny_llama),
            "--max-steps", "6", "--context", "32", "--threads", "1", "--lr", "0.02",
            "--device", "cpu"]
    for _round in range(2):  # the second run starts on what the first kill left
        process = _start("writer_app.training.personalize", args)
        seen = _kill_after(process, rng.randint(1, 9), rng.uniform(0.0, 0.4))
        assert process.returncode == -signal.SIGKILL, seen
        sweep_stale(out.parent, out.name)  # what the next start does
        sweep_stale(out, "resume")
        if (out / "adapter_config.json").exists():
            _assert_adapter_loads(out, tiny_llama)
        assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["adapter"])
        assert _files_holding_the_text(tmp_path, docs) == []


def test_grammar_personalize_killed_leaves_no_text_after_the_sweep(docs, tmp_path):
    out = tmp_path / "grammar"
    process = _start("writer_app.training.grammar_personalize",
                     ["--docs", str(docs), "--out", str(out), "--max-steps", "500",
                      "--threads", "1", "--batch-size", "2", "--json-progress"])
    seen = _kill_after(process, 6, 0.2)  # in training: the work folder holds sentences
    assert "progress" in seen or "stage" in seen
    assert _files_holding_the_text(tmp_path, docs)  # the fault this guards against
    sweep_stale(out.parent, out.name)
    assert _files_holding_the_text(tmp_path, docs) == []
    assert not out.exists()
