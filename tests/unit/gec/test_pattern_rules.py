"""Agreement across words and verb patterns (core/gec/pattern_rules.py), through the whole
rule set: each error is fixed, and the correct sentences next to it are left alone."""

from __future__ import annotations

import pytest

from writer_app.core.gec.edits import apply_edits
from writer_app.core.gec.rules import rule_edits

FIXED = [
    ("The box of old letters were in the attic.", "The box of old letters was in the attic."),
    ("Every one of the windows were open.", "Every one of the windows was open."),
    ("Somebody have left the door open.", "Somebody has left the door open."),
    ("One of my friends have a boat.", "One of my friends has a boat."),
    ("Neither of them are ready.", "Neither of them is ready."),
    ("The keys to the front door is on the table.", "The keys to the front door are on the table."),
    ("I finished to write the essay.", "I finished writing the essay."),
    ("She enjoys to swim in the lake.", "She enjoys swimming in the lake."),
    ("She let me to borrow her bike.", "She let me borrow her bike."),
    ("They made us to clean the room.", "They made us clean the room."),
    ("We look forward to see you.", "We look forward to seeing you."),
    ("I am used to work late.", "I am used to working late."),
    ("You could of told me.", "You could have told me."),
    ("The dog chased it's own tail.", "The dog chased its own tail."),
    ("I cant come tonight.", "I can't come tonight."),
]
LEFT_ALONE = [
    "The box of letters was in the attic.",
    "The results of the study were clear.",
    "The knife is used to cut bread.",
    "He was made to wait outside.",
    "It is considered to be the best.",
    "Everyone has left.",
    "We look forward to it.",
    "The team of experts are divided.",
    "One of the reasons is cost.",
    "I used to work late.",
    "She wants to write a novel.",
    "They let the dog out.",
    "The tide was on the turn, and the boats were coming in.",
]


@pytest.mark.parametrize(("source", "expected"), FIXED)
def test_errors_are_fixed(source, expected):
    assert apply_edits(source, rule_edits(source)) == expected


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_correct_sentences_are_left_alone(text):
    assert rule_edits(text) == []
