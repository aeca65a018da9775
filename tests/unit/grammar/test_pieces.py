"""Sentences longer than the tagger's window are tagged in overlapping pieces."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.grammar.conftest import ScriptedTagger, per_word
from writer_app.inference.grammar.engine import GrammarEngine
from writer_app.inference.grammar.pieces import plan_pieces


@given(count=st.integers(0, 2000), size=st.integers(4, 300))
def test_pieces_cover_every_word_once(count, size):
    pieces = plan_pieces(count, size)
    kept = [word for p in pieces for word in range(p.keep_from, p.keep_to)]
    assert kept == list(range(count))
    for piece in pieces:
        assert piece.end - piece.start <= size
        assert piece.start <= piece.keep_from <= piece.keep_to <= piece.end


def test_a_mistake_beyond_the_window_is_found(tiny_bert_dir, tiny_tokenizer):
    tagger = ScriptedTagger(tiny_bert_dir, per_word(
        lambda i, w: ("$REPLACE_went", 0.9, 0.9) if w[i] == "go" else None))
    engine = GrammarEngine(tagger, tiny_tokenizer, "cpu")
    filler = "the keeper walked on the shore and " * 40  # ~280 words: past 128 tokens
    text = f"Yesterday {filler}I go home."
    (edit,) = engine.check(text)
    assert text[edit.start : edit.end] == "go" and edit.replacement == "went"
    longest = max(len(words) for call in tagger.calls for words in call)
    assert longest + 2 <= tagger.max_length  # every piece fit the window
