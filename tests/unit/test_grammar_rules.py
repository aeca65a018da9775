"""The pattern rules next to the tagger: each finds its error and stays silent on the
look-alike correct sentences it was written to leave alone."""

from __future__ import annotations

import pytest

from writer_app.core.gec.edits import apply_edits
from writer_app.core.gec.protect import normalise_words
from writer_app.core.gec.rules import capitalised_words, needs_an, rule_edits
from writer_app.core.gec.tags import Category


def fixed(text: str, words: tuple[str, ...] = ()) -> str:
    return apply_edits(text, rule_edits(text, normalise_words(words)))


@pytest.mark.parametrize(("source", "target"), [
    ("I have have finished the essay.", "I have finished the essay."),
    ("The the results are in.", "The results are in."),
    ("He wants to become a astronaut.", "He wants to become an astronaut."),
    ("It took us a hour to park.", "It took us an hour to park."),
    ("It was an useful meeting.", "It was a useful meeting."),
    ("She is an European citizen.", "She is a European citizen."),
    ("That was an unusual choice.", "That was an unusual choice."),
    ("My birthday is in january.", "My birthday is in January."),
    ("They moved to spain last year.", "They moved to Spain last year."),
    ("She speaks english and french.", "She speaks English and French."),
    ("Yesterday i met an old friend.", "Yesterday I met an old friend."),
    ("i'm not sure about it.", "I'm not sure about it."),
    ("Today is more hotter than yesterday.", "Today is hotter than yesterday."),
    ("She is the most smartest person I know.", "She is the smartest person I know."),
    ("Can you send me the file.", "Can you send me the file?"),
    ("Where did you park the car.", "Where did you park the car?"),
    ("She don't like coffee.", "She doesn't like coffee."),
    ("He have a meeting at ten.", "He has a meeting at ten."),
    ("She always go to bed early.", "She always goes to bed early."),
    ("They was late again.", "They were late again."),
    ("We has two cats.", "We have two cats."),
    ("However the results were disappointing.", "However, the results were disappointing."),
    ("When I got home I made some tea.", "When I got home, I made some tea."),
    ("If you need help please call me.", "If you need help, please call me."),
    ("the shop opens at nine today.", "The shop opens at nine today."),
    ("She didn't went to the party.", "She didn't go to the party."),
    ("Did you finished the slides?", "Did you finish the slides?"),
    ("She can speaks three languages.", "She can speak three languages."),
    ("The results will been published soon.", "The results will be published soon."),
    ("She has wrote three letters.", "She has written three letters."),
    ("We have already eat, thanks.", "We have already eaten, thanks."),
    ("There is three reasons for it.", "There are three reasons for it."),
    ("Every student have to sign.", "Every student has to sign."),
    ("Our manager always arrive early.", "Our manager always arrives early."),
    ("The children plays football.", "The children play football."),
    ("My parents was very proud.", "My parents were very proud."),
    ("The old man have a dog.", "The old man has a dog."),
    ("The lighthouse keeper have not seen a ship.", "The lighthouse keeper has not seen a ship."),
    ("The new students was late.", "The new students were late."),
])
def test_rule_corrects(source: str, target: str) -> None:
    assert fixed(source) == target


@pytest.mark.parametrize("text", [
    "The sheep have escaped.",                      # one or many: no agreement to fix
    "The aircraft have landed.",
    "The bus stop is near the school.",             # a compound subject
    "The school bus leaves at eight.",
    "The old man walks slowly.",
    "The man I know has a car.",
    "This will do you good.",                      # a modal, not a noun
    "The less fortunate will have to wait.",
    "The students all agree with it.",
    "I had had enough of it.",                      # intended repeats
    "He said that that was fine.",
    "The test file is an .ed Ed script.",           # a name after a word
    "A line preceded by A indicates an edit.",      # a letter's name
    "It was an honest answer and a historic day.",  # silent h; unsure h left alone
    "We took a one-way ticket to a university town.",
    "He bought an SQL book and an Xlib manual.",    # acronyms and letter names
    "Bring an umbrella and an ice pack.",
    "We went to the march in may.",                 # lower case words, not only names
    "Constantine I is the eponym of Constantinople.",
    "Sarah and I are organising the school fair.",  # compound subjects
    "Does she know where he lives?",                # inverted question
    "Let it go, and make it work.",                 # "it" as an object
    "She cut the bread and he put it away.",        # past forms equal to the base form
    "She even went there twice.",                   # not a verb
    "Do the dishes before bed.",                    # orders, not questions
    "Have a nice day.",
    "Would that it were so.",
    "However hard I try, it never works.",          # degree adverb, not a linker
    "If you send me patches for machines I lack, please test them.",  # comma elsewhere
    "If he calls you I will answer.",               # object pronoun, no boundary
    "Because I told them we were coming they waited.",  # a reporting verb
    "This is more water than we need.",             # not a comparative
    "I was there; you were not.",
    "The divine will exists apart from us.",        # "will" as a noun
    "I have work to do and things to see.",         # a noun after "have"
    "He can read and she did read it.",             # past equal to the base form
    "There is two-way traffic on the bridge.",
    "My family live in Leeds.",                     # collective nouns agree either way
    "The bus stop is near.",                        # noun compounds
    "Each child has a book.",
])
def test_rule_leaves_correct_text_alone(text: str) -> None:
    assert rule_edits(text) == []


def test_continuation_line_is_not_a_sentence_start() -> None:
    text = "This sentence was wrapped by hand\nacross two lines of the file."
    assert fixed(text) == text
    assert fixed("It ended. the next one did not.") == "It ended. The next one did not."


def test_personal_words_and_protected_tokens_are_never_changed() -> None:
    assert fixed("We met paris at the station.", ("paris",)) == "We met paris at the station."
    assert fixed("See https://example.org/a a thing.") == "See https://example.org/a a thing."
    assert fixed("Use my_var my_var twice.") == "Use my_var my_var twice."


def test_edits_carry_offsets_category_message_and_confidence() -> None:
    text = "Hi there.  They took a a taxi to spain."
    edits = rule_edits(text)
    assert [(text[e.start:e.end], e.replacement) for e in edits] == [(" a", ""),
                                                                      ("spain", "Spain")]
    assert [e.category for e in edits] == [Category.REDUNDANCY, Category.CAPITALISATION]
    assert all(e.message and 0.5 < e.confidence <= 1.0 and e.rule_id for e in edits)


def test_needs_an_by_sound() -> None:
    assert needs_an("apple") and needs_an("hour") and needs_an("unimportant")
    assert not needs_an("unit") and not needs_an("user") and not needs_an("one")
    assert needs_an("herb") is None and needs_an("x") is None


def test_the_shipped_word_list_is_loaded() -> None:
    words = capitalised_words()
    assert len(words) > 5000
    assert words["january"] == "January" and words["spain"] == "Spain"
    assert "march" not in words and "may" not in words
