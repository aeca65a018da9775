"""/v2 with real clients: language_tool_python and plain HTTP, over a scripted checker."""

from __future__ import annotations

import json

import httpx
import language_tool_python
import pytest
from language_tool_python.utils import correct

from tests.unit.server.conftest import serving

PARAGRAPH = ("Ça va 😀 — I recieve teh letter.\r\nThen she go to the wrold with an cat, "
             "very very happy.")
FIXED = ("Ça va 😀 — I receive the letter.\r\nThen she goes to the world with a cat, "
         "very happy.")


def _utf16(text: str, offset: int, length: int) -> str:
    return text.encode("utf-16-le")[2 * offset : 2 * (offset + length)].decode("utf-16-le")


def test_language_tool_python_checks_and_corrects(lt_server):
    tool = language_tool_python.LanguageTool("en-US", remote_server=lt_server)
    try:
        matches = tool.check(PARAGRAPH)
        assert [m.rule_id for m in matches] == [
            "SPELLING", "SPELLING", "FAKE_AGREEMENT", "SPELLING", "FAKE_ARTICLE_DETERMINER",
            "FAKE_REDUNDANCY"]
        assert correct(PARAGRAPH, matches) == FIXED
        tool.disabled_rules = {"SPELLING"}
        assert "SPELLING" not in {m.rule_id for m in tool.check(PARAGRAPH)}
    finally:
        tool.close()


def test_languages_lists_english_variants(lt_server):
    languages = httpx.get(f"{lt_server}/v2/languages").json()
    assert {entry["longCode"] for entry in languages} == {"en", "en-US", "en-GB"}


def test_offsets_are_utf16_of_the_text_as_sent(lt_server):
    sent = "\ufeff😀😀 teh\r\n\r\nwrold"
    result = httpx.post(f"{lt_server}/v2/check",
                        data={"text": sent, "language": "en-US"}).json()
    assert [_utf16(sent, m["offset"], m["length"]) for m in result["matches"]] == [
        "teh", "wrold"]
    assert result["matches"][0]["offset"] == 6  # BOM 1 + two emoji 4 + space 1
    assert result["language"]["code"] == "en-US"
    assert result["warnings"] == {"incompleteResults": False}


def test_get_with_query_parameters(lt_server):
    result = httpx.get(f"{lt_server}/v2/check",
                       params={"text": "teh cat", "language": "en-GB"}).json()
    assert result["language"]["code"] == "en-GB"
    assert [m["replacements"][0]["value"] for m in result["matches"]] == ["the"]


def test_annotated_data_skips_markup_and_keeps_offsets(lt_server):
    data = {"annotation": [{"markup": "<p>"}, {"text": "I recieve "}, {"markup": "<b>"},
                           {"text": "teh"}, {"markup": "</b>"},
                           {"markup": "<br/>", "interpretAs": "\n"}, {"text": "wrold."}]}
    original = "<p>I recieve <b>teh</b><br/>wrold."
    result = httpx.post(f"{lt_server}/v2/check",
                        data={"data": json.dumps(data), "language": "en-US"}).json()
    assert [_utf16(original, m["offset"], m["length"]) for m in result["matches"]] == [
        "recieve", "teh", "wrold"]
    assert "<b>" not in result["matches"][1]["context"]["text"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"disabledRules": "SPELLING"}, ["FAKE_AGREEMENT"]),
    ({"disabledCategories": "TYPOS"}, ["FAKE_AGREEMENT"]),
    ({"enabledRules": "FAKE_AGREEMENT", "enabledOnly": "true"}, ["FAKE_AGREEMENT"]),
    ({"enabledCategories": "TYPOS", "enabledOnly": "true"}, ["SPELLING"]),
    ({"level": "picky"}, ["SPELLING", "FAKE_AGREEMENT"]),
])
def test_rule_and_category_selection(lt_server, params, expected):
    result = httpx.post(f"{lt_server}/v2/check", data={
        "text": "teh dog and she go", "language": "en-US", **params}).json()
    assert [m["rule"]["id"] for m in result["matches"]] == expected


def test_auto_language_takes_the_preferred_variant(checker):
    with serving(checker, default_variant="en-GB") as (url, _):
        auto = httpx.post(f"{url}/v2/check", data={"text": "teh", "language": "auto"}).json()
        assert auto["language"]["code"] == "en-GB"
        assert auto["language"]["detectedLanguage"]["code"] == "en-GB"
        chosen = httpx.post(f"{url}/v2/check", data={
            "text": "teh", "language": "auto", "preferredVariants": "de-AT,en-US"}).json()
        assert chosen["language"]["code"] == "en-US"
        plain = httpx.post(f"{url}/v2/check", data={"text": "teh", "language": "en"}).json()
        assert plain["language"]["code"] == "en"


@pytest.mark.parametrize(("language", "flagged"), [
    ("en-US", ["colour"]), ("en-GB", ["flavor"]), ("en", []),
    ("auto", ["flavor"])])  # the server's default variant here: en-GB
def test_each_request_is_checked_in_the_variant_it_names(language, flagged):
    from writer_app.inference.grammar.checker import GrammarChecker
    from writer_app.inference.grammar.spelling import SpellingChecker

    text = "The colour of the flavor."
    checker = GrammarChecker(None, SpellingChecker("en-US").load())
    with serving(checker, default_variant="en-GB") as (url, _):
        result = httpx.post(f"{url}/v2/check", data={"text": text, "language": language})
    assert [text[m["offset"]:m["offset"] + m["length"]]
            for m in result.json()["matches"]] == flagged


@pytest.mark.parametrize(("data", "status", "words"), [
    ({"language": "en-US"}, 400, "missing 'text'"),
    ({"text": "x"}, 400, "missing 'language'"),
    ({"text": "x", "language": "de-DE"}, 400, "not a language code"),
    ({"text": "x", "data": "{}", "language": "en"}, 400, "not both"),
    ({"data": "{not json", "language": "en"}, 400, "not valid JSON"),
    ({"text": "x", "language": "en", "level": "extreme"}, 400, "level"),
    ({"text": "x", "language": "en", "enabledOnly": "true"}, 400, "enabledOnly"),
])
def test_bad_parameters_are_refused_in_plain_text(lt_server, data, status, words):
    response = httpx.post(f"{lt_server}/v2/check", data=data)
    assert response.status_code == status
    assert response.text.startswith("Error: ") and words in response.text


def test_multipart_bodies_are_refused(lt_server):
    response = httpx.post(f"{lt_server}/v2/check", files={"text": ("a.txt", b"teh")})
    assert response.status_code == 415


def test_unknown_paths_and_methods(lt_server):
    assert httpx.get(f"{lt_server}/v2/words").status_code == 404
    assert httpx.delete(f"{lt_server}/v2/check").status_code == 405


def test_a_failing_checker_is_a_server_error_and_the_server_goes_on(checker, lt_server):
    checker.fail_with = RuntimeError("boom")
    response = httpx.post(f"{lt_server}/v2/check", data={"text": "teh", "language": "en"})
    assert response.status_code == 500
    checker.fail_with = None
    response = httpx.post(f"{lt_server}/v2/check", data={"text": "teh", "language": "en"})
    assert response.status_code == 200 and len(response.json()["matches"]) == 1


def test_without_a_checker_checks_are_unavailable():
    with serving(None) as (url, _):
        response = httpx.post(f"{url}/v2/check", data={"text": "teh", "language": "en"})
        assert response.status_code == 503


def test_a_long_paragraph_is_checked_in_pieces_with_offsets_kept(checker, lt_server):
    sentence = "This sentence is fine and plain. "
    text = "😀 teh start. " + sentence * 300 + "The wrold ends."
    result = httpx.post(f"{lt_server}/v2/check", data={"text": text, "language": "en"},
                        timeout=60).json()
    assert [_utf16(text, m["offset"], m["length"]) for m in result["matches"]] == [
        "teh", "wrold"]
    assert len(checker.calls[-1]) >= 3  # the one line went to the checker in pieces
    assert all(len(piece) <= 4000 for piece in checker.calls[-1])
