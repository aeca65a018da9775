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


def test_build_data_weights_error_kinds_and_takes_a_models_vocabulary(tmp_path, capsys):
    """--rate confusion=W gives confusion errors the weight W against the others' defaults
    (a rate of 0 leaves a kind out); --vocabulary-of writes that model's tags, so a model
    can go on training (--init) on the new data."""
    from writer_app.core.gec.tags import TagVocabulary

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 8, encoding="utf-8")
    model = tmp_path / "model"
    model.mkdir()
    tags = TagVocabulary.build({})  # the base tags only
    (model / "config.json").write_text(json.dumps({"vocabulary": json.loads(tags.to_json())}),
                                       encoding="utf-8")
    only = ["--rate", "confusion=5"] + [
        item for kind in ("article", "preposition", "verb_form", "agreement", "noun_number",
                          "comparative", "doubled_word", "typo", "capitalisation", "comma")
        for item in ("--rate", f"{kind}=0")]
    out = tmp_path / "data"
    assert grammar.main(["build-data", "--out", str(out), "--seed", "3", "--source",
                         str(corpus), "--no-default-sources", "--copies", "3", *only,
                         "--vocabulary-of", str(model)]) == 0
    report = json.loads((out / "sources.json").read_text(encoding="utf-8"))
    assert set(report["dataset"]["kinds"]) == {"confusion"}
    assert report["rates"]["confusion"] == 5.0
    assert TagVocabulary.load(out / "vocabulary.json").tags == tags.tags
    capsys.readouterr()
    assert grammar.main(["build-data", "--out", str(tmp_path / "bad"), "--rate",
                         "nonsense=2"]) == 2
    assert "nonsense" in capsys.readouterr().err
