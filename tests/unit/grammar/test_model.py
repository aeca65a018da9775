"""GecTagger: first sub-token features, padding, truncation and case features."""

from __future__ import annotations

import torch

from tests.unit.grammar.conftest import VOCABULARY, make_encoder, random_tagger
from writer_app.core.gec.features import CASE_FEATURES, case_features
from writer_app.core.gec.tags import CASE_CAPITAL, KEEP
from writer_app.inference.grammar.model import GecTagger


def test_words_use_their_first_sub_token(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir)
    batch = tagger.encode(tiny_tokenizer, [["the", "fox"], ["a"]])
    # [CLS] $ start the fox [SEP]: "$START" is two sub-tokens, the first one is used.
    assert batch.word_index[0].tolist() == [1, 3, 4]
    assert batch.word_mask.tolist() == [[True, True, True], [True, True, False]]
    output = tagger(batch)
    assert output.tag_logits.shape == (2, 3, len(VOCABULARY))
    assert output.detect_probs.shape == (2, 3)
    assert ((output.detect_probs >= 0) & (output.detect_probs <= 1)).all()


def test_padding_does_not_change_predictions(tiny_bert_dir, tiny_tokenizer):
    tagger = random_tagger(tiny_bert_dir)
    sentences = [["the", "quick", "brown", "fox", "jumps"], ["the", "dog"]]
    with torch.no_grad():
        batched = tagger(tagger.encode(tiny_tokenizer, sentences))
        single = tagger(tagger.encode(tiny_tokenizer, sentences[1:]))
    torch.testing.assert_close(
        batched.tag_logits[1, :3], single.tag_logits[0], atol=1e-4, rtol=1e-5
    )


def test_truncated_words_are_masked(tiny_bert_dir, tiny_tokenizer):
    tagger = GecTagger(make_encoder(tiny_bert_dir), VOCABULARY, max_length=6)
    batch = tagger.encode(tiny_tokenizer, [["the", "quick", "brown", "fox", "jumps"]])
    assert batch.word_mask[0].tolist() == [True, True, True, False, False, False]


def test_case_features_documented_order():
    rows = case_features(["paris", "Paris", "NASA", "3rd", ","])
    named = [dict(zip(CASE_FEATURES, row, strict=True)) for row in rows]
    assert named[0]["is_lower"] == named[0]["is_sentence_initial"] == 1.0
    assert named[1]["is_capitalised"] == 1.0 and named[1]["is_sentence_initial"] == 0.0
    assert named[2]["is_all_caps"] == 1.0 and named[2]["is_capitalised"] == 0.0
    assert named[3]["has_digit"] == 1.0 and named[3]["first_letter_is_alpha"] == 0.0
    assert named[4]["first_letter_is_alpha"] == 0.0 and named[4]["is_lower"] == 0.0


def _capitalising_tagger(folder) -> GecTagger:
    """Heads set by hand: capitalise exactly the words that are sentence-initial AND lower
    case. Only the case features carry this: the encoder is uncased-blind here."""
    tagger = GecTagger(make_encoder(folder), VOCABULARY)
    hidden = tagger.encoder.config.hidden_size
    initial = hidden + CASE_FEATURES.index("is_sentence_initial")
    lower = hidden + CASE_FEATURES.index("is_lower")
    with torch.no_grad():
        for head in (tagger.tag_head, tagger.detect_head):
            head.weight.zero_()
            head.bias.zero_()
        capital = VOCABULARY.index(CASE_CAPITAL)
        tagger.tag_head.weight[capital, initial] = 10.0
        tagger.tag_head.weight[capital, lower] = 10.0
        tagger.tag_head.bias[capital] = -15.0
        tagger.tag_head.bias[VOCABULARY.index(KEEP)] = 0.0
    return tagger.eval()


def test_case_features_reach_the_heads(tiny_bert_dir, tiny_tokenizer):
    from writer_app.inference.grammar.engine import GrammarEngine

    engine = GrammarEngine(_capitalising_tagger(tiny_bert_dir), tiny_tokenizer)
    # The uncased encoder sees "the"/"The" alike; the features tell them apart.
    assert engine.correct_sentences(["the dog sat.", "The dog sat."]) == [
        "The dog sat.", "The dog sat."
    ]
    assert engine.correct_sentences(["It rained. then it stopped."]) == [
        "It rained. Then it stopped."
    ]
