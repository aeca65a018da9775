"""The robustness suite: bad input, injected faults and generated input (hypothesis).

Every command runs in this process through ``writer_app.cli.main`` under an alarm, so a
command that hangs (a FIFO read, an endless generation) fails its test instead of
stalling the suite. Models are the tiny random ones from tests/tiny_models.py.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
from dataclasses import dataclass

import pytest

from tests.tiny_models import make_tiny_gpt2, make_tiny_llama

TIME_BOUND_S = 60  # generous for a shared 2-core machine; a hang is what it catches


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("writer-app: error:")]

    def assert_one_clear_error(self) -> str:
        """Exit 2, one `writer-app: error:` line, no traceback; returns the line."""
        assert self.code == 2, (self.code, self.err[-2000:])
        assert "Traceback" not in self.err, self.err[-2000:]
        (line,) = self.error_lines()
        return line


class _TimeoutError(Exception):
    pass


def _alarm(_signum, _frame):
    raise _TimeoutError()


def run_cli(argv: list[str], stdin: bytes = b"", bound: int = TIME_BOUND_S) -> Outcome:
    """Run one command in-process with `stdin` as its standard input (bytes)."""
    from writer_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(bound)
    old_stdin = sys.stdin
    sys.stdin = fake_stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    except _TimeoutError:
        pytest.fail(f"writer-app {' '.join(argv[:3])} … did not finish within {bound} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        sys.stdin = old_stdin
    return Outcome(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory):
    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory):
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))
