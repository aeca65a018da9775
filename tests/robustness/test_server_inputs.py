"""The server under generated and hostile input: never a server error, and every match
a valid, non-overlapping UTF-16 span of the text as sent."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeGrammarChecker
from tests.unit.server.conftest import serving

WORDS = st.sampled_from(["teh", "wrold", "she go", "an cat", "very very", "ok", "😀", "é",
                         "\r\n", "\n", "\r", "\ufeff", "\t", " ", "<b>", "&amp;", "\u200d",
                         "\U0001f469\u200d\U0001f4bb", "x" * 30])


@pytest.fixture(scope="module")
def url():
    with serving(FakeGrammarChecker()) as (base, _):
        yield base


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _assert_valid(result: dict, sent: str) -> None:
    spans = [(m["offset"], m["offset"] + m["length"]) for m in result["matches"]]
    assert all(0 <= start < end <= _utf16_units(sent) for start, end in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    for match in result["matches"]:
        context = match["context"]
        assert 0 <= context["offset"] <= _utf16_units(context["text"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WORDS, max_size=25).map(" ".join), st.sampled_from(["GET", "POST"]))
def test_any_text_gives_valid_matches(url, text, method):
    params = {"text": text, "language": "en-US", "level": "picky"}
    response = (httpx.get(f"{url}/v2/check", params=params, timeout=30) if method == "GET"
                else httpx.post(f"{url}/v2/check", data=params, timeout=30))
    assert response.status_code == 200, response.text
    _assert_valid(response.json(), text)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.builds(lambda t: {"text": t}, st.lists(WORDS, max_size=5)
                                    .map(" ".join)),
                          st.builds(lambda m, i: {"markup": m, "interpretAs": i},
                                    st.sampled_from(["<p>", "<br/>", "</b>", "&nbsp;"]),
                                    st.sampled_from(["", "\n", "\n\n", " "]))),
                max_size=12))
def test_any_annotation_gives_valid_matches(url, annotation):
    sent = "".join(part.get("text", part.get("markup", "")) for part in annotation)
    response = httpx.post(f"{url}/v2/check", timeout=30, data={
        "data": json.dumps({"annotation": annotation}), "language": "en"})
    assert response.status_code == 200, response.text
    _assert_valid(response.json(), sent)


@pytest.mark.parametrize("body", [
    b"text=%ff%fe&language=en",  # not UTF-8 once decoded
    b"\xff\xfe\x00",
    b"text=a&language=en&text=b",  # a repeated parameter: the last one counts
    b"language=en&data=" + b"%5B" * 2000,  # deeply nested JSON
    b"language=en&data=%7B%22annotation%22%3A%5B%7B%22text%22%3A5%7D%5D%7D",
])
def test_hostile_form_bodies_are_answered_without_a_server_error(url, body):
    response = httpx.post(f"{url}/v2/check", content=body, timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (200, 400), response.text


@pytest.mark.parametrize("body", [
    b"", b"null", b"[]", b'{"prompt": null}', b'{"messages": "hi"}',
    b'{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}',
    b'{"prompt": "x", "max_tokens": 1e309}', b'{"prompt": "x", "stop": [1]}',
    b'{"prompt": "x", "temperature": NaN}', b"\xff",
])
def test_hostile_openai_bodies_are_refused_or_unavailable(url, body):
    for path in ("/v1/completions", "/v1/chat/completions"):
        response = httpx.post(f"{url}{path}", content=body, timeout=30,
                              headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 503), (path, body, response.text)
        assert "error" in response.json()
