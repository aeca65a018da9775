"""`writer-app correct` and `writer-app check`: line handling, JSON schema, exit codes."""

from __future__ import annotations

import io
import json
import re

import pytest
from language_tool_python.match import Match
from language_tool_python.utils import correct as lt_correct

from tests.unit.grammar.conftest import make_tokenizer, random_tagger
from writer_app import cli
from writer_app.inference.grammar import checker as checker_module
from writer_app.inference.grammar.checkpoint import save_tagger

LINES = [
    "I recieved teh package.",
    "",
    "Ça va 😀 — the wrold is big.",
    "   ",
    "He go to scool every day.",
]


@pytest.fixture(scope="module")
def model_dir(tiny_bert_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-model") / "m"
    return save_tagger(folder, random_tagger(tiny_bert_dir, seed=2), make_tokenizer(tiny_bert_dir))


@pytest.fixture
def input_file(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_default_model(monkeypatch, tmp_path):
    monkeypatch.setattr(checker_module, "default_model_path", lambda: tmp_path / "absent")


def _run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_correct_spelling_only_keeps_lines_and_order(capsys, input_file):
    status, out, err = _run(capsys, "correct", "--no-grammar", str(input_file))
    assert status == 0, err
    assert out.split("\n")[:-1] == [
        "I received the package.", "", "Ça va 😀 — the world is big.", "   ",
        "He go to school every day."]


def test_correct_with_a_model_keeps_line_count_and_matches_check(capsys, input_file, model_dir):
    status, out, err = _run(capsys, "correct", "--model", str(model_dir), str(input_file))
    assert status == 0, err
    corrected = out.split("\n")[:-1]
    assert len(corrected) == len(LINES)
    assert corrected[1] == "" and corrected[3] == "   "
    status, out, _ = _run(capsys, "check", "--json", "--model", str(model_dir), str(input_file))
    result = json.loads(out)
    text = input_file.read_text(encoding="utf-8")
    # language_tool_python applying the JSON's matches gives what `correct` printed
    matches = [Match(dict(m), text) for m in result["matches"]]
    assert lt_correct(text, matches).split("\n")[:-1] == corrected


def test_correct_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("teh cat\r\nno typo here"))
    status, out, _ = _run(capsys, "correct", "--no-grammar", "-")
    assert status == 0 and out == "the cat\nno typo here\n"


def test_check_json_schema_and_whole_input_offsets(capsys, input_file):
    status, out, err = _run(capsys, "check", "--json", "--no-grammar", str(input_file))
    assert status == 0, err
    result = json.loads(out)
    assert set(result) == {"software", "warnings", "language", "matches"}
    assert result["software"]["apiVersion"] == 1
    text = input_file.read_text(encoding="utf-8")
    found = [(_utf16(text, m["offset"], m["length"]), m["replacements"][0]["value"])
             for m in result["matches"]]
    assert found == [("recieved", "received"), ("teh", "the"), ("wrold", "world"),
                     ("scool", "school")]
    for match in result["matches"]:
        assert set(match) == {"message", "shortMessage", "offset", "length", "replacements",
                              "context", "sentence", "rule", "type",
                              "ignoreForIncompleteSentence", "contextForSureMatch"}
        assert match["rule"]["issueType"] == "misspelling"
        assert match["rule"]["id"] == "SPELLING"


def _utf16(text: str, offset: int, length: int) -> str:
    return text.encode("utf-16-le")[2 * offset : 2 * (offset + length)].decode("utf-16-le")


@pytest.mark.parametrize("stdin", [False, True])
def test_check_json_offsets_refer_to_the_bytes_as_sent(capsys, monkeypatch, tmp_path, stdin):
    sent = "\ufeffOk 😀 then.\r\nI recieved teh box.\r\n"
    path = tmp_path / "crlf.txt"
    path.write_bytes(sent.encode("utf-8"))
    if stdin:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(sent.encode("utf-8"))))
    status, out, err = _run(capsys, "check", "--json", "--no-grammar",
                            "-" if stdin else str(path))
    assert status == 0, err
    matches = json.loads(out)["matches"]
    assert [_utf16(sent, m["offset"], m["length"]) for m in matches] == ["recieved", "teh"]


def test_check_readable_list_has_line_and_column(capsys, input_file):
    status, out, _ = _run(capsys, "check", "--no-grammar", str(input_file))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("1:3  spelling  'recieved' -> 'received'")
    assert any(re.match(r"3:15  spelling  'wrold' -> 'world'", line) for line in lines)
    assert lines[-1].startswith("5:10  spelling  'scool' -> 'school'")


def test_check_without_issues_exits_zero(capsys, tmp_path):
    path = tmp_path / "fine.txt"
    path.write_text("All good here.\n", encoding="utf-8")
    assert _run(capsys, "check", "--no-grammar", str(path))[:2] == (0, "")
    status, out, _ = _run(capsys, "check", "--json", "--no-grammar", str(path))
    assert status == 0 and json.loads(out)["matches"] == []


@pytest.mark.parametrize("command", ["correct", "check"])
def test_missing_default_model_is_one_line_and_exit_2(capsys, input_file, command):
    status, out, err = _run(capsys, command, str(input_file))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "not installed at" in err


@pytest.mark.parametrize("command", ["correct", "check"])
def test_broken_model_and_unreadable_file_exit_2(capsys, tmp_path, input_file, command):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{", encoding="utf-8")
    status, _, err = _run(capsys, command, "--model", str(broken), str(input_file))
    assert status == 2 and err.count("\n") == 1
    binary = tmp_path / "bad.txt"
    binary.write_bytes(b"\xff\xfe\xfa not utf-8")
    status, _, err = _run(capsys, command, "--no-grammar", str(binary))
    assert status == 2 and "UTF-8" in err
    status, _, err = _run(capsys, command, "--no-grammar", str(tmp_path / "missing.txt"))
    assert status == 2 and "does not exist" in err


def test_both_layers_off_is_an_error(capsys, input_file):
    status, _, err = _run(capsys, "check", "--no-grammar", "--no-spelling", str(input_file))
    assert status == 2 and "nothing to check" in err


@pytest.mark.parametrize("stdin", [False, True])
def test_check_json_refuses_bad_input_in_one_line(capsys, monkeypatch, tmp_path, stdin):
    for data, options, words in ((b"\xff\xfe\xfa not utf-8", [], "UTF-8"),
                                 (b"bin\x00ary", [], "binary"),
                                 (b"x" * 200, ["--max-bytes", "100"], "limit")):
        path = tmp_path / "bad.txt"
        path.write_bytes(data)
        if stdin:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
        status, out, err = _run(capsys, "check", "--json", "--no-grammar", *options,
                                "-" if stdin else str(path))
        assert status == 2 and out == "" and err.count("\n") == 1, err
        assert err.startswith("writer-app: error: ") and words in err
