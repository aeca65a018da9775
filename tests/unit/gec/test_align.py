import pytest

from writer_app.core.gec.align import (
    AlignmentError,
    AlignmentOp,
    TagStep,
    align,
    derive_steps,
    derive_tag_sequences,
    derive_tags,
    token_tag,
)
from writer_app.core.gec.tags import KEEP, apply_iterations, apply_tags

# (source, target, edits of the first iteration by token index (-1 = $START), iterations)
HAND_MADE = [
    ("He go to school .", "He goes to school .", {1: "$TRANSFORM_VERB_VB_VBZ"}, 1),
    ("They goes home .", "They go home .", {1: "$TRANSFORM_VERB_VBZ_VB"}, 1),
    ("He has went home .", "He has gone home .", {2: "$TRANSFORM_VERB_VBD_VBN"}, 1),
    ("I enjoy to swim .", "I enjoy swimming .", {2: "$DELETE", 3: "$TRANSFORM_VERB_VB_VBG"}, 1),
    ("They is happy .", "They are happy .", {1: "$TRANSFORM_VERB_VBZ_VBP"}, 1),
    ("I is happy .", "I am happy .", {1: "$REPLACE_am"}, 1),
    ("They was late .", "They were late .", {1: "$REPLACE_were"}, 1),
    ("I have a apple .", "I have an apple .", {2: "$REPLACE_an"}, 1),
    ("She is a honest woman .", "She is an honest woman .", {2: "$REPLACE_an"}, 1),
    ("I saw the cat in garden .", "I saw the cat in the garden .", {4: "$APPEND_the"}, 1),
    ("I want go home .", "I want to go home .", {1: "$APPEND_to"}, 1),
    ("She is more older than me .", "She is older than me .", {2: "$DELETE"}, 1),
    ("This is gooder .", "This is better .", {2: "$REPLACE_better"}, 1),
    ("the meeting is on monday .", "The meeting is on Monday .",
     {0: "$TRANSFORM_CASE_CAPITAL", 4: "$TRANSFORM_CASE_CAPITAL"}, 1),
    ("i think so .", "I think so .", {0: "$TRANSFORM_CASE_CAPITAL"}, 1),
    ("We met at NASA in the Summer .", "We met at NASA in the summer .",
     {6: "$TRANSFORM_CASE_LOWER"}, 1),
    ("She works at nasa .", "She works at NASA .", {3: "$TRANSFORM_CASE_UPPER"}, 1),
    ("I bought an iphone .", "I bought an iPhone .", {3: "$TRANSFORM_CASE_CAPITAL_1"}, 1),
    ("Ask the ceos .", "Ask the CEOs .", {2: "$TRANSFORM_CASE_UPPER_-1"}, 1),
    ("It is a well known fact .", "It is a well-known fact .", {3: "$MERGE_HYPHEN"}, 1),
    ("I like every day life", "I like everyday life", {2: "$MERGE_SPACE"}, 1),
    ("It is state of the art .", "It is state-of-the-art .",
     {2: "$MERGE_HYPHEN", 3: "$MERGE_HYPHEN", 4: "$MERGE_HYPHEN"}, 1),
    ("It is a well-known fact , he is left-handed .",
     "It is a well known fact , he is left-handed .", {3: "$TRANSFORM_SPLIT_HYPHEN"}, 1),
    ("I have two book .", "I have two books .", {3: "$TRANSFORM_AGREEMENT_PLURAL"}, 1),
    ("I need some informations .", "I need some information .",
     {3: "$TRANSFORM_AGREEMENT_SINGULAR"}, 1),
    ("The childs played .", "The children played .", {1: "$REPLACE_children"}, 1),
    ("The the cat sat .", "The cat sat .", {1: "$DELETE"}, 1),
    ("However we left .", "However , we left .", {0: "$APPEND_,"}, 1),
    ("He said , that he left .", "He said that he left .", {2: "$DELETE"}, 1),
    ("Their is a problem .", "There is a problem .", {0: "$REPLACE_There"}, 1),
    ("I recieve mail .", "I receive mail .", {1: "$REPLACE_receive"}, 1),
    ("I bought alot of food .", "I bought a lot of food .",
     {1: "$APPEND_a", 2: "$REPLACE_lot"}, 1),
    ("We arrived in Monday .", "We arrived on Monday .", {2: "$REPLACE_on"}, 1),
    ("cat sat", "The cat sat .", {-1: "$APPEND_The", 1: "$APPEND_."}, 1),
    # several insertions at one place: one per iteration, leftmost first
    ("cat", "The big black cat", {-1: "$APPEND_The"}, 3),
    # an edited token's own insertion waits for the next iteration
    ("He go school .", "He goes to school .", {1: "$TRANSFORM_VERB_VB_VBZ"}, 2),
    # a case-insensitive merge first, the case fix in the next iteration
    ("Every day life", "everyday life", {0: "$MERGE_SPACE"}, 2),
    ("I like it .", "I like it .", {}, 0),
]


def _first_edits(tags: list[str]) -> dict[int, str]:
    return {i - 1: tag for i, tag in enumerate(tags) if tag != KEEP}


@pytest.mark.parametrize(("source", "target", "edits", "iterations"), HAND_MADE)
def test_hand_made_pairs(source, target, edits, iterations):
    src, tgt = source.split(), target.split()
    sequences = derive_tag_sequences(src, tgt)
    assert len(sequences) == iterations
    assert apply_iterations(src, sequences) == tgt
    if sequences:
        assert _first_edits(sequences[0]) == edits
        for tags, step_tokens in _with_tokens(src, sequences):
            assert len(tags) == len(step_tokens) + 1


def _with_tokens(source, sequences):
    current = list(source)
    for tags in sequences:
        yield tags, current
        current = apply_tags(current, tags)


def test_hand_made_pairs_cover_every_kind_of_tag():
    seen = {tag for _, _, edits, _ in HAND_MADE for tag in edits.values()}
    prefixes = ["$DELETE", "$APPEND_", "$REPLACE_", "$MERGE_SPACE", "$MERGE_HYPHEN",
                "$TRANSFORM_SPLIT_HYPHEN", "$TRANSFORM_AGREEMENT_PLURAL",
                "$TRANSFORM_AGREEMENT_SINGULAR", "$TRANSFORM_VERB_", "$TRANSFORM_CASE_LOWER",
                "$TRANSFORM_CASE_UPPER", "$TRANSFORM_CASE_CAPITAL", "$TRANSFORM_CASE_CAPITAL_1",
                "$TRANSFORM_CASE_UPPER_-1"]
    for prefix in prefixes:
        assert any(tag.startswith(prefix) for tag in seen), prefix
    assert len(HAND_MADE) >= 25


def test_multi_token_insertion_steps_append_leftmost_first():
    steps = derive_steps(["cat"], ["The", "big", "black", "cat"])
    assert steps == [
        TagStep(("cat",), ("$APPEND_The", KEEP)),
        TagStep(("The", "cat"), (KEEP, "$APPEND_big", KEEP)),
        TagStep(("The", "big", "cat"), (KEEP, KEEP, "$APPEND_black", KEEP)),
    ]
    # insertions at different places go in the same iteration
    tags = derive_tags(["a", "b"], ["x", "a", "y", "b", "z"])
    assert tags == ["$APPEND_x", "$APPEND_y", "$APPEND_z"]


def test_alignment_ops():
    ops = align(["I", "like", "every", "day", "life"], ["I", "like", "everyday", "life"])
    assert [op.kind for op in ops] == ["equal", "equal", "merge", "equal"]
    assert ops[2] == AlignmentOp("merge", 2, 4, 2, 3, ("",))
    ops = align(["a", "well-known", "fact"], ["a", "well", "known", "fact"])
    assert ops[1] == AlignmentOp("split", 1, 2, 1, 3)
    ops = align(["I", "want", "go"], ["I", "want", "to", "go"])
    assert ops[2] == AlignmentOp("insert", 2, 2, 2, 3)
    assert [op.kind for op in align([], [])] == []
    assert [op.kind for op in align(["a"], [])] == ["delete"]


def test_similar_words_are_substituted_and_unrelated_runs_are_not():
    ops = align(["He", "go", "home"], ["He", "goes", "home"])
    assert [op.kind for op in ops] == ["equal", "replace", "equal"]
    # a shifted sentence is one deletion and one insertion, not three substitutions
    ops = align(["x", "b", "c"], ["b", "c", "y"])
    assert [op.kind for op in ops] == ["delete", "equal", "equal", "insert"]


def test_repeated_word_the_second_copy_is_deleted():
    assert derive_tags(["the", "the", "cat"], ["the", "cat"]) == [KEEP, KEEP, "$DELETE", KEEP]


def test_token_tag_prefers_transforms_and_uses_context_for_noun_or_verb():
    assert token_tag("go", "goes", "he") == "$TRANSFORM_VERB_VB_VBZ"
    assert token_tag("book", "books", "two") == "$TRANSFORM_AGREEMENT_PLURAL"
    assert token_tag("book", "books", "she") == "$TRANSFORM_VERB_VB_VBZ"
    assert token_tag("book", "books", "red") == "$TRANSFORM_AGREEMENT_PLURAL"
    assert token_tag("Monday", "monday") == "$TRANSFORM_CASE_LOWER"
    assert token_tag("cat", "cat") == KEEP
    assert token_tag("cat", "dog") == "$REPLACE_dog"


def test_empty_sides():
    assert apply_iterations([], derive_tag_sequences([], ["Hello", "there"])) == ["Hello", "there"]
    assert derive_tag_sequences(["a", "b"], []) == [["$KEEP", "$DELETE", "$DELETE"]]
    assert derive_tag_sequences([], []) == []


def test_too_many_iterations_raise():
    with pytest.raises(AlignmentError):
        derive_tag_sequences(["cat"], ["a", "b", "c", "cat"], max_iterations=2)
    assert len(derive_tag_sequences(["cat"], ["a", "b", "c", "cat"], max_iterations=3)) == 3


def test_unicode_tokens_round_trip():
    source = ["Le", "cafe", "“", "naive", "”", "👍"]
    target = ["Le", "café", "“", "naïve", "”", "!", "👍"]
    assert apply_iterations(source, derive_tag_sequences(source, target)) == target
