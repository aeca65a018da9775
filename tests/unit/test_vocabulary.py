"""The personal vocabulary found in the writer's documents (with the real spelling layer)."""

from __future__ import annotations

import pytest

from writer_app.core.vocabulary import build_vocabulary
from writer_app.inference.grammar.spelling import SpellingChecker


@pytest.fixture(scope="module")
def speller() -> SpellingChecker:
    return SpellingChecker().load()


def _by_word(entries):
    return {entry.word: entry for entry in entries}


def test_recurring_unknown_words_and_names_are_found(speller):
    first = ("Quillhaven lies north of the bay. We sailed past Quillhaven at dawn. "
             "The grommetry of the sails was off, and the grommetry team knew it. "
             "Later Anya fixed the grommetry herself.")
    second = "Anya wrote from Quillhaven. A blorptastic day, she said."
    entries = build_vocabulary([first, second], speller)
    found = _by_word(entries)
    assert set(found) == {"Quillhaven", "grommetry", "Anya"}
    assert found["Quillhaven"].count == 3 and found["Quillhaven"].documents == 2
    assert found["Quillhaven"].kind == "name"
    assert found["grommetry"].count == 3 and found["grommetry"].documents == 1
    assert found["grommetry"].kind == "word"
    assert found["Anya"].documents == 2
    # Most frequent first; every entry has an example sentence holding it.
    assert [e.count for e in entries] == sorted((e.count for e in entries), reverse=True)
    for entry in entries:
        assert entry.word.lower() in entry.example.lower()
        assert not entry.suspicious and entry.note == ""


def test_once_or_twice_in_one_document_is_not_enough(speller):
    text = "The zorbletic engine hummed. The zorbletic engine stopped. Done."
    assert build_vocabulary([text], speller) == []
    assert _by_word(build_vocabulary([text, "A zorbletic thing."], speller))["zorbletic"]


def test_known_words_dictionary_words_and_code_are_left_out(speller):
    text = ("The kettle boiled. The kettle sang. The kettle cooled. "
            "Mention NASA, NASA, NASA and wibblefrump, wibblefrump, wibblefrump. "
            "See http://frobnicate.example.com and src/frobnicate.py and "
            "frobnicate.txtx, frobnicate.txtx, frobnicate.txtx.")
    entries = build_vocabulary([text], speller, dictionary=["WibbleFrump"])
    assert entries == []


def test_possessives_count_with_their_word(speller):
    text = "Mirelle's boat. We saw Mirelle's oars and Mirelle's song."
    entry = _by_word(build_vocabulary([text], speller))["Mirelle"]
    assert entry.count == 3 and entry.kind == "name"


def test_a_rare_near_duplicate_of_a_known_word_is_suspicious(speller):
    first = "I recieve letters. Teh sea was calm, and the sky was clear."
    second = "They recieve parcels. Teh end of the day came."
    found = _by_word(build_vocabulary([first, second], speller))
    assert found["recieve"].suspicious and "receive" in found["recieve"].note
    # "Teh" is rare and "the" is a word the writer uses: a typo, not a name.
    assert found["teh"].suspicious and "“the”" in found["teh"].note


def test_a_frequent_word_is_trusted_even_near_a_known_word(speller):
    # "grokking"-style jargon used often is the writer's own word, not a typo.
    text = " ".join(f"The flumph number {i} arrived." for i in range(8))
    entry = _by_word(build_vocabulary([text], speller))["flumph"]
    assert entry.count == 8 and not entry.suspicious


def test_a_long_example_is_shortened_around_the_word(speller):
    filler = "and the long road went on past the hills " * 8
    text = f"We walked {filler}until Vardelmoor appeared {filler}at last. " * 3
    entry = _by_word(build_vocabulary([text], speller))["Vardelmoor"]
    assert "Vardelmoor" in entry.example and len(entry.example) <= 100
    assert entry.example.startswith("…") and entry.example.endswith("…")


def test_a_word_never_written_in_lower_case_keeps_its_capital():
    texts = ["Thandeka walked home. Thandeka sang.", "Thandeka wrote to us."]
    found = build_vocabulary(texts, SpellingChecker())
    assert [entry.word for entry in found] == ["Thandeka"]


def test_control_characters_do_not_reach_the_example(speller):
    # Old text files overstrike with backspaces ("Tin\b'uviel"); they would show as boxes.
    text = "Vardelmoor sang of Tin\b'uviel at dusk. " * 3
    entry = _by_word(build_vocabulary([text], speller))["Vardelmoor"]
    assert "\b" not in entry.example and "Tin'uviel" in entry.example
