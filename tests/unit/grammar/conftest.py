"""Taggers for engine tests: the tiny random BERT with random heads, and a scripted tagger
whose outputs are set by hand from the words it is given."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch

from writer_app.core.gec.tags import BASE_TAGS, KEEP, TagVocabulary
from writer_app.inference.grammar.model import GecTagger, TaggerBatch, TaggerOutput

LEXICAL = ("$APPEND_the", "$APPEND_,", "$APPEND_.", "$REPLACE_went", "$REPLACE_a",
           "$REPLACE_an", "$REPLACE_their", "$REPLACE_there")
VOCABULARY = TagVocabulary(BASE_TAGS + LEXICAL)

# rule(words) -> one (tag, tag probability, error probability) per word, $START first
Rule = Callable[[Sequence[str]], list[tuple[str, float, float]]]


def make_encoder(folder):
    from transformers import AutoModel

    return AutoModel.from_pretrained(str(folder))


def make_tokenizer(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def random_tagger(folder, seed: int = 0, scale: float = 3.0) -> GecTagger:
    """The tiny BERT with random heads, scaled so that many different tags win."""
    tagger = GecTagger(make_encoder(folder), VOCABULARY)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for head in (tagger.tag_head, tagger.detect_head):
            head.weight.copy_(torch.randn(head.weight.shape, generator=generator) * scale)
            head.bias.copy_(torch.randn(head.bias.shape, generator=generator))
    return tagger.eval()


class ScriptedTagger(GecTagger):
    """Returns the tags a rule chooses for the words of each sentence; records calls."""

    def __init__(self, folder, rule: Rule) -> None:
        super().__init__(make_encoder(folder), VOCABULARY)
        self.rule = rule
        self.calls: list[list[tuple[str, ...]]] = []
        self._pending: list[list[str]] = []

    def encode(self, tokenizer, sentences) -> TaggerBatch:
        self._pending = [["$START", *words] for words in sentences]
        self.calls.append([tuple(words) for words in sentences])
        return super().encode(tokenizer, sentences)

    def forward(self, batch: TaggerBatch) -> TaggerOutput:
        rows, width = batch.word_mask.shape
        probs = torch.full((rows, width, len(VOCABULARY)), 1e-6)
        detect = torch.zeros(rows, width)
        keep = VOCABULARY.index(KEEP)
        for row, words in enumerate(self._pending):
            for position, (tag, p, error) in enumerate(self.rule(words)):
                probs[row, position, keep] = 1.0 - p
                probs[row, position, VOCABULARY.index(tag)] = p if tag != KEEP else 1.0
                detect[row, position] = error
        return TaggerOutput(probs.log(), detect, batch.word_mask)


def per_word(choose: Callable[[int, Sequence[str]], tuple[str, float, float] | None]) -> Rule:
    """A rule from a function of (position, words); None means $KEEP, error 0.05."""

    def rule(words: Sequence[str]) -> list[tuple[str, float, float]]:
        return [choose(i, words) or (KEEP, 1.0, 0.05) for i in range(len(words))]

    return rule


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_bert_dir):
    return make_tokenizer(tiny_bert_dir)
