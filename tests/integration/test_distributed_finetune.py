"""Data-parallel personalization: two CPU processes (gloo) under torchrun on a tiny Llama
end with the same adapter weights as each other and as one process that trains on the
combined batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.tiny_models import make_tiny_llama

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("ddp_driver.py")
FAST = ["--context", "32", "--threads", "1", "--lr", "0.02", "--max-steps", "3",
        "--device", "cpu", "--seed", "3"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    model = make_tiny_llama(root / "model")
    docs = root / "docs"
    docs.mkdir()
    for n in range(3):
        lines = [f"Keeper {n} logged day {d}: grey sea, loud gulls, lamp lit at dusk."
                 for d in range(30)]
        (docs / f"log{n}.txt").write_text("\n".join(lines), encoding="utf-8")
    return root, model, docs


def _run(command: list[str], dump: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DDP_DUMP": str(dump),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path))


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_two_gloo_processes_match_one_process_with_the_combined_batch(setup):
    root, model, docs = setup
    common = ["--docs", str(docs), "--model", str(model), *FAST]
    two = _run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc-per-node", "2", str(DRIVER), *common, "--out", str(root / "two")],
               root / "dump-two")
    one = _run([sys.executable, str(DRIVER), *common, "--out", str(root / "one"),
                "--windows-per-step", "4"], root / "dump-one")

    rank0, rank1 = (_weights(root / "dump-two" / f"rank{r}.safetensors") for r in (0, 1))
    single = _weights(root / "dump-one" / "rank0.safetensors")
    assert rank0.keys() == rank1.keys() == single.keys() and rank0
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name
        assert torch.allclose(rank0[name], single[name], rtol=1e-4, atol=1e-6), name
    trained = [name for name in rank0 if "lora_B" in name]
    assert trained and any(rank0[name].abs().max() > 0 for name in trained), "it learned"

    # rank 0 reported and wrote the adapter; rank 1 stayed silent
    events = _events(two.stdout)
    assert [e["event"] for e in events].count("start") == 1
    assert [e["event"] for e in events].count("done") == 1
    start = next(e for e in events if e["event"] == "start")
    assert start["total_steps"] == 3
    # the losses are those of the whole step, each window counted once
    alone = _events(one.stdout)
    for kind, key in (("progress", "loss"), ("eval", "valid_loss")):
        ours = [e[key] for e in events if e["event"] == kind]
        theirs = [e[key] for e in alone if e["event"] == kind]
        assert len(ours) == len(theirs) > 0
        assert ours == pytest.approx(theirs, rel=1e-4), kind
    assert (root / "two" / "adapter_model.safetensors").is_file()
    saved = _weights(root / "two" / "adapter_model.safetensors")
    reference = _weights(root / "one" / "adapter_model.safetensors")
    assert saved.keys() == reference.keys()
    for name in saved:
        assert torch.allclose(saved[name], reference[name], rtol=1e-4, atol=1e-6), name
