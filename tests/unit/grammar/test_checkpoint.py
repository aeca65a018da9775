"""Our checkpoint layout, the gector (gotutiyan) layout, and broken folders."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from torch import nn

from tests.unit.grammar.conftest import make_encoder, make_tokenizer, random_tagger
from writer_app.inference.errors import ModelLoadError
from writer_app.inference.grammar import checkpoint
from writer_app.inference.grammar.checkpoint import (
    PACKAGED_ENCODER,
    TaggerSettings,
    load_any,
    load_gector_checkpoint,
    load_tagger,
    save_tagger,
)

SENTENCES = [["the", "quick", "brown", "fox"], ["she", "sells", "sea", "shells", "."]]


def _outputs(tagger, tokenizer):
    with torch.no_grad():
        return tagger(tagger.encode(tokenizer, SENTENCES))


def test_round_trip_with_encoder_in_folder(tiny_bert_dir, tiny_tokenizer, tmp_path):
    tagger = random_tagger(tiny_bert_dir, seed=3)
    settings = TaggerSettings(keep_confidence=0.2, min_error_probability=0.4)
    save_tagger(tmp_path / "m", tagger, tiny_tokenizer, settings=settings)
    assert (tmp_path / "m" / "encoder" / "config.json").exists()
    loaded = load_tagger(tmp_path / "m")
    assert loaded.settings == settings
    assert loaded.tagger.vocabulary == tagger.vocabulary
    assert loaded.tagger.case_feature_names == tagger.case_feature_names
    before, after = _outputs(tagger, tiny_tokenizer), _outputs(loaded.tagger, loaded.tokenizer)
    torch.testing.assert_close(after.tag_logits, before.tag_logits)
    torch.testing.assert_close(after.detect_probs, before.detect_probs)


def test_packaged_encoder_reference_stores_heads_only(
    tiny_bert_dir, tiny_tokenizer, tmp_path, monkeypatch
):
    monkeypatch.setattr(checkpoint, "packaged_encoder_path", lambda: tiny_bert_dir)
    tagger = random_tagger(tiny_bert_dir, seed=4)
    folder = save_tagger(tmp_path / "m", tagger, tiny_tokenizer, encoder_reference=PACKAGED_ENCODER)
    assert not (folder / "encoder").exists()
    assert json.loads((folder / "config.json").read_text())["encoder"] == PACKAGED_ENCODER
    loaded = load_any(folder)
    torch.testing.assert_close(
        _outputs(loaded.tagger, loaded.tokenizer).tag_logits,
        _outputs(tagger, tiny_tokenizer).tag_logits,
    )


# --- gector layout --------------------------------------------------------------------------

GECTOR_LABELS = ["<OOV>", "$KEEP", "$DELETE", "$APPEND_the", "$TRANSFORM_CASE_CAPITAL",
                 "$REPLACE_a", "<PAD>"]
D_LABELS = ["$CORRECT", "$INCORRECT", "<PAD>"]


class ReferenceGector(nn.Module):
    """The gector model's structure: bert + label_proj_layer + d_proj_layer."""

    def __init__(self, encoder) -> None:
        super().__init__()
        self.bert = encoder
        hidden = encoder.config.hidden_size
        self.label_proj_layer = nn.Linear(hidden, len(GECTOR_LABELS) - 1)  # no <PAD> row
        self.d_proj_layer = nn.Linear(hidden, len(D_LABELS) - 1)

    def forward(self, input_ids, attention_mask):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.label_proj_layer(hidden), self.d_proj_layer(hidden)


def _write_gector(tiny_bert_dir, folder, weights: str = "safetensors") -> ReferenceGector:
    folder.mkdir()
    tokenizer = make_tokenizer(tiny_bert_dir)
    tokenizer.add_tokens(["$START"])
    tokenizer.save_pretrained(folder)
    encoder = make_encoder(tiny_bert_dir)
    encoder.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    encoder.config.save_pretrained(folder / "encoder-config")
    torch.manual_seed(5)
    model = ReferenceGector(encoder).eval()
    with torch.no_grad():
        for layer in (model.label_proj_layer, model.d_proj_layer):
            layer.weight.normal_(0, 2.0)
            layer.bias.normal_(0, 1.0)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if weights == "safetensors":
        from safetensors.torch import save_file

        save_file(state, str(folder / "model.safetensors"))
    else:
        torch.save(state, folder / "pytorch_model.bin")
    label2id = {label: i for i, label in enumerate(GECTOR_LABELS)}
    d_label2id = {label: i for i, label in enumerate(D_LABELS)}
    config = {
        "model_id": "encoder-config", "label2id": label2id,
        "id2label": {str(i): label for label, i in label2id.items()},
        "d_label2id": d_label2id, "d_id2label": {str(i): k for k, i in d_label2id.items()},
        "keep_label": "$KEEP", "correct_label": "$CORRECT", "incorrect_label": "$INCORRECT",
        "label_pad_token": "<PAD>", "label_oov_token": "<OOV>", "max_length": 80,
        "has_add_pooling_layer": True, "is_official_model": False,
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return model


@pytest.mark.parametrize("weights", ["safetensors", "bin"])
def test_gector_layout_gives_the_saved_models_outputs(tiny_bert_dir, tmp_path, weights):
    reference = _write_gector(tiny_bert_dir, tmp_path / "g", weights)
    loaded = load_any(tmp_path / "g")
    tagger, tokenizer = loaded.tagger, loaded.tokenizer
    assert loaded.settings.split_contractions
    assert tagger.vocabulary.tags == ("$KEEP", "$DELETE", "$APPEND_the",
                                      "$TRANSFORM_CASE_CAPITAL", "$REPLACE_a")
    batch = tagger.encode(tokenizer, SENTENCES)
    # "$START" is the tokenizer's added token: one sub-token right after [CLS].
    assert batch.input_ids[0, 1] == tokenizer.convert_tokens_to_ids("$START")
    with torch.no_grad():
        ours = tagger(batch)
        labels, detect = reference(batch.input_ids, batch.attention_mask)
    index = batch.word_index.unsqueeze(-1)
    labels = labels.gather(1, index.expand(-1, -1, labels.size(-1)))
    detect = detect.gather(1, index.expand(-1, -1, detect.size(-1)))
    rows = [GECTOR_LABELS.index(tag) for tag in tagger.vocabulary.tags]
    torch.testing.assert_close(ours.tag_logits, labels[..., rows])
    torch.testing.assert_close(ours.detect_probs, torch.softmax(detect, -1)[..., 1])


def test_gector_layout_without_encoder_config_is_a_clear_error(tiny_bert_dir, tmp_path):
    _write_gector(tiny_bert_dir, tmp_path / "g")
    config = json.loads((tmp_path / "g" / "config.json").read_text())
    config["model_id"] = "no-such-org/no-such-encoder"
    (tmp_path / "g" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="not available offline") as caught:
        load_gector_checkpoint(tmp_path / "g")
    assert "\n" not in str(caught.value)
    loaded = load_gector_checkpoint(tmp_path / "g", encoder_config=tmp_path / "g/encoder-config")
    assert len(loaded.tagger.vocabulary) == 5


# --- broken folders -------------------------------------------------------------------------


def _break(folder, how: str) -> None:
    if how == "missing-folder":
        shutil.rmtree(folder)
    elif how == "no-config":
        (folder / "config.json").unlink()
    elif how == "garbage-config":
        (folder / "config.json").write_text("{not json")
    elif how == "foreign-config":
        (folder / "config.json").write_text('{"model_type": "bert"}')
    elif how == "no-heads":
        (folder / "heads.safetensors").unlink()
    elif how == "corrupt-heads":
        (folder / "heads.safetensors").write_bytes(b"\x00" * 40)
    elif how == "no-encoder":
        shutil.rmtree(folder / "encoder")
    elif how == "bad-vocabulary":
        config = json.loads((folder / "config.json").read_text())
        config["vocabulary"]["tags"] = ["$DELETE"]
        (folder / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize(
    "how",
    ["missing-folder", "no-config", "garbage-config", "foreign-config", "no-heads",
     "corrupt-heads", "no-encoder", "bad-vocabulary"],
)
def test_broken_folder_raises_model_load_error(tiny_bert_dir, tiny_tokenizer, tmp_path, how):
    folder = save_tagger(tmp_path / "m", random_tagger(tiny_bert_dir), tiny_tokenizer)
    _break(folder, how)
    with pytest.raises(ModelLoadError) as caught:
        load_any(folder)
    message = str(caught.value)
    assert "\n" not in message and str(folder) in message


def test_gector_folder_without_weights(tiny_bert_dir, tmp_path):
    _write_gector(tiny_bert_dir, tmp_path / "g")
    (tmp_path / "g" / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="neither model.safetensors nor pytorch_model.bin"):
        load_any(tmp_path / "g")
