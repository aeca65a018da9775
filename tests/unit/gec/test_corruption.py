import json
import os
import random
import subprocess
import sys
from collections import Counter

import pytest

from writer_app.core.gec.align import derive_tag_sequences
from writer_app.core.gec.tags import KEEP, Category, apply_iterations, category_of, is_valid_tag
from writer_app.core.gec.tokens import words
from writer_app.training.corruption import Corruptor, ErrorKind
from writer_app.training.corruption_mechanics import misspell

CLEAN_SENTENCES = [
    "She goes to school every day.",
    "I have an apple and two bananas.",
    "Their house is bigger than ours.",
    "The meeting is on Monday at 10:30.",
    "He has gone to London with his friends.",
    "We were told that the information was wrong.",
    "It's a well-known fact that cats sleep a lot.",
    "My brother is older than me, but I am taller.",
    "They don't know whether the weather will change.",
    "If you lose your keys, call me immediately.",
    "The children played in the garden until it got dark.",
    "I would have helped you if you had asked.",
    "This is the best book I have ever read.",
    "Please send me the boxes by Friday.",
    "She speaks French and German fluently.",
    "However, the results were better than expected.",
    "The effect of the new policy was surprising.",
    "We're going to the beach in July.",
    "Whose umbrella is this?",
    "There are many reasons to learn a new language.",
    "He doesn't like coffee, so he drinks tea.",
    "The dog wagged its tail when it saw us.",
    "I need some advice about my essay.",
    "You're welcome to stay with us for a week.",
    "After dinner, we watched a film about an old sailor.",
    "The students have finished their homework.",
    "A university degree is useful in many jobs.",
    "Yesterday I bought three new shirts and a pair of shoes.",
    "Could you tell me where the station is?",
    "The company's profits increased by 5% last year.",
    "Mr. Smith lives in a small village near the sea.",
    "These tomatoes taste sweeter than the ones we grew.",
    "I think that English is easier than Japanese.",
    "Our neighbours are very friendly and helpful.",
    "The train was late, so we missed the beginning of the concert.",
    "My sister and I visited our grandparents in April.",
    "He writes a letter to his mother every week.",
    "The furniture in this room is too expensive.",
    "When the sun rises, the birds start singing.",
    "She accepted the invitation because she had no other plans.",
]


def _only(kind: ErrorKind) -> dict[str, float]:
    return {k: (1.0 if k is kind else 0.0) for k in ErrorKind}


def _outputs(corruptor: Corruptor, count: int) -> list[tuple[str, tuple[str, ...]]]:
    return [corruptor.corrupt(CLEAN_SENTENCES[i % len(CLEAN_SENTENCES)]) for i in range(count)]


def test_deterministic_given_the_seed():
    first = _outputs(Corruptor(seed=5), 200)
    assert first == _outputs(Corruptor(seed=5), 200)
    assert first != _outputs(Corruptor(seed=6), 200)


def test_deterministic_across_processes_whatever_the_hash_seed():
    script = (
        "import json, sys\n"
        "from writer_app.training.corruption import Corruptor\n"
        "c = Corruptor(seed=3)\n"
        "print(json.dumps([c.corrupt(s) for s in json.loads(sys.stdin.read())]))\n"
    )
    sentences = CLEAN_SENTENCES[:20]
    results = []
    for hash_seed in ("1", "987"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script], input=json.dumps(sentences), env=env,
            capture_output=True, text=True, check=True, timeout=120,
        )
        results.append(json.loads(done.stdout))
    here = Corruptor(seed=3)
    expected = [[corrupted, list(kinds)] for corrupted, kinds in map(here.corrupt, sentences)]
    assert results[0] == results[1] == expected


def test_every_kind_occurs():
    counts = Counter(kind for _, kinds in _outputs(Corruptor(seed=1), 1500) for kind in kinds)
    assert set(counts) == set(ErrorKind)
    assert min(counts.values()) >= 10


def test_unchanged_share_is_respected():
    for share in (0.25, 0.5):
        outputs = _outputs(Corruptor(seed=2, unchanged_share=share), 2000)
        unchanged = sum(1 for _, kinds in outputs if not kinds) / len(outputs)
        assert abs(unchanged - share) <= 0.05
    assert all(kinds for _, kinds in _outputs(Corruptor(seed=2, unchanged_share=0.0), 300))
    assert not any(kinds for _, kinds in _outputs(Corruptor(seed=2, unchanged_share=1.0), 100))


def test_reported_kinds_always_mean_a_change_and_no_kinds_mean_none():
    corruptor = Corruptor(seed=4)
    for i in range(800):
        clean = CLEAN_SENTENCES[i % len(CLEAN_SENTENCES)]
        corrupted, kinds = corruptor.corrupt(clean)
        assert bool(kinds) == (corrupted != clean)
        assert len(set(kinds)) == len(kinds) and all(isinstance(k, str) for k in kinds)


def test_number_of_errors_follows_the_weights():
    counts = Counter(
        len(kinds) for _, kinds in _outputs(Corruptor(seed=8, unchanged_share=0.0), 600)
    )
    assert counts[1] > counts[2] > counts[3] > 0
    single = _outputs(Corruptor(seed=8, unchanged_share=0.0, error_count_weights=(1,)), 200)
    assert {len(kinds) for _, kinds in single} == {1}


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_rates_select_the_kinds(kind):
    corruptor = Corruptor(seed=9, unchanged_share=0.0, rates=_only(kind))
    outputs = _outputs(corruptor, 200)
    assert {k for _, kinds in outputs for k in kinds} == {kind}
    assert sum(1 for _, kinds in outputs if kinds) >= 10


@pytest.mark.parametrize(
    ("kind", "clean", "possible"),
    [
        (ErrorKind.CONFUSION, "Their house is bigger than ours.",
         {"There house is bigger than ours.", "They're house is bigger than ours.",
          "Their house is bigger then ours."}),
        (ErrorKind.CONFUSION, "I would have helped you a lot.",
         {"I would of helped you a lot.", "I would have helped you alot."}),
        (ErrorKind.AGREEMENT, "She goes to school every day.", {"She go to school every day."}),
        (ErrorKind.NOUN_NUMBER, "I need some advice about my essay.",
         {"I need some advices about my essay."}),
        (ErrorKind.COMPARATIVE, "This is the best film.",
         {"This is the goodest film.", "This is the most best film."}),
        (ErrorKind.COMPARATIVE, "He is older.", {"He is more older.", "He is more old."}),
        (ErrorKind.ARTICLE, "I have an apple.",
         {"I have a apple.", "I have apple.", "I have the apple."}),
        (ErrorKind.ARTICLE, "We flew to London with friends.",
         {"We flew to the London with friends.", "We flew to London with a friends."}),
        (ErrorKind.VERB_FORM, "He has gone home.",
         {"He has go home.", "He has going home.", "He has went home.", "He having gone home."}),
        (ErrorKind.VERB_FORM, "I want to see it.",
         {"I want to saw it.", "I want to seeing it.", "I want to seen it.",
          "I wanting to see it."}),
        (ErrorKind.COMMA, "However, we stayed at home.",
         {"However we stayed at home.", "However, we stayed, at home.",
          "However, we, stayed at home."}),
        (ErrorKind.DOUBLED_WORD, "We left.", {"We we left.", "We left left."}),
    ],
)
def test_kinds_make_the_expected_errors(kind, clean, possible):
    seen = set()
    for seed in range(120):
        corruptor = Corruptor(seed=seed, unchanged_share=0.0, rates=_only(kind),
                              error_count_weights=(1,))
        corrupted, kinds = corruptor.corrupt(clean)
        assert kinds == (kind,)
        seen.add(corrupted)
    assert seen == possible


def test_capitalisation_errors_only_change_case():
    clean = "I met Anna on Monday in Paris."
    corruptor = Corruptor(seed=3, unchanged_share=0.0, rates=_only(ErrorKind.CAPITALISATION),
                          error_count_weights=(1,))
    seen = set()
    for _ in range(200):
        corrupted, _ = corruptor.corrupt(clean)
        assert corrupted.lower() == clean.lower() and corrupted != clean
        seen.add(corrupted)
    assert {"i met Anna on Monday in Paris.", "I met anna on Monday in Paris.",
            "I met Anna on monday in Paris."} <= seen


def test_typos_change_one_word_slightly():
    corruptor = Corruptor(seed=12, unchanged_share=0.0, rates=_only(ErrorKind.TYPO),
                          error_count_weights=(1,))
    for i in range(200):
        clean = CLEAN_SENTENCES[i % len(CLEAN_SENTENCES)]
        bad = words(corruptor.corrupt(clean)[0])
        good = words(clean)
        assert len(bad) == len(good)
        changed = [(b, g) for b, g in zip(bad, good, strict=True) if b != g]
        assert len(changed) == 1
        wrong, right = changed[0]
        assert wrong.isalpha() and abs(len(wrong) - len(right)) <= 2


def test_misspell():
    rng = random.Random(0)
    for word in ("receive", "definitely", "school", "the", "Monday", "don't", "beautiful"):
        for _ in range(20):
            wrong = misspell(word, rng)
            assert wrong is not None and wrong != word
            assert wrong[0].isupper() == word[0].isupper()
    assert misspell("don't", rng) == "dont"
    assert {misspell("receive", random.Random(seed)) for seed in range(30)} >= {"recieve"}


def test_spacing_outside_the_error_is_kept():
    clean = "However,  the results\twere   better than expected ."
    corruptor = Corruptor(seed=1, unchanged_share=0.0, rates=_only(ErrorKind.CAPITALISATION))
    for _ in range(30):
        corrupted, _ = corruptor.corrupt(clean)
        assert [len(part) for part in corrupted.split(" ")] == [
            len(part) for part in clean.split(" ")
        ]
        assert "\t" in corrupted
    comma = Corruptor(seed=1, unchanged_share=0.0, rates=_only(ErrorKind.COMMA),
                      error_count_weights=(1,))
    dropped = {comma.corrupt(clean)[0] for _ in range(60)}
    assert "However  the results\twere   better than expected ." in dropped


def test_sentences_without_room_for_errors_stay_unchanged():
    corruptor = Corruptor(seed=1, unchanged_share=0.0)
    assert corruptor.corrupt("") == ("", ())
    assert corruptor.corrupt("   ") == ("   ", ())
    assert corruptor.corrupt("?!") == ("?!", ())


def test_invalid_parameters():
    with pytest.raises(ValueError):
        Corruptor(unchanged_share=1.5)
    with pytest.raises(ValueError):
        Corruptor(rates={"typo": -1.0})
    with pytest.raises(ValueError):
        Corruptor(rates={"no such kind": 1.0})
    with pytest.raises(ValueError):
        Corruptor(rates={k: 0.0 for k in ErrorKind})
    with pytest.raises(ValueError):
        Corruptor(error_count_weights=())
    with pytest.raises(ValueError):
        Corruptor(error_count_weights=(0, 0))


# --- generated pairs through the aligner ----------------------------------------------------


def _generated_pairs(count: int, seed: int, **kwargs) -> list[tuple[str, str, tuple[str, ...]]]:
    corruptor = Corruptor(seed=seed, unchanged_share=0.0, **kwargs)
    pairs = []
    for i in range(count):
        clean = CLEAN_SENTENCES[i % len(CLEAN_SENTENCES)]
        corrupted, kinds = corruptor.corrupt(clean)
        pairs.append((corrupted, clean, kinds))
    return pairs


def test_derived_tags_round_trip_on_generated_pairs():
    pairs = _generated_pairs(360, seed=21)
    iterations = Counter()
    for corrupted, clean, _ in pairs:
        source, target = words(corrupted), words(clean)
        sequences = derive_tag_sequences(source, target)
        assert apply_iterations(source, sequences) == target, (corrupted, clean)
        assert all(is_valid_tag(tag) for tags in sequences for tag in tags)
        iterations[len(sequences)] += 1
    assert len(pairs) >= 300
    assert iterations[0] == 0  # every pair has an error
    assert max(iterations) <= 4  # "within a few iterations"


_EXPECTED_CATEGORIES = {
    ErrorKind.CONFUSION: {Category.WORD_CHOICE, Category.SPELLING, Category.ARTICLE},
    ErrorKind.ARTICLE: {Category.ARTICLE},
    ErrorKind.PREPOSITION: {Category.PREPOSITION},
    ErrorKind.VERB_FORM: {Category.VERB_FORM, Category.AGREEMENT},
    ErrorKind.AGREEMENT: {Category.AGREEMENT},
    ErrorKind.NOUN_NUMBER: {Category.NOUN_NUMBER},
    ErrorKind.COMPARATIVE: {Category.REDUNDANCY, Category.WORD_CHOICE},
    ErrorKind.DOUBLED_WORD: {Category.REDUNDANCY},
    ErrorKind.TYPO: {Category.SPELLING, Category.WORD_CHOICE, Category.NOUN_NUMBER,
                     Category.AGREEMENT, Category.VERB_FORM},
    ErrorKind.CAPITALISATION: {Category.CAPITALISATION},
    ErrorKind.COMMA: {Category.PUNCTUATION},
}


def test_categories_of_derived_tags_match_the_generated_error():
    for corrupted, clean, kinds in _generated_pairs(440, seed=5, error_count_weights=(1,)):
        (kind,) = kinds
        source = words(corrupted)
        tags = derive_tag_sequences(source, words(clean))[0]
        for index, tag in enumerate(tags):
            if tag == KEEP:
                continue
            token = source[index - 1] if index else ""
            previous = source[index - 2] if index > 1 else None
            category = category_of(tag, token, previous=previous)
            assert category in _EXPECTED_CATEGORIES[kind], (corrupted, clean, tag, category)


def test_gec_foundation_imports_neither_torch_nor_qt():
    script = (
        "import sys\n"
        "import writer_app.core.gec, writer_app.core.gec.align, writer_app.training.corruption\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
