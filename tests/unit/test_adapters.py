"""The adapter store and using an adapter in the completion engine."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from writer_app.core.requests import GenerationParams
from writer_app.inference import adapters
from writer_app.inference.adapters import AdapterError


def _random_adapter(base_dir, out, seed=1, name="Mine", fingerprint=None):
    """A LoRA adapter with random (non-zero) weights on a copy of the model in base_dir."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base_dir))
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False,
                        task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, config)
    peft_model.save_pretrained(str(out))
    meta = {"name": name, "created": f"2026-01-0{seed}T10:00:00+00:00",
            "base_model": base_dir.name,
            "base_model_id": {"name": base_dir.name,
                              "fingerprint": fingerprint or adapters.model_fingerprint(base_dir)},
            "metrics": {"ppl_before": 20.0, "ppl_after": 15.0, "valid_loss": 2.7},
            "documents": 3, "tokens": 1234, "seconds": 9.5, "steps": 7}
    (out / adapters.METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def adapter_root(tmp_path_factory, tiny_llama_dir):
    root = tmp_path_factory.mktemp("adapters")
    _random_adapter(tiny_llama_dir, root / "first", seed=1, name="First")
    _random_adapter(tiny_llama_dir, root / "second", seed=2, name="Second")
    return root


def test_list_newest_first_with_metadata(adapter_root, tiny_llama_dir, tmp_path):
    found = adapters.list_adapters(adapter_root)
    assert [a.name for a in found] == ["Second", "First"]
    first = found[1]
    assert first.metrics["ppl_after"] == 15.0 and first.documents == 3 and first.steps == 7
    assert first.base_model == tiny_llama_dir.name
    assert first.base_fingerprint == adapters.model_fingerprint(tiny_llama_dir)
    assert adapters.list_adapters(tmp_path / "missing") == []


def test_listing_leaves_out_hidden_and_incomplete_folders(adapter_root, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(adapter_root / "first", root / "ok")
    shutil.copytree(adapter_root / "first", root / ".ok.tmp-123")  # half-written
    (root / "empty").mkdir()
    (root / "resume-only" / "resume").mkdir(parents=True)
    assert [a.path for a in adapters.list_adapters(root)] == [str(root / "ok")]


def test_rename_changes_metadata_only(adapter_root, tmp_path):
    folder = shutil.copytree(adapter_root / "first", tmp_path / "a")
    info = adapters.rename_adapter(folder, "  My   letters ")
    assert info.name == "My letters" and info.path == str(folder)
    meta = json.loads((folder / adapters.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["name"] == "My letters" and meta["tokens"] == 1234
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(AdapterError, match="empty"):
        adapters.rename_adapter(folder, "   ")


def test_delete(adapter_root, tmp_path):
    folder = shutil.copytree(adapter_root / "first", tmp_path / "a")
    adapters.delete_adapter(folder)
    assert not folder.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(AdapterError, match="does not exist"):
        adapters.delete_adapter(folder)
    (tmp_path / "not-adapter").mkdir()
    with pytest.raises(AdapterError, match="not an adapter"):
        adapters.delete_adapter(tmp_path / "not-adapter")
    assert (tmp_path / "not-adapter").exists()


def test_broken_metadata_is_a_clear_error(adapter_root, tmp_path):
    folder = shutil.copytree(adapter_root / "first", tmp_path / "a")
    (folder / adapters.METADATA_FILE).write_text("{broken", encoding="utf-8")
    with pytest.raises(AdapterError, match="unreadable metadata"):
        adapters.read_adapter(folder)
    assert adapters.list_adapters(tmp_path) == []


def test_new_adapter_dir_is_unique(tmp_path):
    first = adapters.new_adapter_dir("My Letters!", tmp_path)
    assert first.name == "my-letters"
    first.mkdir()
    assert adapters.new_adapter_dir("My Letters!", tmp_path).name == "my-letters-2"


def test_fingerprint_tells_models_apart(tiny_llama_dir, tiny_gpt2_dir, tmp_path):
    copy = shutil.copytree(tiny_llama_dir, tmp_path / "copy")
    assert adapters.model_fingerprint(copy) == adapters.model_fingerprint(tiny_llama_dir)
    assert adapters.model_fingerprint(tiny_gpt2_dir) != adapters.model_fingerprint(
        tiny_llama_dir)


def test_wrong_base_model_is_refused(adapter_root, tiny_llama_dir):
    info = adapters.read_adapter(adapter_root / "first")
    adapters.check_compatible(info, adapters.model_fingerprint(tiny_llama_dir), "tiny")
    with pytest.raises(AdapterError, match="trained on .* not on the active model Other"):
        adapters.check_compatible(info, "another-fingerprint", "Other")


# --- the engine ------------------------------------------------------------------------------


def _engine(model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from writer_app.inference.completion import CompletionEngine

    model = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    engine = CompletionEngine(model, tokenizer, half_decode=True)
    engine.base_fingerprint = adapters.model_fingerprint(model_dir)
    engine.base_name = "tiny llama"
    return engine


GREEDY = GenerationParams(max_new_tokens=20, repetition_penalty=1.0,
                          stop_at_sentence_end=False, multiline=True)


def _peft_generate(model_dir, adapter_dir, ids):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
    model = PeftModel.from_pretrained(base, str(adapter_dir)).eval()
    tensor = torch.tensor([ids])
    with torch.no_grad():
        out = model.generate(input_ids=tensor, attention_mask=torch.ones_like(tensor),
                             do_sample=False, max_new_tokens=20, pad_token_id=0)
    return out[0, len(ids):].tolist()


def _until_eos(tokens, eos_ids):
    for index, token in enumerate(tokens):
        if token in eos_ids:
            return tokens[:index]
    return tokens


def test_engine_with_adapter_matches_peft_generate(tiny_llama_dir, adapter_root):
    engine = _engine(tiny_llama_dir)
    ids = engine.tokenizer("The weather today is sunny with a")["input_ids"]
    base_tokens = engine.generate_ids(ids, GREEDY)
    assert engine.cached_tokens > 0
    engine.set_adapter(str(adapter_root / "first"))
    assert engine.cached_tokens == 0, "the prefix cache was made with the old weights"
    assert engine.runner_name == "LlamaRunner+fp16-decode", "the fast path stays in use"
    tuned = engine.generate_ids(ids, GREEDY)
    expected = _peft_generate(tiny_llama_dir, adapter_root / "first", ids)
    assert tuned == _until_eos(expected, engine._eos_ids)
    assert tuned != base_tokens, "the adapter changes the output"
    engine.set_adapter("")
    assert engine.adapter == "" and engine.generate_ids(ids, GREEDY) == base_tokens


def test_engine_refuses_adapter_of_another_model(tiny_llama_dir, tmp_path):
    folder = _random_adapter(tiny_llama_dir, tmp_path / "other", fingerprint="0123456789")
    engine = _engine(tiny_llama_dir)
    with pytest.raises(AdapterError, match="trained on"):
        engine.set_adapter(str(folder))
    assert engine.adapter == "" and engine.model is engine.base_model


def test_engine_refuses_adapter_that_does_not_fit(tiny_llama_dir, tiny_gpt2_dir, tmp_path):
    folder = _random_adapter(tiny_gpt2_dir, tmp_path / "gpt2-adapter")
    (folder / adapters.METADATA_FILE).unlink()  # no fingerprint: peft's own check decides
    engine = _engine(tiny_llama_dir)
    with pytest.raises(AdapterError, match="does not fit"):
        engine.set_adapter(str(folder))
    assert engine.adapter == ""


def test_worker_applies_remembered_adapter_after_load(tiny_llama_dir, adapter_root):
    from writer_app.core.requests import ModelInfo, ModelSpec
    from writer_app.inference.worker import InferenceWorker

    def factory(spec, progress):
        engine = _engine(tiny_llama_dir)
        engine.info = ModelInfo("tiny", str(tiny_llama_dir), "cpu", "float32", 1, 0.0)
        return engine

    worker = InferenceWorker(backend_factory=factory)
    ready, failed = [], []
    worker.sig_adapter_ready.connect(ready.append)
    worker.sig_adapter_failed.connect(lambda message, active: failed.append((message, active)))
    worker.set_adapter(str(adapter_root / "second"))  # before any model: remembered
    assert ready == [] and failed == []
    worker.load_model(ModelSpec(str(tiny_llama_dir)))
    assert ready == [str(adapter_root / "second")]
    assert worker._backend.adapter == str(adapter_root / "second")
    worker.set_adapter(str(adapter_root / "missing"))
    assert failed and "does not exist" in failed[0][0]
    assert failed[0][1] == str(adapter_root / "second"), "the previous adapter stays"
    worker.set_adapter("")
    assert ready[-1] == "" and worker._backend.adapter == ""
