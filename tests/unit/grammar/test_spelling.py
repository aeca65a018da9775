"""The spelling layer with its real dictionaries (pyspellchecker + symspellpy's counts)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.core.gec.edits import apply_edits
from writer_app.core.gec.tags import Category
from writer_app.inference.grammar.spelling import SpellingChecker, match_case


@pytest.fixture(scope="module")
def checker() -> SpellingChecker:
    return SpellingChecker().load()


@pytest.fixture(scope="module")
def british() -> SpellingChecker:
    return SpellingChecker("en-GB").load()


def flagged(checker: SpellingChecker, text: str) -> list[tuple[str, str]]:
    return [(text[e.start : e.end], e.replacement) for e in checker.check(text)]


def test_corrects_common_typos(checker):
    assert flagged(checker, "I recieved teh package.") == [("recieved", "received"), ("teh", "the")]


def test_edit_fields_and_message(checker):
    (edit,) = checker.check("It was recieved.")
    assert edit.category is Category.SPELLING
    assert edit.message == "Possible spelling mistake: 'recieved' \u2192 'received'"
    assert edit.rule_id == "SPELLING"
    assert 0.0 < edit.confidence < 1.0


def test_offsets_are_exact_with_unicode_and_spaces(checker):
    text = "Ünïcode  café —\tteh   naïve\n\nrecieved  😀 it"
    edits = checker.check(text)
    assert [(text[e.start : e.end]) for e in edits] == ["teh", "recieved"]
    assert apply_edits(text, edits) == "Ünïcode  café —\tthe   naïve\n\nreceived  😀 it"


def test_case_is_preserved(checker):
    assert flagged(checker, "Recieved it. Teh end.") == [("Recieved", "Received"), ("Teh", "The")]
    assert match_case("Recieved", "received") == "Received"
    assert match_case("teh", "the") == "the"


@pytest.mark.parametrize(
    "text",
    [
        "We met Zhang and Okonkwo in Reykjavik yesterday.",  # proper nouns
        "The NASA and HTML specs mention GPUs.",  # acronyms
        "See https://exmaple.com/pagez or www.tpyo.org today.",  # URLs
        "Mail jdoe@exmaple.com about it.",  # e-mail
        "It costs 3rd 42nd 1,000 and 10:30 and v2b.",  # numbers
        "Call getVaule or read my_varible in src/modle.py now.",  # code
        "Don't say it's Anna's or they're we'll I'd you've.",  # contractions
        "I love the well-known state-of-the-art design.",  # hyphenated, known
    ],
)
def test_never_flagged(checker, text):
    assert checker.check(text) == []


def test_capitalised_sentence_start_name_not_flagged(checker):
    assert checker.check("Zhang said hello.") == []


def test_personal_dictionary_is_case_insensitive():
    custom = SpellingChecker(ignore_words=["Frobnicate", "teh"])
    assert custom.check("We frobnicate FROBNICATE and teh.") == []
    assert SpellingChecker().check("We frobnicate it.") != []


def test_hyphen_part_is_checked_with_its_offsets(checker):
    text = "A well-knwon dog."
    (edit,) = checker.check(text)
    assert text[edit.start : edit.end] == "knwon" and edit.replacement == "known"


def test_curly_apostrophe_contraction_is_known(checker):
    assert checker.check("Don\u2019t worry, it\u2019s fine.") == []


def test_british_spellings_accepted_in_en_gb(british):
    text = "The colour of the centre was organised; we analysed colours and travelled."
    assert british.check(text) == []


def test_british_candidates_in_en_gb(british):
    assert flagged(british, "The colur is grey.") == [("colur", "colour")]


def test_american_variant_flags_british_spelling(checker):
    assert flagged(checker, "The colour is nice.") == [("colour", "color")]
    assert flagged(checker, "We are organising it.") == [("organising", "organizing")]


def test_unknown_language_is_rejected():
    with pytest.raises(ValueError):
        SpellingChecker("fr-FR")


def test_newer_words_from_the_web_list_are_known(checker):
    assert checker.check("I use the app for maths and wifi at home.") == []


def test_preferred_corrections_come_first(checker):
    assert checker.correct("I know wich one the childs want.") == \
        "I know which one the children want."
    assert checker.correct("Two womans arrived.") == "Two women arrived."


@pytest.mark.parametrize("word", [
    "recieve", "teh", "wrold", "helo", "qzx", "zqwv", "xkcdq", "bcakk", "'", "123", "nan",
    "dont", "a", "zz",
])
def test_neighbour_lookup_equals_pyspellcheckers(checker, word):
    # The fast look-up must find exactly the words pyspellchecker's own candidates() does
    # (one edit away, else two; "qzx", "zqwv", "xkcdq" and "bcakk" need the second edit).
    expected = checker._speller.candidates(word) or set()
    assert set(checker._known_near(word)) == expected


def test_neighbour_lookup_is_remembered(checker):
    first = checker._known_near("wrold")
    assert checker._known_near("wrold") is first


# --- words two edits away -----------------------------------------------------------------

_SMALL_WORDS = sorted({"ab", "abc", "bad", "cab", "dace", "aced", "bead", "ebb", "deed",
                       "abed", "caged", "faced", "decade", "accede", "beaded", "facade"})


def _two_rounds_of_edits(speller, word: str) -> frozenset[str]:
    """The reference: pyspellchecker's own way, every string one edit away looked up,
    else every string two edits away (what ``known_near`` must give)."""
    from writer_app.inference.grammar.near_words import _edits1

    words, should_check = speller.word_frequency.dictionary, speller._check_if_should_check
    if word in words or not should_check(word):
        return frozenset((word,))
    letters = "".join(sorted(speller.word_frequency.letters))
    near = _edits1(word, letters)
    found = frozenset(w for w in near if w in words and should_check(w))
    if found:
        return found
    seen = {w for first in near if should_check(first)
            for w in _edits1(first, letters) if w in words}
    return frozenset(w for w in seen if should_check(w))


def _small_speller():
    from spellchecker import SpellChecker

    speller = SpellChecker(language=None, distance=2)
    speller.word_frequency.load_words(_SMALL_WORDS)
    return speller


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefg", min_size=1, max_size=8))
def test_the_two_edit_search_finds_what_two_rounds_of_edits_find(word):
    """Over a small alphabet many words are near each other: the fast search (distances
    by rapidfuzz) must give exactly the words that generating every string two edits away
    and looking each one up gives."""
    from writer_app.inference.grammar.near_words import known_near, words_by_length

    speller = _small_speller()
    by_length = words_by_length(speller.word_frequency.dictionary)
    assert known_near(speller, word, by_length) == _two_rounds_of_edits(speller, word)


def test_a_word_two_edits_from_its_correction_is_corrected(checker):
    assert checker.candidates("tommorow")[0] == "tomorrow"
    assert "accommodation" in checker.candidates("acomodation")


def test_a_swap_then_an_insertion_between_the_swapped_letters_counts_as_two_edits():
    """ "ab" -> "ba" -> "bca": two edits, though the optimal-string-alignment distance
    the search narrows by is 3 (it may not edit a swapped pair again)."""
    from spellchecker import SpellChecker

    from writer_app.inference.grammar.near_words import known_near, words_by_length

    speller = SpellChecker(language=None, distance=2)
    speller.word_frequency.load_words(["bca", "zzzz"])
    by_length = words_by_length(speller.word_frequency.dictionary)
    assert (known_near(speller, "ab", by_length) == _two_rounds_of_edits(speller, "ab")
            == {"bca"})
