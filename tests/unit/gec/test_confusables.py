"""Confusable words: finding them, their alternatives in the writer's style, the "to"/"too"
filter, and the edits the confusion layer builds (no model)."""

from __future__ import annotations

import pytest

from writer_app.core.gec.confusables import (
    CONFUSABLE_SETS,
    alternatives_of,
    confusion_edit,
    find_confusables,
)
from writer_app.core.gec.tags import Category

REQUIRED = [("their", "there", "they're"), ("its", "it's"), ("your", "you're"),
            ("to", "too"), ("then", "than"), ("affect", "effect"), ("lose", "loose"),
            ("whose", "who's"), ("accept", "except"), ("principal", "principle"),
            ("quiet", "quite"), ("weather", "whether"), ("passed", "past"),
            ("peace", "piece"), ("where", "were", "we're"), ("less", "fewer"),
            ("lead", "led"), ("advice", "advise"), ("breath", "breathe"), ("lie", "lay"),
            ("complement", "compliment"), ("stationary", "stationery")]


@pytest.mark.parametrize("group", REQUIRED, ids="/".join)
def test_every_required_set_is_read_both_ways(group):
    assert tuple(group) in CONFUSABLE_SETS
    for word in group:
        if word == "fewer":
            assert alternatives_of(word) == ()  # one way only: "less" -> "fewer"
            continue
        assert set(alternatives_of(word)) == set(group) - {word}


def test_alternatives_keep_case_and_apostrophe_style():
    assert alternatives_of("Its") == ("It's",)
    assert alternatives_of("it\u2019s") == ("its",)
    assert alternatives_of("Their") == ("There", "They're")
    assert set(alternatives_of("were")) == {"where", "we're"}


def test_to_is_a_candidate_only_where_too_could_stand():
    def words(text):
        return [c.word for c in find_confusables(text)]

    assert words("I was to tired to cook.") == ["to"]
    assert words("I want to go home.") == []
    assert words("Can I come to?") == ["to"]
    assert words("We went too the shop.") == ["too"]
    assert words("It is too late.") == []


def test_confusables_have_offsets_and_skip_personal_words():
    text = "They left there coats. Its fine."
    found = find_confusables(text)
    assert [(text[c.start:c.end], c.word) for c in found] == [("there", "there"),
                                                               ("Its", "Its")]
    assert find_confusables(text, frozenset({"there"}))[0].word == "Its"


def test_the_edit_names_both_words_and_their_meanings():
    found = find_confusables("They left there coats.")[0]
    edit = confusion_edit(found, "their", 0.9)
    assert (edit.start, edit.end, edit.replacement) == (10, 15, "their")
    assert edit.category is Category.WORD_CHOICE and edit.rule_id == "CONFUSED_WORDS"
    assert "belonging to them" in edit.message and "in that place" in edit.message
