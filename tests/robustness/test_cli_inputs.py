"""Every command against bad input: one `writer-app: error:` line and exit 2, or a correct
result, within a time bound; never a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.conftest import run_cli
from writer_app.cli_input import CHECK_MAX_BYTES

SCRIPTS = ("Café 😀 naïve — שלום עולם. 東京は大きい。 cafe\u0301 e\u0301\u0301 "
           "مرحبا بالعالم. Zwölf Boxkämpfer jagen Viktor.\n")
TEXT_KINDS = {
    "empty": b"",
    "whitespace": b"  \n\t \n\n",
    "scripts": SCRIPTS.encode("utf-8"),
    "crlf": b"The keeper lit the lamp.\r\nThe gulls was loud.\r\n",
    "bom": b"\xef\xbb\xbfA line after a byte-order mark.\n",
}
BAD_KINDS = ("binary", "invalid-utf8", "folder", "missing", "dev-zero", "fifo", "huge-line",
             "nul")
# Every command that reads input, with FILE standing for the input's path.
COMMANDS = {
    "check": ["check", "FILE"],
    "correct": ["correct", "FILE", "--no-grammar"],
    "perplexity": ["perplexity", "FILE", "--model", "MODEL", "--device", "cpu"],
    "finetune": ["finetune", "--docs", "FILE", "--out", "OUT", "--model", "MODEL",
                 "--max-steps", "1", "--device", "cpu", "--context", "16"],
    "grammar-personalize": ["grammar-personalize", "--docs", "FILE", "--out", "OUT",
                            "--max-steps", "1"],
    "evaluate": ["evaluate", "FILE", "--model", "MODEL", "--device", "cpu", "--adapter", "",
                 "--positions", "3"],
}
STDIN_COMMANDS = {
    "complete": ["complete", "-", "--model", "MODEL", "--device", "cpu",
                 "--max-new-tokens", "3"],
    "check": ["check", "-", "--no-grammar"],
    "correct": ["correct", "-", "--no-grammar"],
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    paths = {}
    for kind, data in TEXT_KINDS.items():
        paths[kind] = folder / f"{kind}.txt"
        paths[kind].write_bytes(data)
    paths["binary"] = folder / "image.txt"
    paths["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    paths["invalid-utf8"] = folder / "latin1.txt"
    paths["invalid-utf8"].write_bytes("Crème brûlée\n".encode("latin-1"))
    paths["folder"] = folder / "chapters.txt"
    paths["folder"].mkdir()
    paths["missing"] = folder / "missing.txt"
    paths["dev-zero"] = "/dev/zero"
    paths["fifo"] = folder / "pipe.txt"
    os.mkfifo(paths["fifo"])  # nobody ever writes: reading it would hang
    paths["huge-line"] = folder / "huge.txt"
    paths["huge-line"].write_bytes(b"word " * (CHECK_MAX_BYTES // 5 + 1))  # one line
    paths["nul"] = folder / "nul.txt"
    paths["nul"].write_bytes(b"Plain text. " * 1000 + b"\x00 and more text.\n")  # past 8 KB
    return paths


def _argv(template, path, model, out):
    names = {"FILE": str(path), "MODEL": str(model), "OUT": str(out)}
    return [names.get(part, part) for part in template]


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_files_give_one_line_and_exit_2(command, kind, inputs, tiny_gpt2, tmp_path):
    if kind == "huge-line" and command == "finetune":
        pytest.skip("2 MB is a fine training text (it trains, in about 25 s)")
    outcome = run_cli(_argv(COMMANDS[command], inputs[kind], tiny_gpt2, tmp_path / "out"))
    outcome.assert_one_clear_error()
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("kind", TEXT_KINDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_odd_text_gives_a_correct_result_or_one_line(command, kind, inputs, tiny_gpt2,
                                                     tmp_path):
    outcome = run_cli(_argv(COMMANDS[command], inputs[kind], tiny_gpt2, tmp_path / "out"))
    if outcome.code == 2:
        outcome.assert_one_clear_error()
        return
    assert outcome.code == 0, outcome.err[-2000:]
    assert "Traceback" not in outcome.err
    text = TEXT_KINDS[kind].decode("utf-8-sig").replace("\r\n", "\n")
    if command == "check":
        assert all(re.match(r"^\d+:\d+  ", line) for line in outcome.out.splitlines())
    elif command == "correct":  # spelling may change words, never the lines
        assert outcome.out.count("\n") == _lines(text)
    elif command == "perplexity":
        assert re.search(r"^perplexity: \d+\.\d+$", outcome.out, re.M)
    elif command == "evaluate":
        assert re.search(r"^keystroke savings: \d+\.\d%", outcome.out, re.M)


@pytest.mark.parametrize("kind", ("binary", "invalid-utf8", "nul"))
@pytest.mark.parametrize("command", STDIN_COMMANDS)
def test_bad_bytes_on_standard_input_give_one_line(command, kind, inputs, tiny_gpt2):
    data = inputs[kind].read_bytes()
    outcome = run_cli(_argv(STDIN_COMMANDS[command], "-", tiny_gpt2, ""), stdin=data)
    line = outcome.assert_one_clear_error()
    assert "standard input" in line


@pytest.mark.parametrize("command", STDIN_COMMANDS)
def test_text_on_standard_input_works(command, tiny_gpt2):
    outcome = run_cli(_argv(STDIN_COMMANDS[command], "-", tiny_gpt2, ""),
                      stdin=TEXT_KINDS["scripts"])
    assert outcome.code == 0, outcome.err[-2000:]
    if command == "correct":
        assert outcome.out.count("\n") == 1


def test_a_long_line_is_checked_in_pieces_with_right_columns(tmp_path):
    line = "The keeper lit the lamp and watched the sea. " * 400 + "He saw a a gull."
    path = tmp_path / "long.txt"
    path.write_text(line + "\n", encoding="utf-8")
    outcome = run_cli(["check", str(path), "--no-grammar", "--json"])
    assert outcome.code == 0, outcome.err[-2000:]
    corrected = run_cli(["correct", str(path), "--no-grammar"])
    assert corrected.out == line + "\n"  # the pieces join up exactly


@pytest.mark.parametrize(("argv", "needle"), [
    (["complete", "Hi", "--max-new-tokens", "999999999"], "at most"),
    (["complete", "Hi", "--max-new-tokens", "0"], "at least 1"),
    (["complete", "Hi", "--max-new-tokens", "300"], "context of 256"),
    (["perplexity", "FILE", "--context", "100000"], "at most"),
    (["perplexity", "FILE", "--context", "1000"], "context of 256"),
    (["check", "FILE", "--max-bytes", "0"], "--max-bytes"),
    (["check", "FILE", "--max-bytes", "10"], "limit is 10 bytes"),
])
def test_options_are_capped_with_a_clear_message(argv, needle, inputs, tiny_gpt2):
    argv = [*_argv(argv, inputs["scripts"], tiny_gpt2, ""), "--model", str(tiny_gpt2)]
    if argv[0] == "check":
        argv = argv[:-2] + ["--no-grammar"]
    line = run_cli(argv).assert_one_clear_error()
    assert needle in line


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_bytes_on_standard_input(data):
    outcome = run_cli(["correct", "-", "--no-grammar"], stdin=data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        outcome.assert_one_clear_error()
    else:
        assert outcome.code == 0, outcome.err
        assert outcome.out.count("\n") == _lines(text)


@settings(max_examples=25, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    max_size=200))
def test_any_text_file_round_trips_through_correct(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "t.txt"
    path.write_bytes(text.encode("utf-8"))
    outcome = run_cli(["correct", str(path), "--no-grammar"])
    assert outcome.code == 0, outcome.err
    assert outcome.out.count("\n") == _lines(text)


def _lines(text: str) -> int:
    """Lines `correct` prints for `text`: one per line, none for no text."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return len(text.removesuffix("\n").split("\n")) if text else 0


@pytest.mark.parametrize("command", ["finetune", "grammar-personalize"])
def test_training_reads_at_most_max_bytes(command, inputs, tiny_gpt2, tmp_path):
    argv = [*_argv(COMMANDS[command], inputs["scripts"], tiny_gpt2, tmp_path / "out"),
            "--max-bytes", "20"]
    line = run_cli(argv).assert_one_clear_error()
    assert "limit is 20 bytes" in line
