import pytest

from writer_app.core.gec import verb_forms
from writer_app.core.gec.verb_forms import (
    adjective_degree,
    indefinite_article,
    is_noun,
    is_uncountable,
    match_case,
    noun_transform_between,
    pluralize,
    singularize,
    transform_verb,
    verb_tags_of,
    verb_transform_between,
)
from writer_app.core.gec.verb_forms import verb_forms as forms_of


def test_irregular_verb_table_go():
    expected = {"VB": "go", "VBD": "went", "VBG": "going", "VBN": "gone", "VBP": "go",
                "VBZ": "goes"}
    for form in expected.values():
        assert forms_of(form) == expected
    assert transform_verb("went", "VBD", "VBN") == "gone"
    assert transform_verb("gone", "VBN", "VBG") == "going"
    assert transform_verb("goes", "VBZ", "VB") == "go"
    assert transform_verb("go", "VB", "VBD") == "went"


def test_be_has_its_own_present_forms():
    assert forms_of("is") == {"VB": "be", "VBD": "was", "VBG": "being", "VBN": "been",
                              "VBP": "are", "VBZ": "is"}
    assert transform_verb("is", "VBZ", "VBP") == "are"
    assert transform_verb("am", "VBP", "VBZ") == "is"  # "am" is read as VBP too
    assert transform_verb("were", "VBD", "VBN") == "been"  # any listed form is accepted
    assert transform_verb("be", "VB", "VBP") == "are"
    assert verb_tags_of("are") == {"VBP"}
    assert verb_tags_of("was") == {"VBD"}


def test_have_and_ambiguous_forms():
    assert forms_of("has") == {"VB": "have", "VBD": "had", "VBG": "having", "VBN": "had",
                               "VBP": "have", "VBZ": "has"}
    assert verb_tags_of("had") == {"VBD", "VBN"}
    assert verb_tags_of("read") == {"VB", "VBD", "VBN", "VBP"}
    # The source tag picks the lemma: "saw" as a past tense is "see", as a base form "saw".
    assert transform_verb("saw", "VBD", "VBG") == "seeing"
    assert transform_verb("saw", "VB", "VBG") == "sawing"
    assert transform_verb("left", "VBD", "VB") == "leave"


def test_transform_keeps_case_and_rejects_non_forms():
    assert transform_verb("Go", "VB", "VBD") == "Went"
    assert transform_verb("GO", "VB", "VBD") == "WENT"
    assert transform_verb("went", "VB", "VBD") is None  # "went" is not a base form
    assert transform_verb("table", "VBD", "VBN") is None
    assert transform_verb("quickly", "VB", "VBZ") is None
    assert forms_of("quickly") is None
    assert forms_of("can") is None  # modals have no full paradigm
    with pytest.raises(ValueError):
        transform_verb("go", "VB", "NN")


@pytest.mark.parametrize(
    ("source", "target", "tag"),
    [
        ("go", "goes", "$TRANSFORM_VERB_VB_VBZ"),
        ("goes", "go", "$TRANSFORM_VERB_VBZ_VB"),
        ("went", "gone", "$TRANSFORM_VERB_VBD_VBN"),
        ("going", "go", "$TRANSFORM_VERB_VBG_VB"),
        ("is", "are", "$TRANSFORM_VERB_VBZ_VBP"),
        ("are", "is", "$TRANSFORM_VERB_VBP_VBZ"),
        ("be", "been", "$TRANSFORM_VERB_VB_VBN"),
        ("writes", "wrote", "$TRANSFORM_VERB_VBZ_VBD"),
        ("Go", "Went", "$TRANSFORM_VERB_VB_VBD"),
        ("is", "am", None),  # VBZ -> VBP gives "are": no transform gives "am"
        ("was", "were", None),  # both VBD
        ("go", "Went", None),  # case and form at once: not one transform
        ("child", "children", None),
        ("book", "books", "$TRANSFORM_VERB_VB_VBZ"),  # lemminflect lacks its VBN: filled in
    ],
)
def test_verb_transform_between(source, target, tag):
    assert verb_transform_between(source, target) == tag


def test_noun_number():
    assert pluralize("child") == "children" and singularize("children") == "child"
    assert pluralize("box") == "boxes" and singularize("boxes") == "box"
    assert pluralize("person") == "people" and singularize("people") == "person"
    assert singularize("letters") == "letter"  # although lemminflect lists "letters" too
    assert pluralize("children") is None and singularize("child") is None
    assert singularize("news") is None  # invariable
    assert pluralize("Box") == "Boxes"
    assert pluralize("quickly") is None  # known, but not a noun
    assert pluralize("blorf") == "blorfs" and singularize("zorbles") == "zorble"  # unknown words


def test_uncountable_nouns():
    assert is_uncountable("information") and is_uncountable("Advice")
    assert not is_uncountable("book")
    # the transform is mechanical: it produces what learners write, and undoes it
    assert pluralize("information") == "informations"
    assert singularize("informations") == "information"
    assert singularize("advices") == "advice"


def test_noun_transform_between():
    assert noun_transform_between("book", "books") == "$TRANSFORM_AGREEMENT_PLURAL"
    assert noun_transform_between("children", "child") == "$TRANSFORM_AGREEMENT_SINGULAR"
    assert noun_transform_between("informations", "information") == (
        "$TRANSFORM_AGREEMENT_SINGULAR"
    )
    assert noun_transform_between("thi", "this") is None  # a typo, not a plural
    assert noun_transform_between("book", "book") is None
    assert is_noun("book") and not is_noun("quickly")


def test_adjective_degree():
    assert adjective_degree("older") == ("old", "JJR")
    assert adjective_degree("biggest") == ("big", "JJS")
    assert adjective_degree("better") == ("good", "JJR")
    assert adjective_degree("old") is None and adjective_degree("table") is None


@pytest.mark.parametrize(
    ("word", "article"),
    [("apple", "an"), ("book", "a"), ("hour", "an"), ("honest", "an"), ("university", "a"),
     ("European", "a"), ("one", "a"), ("FBI", "an"), ("UFO", "a"), ("umbrella", "an"),
     ("unimportant", "an"), ("useful", "a"), ("8", "an"), ("5", "a"), ("", "a")],
)
def test_indefinite_article_by_sound(word, article):
    assert indefinite_article(word) == article


def test_match_case_and_caching():
    assert match_case("Go", "went") == "Went"
    assert match_case("NASA", "nasa") == "NASA"
    assert match_case("a", "Went") == "Went"
    verb_forms.verb_paradigms.cache_clear()
    transform_verb("thought", "VBD", "VB")
    transform_verb("thought", "VBD", "VBG")
    info = verb_forms.verb_paradigms.cache_info()
    assert info.hits >= 1 and info.misses == 1
