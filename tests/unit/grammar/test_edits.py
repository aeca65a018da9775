"""Character edits from corrected tokens (pure Python, no model)."""

from __future__ import annotations

import random

import pytest

from writer_app.core.gec.edits import apply_edits, explain, span_edits
from writer_app.core.gec.protect import is_protected, normalise_words
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import tokenize


def _apply(text: str, final: list[str]) -> str:
    return apply_edits(text, span_edits(text, tokenize(text), final))


@pytest.mark.parametrize(
    ("text", "final", "expected"),
    [
        ("I  go home", ["I", "went", "home"], "I  went home"),
        ("a the cat", ["a", "cat"], "a cat"),
        ("I want apple .", ["I", "want", "an", "apple", "."], "I want an apple ."),
        ("the cat sat", ["The", "cat", "sat", "."], "The cat sat."),
        ("cat the.", ["cat", "."], "cat."),
        ("a (b", ["a", "b"], "a b"),
        ("the the cat", ["the", "cat"], "the cat"),
        ("every day", ["everyday"], "everyday"),
        ("well-known", ["well", "known"], "well known"),
        ("the cat", ["cat"], "cat"),
        ("“Hi”\tthere é 😀", ["“", "Hi", "”", "there", ",", "é", "😀"], "“Hi”\tthere, é 😀"),
    ],
)
def test_span_edits_apply_to_the_original_text(text, final, expected):
    assert _apply(text, final) == expected


def test_edits_are_minimal_and_keep_other_text():
    text = "She  go to   school\u00a0yesterday ."
    edits = span_edits(text, tokenize(text), ["She", "went", "to", "school", "yesterday", "."])
    assert [(e.start, e.end, e.replacement) for e in edits] == [(5, 7, "went")]


def test_random_token_changes_round_trip():
    rng = random.Random(7)
    pool = ["the", "cat", "sat", "on", "a", "mat", ",", "é", "naïve", "“", "”", "dog"]
    for _ in range(300):
        words = [rng.choice(pool[:6] + pool[7:9] + pool[11:]) for _ in range(rng.randint(1, 8))]
        spaces = [rng.choice([" ", "  ", "\t", " \u00a0"]) for _ in words]
        text = "".join(w + s for w, s in zip(words, spaces, strict=True)).rstrip()
        final = [w for w in words if rng.random() > 0.2]
        for _ in range(rng.randint(0, 2)):
            final.insert(rng.randint(0, len(final)), rng.choice(["the", "big", ","]))
        final = [w.upper() if rng.random() < 0.1 else w for w in final]
        corrected = _apply(text, final)
        assert [t.text for t in tokenize(corrected)] == final, (text, final, corrected)


def test_explain_gives_category_message_and_tag():
    text = "She go home"
    tokens = tokenize(text)
    source, final = [t.text for t in tokens], ["She", "goes", "home"]
    (edit,) = span_edits(text, tokens, final)
    explained = explain(edit, source, final, 0.8)
    assert explained.category is Category.AGREEMENT
    assert explained.rule_id == "$TRANSFORM_VERB_VB_VBZ"
    assert "goes" in explained.message and explained.confidence == 0.8


@pytest.mark.parametrize(
    "token",
    ["https://example.com/a", "www.example.org", "me@example.com", "3.14", "1,000", "2nd",
     "snake_case", "a/b", "getValue", "Zorblat"],
)
def test_protected_tokens(token):
    assert is_protected(token, normalise_words({"zorblat"}))


@pytest.mark.parametrize("token", ["the", "Paris", "don't", "NASA", ","])
def test_ordinary_tokens_are_not_protected(token):
    assert not is_protected(token, normalise_words({"zorblat"}))


def test_protected_words_remembers_per_token_and_forgets_on_clear():
    from writer_app.core.gec.protect import ProtectedWords

    protected = ProtectedWords(normalise_words(["Zoë"]))
    assert protected("zoë") and protected("https://x.org") and not protected("house")
    assert len(protected._known) == 3
    protected.clear()
    assert not protected._known and protected("ZOË")
