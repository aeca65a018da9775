import pytest

from writer_app.core.gec.verb_forms import indefinite_article
from writer_app.core.substitutes import candidates, find_target, inflect, repeats, target_at
from writer_app.core.thesaurus import Thesaurus, ThesaurusError


def _texts(thesaurus, sentence, word):
    target = find_target(sentence, word)
    return [c.text for c in candidates(thesaurus, sentence, target).candidates]


def test_the_thesaurus_knows_common_words(thesaurus):
    assert len(thesaurus) > 50_000
    first = thesaurus.senses("begin", "v")[0]
    assert "start" in first.tiers[0] and first.gloss
    assert thesaurus.frequency("start") > thesaurus.frequency("commence") > 0


def test_a_missing_or_broken_file_is_one_clear_error(tmp_path):
    with pytest.raises(ThesaurusError, match="cannot read"):
        Thesaurus.load(tmp_path / "missing.tsv.gz")
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(ThesaurusError):
        Thesaurus.load(broken)


def test_a_past_tense_gets_past_tenses(thesaurus):
    texts = _texts(thesaurus, "She began to write a letter.", "began")
    assert "started" in texts and "commenced" in texts
    assert "start" not in texts and "begin" not in texts


def test_a_participle_after_an_auxiliary_gets_participles(thesaurus):
    texts = _texts(thesaurus, "He has started a small bakery.", "started")
    assert "begun" in texts and "began" not in texts


def test_the_third_person_and_plurals_keep_their_number(thesaurus):
    assert "starts" in _texts(thesaurus, "The concert begins at eight.", "begins")
    texts = _texts(thesaurus, "They found several flaws in the plan.", "flaws")
    assert "defects" in texts and "defect" not in texts
    assert all(t.endswith("s") for t in texts)


def test_the_word_s_case_is_kept(thesaurus):
    texts = _texts(thesaurus, "Began it has.", "Began")
    assert "Started" in texts and "started" not in texts


def test_comparatives_stay_comparatives(thesaurus):
    texts = _texts(thesaurus, "Today is hotter than yesterday.", "hotter")
    assert "warmer" in texts
    assert "warm" not in texts


def test_mass_nouns_are_not_offered_as_plurals():
    assert inflect("information", "n", "NNS") is None
    assert inflect("credit union", "n", "NNS") == "credit unions"
    assert inflect("set about", "v", "VBZ") == "sets about"


def test_senses_are_grouped_with_glosses(thesaurus):
    sentence = "We sat on the bank of the river."
    found = candidates(thesaurus, sentence, find_target(sentence, "bank"))
    glosses = [group.gloss for group in found.groups]
    assert len(glosses) >= 3 and len(set(glosses)) == len(glosses)
    by_text = {c.text: found.groups[c.group] for c in found.candidates}
    assert "slope" in by_text["side"].gloss
    assert "financial" in by_text["banking company"].gloss
    assert by_text["side"] != by_text["banking company"]


def test_the_article_follows_the_new_word(thesaurus):
    sentence = "It was an old house near a big church."
    found = candidates(thesaurus, sentence, find_target(sentence, "old"))
    assert found.target.article == "an" and found.target.span_start == sentence.index("an old")
    by_text = {c.text: c for c in found.candidates}
    assert by_text["elderly"].replacement == "an elderly"
    assert by_text["senior"].replacement == "a senior"
    for candidate in found.candidates:
        assert candidate.article == indefinite_article(candidate.text)
    big = candidates(thesaurus, sentence, find_target(sentence, "big"))
    assert {c.text: c for c in big.candidates}["enormous"].replacement == "an enormous"


def test_the_article_keeps_its_case():
    target = target_at("An old house.", 3, 6)
    assert (target.article, target.article_start) == ("An", 0)
    assert target_at("Banana old", 7, 10).article == ""  # not an article, the end of a word


def test_find_target_takes_whole_words_first_occurrence():
    target = find_target("The bank banked on the bank.", "bank")
    assert (target.start, target.end) == (4, 8)
    assert find_target("The banker slept.", "bank") is None
    assert find_target("Begin again.", "begin").word == "Begin"


def test_unknown_words_and_punctuation_have_no_candidates(thesaurus):
    for word in ("zorbify", "the", "2024"):
        sentence = f"We saw {word} yesterday."
        assert candidates(thesaurus, sentence, find_target(sentence, word)).candidates == ()


def test_words_that_only_repeat_the_word_are_not_offered(thesaurus):
    bank = [t.lower() for t in _texts(thesaurus, "She went to the bank for a loan.", "bank")]
    assert bank and not any("bank" in t.split() for t in bank)  # no "savings bank"
    feeling = _texts(thesaurus, "She had a strong feeling about it.", "feeling")
    assert "feel" not in feeling and feeling
    assert "weakened" not in _texts(thesaurus, "He was too weak to stand.", "weak")


def test_repeats_keeps_other_words_and_compounds():
    lemmas = {"sharp", "bank"}
    assert repeats("savings bank", lemmas) and repeats("banker", lemmas)
    assert not repeats("razor-sharp", lemmas)  # a compound changes the word
    assert not repeats("lightweight", {"light"})
    assert not repeats("keen", lemmas) and not repeats("shore", lemmas)
    assert not repeats("shark", {"sharp"})  # same length: another word
    assert repeats("feel", {"feeling"}) and repeats("leaving", {"leave"})


def _pool(thesaurus, sentence, word):
    found = candidates(thesaurus, sentence, find_target(sentence, word))
    return {c.text for c in found.candidates}, {g.pos for g in found.groups}


def test_after_a_determiner_the_word_is_read_as_a_noun_not_a_verb(thesaurus):
    texts, parts = _pool(thesaurus, "They built a new plant outside the town.", "plant")
    assert parts == {"n"}
    assert "factory" in texts and "embed" not in texts
    texts, parts = _pool(thesaurus, "Water the plant every day.", "plant")
    assert parts == {"n"} and "embed" not in texts


def test_a_verb_keeps_its_verb_readings(thesaurus):
    texts, parts = _pool(thesaurus, "They plant trees every spring.", "plant")
    assert "v" in parts and "embed" in texts
    # "her" and "that" may be pronouns: nothing is taken away after them
    _, parts = _pool(thesaurus, "I saw her plant the seeds.", "plant")
    assert "v" in parts
    _, parts = _pool(thesaurus, "The ones that plant early win.", "plant")
    assert "v" in parts


def test_a_participle_after_a_determiner_stays(thesaurus):
    texts, _ = _pool(thesaurus, "She listened to the running water.", "running")
    assert "flowing" in texts
