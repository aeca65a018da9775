"""The CUDA path on a machine that has a GPU (bench/gpu_check.sh runs these); skipped
elsewhere. The CPU fallback on out-of-memory is tested without a GPU in
test_state_faults.py, with a simulated error."""

from __future__ import annotations

import pytest
import torch

from tests.robustness.conftest import run_cli

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def test_complete_and_perplexity_run_on_cuda(tiny_gpt2, tmp_path):
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.registry import load_causal_lm

    loaded = load_causal_lm(ModelSpec(str(tiny_gpt2), "cuda", "float16"))
    assert loaded.info.device.startswith("cuda") and loaded.info.note == ""
    outcome = run_cli(["complete", "The keeper", "--model", str(tiny_gpt2), "--device",
                       "cuda", "--max-new-tokens", "4"])
    assert outcome.code == 0, outcome.err
    doc = tmp_path / "doc.txt"
    doc.write_text("The keeper lit the lamp. " * 40, encoding="utf-8")
    outcome = run_cli(["perplexity", str(doc), "--model", str(tiny_gpt2), "--device", "cuda"])
    assert outcome.code == 0 and "perplexity:" in outcome.out, outcome.err


def test_a_real_out_of_memory_falls_back_to_the_cpu(tiny_gpt2, monkeypatch):
    """Most of the GPU's memory is taken first, so that the model cannot fit."""
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.registry import load_causal_lm

    free, _total = torch.cuda.mem_get_info()
    hog = []
    try:
        while free > 64 << 20:
            hog.append(torch.empty(free - (16 << 20), dtype=torch.uint8, device="cuda"))
            free, _total = torch.cuda.mem_get_info()
    except torch.OutOfMemoryError:
        pass
    real_to = torch.nn.Module.to

    def to(module, *args, **kwargs):  # a model too big for the memory that is left
        if str(args[0] if args else kwargs.get("device")).startswith("cuda"):
            torch.empty(free + (256 << 20), dtype=torch.uint8, device="cuda")
        return real_to(module, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Module, "to", to)
    try:
        loaded = load_causal_lm(ModelSpec(str(tiny_gpt2), "cuda", "float16"))
    finally:
        hog.clear()
        torch.cuda.empty_cache()
    assert loaded.info.device == "cpu" and "out of memory" in loaded.info.note


def test_finetune_on_cuda(tiny_llama, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "log.txt").write_text("\n".join(f"Day {d}: the keeper lit the lamp at dusk."
                                            for d in range(200)), encoding="utf-8")
    outcome = run_cli(["finetune", "--docs", str(docs), "--out", str(tmp_path / "adapter"),
                       "--model", str(tiny_llama), "--device", "cuda", "--max-steps", "3",
                       "--context", "32"], bound=300)
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
