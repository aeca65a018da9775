"""The build-data command on a small corpus file, then train on what it wrote."""

from __future__ import annotations

import json

from writer_app.training import grammar

TEXT = """\
The weather was cold, so we stayed at home and read books all afternoon.
My sister has always wanted to visit the old castle near the river.
The teacher explained the lesson again because nobody had understood it.
I think that this is the best restaurant in the whole town.
They have been working on the new bridge for almost two years now.
"""


def test_build_data_on_a_corpus_file(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    status = grammar.main(["build-data", "--out", str(out), "--limit", "4", "--seed", "3",
                           "--source", str(corpus), "--no-default-sources"])
    assert status == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(e["event"] == "progress" for e in events)
    assert events[-1]["event"] == "done"
    assert {p.name for p in out.iterdir()} == {"train.jsonl", "valid.jsonl", "vocabulary.json",
                                               "sources.json"}
    report = json.loads((out / "sources.json").read_text(encoding="utf-8"))
    assert report["sources"] == {"user documents": {"found": 5, "selected": 4}}
    assert report["dataset"]["sentences"] == 4


def test_train_on_built_data(tmp_path, capsys):
    from tests.tiny_models import make_tiny_bert

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    data, out = tmp_path / "data", tmp_path / "model"
    assert grammar.main(["build-data", "--out", str(data), "--seed", "3",
                         "--source", str(corpus), "--no-default-sources"]) == 0
    capsys.readouterr()
    encoder = make_tiny_bert(tmp_path / "bert")
    status = grammar.main(["train", "--data", str(data), "--out", str(out),
                           "--encoder", str(encoder), "--max-steps", "2", "--batch-size", "4",
                           "--device", "cpu"])
    assert status == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[-1]["event"] == "done" and events[-1]["steps"] == 2
    assert (out / "model_card.md").exists() and (out / "heads.safetensors").exists()
