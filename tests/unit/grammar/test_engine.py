"""GrammarEngine logic with tags forced by hand (ScriptedTagger) or random heads."""

from __future__ import annotations

import random

import pytest

from tests.unit.grammar.conftest import ScriptedTagger, per_word, random_tagger
from writer_app.core.gec.edits import apply_edits
from writer_app.core.gec.tags import CASE_CAPITAL, DELETE, KEEP, Category
from writer_app.inference.grammar.engine import GrammarEngine, length_batches


def _engine(folder, tokenizer, rule, **knobs) -> tuple[GrammarEngine, ScriptedTagger]:
    tagger = ScriptedTagger(folder, rule)
    return GrammarEngine(tagger, tokenizer, "cpu", **knobs), tagger


def _go_to_went(i, words):
    return ("$REPLACE_went", 0.9, 0.9) if words[i] == "go" else None


def test_single_edit_with_offsets_category_and_confidence(tiny_bert_dir, tiny_tokenizer):
    engine, _ = _engine(tiny_bert_dir, tiny_tokenizer, per_word(_go_to_went))
    text = "Yesterday I go home."
    (edit,) = engine.check(text)
    assert (edit.start, edit.end, edit.replacement) == (12, 14, "went")
    assert edit.category is Category.VERB_FORM and edit.rule_id == "$TRANSFORM_VERB_VB_VBD"
    assert edit.confidence == pytest.approx(0.9, abs=1e-3)
    assert engine.correct_sentences([text]) == ["Yesterday I went home."]


def test_iterates_and_reruns_only_changed_sentences(tiny_bert_dir, tiny_tokenizer):
    def append_then_capitalise(i, words):
        if words[i] == "saw" and [w.lower() for w in words[i + 1 : i + 2]] != ["the"]:
            return ("$APPEND_the", 0.8, 0.8)
        if words[i] == "the" and i > 0 and words[i - 1] == "saw":
            return (CASE_CAPITAL, 0.7, 0.7)  # only reachable in a second iteration
        return None

    engine, tagger = _engine(tiny_bert_dir, tiny_tokenizer, per_word(append_then_capitalise))
    assert engine.correct_sentences(["I saw cat.", "All fine."]) == ["I saw The cat.", "All fine."]
    assert [len(call) for call in tagger.calls] == [2, 1, 1]  # the fine sentence ran once


def test_max_iterations_bounds_the_work(tiny_bert_dir, tiny_tokenizer):
    engine, tagger = _engine(
        tiny_bert_dir, tiny_tokenizer,
        per_word(lambda i, w: ("$APPEND_the", 0.9, 0.9) if i == len(w) - 1 else None),
        max_iterations=3,
    )
    assert engine.correct_sentences(["cat"]) == ["cat the the the"]
    assert len(tagger.calls) == 3


def test_cycle_stops_at_the_state_seen_before(tiny_bert_dir, tiny_tokenizer):
    def flip(i, words):
        return {"a": ("$REPLACE_an", 0.9, 0.9), "an": ("$REPLACE_a", 0.9, 0.9)}.get(words[i])

    engine, tagger = _engine(tiny_bert_dir, tiny_tokenizer, per_word(flip))
    assert engine.check("I ate a pear.") == []
    assert len(tagger.calls) == 2  # a -> an -> a: stopped, not 5 iterations


def test_min_error_probability_sentence_and_word_level(tiny_bert_dir, tiny_tokenizer):
    def errors(i, words):
        table = {"go": ("$REPLACE_went", 0.9, 0.6), "a": ("$REPLACE_an", 0.9, 0.3)}
        return table.get(words[i])

    text = "I go with a apple."
    def edits(**knobs):
        return _engine(tiny_bert_dir, tiny_tokenizer, per_word(errors), **knobs)[0].check(text)

    assert [e.replacement for e in edits()] == ["went", "an"]
    assert [e.replacement for e in edits(min_error_probability=0.5)] == ["went"]
    assert edits(min_error_probability=0.7) == []  # the whole sentence is skipped


def test_keep_confidence_threshold(tiny_bert_dir, tiny_tokenizer):
    def errors(i, words):
        return {"go": ("$REPLACE_went", 0.9, 0.9), "a": ("$REPLACE_an", 0.6, 0.9)}.get(words[i])

    text = "I go with a apple."
    def found(kc):
        rule = per_word(errors)
        return _engine(tiny_bert_dir, tiny_tokenizer, rule, keep_confidence=kc)[0].check(text)

    assert len(found(0.0)) == 2
    assert [e.replacement for e in found(0.3)] == ["went"]  # 0.4 + 0.3 > 0.6
    assert found(0.85) == []


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    pool = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "she", "sells",
            "sea", "shells", "a", "journey", "of"]
    texts = []
    for _ in range(count):
        words = [rng.choice(pool) for _ in range(rng.randint(1, 9))]
        texts.append(" ".join(words) + rng.choice(["", ".", " ,", "!"]))
    return texts


def _edits_per_line(engine, texts):
    """Edits of each text, found in ONE batched call (texts joined by newlines)."""
    joined = "\n".join(texts)
    starts = [0]
    for text in texts:
        starts.append(starts[-1] + len(text) + 1)
    found = [set() for _ in texts]
    for edit in engine.check(joined):
        line = max(i for i, start in enumerate(starts[:-1]) if start <= edit.start)
        found[line].add((edit.start, edit.end, edit.replacement))
    return found


def test_higher_keep_confidence_never_adds_edits_in_one_iteration(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir, seed=1)
    texts = _random_texts(11, 40)
    per_level = [
        _edits_per_line(GrammarEngine(tagger, tiny_tokenizer, keep_confidence=k, max_iterations=1),
                        texts)
        for k in (0.0, 0.1, 0.3, 0.6, 1.0)
    ]
    assert sum(map(len, per_level[0])) > 20  # the random heads do edit
    for lower, higher in zip(per_level, per_level[1:], strict=False):
        for text, low, high in zip(texts, lower, higher, strict=True):
            assert len(high) <= len(low), text
    # Tag by tag: a higher keep_confidence only turns tags into $KEEP.
    words = [text.split() for text in texts]
    low, high = (
        GrammarEngine(tagger, tiny_tokenizer, keep_confidence=k).predict(words) for k in (0.1, 0.5)
    )
    for a, b in zip(low, high, strict=True):
        assert all(t2 in (KEEP, t1) for t1, t2 in zip(a.tags, b.tags, strict=True))


def test_higher_keep_confidence_never_adds_edits_iterated(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir, seed=2)
    texts = _random_texts(12, 40)
    counts = [
        [len(found) for found in _edits_per_line(
            GrammarEngine(tagger, tiny_tokenizer, keep_confidence=k), texts)]
        for k in (0.0, 0.4, 1.0)
    ]
    for text, per_text in zip(texts, zip(*counts, strict=True), strict=True):
        assert list(per_text) == sorted(per_text, reverse=True), (text, per_text)
    assert sum(counts[-1]) == 0  # +1.0 on a probability: $KEEP always wins


def test_offsets_map_back_exactly(tiny_bert_dir, tiny_tokenizer):
    def noisy(i, words):
        word = words[i]
        if word == "go":
            return ("$REPLACE_went", 0.9, 0.9)
        if word == "the" and i + 1 < len(words) and words[i + 1] == "the":
            return (DELETE, 0.9, 0.9)
        if word in ("i", "then"):
            return (CASE_CAPITAL, 0.9, 0.9)
        if word == "café" and words[i + 1 : i + 2] != [","]:
            return ("$APPEND_,", 0.8, 0.8)
        return None

    engine, _ = _engine(tiny_bert_dir, tiny_tokenizer, per_word(noisy))
    text = "“Hi”,  i go to the the café 😀 now.\n\nthen   we go home…\tok"
    expected = "“Hi”,  I went to the café, 😀 now.\n\nThen   we went home…\tok"
    edits = engine.check(text)
    assert apply_edits(text, edits) == expected
    assert engine.correct_sentences([text]) == [expected]
    for edit in edits:  # every span is a real slice of the original text
        assert 0 <= edit.start <= edit.end <= len(text)


def test_protected_tokens_are_never_changed(tiny_bert_dir, tiny_tokenizer):
    def wreck(i, words):
        return (DELETE, 0.99, 0.99) if i > 0 else ("$APPEND_the", 0.99, 0.99)

    engine, _ = _engine(tiny_bert_dir, tiny_tokenizer, per_word(wreck), ignore_words={"Zorblat"})
    text = (
        "see https://example.com/x or me@example.com at 10:30 for 3.14 getValue snake_case"
        " zorblat"
    )
    corrected = engine.correct_sentences([text])[0]
    for token in ("https://example.com/x", "me@example.com", "10:30", "3.14", "getValue",
                  "snake_case", "zorblat"):
        assert token in corrected
    assert not {"see", "or", "at", "for"} & set(corrected.split())


def test_no_merge_into_protected_token(tiny_bert_dir, tiny_tokenizer):
    rule = per_word(lambda i, w: ("$MERGE_SPACE", 0.9, 0.9) if w[i] == "version" else None)
    engine, _ = _engine(tiny_bert_dir, tiny_tokenizer, rule)
    assert engine.correct_sentences(["version 2", "version two"]) == ["version 2", "versiontwo"]


def test_batch_and_single_give_the_same_result(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir, seed=4, scale=1.0)
    texts = _random_texts(13, 12) + ["", "   ", "A journey.\nThe dog."]
    batched = GrammarEngine(tagger, tiny_tokenizer, batch_size=32).correct_sentences(texts)
    small = GrammarEngine(tagger, tiny_tokenizer, batch_size=2).correct_sentences(texts)
    single_engine = GrammarEngine(tagger, tiny_tokenizer, batch_size=1)
    single = [single_engine.correct_sentences([text])[0] for text in texts]
    assert batched == small == single
    assert batched != texts  # the random heads did change something


def test_random_heads_edits_always_apply(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir, seed=5)
    engine = GrammarEngine(tagger, tiny_tokenizer)
    for text in _random_texts(14, 20):
        edits = engine.check(text)
        assert apply_edits(text, edits) == engine.correct_sentences([text])[0]
        assert all(e.rule_id != KEEP and e.message for e in edits)


def test_category_floor_hides_unsure_edits_of_that_category_only(tiny_bert_dir, tiny_tokenizer):
    text = "Yesterday I go home."
    for floors, expected in (({"verb form": 0.95}, 0), ({"verb form": 0.85}, 1),
                             ({"preposition": 0.99}, 1)):
        engine, _ = _engine(tiny_bert_dir, tiny_tokenizer, per_word(_go_to_went),
                            category_min_confidence=floors)
        assert len(engine.check(text)) == expected, floors


def test_category_floors_round_trip_through_a_checkpoint(tmp_path, tiny_bert_dir, tiny_tokenizer):
    from transformers import AutoModel

    from writer_app.core.gec.tags import TagVocabulary
    from writer_app.inference.grammar.checkpoint import TaggerSettings, load_tagger, save_tagger
    from writer_app.inference.grammar.model import GecTagger

    vocabulary = TagVocabulary.from_tag_lists([[KEEP, DELETE]])
    tagger = GecTagger(AutoModel.from_pretrained(str(tiny_bert_dir)), vocabulary)
    settings = TaggerSettings(category_min_confidence=(("preposition", 0.8),))
    save_tagger(tmp_path / "m", tagger, tiny_tokenizer, settings=settings)
    assert load_tagger(tmp_path / "m").settings.category_min_confidence == (("preposition", 0.8),)


def _batch_cost(batches, lengths, cost):
    return sum(lengths[b[-1]] * len(b) + cost for b in batches)


def _every_split(count: int, limit: int):
    """Every way to cut range(count) into consecutive batches of at most ``limit``."""
    import itertools

    for n in range(count):
        for cuts in itertools.combinations(range(1, count), n):
            edges = [0, *cuts, count]
            batches = [range(a, b) for a, b in itertools.pairwise(edges)]
            if all(len(b) <= limit for b in batches):
                yield batches


@pytest.mark.parametrize("limit", [1, 2, 3, 32])
def test_length_batches_cover_everything_in_order_at_least_cost(limit):
    from writer_app.inference.grammar.engine import BATCH_COST_TOKENS

    generator = random.Random(limit)
    for _ in range(20):
        lengths = sorted(generator.randint(3, 90) for _ in range(generator.randint(0, 9)))
        batches = length_batches(lengths, limit)
        assert [i for b in batches for i in b] == list(range(len(lengths)))
        assert all(0 < len(b) <= limit for b in batches)
        costs = [_batch_cost(split, lengths, BATCH_COST_TOKENS)
                 for split in _every_split(len(lengths), limit)]
        assert _batch_cost(batches, lengths, BATCH_COST_TOKENS) == min(costs, default=0)


def test_long_and_short_sentences_are_batched_apart(tiny_bert_dir, tiny_tokenizer):
    engine, tagger = _engine(tiny_bert_dir, tiny_tokenizer, per_word(_go_to_went))
    short = [["I", "go"]] * 3
    long = [["I", "go", *["home"] * 60]]
    engine.predict(short + long + short)
    assert sorted(len(call) for call in tagger.calls) == [1, 1]  # repeats run once


def test_repeated_sentences_run_once_and_keep_their_places(tiny_bert_dir, tiny_tokenizer):
    engine, tagger = _engine(tiny_bert_dir, tiny_tokenizer, per_word(_go_to_went))
    sentences = [["I", "go"], ["We", "stay", "here", "now"], ["I", "go"], ["You", "go"]]
    predictions = engine.predict(sentences)
    assert sum(len(call) for call in tagger.calls) == 3
    assert [p.tags for p in predictions] == [
        ("$KEEP", "$KEEP", "$REPLACE_went"), ("$KEEP",) * 5,
        ("$KEEP", "$KEEP", "$REPLACE_went"), ("$KEEP", "$KEEP", "$REPLACE_went"),
    ]
