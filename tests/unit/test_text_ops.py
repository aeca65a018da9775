from writer_app.core.text_ops import (
    clip_context,
    consume_typed,
    first_word,
    has_sentence_end,
    remove_overlap_with_following,
    should_suggest,
    split_trailing_space,
    trim_suggestion,
)


def test_should_suggest_only_at_the_end_of_words_with_text_before():
    assert should_suggest("The cat", "")
    assert should_suggest("The cat ", " sat")
    assert should_suggest("The cat", ".")
    assert not should_suggest("The ca", "t")
    assert not should_suggest("   ", "")
    assert not should_suggest("", "")


def test_trim_stops_at_newline_and_sentence_end():
    assert trim_suggestion(" sat on the mat. Then it") == " sat on the mat."
    assert trim_suggestion(" one line\nnext") == " one line"
    assert trim_suggestion(" costs 3.5 dollars", True) == " costs 3.5 dollars"
    assert trim_suggestion(" said “yes.” Then", True) == " said “yes.”"
    assert trim_suggestion("\nnothing") == ""
    assert trim_suggestion(" a. b", stop_at_sentence_end=False) == " a. b"


def test_sentence_end_detection():
    assert has_sentence_end(" went home.")
    assert has_sentence_end(" what? Then")
    assert not has_sentence_end(" version 3.5 is")


def test_trailing_space_is_split_off_the_prompt():
    assert split_trailing_space("Hello  ") == ("Hello", "  ")
    assert split_trailing_space("Hello\n") == ("Hello\n", "")


def test_clip_context_is_stable_while_typing_at_the_end():
    text = "word " * 2000
    clipped = clip_context(text, 4000)
    assert len(clipped) <= 4000
    assert clip_context(text + "more", 4000).startswith(clipped[:3000])
    assert clip_context("short", 4000) == "short"


def _prose(sentences: int) -> str:
    words = ["the", "keeper", "walked", "along", "a", "narrow", "path", "towards", "sea"]
    return "".join(
        " ".join(words[(i + j) % len(words)] for j in range(4 + i % 9)).capitalize()
        + (".\n\n" if i % 7 == 6 else ". ") for i in range(sentences))


def test_clip_context_starts_at_a_sentence_that_stays_put_while_typing():
    """The prompt's start moves about once a sentence typed, never with each key: the
    completion engine reuses the model's state only for a prompt that begins the same."""
    text, typed = _prose(120), _prose(15)
    starts = set()
    for end in range(1, len(typed) + 1):
        before = text + typed[:end]
        clipped = clip_context(before, 1000)
        assert before.endswith(clipped) and 750 <= len(clipped) <= 1000
        start = len(before) - len(clipped)
        # it begins a sentence or a paragraph
        assert before[start - 2:start] in (". ", "\n\n") and clipped[0].isupper()
        starts.add(start)
    assert len(starts) <= 16  # 15 sentences typed: one new start each at most


def test_clip_context_without_sentences_starts_at_a_word():
    text = "word " * 2000
    clipped = clip_context(text + "more", 1000)
    assert clipped.startswith("word") and len(clipped) <= 1000


def test_overlap_with_following_text_is_removed():
    assert remove_overlap_with_following(" sat on the mat.", " on the mat.") == " sat"
    assert remove_overlap_with_following(" on the mat.", " on the mat.") == ""
    assert remove_overlap_with_following(" sat down.", "") == " sat down."


def test_first_word_and_typing_through():
    assert first_word(" sat on") == " sat"
    assert first_word("ing well") == "ing"
    assert consume_typed(" sat", " s") == "at"
    assert consume_typed(" sat", "x") is None
