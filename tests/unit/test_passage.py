"""Where a Continue writing passage ends, and ghost text that repeats the writer."""

from __future__ import annotations

from writer_app.core.passage import (
    PassageDrafts,
    cut_repeated_sentence,
    decode_limit,
    ends_at_boundary,
    passage_complete,
    passage_seed,
    trim_to_boundary,
)


def test_boundaries_are_sentence_and_paragraph_ends():
    assert ends_at_boundary(" The fog lifted.")
    assert ends_at_boundary(' "Not yet," she said. "Wait!"')
    assert ends_at_boundary(" and the ship came in.  ")
    assert ends_at_boundary(" The end of a paragraph\n")
    assert not ends_at_boundary(" and the ship")
    assert not ends_at_boundary(" He spoke to Mr.")
    assert not ends_at_boundary("\n")


def test_a_passage_ends_near_its_length_at_a_boundary():
    assert not passage_complete(" Short. ", 5, 80)  # far too early
    assert passage_complete(" A whole sentence.", 62, 80)
    assert not passage_complete(" half a sent", 79, 80)
    assert decode_limit(80) > 80 and decode_limit(8) >= 8


def test_trim_cuts_back_to_the_last_sentence_or_paragraph_end():
    assert trim_to_boundary(" One. Two is long and") == " One."
    assert trim_to_boundary(" One.\nTwo is long and") == " One."
    assert trim_to_boundary(" Finished.") == " Finished."
    assert trim_to_boundary(" no end at all") == " no end at all"  # better than nothing
    assert trim_to_boundary(" Ask Mr. Brown and") == " Ask Mr. Brown and"


def test_ghost_text_never_repeats_the_sentence_just_written():
    before = ("The lighthouse keeper had not seen a ship in eleven days. "
              "He said she was a British ship. ")
    assert cut_repeated_sentence("He said she was a British ship.", before) == ""
    assert cut_repeated_sentence("Then the bell rang. He said she was a British ship.",
                                 before) == "Then the bell rang."
    assert cut_repeated_sentence("He said she was a British ship again.", before) == ""
    assert cut_repeated_sentence("He said she was late.", before) == "He said she was late."
    assert cut_repeated_sentence("Nobody came.", before) == "Nobody came."
    # finishing the writer's own unfinished sentence is not a repeat
    assert cut_repeated_sentence(" lifted and the sea was calm.",
                                 "On the twelfth morning, the fog") == \
        " lifted and the sea was calm."


def test_drafts_cycle_and_keep_the_last_few():
    drafts = PassageDrafts(keep=3)
    assert drafts.step(1) is None
    for text in ["a", "b", "c", "d"]:
        drafts.add(text)
    assert drafts.texts == ["b", "c", "d"] and drafts.index == 2
    assert drafts.step(1) == "b" and drafts.step(-1) == "d" and drafts.step(-1) == "c"
    drafts.add("b")  # seen again: moves to the end, not twice
    assert drafts.texts == ["c", "d", "b"]
    drafts.add("  ")
    assert drafts.texts == ["c", "d", "b"]


def test_seeds_are_fixed_by_the_setting_or_new_each_time():
    assert passage_seed(41) == 41 and passage_seed(41, 2) == 43
    assert {passage_seed(0) for _ in range(5)} != {passage_seed(0)} or passage_seed(0) > 0
    assert all(passage_seed(0) >= 1 for _ in range(20))
