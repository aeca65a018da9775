"""Model folders never run code: a folder with its own Python code (auto_map) or with
malicious pickle weights is refused, and the sentinel file its code would write never
appears, even with "yes" waiting on standard input."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.conftest import run_cli
from writer_app.core import trusted
from writer_app.inference.registry import resolve_grammar_model, resolve_model
from writer_app.inference.trust import PickleOnlyError, RemoteCodeError

ROOT = Path(__file__).resolve().parents[2]


class _Payload:
    """Unpickling this runs code: it writes the sentinel file."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (os.system, (f"echo ran > {self.sentinel}",))


def _malicious_pickle(path: Path, sentinel: Path) -> None:
    path.write_bytes(pickle.dumps({"weight": _Payload(sentinel)}))


def _code_file(folder: Path, sentinel: Path) -> None:
    (folder / "evil.py").write_text(
        f"open({str(sentinel)!r}, 'w').write('ran')\n"
        "from transformers import GPT2Config as EvilConfig, GPT2LMHeadModel as EvilModel\n",
        encoding="utf-8")


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def sentinel(tmp_path):
    path = tmp_path / "SENTINEL"
    yield path
    assert not path.exists(), "code from a model folder ran"


@pytest.fixture
def remote_code_folder(tiny_gpt2, tmp_path, sentinel):
    folder = tmp_path / "remote-code"
    shutil.copytree(tiny_gpt2, folder)
    _edit_json(folder / "config.json", model_type="evil-custom",
               auto_map={"AutoConfig": "evil.EvilConfig",
                         "AutoModelForCausalLM": "evil.EvilModel"})
    _code_file(folder, sentinel)
    return folder


def test_remote_code_is_refused_even_when_stdin_says_yes(remote_code_folder, sentinel):
    """The whole command line, in a real process, with `yes |` on standard input."""
    process = subprocess.run(
        [sys.executable, "-m", "writer_app", "complete", "Hello", "--model",
         str(remote_code_folder), "--device", "cpu"],
        input="yes\n" * 1000, capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.returncode == 2, process.stderr
    errors = [line for line in process.stderr.splitlines() if line.startswith("writer-app:")]
    assert len(errors) == 1 and "run its own code" in errors[0]


@pytest.mark.parametrize("variant", ["known-type", "tokenizer-config", "code-file-only"])
def test_every_way_of_shipping_code_is_refused(variant, tiny_gpt2, tmp_path, sentinel):
    folder = tmp_path / variant
    shutil.copytree(tiny_gpt2, folder)
    _code_file(folder, sentinel)
    if variant == "known-type":
        _edit_json(folder / "config.json", auto_map={"AutoModelForCausalLM": "evil.EvilModel"})
    elif variant == "tokenizer-config":
        _edit_json(folder / "tokenizer_config.json",
                   auto_map={"AutoTokenizer": ["evil.EvilTokenizer", None]})
    with pytest.raises(RemoteCodeError):
        resolve_model(str(folder))
    for argv in (["complete", "Hi", "--model", str(folder)],
                 ["perplexity", str(folder / "config.json"), "--model", str(folder)],
                 ["check", "-", "--model", str(folder)]):
        line = run_cli(argv, stdin=b"Text.").assert_one_clear_error()
        assert "code" in line


def test_the_preferences_check_names_the_code(remote_code_folder):
    from writer_app.controllers.editor import _validate_folder, _validate_grammar_folder

    for validate in (_validate_folder, _validate_grammar_folder):
        assert "run its own code" in validate(remote_code_folder)


@pytest.fixture
def pickle_folder(tiny_gpt2, tmp_path):
    """The tiny GPT-2 with its weights as pytorch_model.bin (pickle) only."""
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_gpt2, folder)
    torch.save(load_file(str(folder / "model.safetensors")), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder


def test_pickle_weights_need_explicit_consent(pickle_folder):
    line = run_cli(["complete", "Hi", "--model", str(pickle_folder),
                    "--max-new-tokens", "2"]).assert_one_clear_error()
    assert "pickle" in line and "--allow-pickle" in line
    allowed = run_cli(["complete", "Hi", "--model", str(pickle_folder), "--max-new-tokens",
                       "2", "--allow-pickle"])
    assert allowed.code == 0, allowed.err


def test_consent_given_in_the_app_is_remembered_per_file(pickle_folder):
    with pytest.raises(PickleOnlyError):
        resolve_model(str(pickle_folder))
    trusted.trust(pickle_folder)
    resolve_model(str(pickle_folder))  # allowed now
    with (pickle_folder / "pytorch_model.bin").open("ab") as handle:
        handle.write(b"\0")  # the weights changed: asked again
    with pytest.raises(PickleOnlyError):
        resolve_model(str(pickle_folder))


def test_malicious_pickle_never_runs_even_when_allowed(pickle_folder, sentinel):
    _malicious_pickle(pickle_folder / "pytorch_model.bin", sentinel)
    for extra in ([], ["--allow-pickle"]):
        run_cli(["complete", "Hi", "--model", str(pickle_folder), *extra]
                ).assert_one_clear_error()


def test_malicious_pickle_adapter_never_runs(tiny_gpt2, tmp_path, sentinel):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps(
        {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["c_attn"],
         "base_model_name_or_path": str(tiny_gpt2), "task_type": "CAUSAL_LM"}))
    _malicious_pickle(adapter / "adapter_model.bin", sentinel)
    for extra in ([], ["--allow-pickle"]):
        line = run_cli(["complete", "Hi", "--model", str(tiny_gpt2), "--adapter",
                        str(adapter), *extra]).assert_one_clear_error()
        assert "Adapter" in line or "adapter" in line


def test_malicious_pickle_grammar_model_never_runs(tmp_path, sentinel):
    folder = tmp_path / "gector"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(
        {"model_id": "bert-base-cased", "label2id": {"$KEEP": 0, "$DELETE": 1},
         "d_label2id": {"$CORRECT": 0, "$INCORRECT": 1}}))
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n", encoding="utf-8")
    _malicious_pickle(folder / "pytorch_model.bin", sentinel)
    with pytest.raises(PickleOnlyError):
        resolve_grammar_model(str(folder))
    for extra in ([], ["--allow-pickle"]):
        run_cli(["check", "-", "--model", str(folder), *extra],
                stdin=b"Some text.").assert_one_clear_error()


def test_old_resume_state_is_read_without_running_code(tmp_path, sentinel):
    from writer_app.training.lora_checkpoint import legacy_state as _legacy_state

    _malicious_pickle(tmp_path / "optimizer.pt", sentinel)
    with pytest.raises(pickle.UnpicklingError):
        _legacy_state(tmp_path)


def test_the_app_stays_offline():
    import writer_app  # noqa: F401 - importing it sets the environment

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    probe = subprocess.run(
        [sys.executable, "-c", "import writer_app, os, subprocess, sys; print(subprocess."
         "run([sys.executable, '-c', 'import os; print(os.environ.get(\"HF_HUB_OFFLINE\"),"
         " os.environ.get(\"TRANSFORMERS_OFFLINE\"))'], capture_output=True, text=True)"
         ".stdout.strip())"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={k: v for k, v in os.environ.items() if "OFFLINE" not in k}
        | {"PYTHONPATH": str(ROOT)})
    assert probe.stdout.strip() == "1 1"  # and so is every child it starts
