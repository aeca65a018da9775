"""The grammar model choice: the setting, finding and checking grammar model folders (our
tagger layout, the GECToR HF layout, the HF cache), loading the one chosen, the worker's
hot swap and its failure paths, and the device facts the worker reports."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.unit.grammar.conftest import make_tokenizer, random_tagger
from tests.unit.grammar.test_checkpoint import _write_gector
from tests.unit.test_registry import _fake_hf_cache
from writer_app.controllers.grammar import grammar_config
from writer_app.core import paths
from writer_app.core.grammar_check import GrammarConfig
from writer_app.core.requests import ModelInfo
from writer_app.core.settings import (
    GrammarSettings,
    ModelSettings,
    Settings,
    load_settings,
    save_settings,
    settings_to_toml,
)
from writer_app.inference import registry, worker
from writer_app.inference.errors import ModelLoadError
from writer_app.inference.grammar.checkpoint import save_tagger
from writer_app.inference.registry import (
    grammar_folder_problem,
    list_grammar_models,
    resolve_grammar_model,
)
from writer_app.inference.worker import InferenceWorker

COMMIT = "0123456789abcdef0123456789abcdef01234567"  # the one _fake_hf_cache writes


@pytest.fixture(scope="module")
def tagger_dir(tiny_bert_dir, tmp_path_factory) -> Path:
    """A tagger in this app's layout, its encoder inside the folder."""
    folder = tmp_path_factory.mktemp("taggers") / "personal-tagger"
    save_tagger(folder, random_tagger(tiny_bert_dir, seed=1), make_tokenizer(tiny_bert_dir))
    return folder


@pytest.fixture(scope="module")
def gector_dir(tiny_bert_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gector") / "gector-tiny"
    _write_gector(tiny_bert_dir, folder)
    return folder


@pytest.fixture
def hf_cache(monkeypatch, tmp_path) -> Path:
    cache = tmp_path / "hf-home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


# -- the setting ------------------------------------------------------------------------


def test_grammar_model_setting_round_trips_and_is_documented(tmp_path):
    assert ModelSettings().grammar_model == "default"
    settings = replace(Settings(), models=replace(ModelSettings(),
                                                  grammar_model="/models/my tagger"))
    text = settings_to_toml(settings)
    assert 'grammar_model = "/models/my tagger"' in text
    assert "# Grammar model: 'default', a grammar model folder" in text
    save_settings(settings, tmp_path / "settings.toml")
    assert load_settings(tmp_path / "settings.toml") == (settings, [])


def test_a_bad_grammar_model_value_falls_back_to_the_default(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[models]\ngrammar_model = 3\n", encoding="utf-8")
    settings, warnings = load_settings(path)
    assert settings.models.grammar_model == "default"
    assert any("models.grammar_model" in warning for warning in warnings)


def test_grammar_config_carries_the_model():
    assert grammar_config(GrammarSettings()).model == "default"
    assert GrammarConfig().model_label == "the shipped grammar model"
    assert GrammarConfig(model="org/gector").model_label == "grammar model “org/gector”"
    assert GrammarConfig(model="/home/me/taggers/mine").model_label == "grammar model “mine”"
    assert grammar_config(GrammarSettings(), model="org/gector").model == "org/gector"
    assert grammar_config(GrammarSettings(), model="").model == "default"


# -- checking folders -------------------------------------------------------------------


def test_our_layout_and_the_gector_layout_are_grammar_models(tagger_dir, gector_dir):
    assert grammar_folder_problem(tagger_dir) is None
    assert grammar_folder_problem(gector_dir) is None
    assert grammar_folder_problem(registry.default_grammar_path()) is None  # shipped


def test_unusable_folders_say_why(tiny_gpt2_dir, tiny_bert_dir, tagger_dir, gector_dir,
                                  tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "is empty" in grammar_folder_problem(empty)
    assert "does not exist" in grammar_folder_problem(tmp_path / "missing")
    causal = grammar_folder_problem(tiny_gpt2_dir, "tiny-gpt2")
    assert causal == ("“tiny-gpt2” is a text-generation model, not a grammar model; "
                      "choose it as the completion model instead.")
    assert "not a grammar model" in grammar_folder_problem(tiny_bert_dir)
    no_heads = tmp_path / "no-heads"
    shutil.copytree(tagger_dir, no_heads)
    (no_heads / "heads.safetensors").unlink()
    assert "heads.safetensors" in grammar_folder_problem(no_heads)
    no_weights = tmp_path / "no-weights"
    shutil.copytree(gector_dir, no_weights)
    (no_weights / "model.safetensors").unlink()
    assert "no weights" in grammar_folder_problem(no_weights)
    no_labels = tmp_path / "no-labels"
    shutil.copytree(gector_dir, no_labels)
    config = json.loads((no_labels / "config.json").read_text())
    config["label2id"] = {"<OOV>": 0}
    (no_labels / "config.json").write_text(json.dumps(config))
    assert "$KEEP" in grammar_folder_problem(no_labels)


def test_the_hf_cache_scan_lists_grammar_models_only(hf_cache, gector_dir, tiny_gpt2_dir,
                                                     tiny_bert_dir):
    _fake_hf_cache(hf_cache, "someone/gector-tiny", gector_dir)
    _fake_hf_cache(hf_cache, "someone/tiny-gpt2", tiny_gpt2_dir)
    _fake_hf_cache(hf_cache, "someone/tiny-bert", tiny_bert_dir)
    models = list_grammar_models()
    assert [m.reference for m in models] == ["default", "someone/gector-tiny"]
    shipped, cached = models
    assert shipped.source == "embedded" and shipped.size_bytes > 0
    assert cached.source == "hf-cache" and cached.path.endswith(COMMIT)
    assert cached.size_bytes > 0


def test_resolve_grammar_model(hf_cache, gector_dir, tagger_dir, tiny_gpt2_dir):
    snapshot = _fake_hf_cache(hf_cache, "someone/gector-tiny", gector_dir)
    assert resolve_grammar_model("default") == "default"
    assert resolve_grammar_model("") == "default"
    assert resolve_grammar_model(str(tagger_dir)) == str(tagger_dir.resolve())
    assert resolve_grammar_model("someone/gector-tiny") == str(snapshot)
    with pytest.raises(ModelLoadError, match="not in the local Hugging Face cache"):
        resolve_grammar_model("someone/absent")
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_grammar_model("/no/such/tagger")
    with pytest.raises(ModelLoadError, match="not a grammar model"):
        resolve_grammar_model(str(tiny_gpt2_dir))


# -- loading ----------------------------------------------------------------------------


def test_load_grammar_checker_passes_the_resolved_model(monkeypatch, tagger_dir):
    from writer_app.inference.grammar.checker import GrammarChecker

    asked = []
    monkeypatch.setattr(GrammarChecker, "load",
                        classmethod(lambda cls, model=None, **kw: asked.append(model)))
    worker.load_grammar_checker(GrammarConfig(model=str(tagger_dir)), [])
    worker.load_grammar_checker(GrammarConfig(), [])
    worker.load_grammar_checker(GrammarConfig(model=str(tagger_dir), grammar=False), [])
    assert asked == [str(tagger_dir.resolve()), "default", None]


@pytest.mark.parametrize("which", ["ours", "gector"])
def test_a_chosen_folder_really_loads(which, tagger_dir, gector_dir):
    folder = tagger_dir if which == "ours" else gector_dir
    checker = worker.load_grammar_checker(
        GrammarConfig(model=str(folder), spelling=False), [])
    assert checker.engine is not None
    edits = checker.check_many(["the cat sat on the mat ."])
    assert isinstance(edits, list) and len(edits) == 1


# -- the worker's hot swap --------------------------------------------------------------


class _Checker:
    def __init__(self, config: GrammarConfig) -> None:
        self.config = config
        self.keep_confidence = config.keep_confidence  # knobs the worker may retune
        self.min_error_probability = config.min_error_probability

    def check_many(self, texts):
        return [[] for _ in texts]

    def set_personal_words(self, words) -> None:
        pass


def _factory(bad: set[str]):
    def factory(config: GrammarConfig, words):
        factory.asked.append(config)
        if config.grammar and config.model in bad:
            raise ModelLoadError(f"“{config.model}” has no heads.safetensors.")
        return _Checker(config)

    factory.asked = []
    return factory


def _record(grammar_worker: InferenceWorker) -> SimpleNamespace:
    seen = SimpleNamespace(ready=[], kept=[], failed=[])
    grammar_worker.sig_grammar_ready.connect(seen.ready.append)
    grammar_worker.sig_grammar_model_kept.connect(lambda *args: seen.kept.append(args))
    grammar_worker.sig_grammar_failed.connect(lambda *args: seen.failed.append(args))
    return seen


def test_a_failed_grammar_model_keeps_the_one_serving(qapp):
    factory = _factory({"/models/broken"})
    grammar_worker = InferenceWorker(grammar_factory=factory)
    seen = _record(grammar_worker)
    grammar_worker.load_grammar(GrammarConfig(model="/models/good"), 1, [])
    serving = grammar_worker._grammar
    assert serving.config.model == "/models/good"
    grammar_worker.load_grammar(GrammarConfig(model="/models/broken"), 2, [])
    assert grammar_worker._grammar is serving
    assert seen.kept == [(2, "/models/good",
                          "Grammar model not loaded: “/models/broken” has no heads.safetensors; "
                          "still using grammar model “good”.")]
    status = seen.ready[-1]
    assert status.generation == 2 and status.grammar_available
    assert status.note == seen.kept[0][2]
    assert not seen.failed
    # Going back to the model that serves needs no load at all.
    grammar_worker.load_grammar(GrammarConfig(model="/models/good"), 3, [])
    assert grammar_worker._grammar is serving
    assert len(factory.asked) == 2


def test_a_swap_replaces_the_checker(qapp, monkeypatch):
    freed = []
    monkeypatch.setattr(worker, "_free_memory", freed.append)
    grammar_worker = InferenceWorker(grammar_factory=_factory(set()))
    seen = _record(grammar_worker)
    grammar_worker.load_grammar(GrammarConfig(), 1, [])
    grammar_worker.load_grammar(GrammarConfig(model="/models/other"), 2, [])
    assert grammar_worker._grammar.config.model == "/models/other"
    assert freed == ["cpu"]  # the old checker's memory is returned
    assert [s.note for s in seen.ready] == ["", ""] and not seen.kept


def test_a_failed_model_at_start_falls_back_to_the_shipped_one(qapp):
    grammar_worker = InferenceWorker(grammar_factory=_factory({"/models/broken"}))
    seen = _record(grammar_worker)
    grammar_worker.load_grammar(GrammarConfig(model="/models/broken"), 1, [])
    assert grammar_worker._grammar.config.model == "default"
    assert seen.kept[0][:2] == (1, "default")
    assert seen.ready[-1].note.endswith("; using the shipped grammar model.")
    assert seen.ready[-1].grammar_available


def test_no_grammar_model_at_all_leaves_spelling(qapp):
    grammar_worker = InferenceWorker(grammar_factory=_factory({"/models/broken", "default"}))
    seen = _record(grammar_worker)
    grammar_worker.load_grammar(GrammarConfig(model="/models/broken"), 1, [])
    assert grammar_worker._grammar.config.grammar is False
    assert not seen.ready[-1].grammar_available
    assert "checking spelling only" in seen.ready[-1].note
    assert not seen.failed


# -- device facts -----------------------------------------------------------------------


def _fake_cuda(monkeypatch) -> SimpleNamespace:
    import torch

    calls = SimpleNamespace(emptied=0, asked=[])

    def memory_allocated(index=None):
        calls.asked.append(index)
        return 3 * 1024**3

    def empty_cache():
        calls.emptied += 1

    monkeypatch.setattr(torch.cuda, "memory_allocated", memory_allocated)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: f"Fake GPU {index}")
    monkeypatch.setattr(torch.cuda, "empty_cache", empty_cache)
    return calls


def _info(device: str) -> ModelInfo:
    return ModelInfo(name="m", path="", device=device, dtype="bfloat16", parameters=1,
                     load_seconds=0.1)


def test_cuda_device_facts_are_reported(monkeypatch):
    assert "torch" in sys.modules
    calls = _fake_cuda(monkeypatch)
    info = worker._with_device_facts(_info("cuda:1"))
    assert info.memory_bytes == 3 * 1024**3
    assert info.device_name == "Fake GPU 1"
    assert calls.asked == [1]
    assert worker._with_device_facts(_info("cpu")) == _info("cpu")  # nothing to ask


def test_swapping_a_cuda_model_empties_the_cuda_cache(qapp, monkeypatch):
    calls = _fake_cuda(monkeypatch)
    backends = iter([SimpleNamespace(info=_info("cuda:0")), SimpleNamespace(info=_info("cpu"))])
    model_worker = InferenceWorker(backend_factory=lambda spec, progress: next(backends))
    ready = []
    model_worker.sig_model_ready.connect(ready.append)
    model_worker.load_model(ModelSettings().completion_spec())
    assert calls.emptied == 0
    assert ready[0].device_name == "Fake GPU 0" and ready[0].memory_bytes == 3 * 1024**3
    model_worker.load_model(ModelSettings().completion_spec())
    assert calls.emptied == 1  # the old model was on the GPU: its blocks go back


def test_the_check_command_takes_a_model_id_from_the_hf_cache(hf_cache, gector_dir, tmp_path,
                                                               capsys):
    from writer_app.cli import main

    _fake_hf_cache(hf_cache, "someone/gector-tiny", gector_dir)
    text = tmp_path / "in.txt"
    text.write_text("She go to school yesterday.\n", encoding="utf-8")
    status = main(["check", "--json", "--no-spelling", "--model", "someone/gector-tiny",
                   str(text)])
    out, err = capsys.readouterr()
    assert status == 0 and err == "" and "matches" in json.loads(out)
    assert main(["check", "--model", "someone/not-cached", str(text)]) == 2
    assert "someone/not-cached" in capsys.readouterr().err


def test_personalized_grammar_models_are_listed_newest_first(tagger_dir, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("WRITER_APP_DATA_DIR", str(tmp_path))
    root = paths.personal_grammar_dir()
    for name in ("grammar-2026-11-28-093000", "grammar-2026-11-29-101500", "my tagger"):
        shutil.copytree(tagger_dir, root / name)
    (root / "grammar-2026-11-30-080000").mkdir()  # an interrupted run: nothing inside
    models = list_grammar_models()
    assert [m.source for m in models] == ["embedded"] + ["personalized"] * 3
    assert [m.name for m in models[1:]] == [
        "Personalized grammar model “my tagger”",
        "Personalized grammar model, 2026-11-29 10:15",
        "Personalized grammar model, 2026-11-28 09:30"]
    assert models[2].reference == str(root / "grammar-2026-11-29-101500")
    assert resolve_grammar_model(models[2].reference) == models[2].reference
