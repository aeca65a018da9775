"""Choosing the inference knobs and exporting the shipped float16 copy."""

from __future__ import annotations

import json

import torch

from tests.tiny_models import make_tiny_bert
from tests.unit.training.test_tagger_training import _config, _quiet, _write_dataset
from writer_app.inference.grammar.checkpoint import load_tagger
from writer_app.training.tagger_training import train_tagger
from writer_app.training.tuning import TuningPoint, choose, export, tuning_notes


def _point(keep, min_error, precision, recall, f05):
    return TuningPoint(keep, min_error, precision, recall, f05)


def test_choose_prefers_the_best_precise_point():
    points = [_point(0.0, 0.0, 0.5, 0.6, 0.52), _point(0.2, 0.0, 0.72, 0.3, 0.56),
              _point(0.4, 0.5, 0.9, 0.1, 0.35)]
    assert choose(points, 0.7) == points[1]


def test_choose_falls_back_to_the_best_f05_when_nothing_is_precise():
    points = [_point(0.0, 0.0, 0.5, 0.6, 0.52), _point(0.2, 0.0, 0.6, 0.3, 0.4)]
    assert choose(points, 0.7) == points[0]


def test_export_halves_the_weights_and_stores_the_knobs(tmp_path):
    encoder = make_tiny_bert(tmp_path / "bert")
    data = _write_dataset(tmp_path / "data")
    model = tmp_path / "model"
    train_tagger(_config(data, model, encoder, max_steps=4, eval_every=4), _quiet)
    chosen = _point(0.3, 0.55, 0.8, 0.4, 0.66)
    out = export(model, tmp_path / "shipped", chosen, tuning_notes(chosen, [chosen], 10, 1))
    exported, original = load_tagger(out), load_tagger(model)
    assert exported.settings.keep_confidence == 0.3
    assert exported.settings.min_error_probability == 0.55
    assert next(exported.tagger.parameters()).dtype == torch.float32  # loaded for a CPU
    card = (out / "model_card.md").read_text(encoding="utf-8")
    assert "keep_confidence 0.3" in card and "float16" in card
    words = [["the", "the", "weather", "is", "sunny"]]
    with torch.no_grad():
        a = exported.tagger(exported.tagger.encode(exported.tokenizer, words)).tag_logits
        b = original.tagger(original.tagger.encode(original.tokenizer, words)).tag_logits
    assert torch.allclose(a, b, atol=5e-2)
    size = sum(p.stat().st_size for p in out.rglob("*.safetensors"))
    full = sum(p.stat().st_size for p in model.rglob("*.safetensors"))
    assert size < full * 0.6


def test_export_with_a_delta_stores_only_the_trained_blocks(tmp_path, monkeypatch):
    import pytest
    from safetensors.torch import load_file

    from writer_app.inference.errors import ModelLoadError
    from writer_app.inference.grammar import checkpoint

    encoder = make_tiny_bert(tmp_path / "bert")
    data = _write_dataset(tmp_path / "data")
    model = tmp_path / "model"
    train_tagger(_config(data, model, encoder, max_steps=3, eval_every=3, train_layers=1),
                 _quiet)
    monkeypatch.setattr(checkpoint, "packaged_encoder_path", lambda: encoder)
    out = export(model, tmp_path / "shipped", None, base_encoder=encoder)
    delta = load_file(str(out / checkpoint.DELTA_FILE))
    assert delta and all(".layer.1." in key for key in delta)  # the top of two blocks
    assert not (out / "encoder").exists()
    words = [["we", "walked", "along", "the", "river", "river"]]
    exported, original = load_tagger(out), load_tagger(model)
    with torch.no_grad():
        a = exported.tagger(exported.tagger.encode(exported.tokenizer, words)).tag_logits
        b = original.tagger(original.tagger.encode(original.tokenizer, words)).tag_logits
    assert torch.allclose(a, b, atol=5e-2)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config["encoder_sha256"] = "0" * 64  # as if trained on other encoder weights
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="another version of the encoder"):
        load_tagger(out)
