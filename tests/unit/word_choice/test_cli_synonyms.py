"""`writer-app synonyms`: the JSON shape, stdin lines and bad input, on a tiny real model."""

from __future__ import annotations

import io
import json

import pytest

from tests.unit.word_choice.conftest import RESOURCE
from writer_app import cli
from writer_app.core import thesaurus as thesaurus_module


@pytest.fixture(autouse=True)
def this_trees_thesaurus(monkeypatch):
    monkeypatch.setattr(thesaurus_module, "default_path", lambda: RESOURCE)
    thesaurus_module.shipped_thesaurus.cache_clear()
    yield
    thesaurus_module.shipped_thesaurus.cache_clear()


def _run(capsys, monkeypatch, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _check_line(line: str, word: str, offset: int, top: int) -> dict:
    data = json.loads(line)
    assert list(data) == ["word", "offset", "suggestions"]
    assert (data["word"], data["offset"]) == (word, offset)
    suggestions = data["suggestions"]
    assert 0 < len(suggestions) <= top
    for item in suggestions:
        # "article" only where the word after "a"/"an" needs the other one
        assert set(item) - {"article"} == {"text", "score", "sense"}
        assert item.get("article", "a") in ("a", "an", "A", "An")
        assert isinstance(item["text"], str) and item["sense"]
        assert 0.0 <= item["score"] <= 1.0
    scores = [item["score"] for item in suggestions]
    assert scores == sorted(scores, reverse=True)
    return data


def test_json_for_one_sentence(capsys, monkeypatch, tiny_llama_dir):
    sentence = "She began to write a letter."
    code, out, err = _run(capsys, monkeypatch, ["synonyms", "--json", "--top", "5", "--model",
                                                str(tiny_llama_dir), sentence, "began"])
    assert code == 0, err
    data = _check_line(out.strip(), "began", 4, 5)
    texts = {item["text"] for item in data["suggestions"]}
    assert texts <= {"started", "commenced", "got", "got down", "started out", "set about",
                     "set out", "led off", "talked", "spoke", "uttered", "mouthed",
                     "verbalized", "achieved", "accomplished", "attained", "reached"}


def test_json_lines_from_standard_input(capsys, monkeypatch, tiny_llama_dir):
    lines = "It was a hot day.\thot\nThe bank refused the loan.\tbank\n"
    code, out, err = _run(capsys, monkeypatch, ["synonyms", "--json", "--model",
                                                str(tiny_llama_dir), "-"], lines)
    assert code == 0, err
    first, second = out.strip().splitlines()
    _check_line(first, "hot", 9, 8)
    _check_line(second, "bank", 4, 8)


def test_text_output_names_senses(capsys, monkeypatch, tiny_llama_dir):
    code, out, _ = _run(capsys, monkeypatch, ["synonyms", "--model", str(tiny_llama_dir),
                                              "An old house.", "old"])
    assert code == 0
    assert out.startswith("old:\n")


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["synonyms", "She began.", "ended"], "", "does not occur"),
    (["synonyms", "She began."], "", "WORD is missing"),
    (["synonyms", "--json", "-"], "no tab on this line\n", "line 1: expected"),
    (["synonyms", "--json", "-"], "", "no sentence<TAB>word lines"),
    (["synonyms", "--top", "0", "She began.", "began"], "", "--top"),
])
def test_bad_input_is_one_error_line_and_status_2(capsys, monkeypatch, argv, stdin, message):
    code, out, err = _run(capsys, monkeypatch, argv, stdin)
    assert code == 2 and out == ""
    assert err.startswith("writer-app: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
