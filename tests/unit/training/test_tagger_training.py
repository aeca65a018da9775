"""The tagger's training loop on a tiny random BERT and a tiny hand-made dataset."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch

from tests.tiny_models import make_tiny_bert
from writer_app.core.gec.tags import TagVocabulary
from writer_app.inference.grammar.checkpoint import load_tagger
from writer_app.training import grammar, tagger_training
from writer_app.training.dataset import Example
from writer_app.training.tagger_training import TrainConfig, train_tagger

PAIRS = [
    (["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"], None),
    (["she", "sells", "sea", "shells", "by", "the", "sea", "shore"], None),
    (["a", "journey", "of", "a", "thousand", "miles", "begins", "with", "a", "single", "step"],
     None),
    (["the", "the", "weather", "today", "is", "sunny"], (2, "$DELETE")),
    (["please", "send", "me", "report", "before", "the", "meeting"], (3, "$APPEND_the")),
    (["we", "walked", "along", "the", "river", "river"], (6, "$DELETE")),
    (["good", "writing", "is", "clear", "and", "easy", "too", "read"], (7, "$REPLACE_to")),
    (["it", "was", "the", "best", "of", "times"], (1, "$TRANSFORM_CASE_CAPITAL")),
]


def _example(words: list[str], edit: tuple[int, str] | None) -> Example:
    tags = ["$KEEP"] * (len(words) + 1)
    if edit:
        tags[edit[0]] = edit[1]
    return Example(tuple(words), tuple(tags), ("hand",) if edit else ())


def _write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    examples = [_example(w, e) for w, e in PAIRS]
    train = examples * 4
    lines = "\n".join(e.to_json() for e in train) + "\n"
    (folder / "train.jsonl").write_text(lines, encoding="utf-8")
    (folder / "valid.jsonl").write_text(
        "\n".join(e.to_json() for e in examples) + "\n", encoding="utf-8")
    # A vocabulary without "$REPLACE_to": that word is masked out of the tag loss.
    vocabulary = TagVocabulary.from_tag_lists(
        [t for e in examples for t in [e.tags] if "$REPLACE_to" not in t])
    vocabulary.save(folder / "vocabulary.json")
    return folder


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture
def data(tmp_path) -> Path:
    return _write_dataset(tmp_path / "data")


def _config(data: Path, out: Path, encoder: Path, **overrides) -> TrainConfig:
    settings = dict(data=data, out=out, encoder=str(encoder), max_steps=12, batch_size=8,
                    lr=1e-2, encoder_lr=1e-3, eval_every=6, log_every=1, seed=3,
                    device="cpu")
    settings.update(overrides)
    return TrainConfig(**settings)


def _quiet(*_args, **_fields) -> None:
    pass


def test_loss_falls_on_a_repeated_batch(encoder, data, tmp_path):
    config = _config(data, tmp_path / "out", encoder, warmup_share=0.0)
    trainer = tagger_training.Trainer(config, _quiet)
    batch = trainer.train_set[:8]
    losses = [trainer.step(batch, step) for step in range(12)]
    assert losses[-1] < losses[0] * 0.7


def test_unknown_tags_are_masked_out_of_the_tag_loss():
    vocabulary = TagVocabulary.from_tag_lists([["$KEEP", "$DELETE"]])
    example = _example(["too", "read"], (1, "$REPLACE_to"))
    labels = tagger_training.make_labels([example], vocabulary, torch.ones(1, 3, dtype=bool))
    assert labels.tags.tolist() == [[0, tagger_training.IGNORE, 0]]
    assert labels.detect.tolist() == [[0.0, 1.0, 0.0]]


def test_best_checkpoint_is_saved_and_loads(encoder, data, tmp_path):
    out = tmp_path / "model"
    result = train_tagger(_config(data, out, encoder, freeze_encoder_steps=6), _quiet)
    assert result.steps == 12 and not result.interrupted
    assert result.best["valid_loss"] == min(e["valid_loss"] for e in result.evals)
    card = (out / "model_card.md").read_text(encoding="utf-8")
    assert "seed: 3" in card and "hardware" in card and "valid_loss" in card
    assert "run so far: 12 steps" in card
    loaded = load_tagger(out)
    batch = loaded.tagger.encode(loaded.tokenizer, [["the", "lazy", "dog"]])
    output = loaded.tagger(batch)
    assert output.tag_logits.shape[:2] == (1, 4)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_interrupted_save_keeps_the_previous_model(encoder, data, tmp_path, monkeypatch):
    out = tmp_path / "model"
    train_tagger(_config(data, out, encoder, max_steps=6), _quiet)
    before = {p.name: p.stat().st_size for p in out.rglob("*")}
    real_save = tagger_training.save_tagger

    def broken_save(folder, *args, **kwargs):
        real_save(folder, *args, **kwargs)
        raise RuntimeError("killed while saving")

    monkeypatch.setattr(tagger_training, "save_tagger", broken_save)
    with pytest.raises(RuntimeError):
        train_tagger(_config(data, out, encoder, max_steps=6, seed=4), _quiet)
    assert {p.name: p.stat().st_size for p in out.rglob("*")} == before
    assert load_tagger(out) is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_interrupted_first_save_leaves_no_folder(encoder, data, tmp_path, monkeypatch):
    def broken_save(folder, *args, **kwargs):
        (Path(folder) / "config.json").write_text("{", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(tagger_training, "save_tagger", broken_save)
    with pytest.raises(KeyboardInterrupt):
        train_tagger(_config(data, tmp_path / "model", encoder, max_steps=6), _quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_stop_signal_ends_cleanly_with_the_best_so_far(encoder, data, tmp_path, monkeypatch):
    out = tmp_path / "model"
    trainer = tagger_training.Trainer(_config(data, out, encoder, max_steps=30), _quiet)
    real_step = trainer.step

    def step_then_sigterm(examples, step):
        if step == 7:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_step(examples, step)

    monkeypatch.setattr(trainer, "step", step_then_sigterm)
    result = trainer.run()
    assert result.interrupted and result.steps == 8
    assert result.best["step"] == 6
    assert load_tagger(out) is not None


def test_same_seed_same_losses(encoder, data, tmp_path):
    first = train_tagger(_config(data, tmp_path / "a", encoder, eval_every=100), _quiet)
    second = train_tagger(_config(data, tmp_path / "b", encoder, eval_every=100), _quiet)
    assert first.losses == second.losses
    other = train_tagger(_config(data, tmp_path / "c", encoder, eval_every=100, seed=9), _quiet)
    assert other.losses != first.losses


def test_cli_prints_json_lines(encoder, data, tmp_path, capsys):
    out = tmp_path / "model"
    status = grammar.main(["train", "--data", str(data), "--out", str(out),
                           "--encoder", str(encoder), "--max-steps", "4", "--eval-every", "2",
                           "--log-every", "1", "--batch-size", "8", "--device", "cpu"])
    assert status == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    progress = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in progress] == [1, 2, 3, 4]
    assert set(progress[0]) == {"event", "step", "loss", "lr", "elapsed_s"}
    evals = [e for e in events if e["event"] == "eval"]
    assert [e["step"] for e in evals] == [2, 4]
    assert {"valid_loss", "tag_accuracy"} <= set(evals[0])
    assert events[-1]["event"] == "done" and events[-1]["steps"] == 4
    assert (out / "config.json").exists()


def test_cli_without_a_dataset_says_so(tmp_path, capsys):
    status = grammar.main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert status == 2
    assert "build-data" in capsys.readouterr().err


def test_train_layers_unfreezes_only_the_top_blocks(encoder, data, tmp_path):
    trainer = tagger_training.Trainer(
        _config(data, tmp_path / "out", encoder, train_layers=1), _quiet)
    tagger_training.set_encoder_trainable(trainer.tagger, True, 1)
    layers = tagger_training.encoder_layers(trainer.tagger.encoder)
    assert len(layers) >= 2
    assert all(p.requires_grad for p in layers[-1].parameters())
    assert not any(p.requires_grad for p in layers[0].parameters())
    embeddings = trainer.tagger.encoder.get_input_embeddings()
    assert not any(p.requires_grad for p in embeddings.parameters())
    before = [p.detach().clone() for p in layers[0].parameters()]
    trainer.step(trainer.train_set[:8], 0)
    assert all(torch.equal(a, b) for a, b in zip(before, layers[0].parameters(), strict=True))


def test_init_continues_from_a_checkpoint_and_saves_its_encoder(encoder, data, tmp_path):
    first = tmp_path / "first"
    train_tagger(_config(data, first, encoder, max_steps=6), _quiet)
    heads = load_tagger(first).tagger.tag_head.weight.detach().clone()
    second = tmp_path / "second"
    config = _config(data, second, encoder, max_steps=2, eval_every=2, init=first,
                     train_layers=1)
    trainer = tagger_training.Trainer(config, _quiet)
    assert torch.equal(trainer.tagger.tag_head.weight, heads)
    trainer.run()
    assert (second / "encoder").is_dir()  # the tiny encoder is a folder, saved with it
    assert load_tagger(second).tagger.tag_head.weight.shape == heads.shape


def test_init_with_another_vocabulary_is_refused(encoder, data, tmp_path):
    first = tmp_path / "first"
    train_tagger(_config(data, first, encoder, max_steps=2, eval_every=2), _quiet)
    other = _write_dataset(tmp_path / "other")
    TagVocabulary.from_tag_lists([["$KEEP", "$DELETE", "$APPEND_a"]]).save(
        other / "vocabulary.json")
    with pytest.raises(ValueError, match="another tag vocabulary"):
        tagger_training.Trainer(_config(other, tmp_path / "x", encoder, init=first), _quiet)
