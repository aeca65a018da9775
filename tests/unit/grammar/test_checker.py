"""GrammarChecker: spelling + tagger composed into edits on the original text."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tests.unit.grammar.conftest import random_tagger
from writer_app.core.gec.edits import GrammarEdit, apply_edits
from writer_app.core.gec.tags import Category
from writer_app.inference.errors import ModelLoadError
from writer_app.inference.grammar import checker as checker_module
from writer_app.inference.grammar.checker import GrammarChecker, compose, default_model_path
from writer_app.inference.grammar.checkpoint import save_tagger
from writer_app.inference.grammar.spelling import SpellingChecker

TEXTS = [
    "I recieved teh package  yesterday.",
    "Ça  marche: the café was   wonderfull.\nthe second line has a typo: wrold.",
    "Emoji 😀 befor the word, and a URL https://exmaple.com/pge stays.",
    "   leading spaces and\ttabs   ",
    "",
    "He go to scool every day. She dont know 42 thigns.",
]


@pytest.fixture(scope="module")
def model_dir(tiny_bert_dir, tiny_tokenizer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("checker-model") / "m"
    return save_tagger(folder, random_tagger(tiny_bert_dir, seed=5), tiny_tokenizer)


@pytest.fixture(scope="module")
def checker(model_dir):
    return GrammarChecker.load(str(model_dir))


def _assert_well_formed(text: str, edits: list[GrammarEdit]) -> None:
    assert edits == sorted(edits, key=lambda e: (e.start, e.end))
    for before, after in zip(edits, edits[1:], strict=False):
        assert before.end <= after.start
    for edit in edits:
        assert 0 <= edit.start <= edit.end <= len(text)
        assert text[edit.start : edit.end] != edit.replacement


@pytest.mark.parametrize("text", TEXTS)
def test_edits_map_back_to_the_original_text(checker, text):
    edits = checker.check(text)
    _assert_well_formed(text, edits)
    assert apply_edits(text, edits) == checker.correct([text])[0]


def _spans(edits):
    return [(e.start, e.end, e.replacement, e.category) for e in edits]


def test_batched_equals_one_at_a_time(checker):
    # Confidences may differ in the last digits (padding changes float rounding).
    assert [_spans(e) for e in checker.check_many(TEXTS)] == [
        _spans(checker.check(text)) for text in TEXTS]
    assert len(checker.correct(TEXTS)) == len(TEXTS)


def test_spelling_edit_offsets_with_unicode_spaces_and_newlines():
    spelling = GrammarChecker.load(grammar=False)
    text = TEXTS[1]
    edits = spelling.check(text)
    assert [(text[e.start : e.end], e.replacement) for e in edits] == [
        ("wonderfull", "wonderful"), ("wrold", "world")]
    assert all(e.category is Category.SPELLING for e in edits)
    assert apply_edits(text, edits) == (
        "Ça  marche: the café was   wonderful.\nthe second line has a typo: world.")


def _edit(start, end, replacement, category=Category.OTHER, message="m", rule="R"):
    return GrammarEdit(start, end, replacement, category, message, 0.5, rule)


def test_compose_shifts_and_merges():
    text = "Ça  recieved teh 😀 cat\nyesterday"
    spelling = [
        _edit(4, 12, "received", Category.SPELLING, "spelling a", "SPELLING"),
        _edit(13, 16, "the", Category.SPELLING, "spelling b", "SPELLING"),
    ]
    corrected = apply_edits(text, spelling)
    assert corrected == "Ça  received the 😀 cat\nyesterday"
    grammar = [
        _edit(4, 12, "receives", Category.VERB_FORM, "Use 'receives'"),  # on a spelled word
        _edit(19, 22, "cats", Category.NOUN_NUMBER),  # after two spelling edits
        _edit(23, 24, "Y", Category.CAPITALISATION),  # after the newline
    ]
    composed = compose(text, spelling, grammar)
    _assert_well_formed(text, composed)
    assert apply_edits(text, composed) == apply_edits(corrected, grammar)
    assert [(text[e.start : e.end], e.replacement, e.category) for e in composed] == [
        ("recieved", "receives", Category.VERB_FORM),
        ("teh", "the", Category.SPELLING),
        ("cat", "cats", Category.NOUN_NUMBER),
        ("y", "Y", Category.CAPITALISATION),
    ]
    assert composed[0].message.startswith("spelling a; then use 'receives'")


def test_compose_keeps_the_spelling_and_drops_a_side_effect_beyond_the_word():
    # "the  world" -> "a world" would change an article along with two spelling fixes
    text = "teh  wrold"
    spelling = [_edit(0, 3, "the", Category.SPELLING), _edit(5, 10, "world", Category.SPELLING)]
    composed = compose(text, spelling, [_edit(0, 10, "a world")])
    assert [(e.start, e.end, e.replacement) for e in composed] == [(0, 3, "the"),
                                                                   (5, 10, "world")]
    assert apply_edits(text, composed) == "the  world"


def test_overlapping_layer_edits_never_raise():
    from writer_app.inference.grammar.checker import without_overlaps

    edits = [_edit(0, 5, "a"), _edit(3, 8, "b"), _edit(8, 8, "c"), _edit(8, 8, "d")]
    kept = without_overlaps(edits)
    _assert_well_formed("x" * 10, kept)
    assert len(kept) == 2


def test_compose_drops_a_grammar_edit_that_undoes_the_spelling():
    text = "I seen it"
    spelling = [_edit(2, 6, "sean", Category.SPELLING)]
    assert compose(text, spelling, [_edit(2, 6, "seen")]) == []


class FakeEngine:
    """The engine's batch interface with scripted edits: "received" -> "got", and an
    inserted comma before "yesterday"."""

    keep_confidence = 0.0
    min_error_probability = 0.0
    split_contractions = False

    def __init__(self):
        self.ignore_words = frozenset()
        self.calls = []

    def check_many(self, texts):
        self.calls.append(list(texts))
        result = []
        for text in texts:
            # sure of its word swap (the checker drops unsure ones: WORD_SWAP_CONFIDENCE)
            edits = [GrammarEdit(m.start(), m.end(), "got", Category.WORD_CHOICE, "Use 'got'",
                                 0.9, "R")
                     for m in re.finditer(r"\breceived\b", text)
                     if m.group().lower() not in self.ignore_words]
            edits += [_edit(m.start(), m.start(), ",", Category.PUNCTUATION)
                      for m in re.finditer(r" yesterday", text)]
            result.append(sorted(edits, key=lambda e: e.start))
        return result


def test_fake_engine_edits_merge_with_spelling_and_batch_once():
    engine = FakeEngine()
    checker = GrammarChecker(engine, SpellingChecker(), context_candidates=1)
    texts = ["I  recieved it yesterday.", "Café: received 😀 yesterday!"]
    found = checker.check_many(texts)
    assert len(engine.calls) == 1
    assert [apply_edits(t, e) for t, e in zip(texts, found, strict=True)] == [
        "I  got it, yesterday.", "Café: got 😀, yesterday!"]
    merged = found[0][0]
    assert (texts[0][merged.start : merged.end], merged.replacement) == ("recieved", "got")
    assert merged.category is Category.WORD_CHOICE


def test_personal_words_are_never_flagged():
    engine = FakeEngine()
    checker = GrammarChecker(engine, SpellingChecker(), context_candidates=1)
    checker.set_personal_words(["Recieved", "zorblax"])
    text = "I recieved a zorblax and received a bok."
    edits = checker.check(text)
    assert [text[e.start : e.end] for e in edits] == ["received", "bok"]
    assert engine.ignore_words == checker.personal_words == {"recieved", "zorblax"}
    checker.set_personal_words(["received"])
    assert [text[e.start : e.end] for e in checker.check(text)] == ["recieved", "bok"]


def test_personal_words_with_a_real_tagger(model_dir):
    checker = GrammarChecker.load(str(model_dir), personal_words=["Qwzxy", "vlorp"])
    for text in ("the Qwzxy vlorp vlorp the an qwzxy", "vlorp, qwzxy: the a vlorp."):
        for edit in checker.check(text):
            for word in re.finditer(r"qwzxy|vlorp", text, re.IGNORECASE):
                assert not (edit.start < word.end() and edit.end > word.start())


def test_urls_code_numbers_are_not_flagged_by_spelling():
    checker = GrammarChecker.load(grammar=False)
    text = "See https://exmaple.com/pge and src/modle.py, call getValu() on 42nd item_cnt."
    assert checker.check(text) == []


def test_rescorer_chooses_between_candidates():
    speller = SpellingChecker()
    text = "I recieved the news."
    assert speller.candidates("recieved")[:2] == ["received", "relieved"]
    checker = GrammarChecker(
        None, speller, rescorer=lambda sentences: [5.0 * ("relieved" in s) for s in sentences])
    (edit,) = checker.check(text)
    assert edit.replacement == "relieved"
    assert GrammarChecker(None, speller).check(text)[0].replacement == "received"


def test_spelling_only_mode_needs_no_model(monkeypatch, tmp_path):
    monkeypatch.setattr(checker_module, "default_model_path", lambda: tmp_path / "absent")
    checker = GrammarChecker.load(grammar=False)
    assert not checker.grammar and checker.spelling
    assert checker.keep_confidence is None
    assert [e.replacement for e in checker.check("I recieved it.")] == ["received"]
    with pytest.raises(ValueError):
        GrammarChecker.load(spelling=False, grammar=False)


def test_missing_default_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(checker_module, "default_model_path", lambda: tmp_path / "absent")
    for name in (None, "default"):
        with pytest.raises(ModelLoadError, match="not installed at"):
            GrammarChecker.load(name)


def test_default_model_path_is_inside_the_resources_package():
    import writer_app.resources

    assert default_model_path().parent.name == "grammar"
    assert default_model_path().is_relative_to(
        __import__("pathlib").Path(writer_app.resources.__file__).parent)


@pytest.mark.parametrize("damage", ["no folder", "bad json", "no heads", "bad heads"])
def test_broken_model_folder_is_one_line_error(model_dir, tmp_path, damage):
    import shutil

    folder = tmp_path / "broken"
    if damage != "no folder":
        shutil.copytree(model_dir, folder)
    if damage == "bad json":
        (folder / "config.json").write_text("{", encoding="utf-8")
    elif damage == "no heads":
        (folder / "heads.safetensors").unlink()
    elif damage == "bad heads":
        (folder / "heads.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(ModelLoadError) as caught:
        GrammarChecker.load(str(folder))
    assert "\n" not in str(caught.value) and str(caught.value)


def test_knobs_come_from_the_model_and_can_be_overridden(model_dir, tmp_path):
    config = json.loads((model_dir / "config.json").read_text())
    checker = GrammarChecker.load(str(model_dir), keep_confidence=0.3)
    assert checker.keep_confidence == 0.3
    assert checker.min_error_probability == config["min_error_probability"]
    checker.min_error_probability = 0.9
    assert checker.engine.min_error_probability == 0.9
    assert checker.grammar and checker.variant == "en-US" and checker.device == "cpu"


def test_higher_keep_confidence_never_adds_grammar_edits(model_dir):
    checker = GrammarChecker.load(str(model_dir), spelling=False, rules=False)
    counts = []
    for keep in (0.0, 0.5, 2.0):
        checker.keep_confidence = keep
        counts.append(sum(len(e) for e in checker.check_many(TEXTS)))
    assert counts == sorted(counts, reverse=True) and counts[-1] == 0


@pytest.mark.parametrize(("text", "word", "replacement", "category"), [
    ("He buyed a new bike.", "buyed", "bought", Category.VERB_FORM),
    ("Buyed it.", "Buyed", "Bought", Category.VERB_FORM),
    ("The childs played.", "childs", "children", Category.NOUN_NUMBER),
    ("The mens waited.", "mens", "men", Category.NOUN_NUMBER),
    ("I thinked so.", "thinked", "thought", Category.VERB_FORM),
])
def test_over_regularised_forms_get_their_irregular_form(text, word, replacement, category):
    (edit,) = GrammarChecker.load(grammar=False).check(text)
    assert (text[edit.start : edit.end], edit.replacement) == (word, replacement)
    assert edit.category is category and edit.rule_id == checker_module.IRREGULAR_RULE


def test_irregular_past_forms_compete_in_context():
    speller = SpellingChecker()
    assert [form for form, _ in checker_module.irregular_forms("goed", speller)] == [
        "went", "gone"]
    checker = GrammarChecker(
        None, speller, rescorer=lambda sentences: [3.0 * ("has gone" in s) for s in sentences])
    assert checker.correct(["She has goed home.", "She goed home."]) == [
        "She has gone home.", "She went home."]


def test_rules_run_with_the_tagger_and_can_be_turned_off(model_dir):
    text = "They took a a taxi to spain."
    with_rules = GrammarChecker.load(str(model_dir), spelling=False)
    found = {(text[e.start:e.end], e.replacement) for e in with_rules.check(text)}
    assert {(" a", ""), ("spain", "Spain")} <= found
    without = GrammarChecker.load(str(model_dir), spelling=False, rules=False)
    rule_ids = {e.rule_id for e in without.check(text)}
    assert not rule_ids & {"DOUBLED_WORD", "PROPER_NOUN_CASE"}


def test_the_tagger_cannot_undo_a_rule_edit():
    from writer_app.core.gec.tags import Category
    from writer_app.inference.grammar.checker import _outside

    rule = GrammarEdit(11, 14, "were", Category.AGREEMENT, "m", 0.8, "NOUN_AGREEMENT")
    # Into "My parents were very proud.": the tagger puts "was" back, and fixes "proud".
    undo = GrammarEdit(11, 15, "was", Category.AGREEMENT, "m", 0.6, "$TRANSFORM")
    other = GrammarEdit(21, 26, "prouder", Category.OTHER, "m", 0.6, "$REPLACE")
    assert _outside([rule], [undo, other]) == [other]


def test_an_unsure_swap_of_a_correct_word_is_dropped_but_a_form_change_is_kept():
    from writer_app.inference.grammar.checker import _trusted

    text = "The dog wagged its tail and go home."
    swap = GrammarEdit(8, 14, "was", Category.WORD_CHOICE, "m", 0.4, "$REPLACE_was")
    form = GrammarEdit(28, 30, "went", Category.VERB_FORM, "m", 0.4, "$TRANSFORM_VERB_VB_VBD")
    assert not _trusted(text, swap)
    assert _trusted(text, replace(swap, confidence=0.9))
    assert _trusted(text, form)
    were = GrammarEdit(5, 9, "was", Category.AGREEMENT, "m", 0.4, "$REPLACE_was")
    assert _trusted("They were here.", were)  # another form of the same verb
    assert not _trusted("Yours sincerely,\nHelen", GrammarEdit(15, 16, "", Category.PUNCTUATION,
                                                               "m", 0.9, "$DELETE"))
