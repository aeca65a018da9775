"""writer-app serve: the engines are warmed before the first client, and Ctrl+C ends it
with a line, not a traceback."""

from __future__ import annotations

from writer_app import cli
from writer_app.commands import serve as command
from writer_app.server import runner
from writer_app.server.standalone import WARM_UP_TEXT, LoadedEngines, warm_up


class _Checker:
    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def check_many(self, texts):
        self.seen.append(list(texts))
        return [[] for _ in texts]


def test_warm_up_checks_one_short_text():
    checker = _Checker()
    warm_up(LoadedEngines(checker), "en-US")
    assert checker.seen == [[WARM_UP_TEXT]]
    warm_up(LoadedEngines(None), "en-US")  # nothing to warm: no error


def test_ctrl_c_stops_with_a_line_and_status_0(monkeypatch, capsys):
    class Interrupted:
        def __init__(self, app, host, port):
            self.url = f"http://{host}:{port}"

        def use(self, app):
            pass

        def run(self):
            raise KeyboardInterrupt

    monkeypatch.setattr(runner, "ServerThread", Interrupted)
    monkeypatch.setattr(command, "_load", lambda args: LoadedEngines(_Checker()))
    status = cli.main(["serve", "--no-completion"])
    err = capsys.readouterr().err
    assert status == 0 and "writer-app: stopped" in err and "Traceback" not in err
