"""Every refusal: Host, Origin, token, size, concurrency and time; and no text in logs."""

from __future__ import annotations

import logging
import socket
import threading
import time

import httpx
import openai
import pytest

from tests.fakes import FakeGrammarChecker
from tests.unit.server.conftest import serving
from writer_app import cli
from writer_app.server.config import ServeConfig, host_header_name, is_loopback

EXTENSION = "chrome-extension://abcdefghijklmnop"


def _check(url: str, **kwargs) -> httpx.Response:
    data = kwargs.pop("data", {"text": "teh cat", "language": "en-US"})
    return httpx.post(f"{url}/v2/check", data=data, **kwargs)


@pytest.mark.parametrize(("host", "allowed"), [
    ("localhost", True), ("127.0.0.1", True), ("[::1]", True), ("LOCALHOST", True),
    ("evil.example", False), ("127.0.0.1.evil.example", False), ("10.0.0.5", False),
])
def test_host_header_must_be_loopback(lt_server, host, allowed):
    port = lt_server.rsplit(":", 1)[1]
    response = _check(lt_server, headers={"Host": f"{host}:{port}"})
    assert response.status_code == (200 if allowed else 403)


def test_a_request_without_host_is_refused(lt_server):
    port = int(lt_server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /v2/languages HTTP/1.0\r\n\r\n")
        reply = sock.recv(200)
    assert reply.split(b"\r\n")[0].endswith(b"403 Forbidden")


def test_host_names_and_loopback():
    assert host_header_name("[::1]:8081") == "::1"
    assert host_header_name("Example.COM") == "example.com"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    config = ServeConfig(host="192.168.1.2", token="t", allowed_hosts=("writer.lan",))
    assert {"192.168.1.2", "writer.lan", "localhost"} <= config.host_names()


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:3000",
                                    "chrome-extension://x/../evil"])
def test_web_origins_are_refused(lt_server, origin):
    assert _check(lt_server, headers={"Origin": origin}).status_code == 403
    preflight = httpx.options(f"{lt_server}/v2/check", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403


@pytest.mark.parametrize("origin", [EXTENSION, "moz-extension://1234-abcd",
                                    "safari-web-extension://ABC123"])
def test_browser_extensions_may_call_and_get_their_origin_back(lt_server, origin):
    response = _check(lt_server, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    preflight = httpx.options(f"{lt_server}/v2/check", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "*" not in preflight.headers.get("access-control-allow-origin", "")


def test_configured_origins_are_allowed(checker):
    config = ServeConfig(port=0, allowed_origins=("app://obsidian.md",))
    with serving(checker, config=config) as (url, _):
        response = _check(url, headers={"Origin": "app://obsidian.md"})
        assert response.headers["access-control-allow-origin"] == "app://obsidian.md"
        assert _check(url, headers={"Origin": "app://other.md"}).status_code == 403


def test_token_as_bearer_or_api_key(checker, tiny_engine):
    config = ServeConfig(port=0, token="s3cret")
    with serving(checker, tiny_engine, config=config) as (url, _):
        assert httpx.get(f"{url}/v2/languages").status_code == 200  # public
        assert _check(url).status_code == 401
        assert _check(url, data={"text": "teh", "language": "en", "apiKey": "nope"}
                      ).status_code == 401
        assert _check(url, data={"text": "teh", "language": "en", "apiKey": "s3cret"}
                      ).status_code == 200
        assert _check(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert httpx.get(f"{url}/v1/models").status_code == 401
        wrong = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer s3cre"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="bad", max_retries=0).models.list()
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret", max_retries=0)
        assert [m.id for m in client.models.list()] == ["tiny-llama"]


def test_non_loopback_host_needs_a_token(capsys):
    assert ServeConfig(host="0.0.0.0").problem() is not None
    assert ServeConfig(host="0.0.0.0", token="t").problem() is None
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-completion"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("writer-app: error: ") and "--token" in err and err.count("\n") == 1


def test_a_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port), "--no-completion"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("writer-app: error: cannot listen on 127.0.0.1") and \
        err.count("\n") == 1


def test_sizes_over_the_limits_are_refused(checker, tiny_engine):
    config = ServeConfig(port=0, max_check_chars=50, max_body_bytes=4000,
                         max_prompt_chars=20)
    with serving(checker, tiny_engine, config=config) as (url, _):
        assert _check(url, data={"text": "teh " * 12, "language": "en"}).status_code == 200
        too_long = _check(url, data={"text": "teh " * 13, "language": "en"})
        assert too_long.status_code == 413 and "at most 50" in too_long.text
        declared = _check(url, data={"text": "x" * 5000, "language": "en"})
        assert declared.status_code == 413

        def chunks():  # no Content-Length: counted as it arrives
            yield b"language=en&text="
            for _ in range(10):
                yield b"x" * 1000

        streamed = httpx.post(f"{url}/v2/check", content=chunks(), headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert streamed.status_code == 413
        prompt = httpx.post(f"{url}/v1/completions", json={"prompt": "x" * 21})
        assert prompt.status_code == 413


def test_too_many_requests_at_once(checker):
    checker.gate = threading.Event()
    config = ServeConfig(port=0, max_concurrent=2)
    with serving(checker, config=config) as (url, _):
        results = []
        callers = [threading.Thread(target=lambda: results.append(_check(url).status_code))
                   for _ in range(2)]
        for caller in callers:
            caller.start()
        assert checker.started.wait(10)
        time.sleep(0.2)  # both requests are inside the server
        busy = _check(url)
        assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
        checker.gate.set()
        for caller in callers:
            caller.join(10)
        assert results == [200, 200]
        assert _check(url).status_code == 200


def test_checks_and_completions_that_take_too_long(tiny_engine):
    slow = FakeGrammarChecker()
    slow.gate = threading.Event()
    config = ServeConfig(port=0, check_timeout_s=0.3, generate_timeout_s=0.0)
    with serving(slow, tiny_engine, config=config) as (url, _):
        late = _check(url)
        assert late.status_code == 503 and "too long" in late.text
        slow.gate.set()
        response = httpx.post(f"{url}/v1/completions", json={"prompt": "The", "max_tokens": 50})
        assert response.status_code == 504
        streamed = httpx.post(f"{url}/v1/completions", json={
            "prompt": "The", "max_tokens": 50, "stream": True})
        assert streamed.status_code == 504


SECRET = "Zanzibarquux"


def test_the_text_is_never_logged(checker, tiny_engine, capfd):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if not record.name.startswith(("httpx", "httpcore", "openai")):  # the clients
                records.append(f"{record.name}: {self.format(record)}")

    handler = Keep(logging.DEBUG)
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "writer_app",
             "writer_app.server"]
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        with serving(checker, tiny_engine) as (url, _):
            text = f"teh {SECRET} wrold"
            assert _check(url, data={"text": text, "language": "en"}).status_code == 200
            httpx.get(f"{url}/v2/check", params={"text": text, "language": "en"})
            httpx.get(f"{url}/v2/{SECRET}")  # an unknown path is not logged either
            checker.fail_with = RuntimeError(f"failed on {SECRET}")
            assert _check(url, data={"text": text, "language": "en"}).status_code == 500
            httpx.post(f"{url}/v1/completions", json={"prompt": SECRET, "max_tokens": 3})
            httpx.post(f"{url}/v1/chat/completions", json={
                "messages": [{"role": "user", "content": SECRET}], "max_tokens": 3})
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(saved[name])
    out, err = capfd.readouterr()
    assert any("POST /v2/check 200" in line for line in records)
    assert any("RuntimeError" in line for line in records)  # the failure is logged...
    assert not [line for line in records if SECRET in line]  # ...but never the text
    assert SECRET not in out and SECRET not in err


def test_a_non_loopback_host_with_a_token_prints_a_warning(monkeypatch, capsys):
    """(No socket is opened beyond loopback: the server is replaced by a recorder.)"""
    from writer_app.commands import serve as command
    from writer_app.server import runner
    from writer_app.server.standalone import LoadedEngines

    served = {}

    class Recorder:
        def __init__(self, app, host, port):
            served.update(host=host, port=port)
            self.url = f"http://{host}:{port}"

        def use(self, app):
            served["app"] = app

        def run(self):
            served["ran"] = True

    monkeypatch.setattr(runner, "ServerThread", Recorder)
    monkeypatch.setattr(command, "_load", lambda args: LoadedEngines(FakeGrammarChecker()))
    status = cli.main(["serve", "--host", "192.0.2.7", "--token", "t", "--no-completion"])
    err = capsys.readouterr().err
    assert status == 0 and served["ran"] and served["host"] == "192.0.2.7"
    assert "writer-app: warning: listening on 192.0.2.7" in err
    assert "LanguageTool API at http://192.0.2.7:8081/v2" in err and "OpenAI" not in err


def test_a_model_that_does_not_load_is_one_line_and_exit_2(capsys, tmp_path):
    status = cli.main(["serve", "--port", "0", "--no-completion", "--grammar-model",
                       str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("writer-app: error: ") == 1
    assert "missing" in err.splitlines()[-1] and "Traceback" not in err
