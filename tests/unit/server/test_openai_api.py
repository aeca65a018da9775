"""/v1 with the real openai client over a tiny random Llama (CompletionEngine)."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.unit.server.conftest import serving
from writer_app.core.requests import GenerationParams


@pytest.fixture(scope="module")
def server(tiny_engine):
    with serving(engine=tiny_engine) as (url, services):
        yield url, services


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=f"{server[0]}/v1", api_key="unused", max_retries=0,
                         timeout=60)


def _greedy_text(engine, prompt: str, tokens: int) -> str:
    ids = engine.encode_context(prompt)
    params = GenerationParams(max_new_tokens=tokens, stop_at_sentence_end=False,
                              multiline=True)
    return engine.tokenizer.decode(engine.generate_ids(ids, params), skip_special_tokens=True)


def test_models_list(client):
    assert [model.id for model in client.models.list()] == ["tiny-llama"]


def test_completion_is_the_models_greedy_text(client, tiny_engine):
    answer = client.completions.create(model="anything", prompt="The quick brown",
                                       max_tokens=12, temperature=0)
    choice = answer.choices[0]
    assert choice.text == _greedy_text(tiny_engine, "The quick brown", 12)
    assert answer.model == "tiny-llama" and answer.object == "text_completion"
    assert answer.usage.completion_tokens <= 12
    assert answer.usage.prompt_tokens == len(tiny_engine.encode_context("The quick brown"))
    assert choice.finish_reason == ("length" if answer.usage.completion_tokens == 12 else "stop")


def test_streamed_completion_adds_up_to_the_same_text(client):
    kwargs = {"model": "m", "prompt": "She sells sea", "max_tokens": 10, "temperature": 0}
    whole = client.completions.create(**kwargs).choices[0].text
    chunks = list(client.completions.create(stream=True, **kwargs))
    assert "".join(chunk.choices[0].text for chunk in chunks) == whole
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert all(chunk.choices[0].finish_reason is None for chunk in chunks[:-1])


def test_seeded_sampling_repeats(client):
    kwargs = {"model": "m", "prompt": "A journey of", "max_tokens": 10, "temperature": 1.5,
              "seed": 7}
    first = client.completions.create(**kwargs).choices[0].text
    assert client.completions.create(**kwargs).choices[0].text == first


def test_stop_strings_end_the_text_before_them(client, tiny_engine):
    free = client.completions.create(model="m", prompt="The weather today", max_tokens=16,
                                     temperature=0).choices[0].text
    if len(free.strip()) < 3:
        pytest.skip("the random model ended at once")
    stop = free.strip()[1:3]
    answer = client.completions.create(model="m", prompt="The weather today", max_tokens=16,
                                       temperature=0, stop=[stop, "zzzz"])
    text = answer.choices[0].text
    assert text == free[: free.index(stop)] and answer.choices[0].finish_reason == "stop"
    streamed = client.completions.create(model="m", prompt="The weather today", max_tokens=16,
                                         temperature=0, stop=stop, stream=True)
    assert "".join(chunk.choices[0].text for chunk in streamed) == text


def test_chat_uses_the_chat_template(client, tiny_engine):
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say hello."}]
    answer = client.chat.completions.create(model="m", messages=messages, max_tokens=8,
                                            temperature=0)
    prompt = tiny_engine.tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                       tokenize=False)
    assert prompt.endswith("<assistant>")
    ids = tiny_engine.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    params = GenerationParams(max_new_tokens=8, stop_at_sentence_end=False, multiline=True)
    expected = tiny_engine.tokenizer.decode(tiny_engine.generate_ids(ids, params),
                                            skip_special_tokens=True)
    message = answer.choices[0].message
    assert (message.role, message.content) == ("assistant", expected)
    assert answer.usage.prompt_tokens == len(ids)
    stream = client.chat.completions.create(model="m", messages=messages, max_tokens=8,
                                            temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert content == expected
    assert chunks[-1].usage.completion_tokens == answer.usage.completion_tokens


def test_chat_without_a_template_is_refused(tiny_engine, server):
    template, tiny_engine.tokenizer.chat_template = tiny_engine.tokenizer.chat_template, None
    try:
        response = httpx.post(f"{server[0]}/v1/chat/completions", json={
            "model": "m", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 400
        assert "chat template" in response.json()["error"]["message"]
    finally:
        tiny_engine.tokenizer.chat_template = template


@pytest.mark.parametrize(("body", "param"), [
    ({"prompt": ["a", "b"]}, "prompt"),
    ({"prompt": [1, 2, 3]}, "prompt"),
    ({"prompt": "x", "n": 2}, "n"),
    ({"prompt": "x", "max_tokens": 0}, "max_tokens"),
    ({"prompt": "x", "temperature": 3}, "temperature"),
    ({"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"prompt": "x", "seed": "seven"}, "seed"),
])
def test_bad_completion_requests_are_refused(server, body, param):
    response = httpx.post(f"{server[0]}/v1/completions", json={"model": "m", **body})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_bad_bodies_and_messages_are_refused(server):
    url = server[0]
    assert httpx.post(f"{url}/v1/completions", content=b"{oops").status_code == 400
    assert httpx.post(f"{url}/v1/completions", json=[1]).status_code == 400
    bad = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"content": "x"}]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "messages"


def test_max_tokens_is_capped_by_the_server(tiny_engine):
    from writer_app.server.config import ServeConfig

    with serving(engine=tiny_engine, config=ServeConfig(port=0, max_tokens=3)) as (url, _):
        answer = httpx.post(f"{url}/v1/completions", json={
            "prompt": "The quick", "max_tokens": 500, "temperature": 0}).json()
        assert answer["usage"]["completion_tokens"] <= 3


def test_without_a_model_there_is_nothing_to_list_or_run(checker):
    with serving(checker) as (url, _):
        assert httpx.get(f"{url}/v1/models").json() == {"object": "list", "data": []}
        response = httpx.post(f"{url}/v1/completions", json={"prompt": "x"})
        assert response.status_code == 503

