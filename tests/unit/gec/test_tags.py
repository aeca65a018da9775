import json

import pytest

from writer_app.core.gec.tags import (
    AGREEMENT_PLURAL,
    AGREEMENT_SINGULAR,
    BASE_TAGS,
    CASE_CAPITAL,
    CASE_CAPITAL_1,
    CASE_LOWER,
    CASE_TAGS,
    CASE_UPPER,
    CASE_UPPER_MINUS_1,
    DELETE,
    KEEP,
    MERGE_HYPHEN,
    MERGE_SPACE,
    SPLIT_HYPHEN,
    TRANSFORM_TAGS,
    VERB_TRANSFORM_TAGS,
    Category,
    TagVocabulary,
    apply_iterations,
    apply_tags,
    case_tag_between,
    category_of,
    convert_case,
    edit_distance,
    is_valid_tag,
    message_for,
)


def _apply(sentence: str, tags_by_index: dict[int, str]) -> str:
    """Apply tags given by token index (-1 for $START); the rest are $KEEP."""
    tokens = sentence.split()
    tags = [KEEP] * (len(tokens) + 1)
    for index, tag in tags_by_index.items():
        tags[index + 1] = tag
    return " ".join(apply_tags(tokens, tags))


def test_tag_inventory():
    assert len(VERB_TRANSFORM_TAGS) == 30  # 6 Penn tags, every ordered pair
    assert "$TRANSFORM_VERB_VB_VBZ" in VERB_TRANSFORM_TAGS
    assert "$TRANSFORM_VERB_VBP_VBZ" in VERB_TRANSFORM_TAGS
    assert len(TRANSFORM_TAGS) == 5 + 30 + 2 + 3
    assert BASE_TAGS[:2] == (KEEP, DELETE) and len(set(BASE_TAGS)) == len(BASE_TAGS)
    assert is_valid_tag("$APPEND_,") and is_valid_tag("$REPLACE_an")
    assert not is_valid_tag("$APPEND_") and not is_valid_tag("$FOO") and not is_valid_tag("x")


def test_keep_delete_replace_append():
    assert _apply("He go to to school", {}) == "He go to to school"
    assert _apply("He go to to school", {3: DELETE}) == "He go to school"
    assert _apply("I have a apple", {2: "$REPLACE_an"}) == "I have an apple"
    assert _apply("I want go", {1: "$APPEND_to"}) == "I want to go"
    assert _apply("However we left", {0: "$APPEND_,"}) == "However , we left"


def test_append_at_start_and_start_ignores_other_tags():
    assert _apply("cat sat", {-1: "$APPEND_The"}) == "The cat sat"
    assert _apply("cat sat", {-1: DELETE}) == "cat sat"
    assert _apply("cat sat", {-1: CASE_UPPER}) == "cat sat"
    assert apply_tags([], ["$APPEND_Hi"]) == ["Hi"]


@pytest.mark.parametrize(
    ("token", "tag", "result"),
    [
        ("Monday", CASE_LOWER, "monday"),
        ("nasa", CASE_UPPER, "NASA"),
        ("monday", CASE_CAPITAL, "Monday"),
        ("mONDAY", CASE_CAPITAL, "Monday"),
        ("iphone", CASE_CAPITAL_1, "iPhone"),
        ("ceos", CASE_UPPER_MINUS_1, "CEOs"),
    ],
)
def test_each_case_transform(token, tag, result):
    assert convert_case(token, tag) == result
    assert apply_tags([token], [KEEP, tag]) == [result]
    assert case_tag_between(token, result) == tag


def test_case_tag_between_prefers_capital_and_rejects_non_case_changes():
    assert case_tag_between("i", "I") == CASE_CAPITAL
    assert case_tag_between("the", "The") == CASE_CAPITAL
    assert case_tag_between("McDonald", "mcdonald") == CASE_LOWER
    assert case_tag_between("mcdonald", "McDonald") is None  # no single transform does it
    assert case_tag_between("cat", "cat") is None
    assert case_tag_between("cat", "dog") is None
    with pytest.raises(ValueError):
        convert_case("x", KEEP)


_GO = {"VB": "go", "VBD": "went", "VBG": "going", "VBN": "gone", "VBP": "go", "VBZ": "goes"}
_BE = {"VB": "be", "VBD": "was", "VBG": "being", "VBN": "been", "VBP": "are", "VBZ": "is"}


@pytest.mark.parametrize("tag", VERB_TRANSFORM_TAGS)
def test_each_verb_transform(tag):
    from_tag, to_tag = tag.removeprefix("$TRANSFORM_VERB_").split("_")
    for table in (_GO, _BE):
        assert apply_tags([table[from_tag]], [KEEP, tag]) == [table[to_tag]]


def test_verb_transform_that_does_not_fit_keeps_the_token():
    assert _apply("a table", {1: "$TRANSFORM_VERB_VBD_VBN"}) == "a table"
    assert _apply("he went", {1: "$TRANSFORM_VERB_VB_VBZ"}) == "he went"  # not a VB form


def test_noun_number_transforms():
    assert _apply("two book", {1: AGREEMENT_PLURAL}) == "two books"
    assert _apply("many child", {1: AGREEMENT_PLURAL}) == "many children"
    assert _apply("some informations", {1: AGREEMENT_SINGULAR}) == "some information"
    assert _apply("a boxes", {1: AGREEMENT_SINGULAR}) == "a box"
    assert _apply("a box", {1: AGREEMENT_SINGULAR}) == "a box"  # already singular: unchanged


def test_merges_and_split():
    assert _apply("every day life", {0: MERGE_SPACE}) == "everyday life"
    assert _apply("a well known fact", {1: MERGE_HYPHEN}) == "a well-known fact"
    chain = {1: MERGE_HYPHEN, 2: MERGE_HYPHEN, 3: MERGE_HYPHEN}
    assert _apply("a state of the art lab", chain) == "a state-of-the-art lab"
    assert _apply("a well-known fact", {1: SPLIT_HYPHEN}) == "a well known fact"
    assert _apply("mother-in-law", {0: SPLIT_HYPHEN}) == "mother in law"
    # the merge joins with what the next position produces, including its own edit
    assert _apply("Every Day", {0: MERGE_SPACE, 1: CASE_LOWER}) == "Everyday"
    assert _apply("every day", {1: MERGE_SPACE}) == "every day"  # nothing after: no-op


def test_apply_errors():
    with pytest.raises(ValueError, match="need 3 tags"):
        apply_tags(["a", "b"], [KEEP, KEEP])
    with pytest.raises(ValueError, match="unknown tag"):
        apply_tags(["a"], [KEEP, "$BOGUS"])


def test_apply_iterations():
    tokens = ["cat"]
    assert apply_iterations(tokens, [[ "$APPEND_The", KEEP], [KEEP, "$APPEND_black", KEEP]]) == [
        "The", "black", "cat",
    ]
    assert apply_iterations(tokens, []) == ["cat"]


# --- vocabulary ------------------------------------------------------------------------------


def test_vocabulary_keeps_most_frequent_lexical_tags_and_all_transforms():
    counts = {"$APPEND_the": 50, "$REPLACE_an": 40, "$APPEND_,": 40, "$REPLACE_rare": 1,
              "$APPEND_x": 2, KEEP: 1000, "$TRANSFORM_CASE_LOWER": 3}
    vocab = TagVocabulary.build(counts, max_lexical=3)
    assert vocab.tags[: len(BASE_TAGS)] == BASE_TAGS
    # by count, ties alphabetical: "$APPEND_," < "$REPLACE_an"
    assert vocab.tags[len(BASE_TAGS) :] == ("$APPEND_the", "$APPEND_,", "$REPLACE_an")
    assert "$REPLACE_rare" not in vocab and "$APPEND_x" not in vocab
    assert all(tag in vocab for tag in TRANSFORM_TAGS)
    assert len(vocab) == len(BASE_TAGS) + 3

    min_counted = TagVocabulary.build(counts, min_count=2)
    assert "$APPEND_x" in min_counted and "$REPLACE_rare" not in min_counted


def test_vocabulary_from_tag_lists_and_indexing():
    vocab = TagVocabulary.from_tag_lists(
        [[KEEP, "$APPEND_the", KEEP], ["$APPEND_the", "$REPLACE_a"]], max_lexical=10
    )
    assert vocab.index(KEEP) == 0 and vocab.index(DELETE) == 1
    the = vocab.index("$APPEND_the")
    assert vocab.tag(the) == "$APPEND_the"
    assert vocab.encode([KEEP, "$APPEND_the"]) == [0, the]
    assert vocab.decode(vocab.encode(["$REPLACE_a", MERGE_SPACE])) == ["$REPLACE_a", MERGE_SPACE]
    assert vocab.encode(["$APPEND_unseen"], unknown=KEEP) == [0]
    with pytest.raises(KeyError):
        vocab.encode(["$APPEND_unseen"])
    with pytest.raises(KeyError):
        vocab.index("$APPEND_unseen")
    with pytest.raises(IndexError):
        vocab.tag(len(vocab))
    assert list(vocab) == list(vocab.tags)


def test_vocabulary_save_load_round_trip(tmp_path):
    vocab = TagVocabulary.build({"$APPEND_the": 3, "$REPLACE_naïve": 2, "$APPEND_“": 1})
    path = tmp_path / "labels.json"
    vocab.save(path)
    loaded = TagVocabulary.load(path)
    assert loaded == vocab
    assert loaded.index("$REPLACE_naïve") == vocab.index("$REPLACE_naïve")
    assert json.loads(path.read_text(encoding="utf-8"))["tags"][0] == KEEP


def test_vocabulary_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="starts with"):
        TagVocabulary(("$APPEND_a", KEEP, DELETE))
    with pytest.raises(ValueError, match="duplicate"):
        TagVocabulary((KEEP, DELETE, "$APPEND_a", "$APPEND_a"))
    with pytest.raises(ValueError, match="invalid"):
        TagVocabulary.build({"nonsense": 3})
    bad = tmp_path / "bad.json"
    bad.write_text('{"tags": ["$KEEP"]}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a writer_app tag vocabulary"):
        TagVocabulary.load(bad)
    bad.write_text(
        '{"format": "writer_app.gec.tag_vocabulary", "version": 99, "tags": []}', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="version"):
        TagVocabulary.load(bad)


# --- categories and messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "source", "target", "previous", "category", "message"),
    [
        ("$TRANSFORM_VERB_VB_VBZ", "go", None, "she", Category.AGREEMENT, "Use 'goes' with 'she'"),
        ("$TRANSFORM_VERB_VBZ_VB", "goes", None, "dogs", Category.AGREEMENT,
         "Use 'go' to agree with the subject"),
        ("$TRANSFORM_VERB_VBD_VBN", "went", None, "has", Category.VERB_FORM,
         "Use the past participle 'gone'"),
        ("$TRANSFORM_VERB_VB_VBG", "go", None, "enjoy", Category.VERB_FORM,
         "Use the -ing form 'going'"),
        (AGREEMENT_PLURAL, "book", None, "two", Category.NOUN_NUMBER, "Use the plural 'books'"),
        (AGREEMENT_SINGULAR, "informations", None, None, Category.NOUN_NUMBER,
         "Use 'information': it is uncountable"),
        (CASE_CAPITAL, "monday", None, "on", Category.CAPITALISATION, "Capitalise 'monday'"),
        (CASE_LOWER, "Meeting", None, "the", Category.CAPITALISATION,
         "Use lower case: 'meeting'"),
        (CASE_UPPER, "nasa", None, None, Category.CAPITALISATION, "Write 'NASA' in capitals"),
        (DELETE, "the", None, "the", Category.REDUNDANCY, "Remove the repeated word 'the'"),
        (DELETE, "more", None, "is", Category.REDUNDANCY, "Remove the unnecessary word 'more'"),
        (DELETE, "the", None, "to", Category.ARTICLE, "Remove the article 'the'"),
        (DELETE, "of", None, "discuss", Category.PREPOSITION, "Remove the preposition 'of'"),
        (DELETE, ",", None, "that", Category.PUNCTUATION, "Remove the comma"),
        ("$APPEND_,", "However", None, None, Category.PUNCTUATION, "Add a comma"),
        ("$APPEND_!", "Wow", None, None, Category.PUNCTUATION, "Add an exclamation mark"),
        ("$APPEND_the", "to", None, None, Category.ARTICLE, "Add the article 'the'"),
        ("$APPEND_on", "depends", None, None, Category.PREPOSITION,
         "Add the preposition 'on'"),
        ("$APPEND_been", "have", None, None, Category.MISSING_WORD,
         "Add the missing word 'been'"),
        ("$REPLACE_an", "a", None, "have", Category.ARTICLE, "Use 'an' before a vowel sound"),
        ("$REPLACE_a", "an", None, None, Category.ARTICLE, "Use 'a' before a consonant sound"),
        ("$REPLACE_on", "in", None, None, Category.PREPOSITION,
         "Use the preposition 'on' instead of 'in'"),
        ("$REPLACE_their", "there", None, None, Category.WORD_CHOICE,
         "Use 'their' (belonging to them) instead of 'there'"),
        ("$REPLACE_than", "then", None, None, Category.WORD_CHOICE,
         "Use 'than' (for comparisons) instead of 'then'"),
        ("$REPLACE_receive", "recieve", None, None, Category.SPELLING,
         "Possible spelling mistake: did you mean 'receive'?"),
        ("$REPLACE_were", "was", None, "they", Category.AGREEMENT, "Use 'were' with 'they'"),
        ("$REPLACE_doesn't", "don't", None, "she", Category.AGREEMENT,
         "Use 'doesn't' with 'she'"),
        ("$REPLACE_better", "gooder", None, None, Category.WORD_CHOICE,
         "Use the comparative 'better'"),
        ("$REPLACE_;", ",", None, None, Category.PUNCTUATION,
         "Use a semicolon instead of a comma"),
        ("$REPLACE_Monday", "monday", None, None, Category.CAPITALISATION,
         "Capitalise 'monday'"),
        ("$REPLACE_excellent", "good", None, None, Category.WORD_CHOICE,
         "Replace 'good' with 'excellent'"),
        (MERGE_SPACE, "every", "everyday", None, Category.SPELLING,
         "Write 'everyday' as one word"),
        (MERGE_HYPHEN, "well", "well-known", None, Category.SPELLING, "Hyphenate: 'well-known'"),
        (MERGE_HYPHEN, "well", None, None, Category.SPELLING,
         "Join 'well' and the next word with a hyphen"),
        (SPLIT_HYPHEN, "well-known", None, None, Category.SPELLING,
         "Write 'well known' without a hyphen"),
        (KEEP, "cat", None, None, Category.OTHER, "No change"),
    ],
)
def test_category_and_message(tag, source, target, previous, category, message):
    assert category_of(tag, source, target, previous=previous) is category
    assert message_for(tag, source, target, previous=previous) == message


def test_every_case_tag_is_capitalisation_and_category_rejects_unknown_tags():
    for tag in CASE_TAGS:
        assert category_of(tag, "word") == "capitalisation"  # a str enum: plain strings work
    with pytest.raises(ValueError):
        category_of("$NOPE", "x")


def test_edit_distance_counts_transpositions_once():
    assert edit_distance("recieve", "receive") == 1
    assert edit_distance("teh", "the") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
