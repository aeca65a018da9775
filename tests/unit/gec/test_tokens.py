import time

import pytest

from writer_app.core.gec.tokens import (
    Sentence,
    Token,
    attaches_left,
    detokenize,
    is_punctuation,
    split_sentences,
    tokenize,
    words,
)


def _texts(text: str, **kwargs) -> list[str]:
    return [token.text for token in tokenize(text, **kwargs)]


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _assert_offsets_exact(text: str, tokens: list[Token]) -> None:
    """Each token is its span of the text; only whitespace/zero-width lies between them."""
    previous_end = 0
    for token in tokens + [Token("", len(text), len(text))]:
        assert text[token.start : token.end] == token.text
        gap = text[previous_end : token.start]
        assert all(ch.isspace() or ch in _ZERO_WIDTH for ch in gap), repr(gap)
        previous_end = token.end


@pytest.mark.parametrize(
    "text",
    [
        "He said “don’t go” — and left.",
        "Café crème, naïve façade, São Paulo, Zürich.",
        "Cafe\u0301 with a decomposed accent.",
        "Emoji 👍🏽 and a family 👨\u200d👩\u200d👧 and a flag 🇫🇷 here.",
        "Several   spaces\tand a tab\nand a newline\r\nand CRLF.",
        "Non\u00a0breaking\u2009thin and zero\u200bwidth.",
        "  leading and trailing  ",
        "日本語の文と English mixed.",
        "",
    ],
)
def test_offsets_map_back_exactly(text):
    _assert_offsets_exact(text, tokenize(text))
    _assert_offsets_exact(text, tokenize(text, split_contractions=True))


def test_unicode_tokens_are_whole():
    assert _texts("He said “don’t go”.") == ["He", "said", "“", "don’t", "go", "”", "."]
    assert _texts("Cafe\u0301 naïve") == ["Cafe\u0301", "naïve"]
    assert _texts("ok 👍🏽 👨\u200d👩\u200d👧 🇫🇷!") == [
        "ok", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "!",
    ]


def test_offsets_with_multiple_spaces_and_newlines():
    text = "One  two\n\nthree\tfour"
    tokens = tokenize(text)
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("One", 0, 3), ("two", 5, 8), ("three", 10, 15), ("four", 16, 20),
    ]
    emoji_text = "👍🏽 é"
    assert tokenize(emoji_text)[1] == Token("é", 3, 4)  # code points, not bytes


def test_contractions_possessives_and_hyphens_stay_whole():
    assert _texts("I don't think it's John's well-known car.") == [
        "I", "don't", "think", "it's", "John's", "well-known", "car", ".",
    ]
    assert _texts("They’re here") == ["They’re", "here"]


def test_split_contractions_gives_ptb_tokens_with_exact_offsets():
    text = "I don't know, it's John's and I can't."
    tokens = tokenize(text, split_contractions=True)
    assert [t.text for t in tokens] == [
        "I", "do", "n't", "know", ",", "it", "'s", "John", "'s", "and", "I", "ca", "n't", ".",
    ]
    _assert_offsets_exact(text, tokens)
    assert detokenize(t.text for t in tokens) == text


def test_numbers_abbreviations_urls_and_punctuation_runs():
    assert _texts("It costs 3.50 or 1,000 at 10:30.") == [
        "It", "costs", "3.50", "or", "1,000", "at", "10:30", ".",
    ]
    assert _texts("Mr. Smith, e.g. Dr. Who, at 5 p.m. etc.") == [
        "Mr.", "Smith", ",", "e.g.", "Dr.", "Who", ",", "at", "5", "p.m.", "etc.",
    ]
    assert _texts("See https://example.org/a?b=c. Mail me@example.com!") == [
        "See", "https://example.org/a?b=c", ".", "Mail", "me@example.com", "!",
    ]
    assert _texts("Wait... what?! No -- never.") == [
        "Wait", "...", "what", "?!", "No", "--", "never", ".",
    ]
    assert words("end.The start") == ["end", ".", "The", "start"]


@pytest.mark.parametrize(
    "text",
    [
        "Hello, world!",
        "She said: “It’s fine.”",
        'He said "hello" and left.',
        "I (really) don't know; maybe.",
        "Prices rose by 5% in 2023 (see page 3).",
        "Is it true? Yes, it is... I think.",
        "Use and/or here.",
        "The well-known café opened at 10:30.",
    ],
)
def test_detokenize_rebuilds_natural_text(text):
    assert detokenize(words(text)) == text


def test_detokenize_handles_both_contraction_styles_and_brackets():
    assert detokenize(["I", "do", "n't", "know", "what", "'s", "up", "."]) == (
        "I don't know what's up."
    )
    assert detokenize(["I", "don't", "know", "."]) == "I don't know."
    assert detokenize(["(", "a", ")", "[", "b", "]", "“", "c", "”"]) == "(a) [b] “c”"
    assert detokenize(['"', "a", '"', "and", '"', "b", '"', "."]) == '"a" and "b".'
    assert detokenize([]) == ""
    assert detokenize(["", "a", ""]) == "a"


def test_punctuation_helpers():
    assert attaches_left(",") and attaches_left("n't") and attaches_left(")")
    assert not attaches_left("(") and not attaches_left("word")
    assert is_punctuation("...") and is_punctuation("“") and is_punctuation("👍")
    assert not is_punctuation("3.5") and not is_punctuation("don't") and not is_punctuation("")


def _sentences(text: str, **kwargs) -> list[str]:
    found = split_sentences(text, **kwargs)
    for sentence in found:
        assert text[sentence.start : sentence.end] == sentence.text
    return [sentence.text for sentence in found]


def test_sentence_splitting_basic_and_offsets():
    text = "  It rained. We stayed in!  Did you? Yes.  "
    assert _sentences(text) == ["It rained.", "We stayed in!", "Did you?", "Yes."]
    assert split_sentences(text)[0] == Sentence("It rained.", 2, 12)


def test_abbreviations_initials_and_decimals_do_not_split():
    assert _sentences("Mr. Smith met Dr. Jones. They talked.") == [
        "Mr. Smith met Dr. Jones.", "They talked.",
    ]
    assert _sentences("Use fruit, e.g. apples, i.e. red ones. Fine.") == [
        "Use fruit, e.g. apples, i.e. red ones.", "Fine.",
    ]
    assert _sentences("It cost 3.5 dollars. J. R. R. Tolkien wrote it.") == [
        "It cost 3.5 dollars.", "J. R. R. Tolkien wrote it.",
    ]
    assert _sentences("Send it to No. 5 today. I said No. Then I left.") == [
        "Send it to No. 5 today.", "I said No.", "Then I left.",
    ]
    assert _sentences("I was in the U.S. last year. It was fun.") == [
        "I was in the U.S. last year.", "It was fun.",
    ]


def test_abbreviations_that_can_end_a_sentence_split_before_a_capital():
    assert _sentences("We met at 5 p.m. Then we left.") == ["We met at 5 p.m.", "Then we left."]
    assert _sentences("We met at 5 p.m. tomorrow.") == ["We met at 5 p.m. tomorrow."]
    assert _sentences("Apples, pears etc. Then more.") == ["Apples, pears etc.", "Then more."]


def test_quotes_ellipsis_and_lower_case_starts():
    assert _sentences('He said "Stop." Then he left.') == ['He said "Stop."', "Then he left."]
    assert _sentences("“Go!” she said. “Now.”") == ["“Go!” she said.", "“Now.”"]
    # a missing capital still starts a new sentence, so that it can be corrected
    assert _sentences("i went home. it was late.") == ["i went home.", "it was late."]
    # after an ellipsis only a capital does
    assert _sentences("I thought... maybe not. Fine.") == ["I thought... maybe not.", "Fine."]


def test_line_breaks():
    text = "Title line\nFirst sentence. Second one.\n\nNew paragraph"
    assert _sentences(text) == ["Title line", "First sentence.", "Second one.", "New paragraph"]
    assert _sentences("a wrapped\nline. Next.\n\nPara", line_breaks=False) == [
        "a wrapped\nline.", "Next.", "Para",
    ]
    assert _sentences("\n\n  \n") == []


def test_long_texts_take_linear_time():
    # Pasted blobs and long documents must not make the tokeniser or splitter quadratic.
    texts = ["The cat sat on the mat, e.g. Dr. Who. " * 5000, "a" * 50_000, "x@" * 20_000]
    started = time.perf_counter()
    for text in texts:
        tokens = tokenize(text)
        assert tokens and text[tokens[-1].start : tokens[-1].end] == tokens[-1].text
        split_sentences(text)
    assert len(split_sentences(texts[0])) == 5000
    assert time.perf_counter() - started < 5.0  # quadratic behaviour takes minutes here
