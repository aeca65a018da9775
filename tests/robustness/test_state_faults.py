"""Settings, dictionary, recovery copies, resume state and the GPU path under faults."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.robustness.conftest import run_cli
from writer_app.core.recovery import RecoveryStore
from writer_app.core.settings import (
    ModelSettings,
    Settings,
    load_settings,
    save_settings,
)

# --- settings ----------------------------------------------------------------------------


def test_deeply_nested_settings_start_with_defaults_and_a_backup(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("a = " + "[" * 100_000, encoding="utf-8")
    loaded, warnings = load_settings(path)
    assert loaded == Settings()
    assert "nested too deeply" in warnings[0] and "a copy was kept" in warnings[0]
    (backup,) = tmp_path.glob("settings.toml.bad-*")
    assert backup.read_text(encoding="utf-8").startswith("a = [[[")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
@pytest.mark.parametrize("name", ["completion.temperature", "grammar.keep_confidence",
                                  "grammar.min_error_probability"])
def test_not_a_number_is_refused(tmp_path, name, value):
    section, key = name.split(".")
    path = tmp_path / "settings.toml"
    path.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    loaded, warnings = load_settings(path)
    assert getattr(getattr(loaded, section), key) == getattr(getattr(Settings(), section), key)
    assert any(name in warning for warning in warnings)
    assert all(math.isfinite(getattr(getattr(loaded, s), f))
               for s, f in (("completion", "temperature"), ("grammar", "keep_confidence")))


@settings(max_examples=80, deadline=None)
@given(value=st.text(st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_path_setting_round_trips(tmp_path_factory, value):
    """Newlines, quotes, backslashes, control characters: the file stays valid TOML."""
    path = tmp_path_factory.mktemp("s") / "settings.toml"
    wanted = Settings(models=ModelSettings(completion_model=value, adapter=value))
    save_settings(wanted, path)
    loaded, warnings = load_settings(path)
    assert warnings == [] and loaded == wanted


# --- the personal dictionary ---------------------------------------------------------------


@pytest.mark.parametrize("damage", ["invalid-utf8", "folder", "unreadable"])
def test_a_bad_dictionary_warns_and_the_check_goes_on(damage, monkeypatch):
    dictionary = Path(os.environ["WRITER_APP_DATA_DIR"]) / "dictionary.txt"
    dictionary.parent.mkdir(parents=True, exist_ok=True)
    if damage == "invalid-utf8":
        dictionary.write_bytes(b"Quillfeather\n\xff\xfe broken\n")
    elif damage == "folder":
        dictionary.mkdir()
    else:
        from writer_app.core import dictionary as module

        def unreadable(path=None):
            from writer_app.core.documents import DocumentError

            raise DocumentError("Cannot read the personal dictionary: Permission denied")

        monkeypatch.setattr(module, "load_dictionary", unreadable)
    try:
        outcome = run_cli(["check", "-", "--no-grammar"], stdin=b"The keeper wrote teh log.\n")
    finally:
        if dictionary.is_dir():
            dictionary.rmdir()
        else:
            dictionary.unlink(missing_ok=True)
    assert outcome.code == 0, outcome.err
    assert "writer-app: warning:" in outcome.err and "checking without it" in outcome.err
    assert "'teh' -> 'the'" in outcome.out


# --- recovery copies ------------------------------------------------------------------------


def test_a_reused_pid_does_not_hide_a_crashed_session(tmp_path):
    crashed = RecoveryStore(tmp_path)  # this very pid: as if reused after a crash
    crashed.save("doc", "unsaved words", None)
    marker = crashed.session_dir / "session.json"
    data = json.loads(marker.read_text(encoding="utf-8"))
    assert data["pid"] == os.getpid() and {"boot_id", "process_start"} <= set(data)
    data["process_start"] -= 1  # the crashed process started at another time
    marker.write_text(json.dumps(data), encoding="utf-8")
    later = RecoveryStore(tmp_path)
    assert [entry.text for entry in later.pending()] == ["unsaved words"]
    data["process_start"] += 1  # the same process: alive, not pending
    marker.write_text(json.dumps(data), encoding="utf-8")
    assert later.pending() == []


# --- resume state without pickle -------------------------------------------------------------


def test_optimizer_state_round_trips_without_pickle(tmp_path):
    from writer_app.training.state_io import STRUCTURE_FILE, load_state, save_state

    layer = torch.nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(layer.parameters(), lr=1e-3)
    layer(torch.randn(2, 4)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5)
    state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
             "rng": torch.get_rng_state(), "odd": (float("inf"), None, [1, "x"])}
    save_state(tmp_path, state)
    assert sorted(p.name for p in tmp_path.iterdir()) == [STRUCTURE_FILE,
                                                          "optimizer.safetensors"]
    loaded = load_state(tmp_path)
    fresh = torch.optim.AdamW(torch.nn.Linear(4, 3).parameters(), lr=1e-3)
    fresh.load_state_dict(loaded["optimizer"])
    for key, value in optimizer.state_dict()["state"][0].items():
        assert torch.equal(fresh.state_dict()["state"][0][key], value)
    assert torch.equal(loaded["rng"], state["rng"])
    assert loaded["odd"] == (float("inf"), None, [1, "x"])


# --- the GPU path: out of memory falls back to the CPU --------------------------------------


def test_cuda_out_of_memory_falls_back_to_the_cpu(tiny_gpt2, monkeypatch):
    from writer_app.core.requests import ModelSpec
    from writer_app.inference import devices, registry

    real_to = torch.nn.Module.to

    def to(module, *args, **kwargs):
        target = args[0] if args else kwargs.get("device")
        if str(target).startswith("cuda"):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_to(module, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Module, "to", to)
    monkeypatch.setattr(devices, "resolve_device", lambda name: "cuda:0")
    monkeypatch.setattr(devices, "resolve_dtype", lambda device, dtype: torch.float16)
    loaded = registry.load_causal_lm(ModelSpec(str(tiny_gpt2), "cuda", "float16"))
    assert loaded.info.device == "cpu" and loaded.info.dtype == "float32"
    assert loaded.info.note == "GPU load failed (out of memory); running on CPU"
    assert next(loaded.model.parameters()).dtype == torch.float32


# --- caches bounded by bytes ----------------------------------------------------------------


def test_caches_are_bounded_by_bytes_not_only_by_count():
    from writer_app.core.gec.edits import GrammarEdit
    from writer_app.core.gec.tags import Category
    from writer_app.core.grammar_check import ResultCache, UnitSplitter

    splitter = UnitSplitter(cache_bytes=1 << 20)
    for n in range(40):  # 40 pasted paragraphs of 100 KB each: 16 MB as text
        splitter.split(f"Paragraph {n}. " + "word " * 20_000)
    assert splitter._bytes <= 1 << 20 and len(splitter._paragraphs) < 40
    cache = ResultCache(max_bytes=1 << 20)
    edit = GrammarEdit(0, 1, "x" * 10_000, next(iter(Category)), "m" * 10_000, 0.9, "rule")
    for n in range(100):
        cache.put(f"key{n}", [edit])
    assert cache.bytes <= 1 << 20 and len(cache) < 100


# --- child processes end with the app -------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal")
def test_a_child_process_dies_with_the_app_that_started_it(tmp_path):
    root = Path(__file__).resolve().parents[2]
    pid_file = tmp_path / "child.pid"
    app = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         "from writer_app.core.lifeline import mark_parent\n"
         "mark_parent()\n"
         "child = subprocess.Popen([sys.executable, '-c', 'import writer_app, time; "
         "time.sleep(120)'])\n"
         f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
         "time.sleep(120)\n"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        child = int(pid_file.read_text())
        time.sleep(3)  # the child has imported writer_app and tied itself
        app.kill()  # the app crashes
        app.wait()
        deadline = time.monotonic() + 30
        while _alive(child):
            assert time.monotonic() < deadline, "the child outlived the app"
            time.sleep(0.1)
    finally:
        app.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    return status != "Z"


def test_out_of_memory_while_writing_moves_the_model_to_the_cpu(qtbot):
    """A CUDA out-of-memory error in the middle of a suggestion: that request fails with
    the reason, and the model is loaded again on the CPU with a note that says why."""
    from dataclasses import replace

    from tests.fakes import FakeBackend, fake_factory
    from writer_app.core.requests import CompletionRequest, ModelSpec
    from writer_app.inference.worker import InferenceWorker

    def script(request):
        if factory.specs[-1].device.startswith("cuda"):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB")
        return " on the CPU."

    backend = FakeBackend(script)
    factory = fake_factory(backend)
    worker = InferenceWorker(factory)
    ready, failed = [], []
    worker.sig_model_ready.connect(ready.append)
    worker.sig_request_failed.connect(lambda rid, message: failed.append(message))
    worker.load_model(ModelSpec("default", "cuda", "float16"))
    backend.info = replace(backend.info, device="cuda:0")
    worker.request_completion(CompletionRequest(1, 0, "The keeper"), threading.Event())
    assert "out of memory" in failed[0]
    assert [(s.device, s.dtype) for s in factory.specs] == [("cuda", "float16"),
                                                            ("cpu", "float32")]
    assert ready[-1].note == "GPU ran out of memory; running on CPU"
    done = []
    worker.sig_completion_done.connect(done.append)
    worker.request_completion(CompletionRequest(2, 0, "The keeper"), threading.Event())
    assert done[0].text == " on the CPU."
