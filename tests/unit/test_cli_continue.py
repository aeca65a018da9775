"""`writer-app continue`: bad input is one clear line and exit status 2."""

from __future__ import annotations

import pytest

from writer_app.cli import main


@pytest.mark.parametrize("argv, message", [
    (["continue", "   "], "nothing to continue"),
    (["continue", "--max-new-tokens", "0", "Hello"], "--max-new-tokens"),
    (["continue", "--seed", "0", "Hello"], "--seed"),
])
def test_bad_input_is_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("writer-app: error:") and message in err
    assert err.strip().count("\n") == 0


def test_a_missing_model_is_one_line(tmp_path, capsys):
    assert main(["continue", "--model", str(tmp_path / "nope"), "Hello there"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("writer-app: error:") and "does not exist" in err[-1]
