from writer_app.inference.drafts import DraftLookup


def test_a_remembered_suggestion_continues_after_the_typed_part():
    drafts = DraftLookup()
    drafts.remember([1, 2, 3], [10, 11, 12, 13])
    assert drafts.propose([1, 2, 3, 10], 5) == [11, 12, 13]
    assert drafts.propose([1, 2, 3, 10, 11], 1) == [12]


def test_the_newest_suggestion_wins_and_the_longest_match_first():
    drafts = DraftLookup()
    drafts.remember([5, 6], [7, 8, 20])
    drafts.remember([5, 6], [7, 8, 30])
    assert drafts.propose([9, 6, 7, 8], 1) == [30]
    drafts.remember([4, 7], [8, 40])  # matches only the last two tokens
    assert drafts.propose([6, 7, 8], 1) == [30], "three matching tokens beat two"
    assert drafts.propose([0, 7, 8], 1) == [40]


def test_prompt_lookup_in_the_text_itself():
    drafts = DraftLookup()
    text = [1, 2, 3, 4, 5, 9, 9, 2, 3]
    assert drafts.propose(text, 2) == [4, 5]


def test_no_guess_without_a_two_token_match_or_room():
    drafts = DraftLookup()
    drafts.remember([1], [2, 3])
    assert drafts.propose([7, 2], 4) == [], "one shared token is not enough"
    assert drafts.propose([1, 2], 0) == []
    assert drafts.propose([], 3) == []
    drafts.clear()
    assert drafts.propose([1, 2], 3) == []
