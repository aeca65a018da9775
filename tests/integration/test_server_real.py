"""`writer-app serve` as a process on the real models, used by the real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import language_tool_python
import openai
import pytest
from language_tool_python.utils import correct

from writer_app.inference.grammar.checker import default_model_path
from writer_app.inference.grammar.factory import CheckerOptions, build_checker

pytestmark = pytest.mark.slow

PARAGRAPH = ("Ça va 😀 I recieved teh letter yesterday. My sister have just buyed a new car.\r\n"
             "He is interested about photography, and she go to school every day.\r\n"
             "They left there coats in the hall.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not (default_model_path() / "config.json").is_file():
        pytest.skip("the shipped grammar model is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "writer_app", "serve", "--port", str(port)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=os.environ.copy())
    deadline = time.monotonic() + 600
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "writer-app: serving" in line:
            break
    if "writer-app: serving" not in "".join(lines):
        process.kill()
        pytest.fail("the server did not start:\n" + "".join(lines[-20:]))
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_language_tool_python_corrects_a_paragraph_as_the_checker_does(server):
    tool = language_tool_python.LanguageTool("en-US", remote_server=server)
    try:
        tool.picky = True  # every edit, as `writer-app correct` applies them
        matches = tool.check(PARAGRAPH)
        fixed = correct(PARAGRAPH, matches)
    finally:
        tool.close()
    expected = "\r\n".join(_reference().correct(PARAGRAPH.split("\r\n")))
    assert fixed == expected
    assert "received the letter" in fixed and "has just bought" in fixed
    assert "left their coats" in fixed  # the confusion layer, scored by the completion model
    assert all(m.rule_id.isupper() and not m.rule_id.startswith("$") for m in matches)


def _reference():
    """The editor's checker (the same factory), en-US, with the embedded model judging
    confusable words, as the server loads it by default."""
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.registry import load_causal_lm

    loaded = load_causal_lm(ModelSpec("default", "cpu"))
    return build_checker(CheckerOptions(variant="en-US"),
                         language_model=(loaded.model, loaded.tokenizer))


@pytest.mark.parametrize(("language", "flagged"), [
    ("en-US", ["colour"]), ("en-GB", ["flavor"]), ("en", [])])
def test_each_request_gets_the_variant_it_names(server, language, flagged):
    import httpx

    text = "The colour of the flavor was fine."
    result = httpx.post(f"{server}/v2/check", data={"text": text, "language": language},
                        timeout=120).json()
    assert [text[m["offset"]:m["offset"] + m["length"]] for m in result["matches"]] == flagged


def test_openai_client_completes_and_chats_with_the_embedded_model(server):
    client = openai.OpenAI(base_url=f"{server}/v1", api_key="unused", max_retries=0,
                           timeout=300)
    (model,) = client.models.list()
    assert "SmolLM2" in model.id
    answer = client.completions.create(model=model.id, prompt="The capital of France is",
                                       max_tokens=8, temperature=0)
    assert answer.choices[0].text.strip() and answer.usage.completion_tokens <= 8
    streamed = client.completions.create(model=model.id, prompt="The capital of France is",
                                         max_tokens=8, temperature=0, stream=True)
    assert "".join(c.choices[0].text for c in streamed) == answer.choices[0].text
    messages = [{"role": "user", "content": "What is the capital of France? One word."}]
    chat = client.chat.completions.create(model=model.id, messages=messages, max_tokens=12,
                                          temperature=0)
    assert "Paris" in chat.choices[0].message.content
    assert chat.usage.prompt_tokens > len(messages[0]["content"].split())  # the template
