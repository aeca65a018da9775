"""GecTagger: a GECToR-style word tagger on top of any Hugging Face encoder.

Each sentence is the word list ``["$START", *words]``. The encoder reads its sub-tokens;
each word is represented by its FIRST sub-token, concatenated with the word's case
features (writer_app.core.gec.features: the default encoder is uncased), and two linear
heads predict an edit tag and the probability that the word is wrong.

``$START`` is fed as plain text (for our own checkpoints it is not added to the tokenizer,
so the encoder and its embeddings stay those of the shipped encoder package); checkpoints
whose tokenizer has it as an added token (the gector layout) get that token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from writer_app.core.gec.features import CASE_FEATURES, case_features, check_feature_names
from writer_app.core.gec.tags import START, TagVocabulary

INCORRECT = 1  # index of "incorrect" in the detection head's two outputs


@dataclass(frozen=True)
class TaggerBatch:
    """Encoded sentences. Word position 0 is ``$START``; W = longest sentence + 1."""

    input_ids: torch.Tensor  # (B, T)
    attention_mask: torch.Tensor  # (B, T)
    word_index: torch.Tensor  # (B, W): index of each word's first sub-token
    word_mask: torch.Tensor  # (B, W) bool: the word exists and was not truncated away
    case_features: torch.Tensor  # (B, W, F)

    def to(self, device: torch.device | str) -> TaggerBatch:
        return TaggerBatch(*(t.to(device) for t in (
            self.input_ids, self.attention_mask, self.word_index, self.word_mask,
            self.case_features,
        )))


@dataclass(frozen=True)
class TaggerOutput:
    tag_logits: torch.Tensor  # (B, W, vocabulary size)
    detect_probs: torch.Tensor  # (B, W): probability that the word is incorrect
    word_mask: torch.Tensor  # (B, W) bool


class GecTagger(nn.Module):
    """Encoder + tag head + detection head. ``case_feature_names`` may be empty (cased
    encoders, imported gector checkpoints)."""

    def __init__(
        self,
        encoder: nn.Module,
        vocabulary: TagVocabulary,
        case_feature_names: Sequence[str] = CASE_FEATURES,
        *,
        add_special_tokens: bool = True,
        max_length: int = 128,
    ) -> None:
        super().__init__()
        check_feature_names(case_feature_names)
        self.encoder = encoder
        self.vocabulary = vocabulary
        self.case_feature_names = tuple(case_feature_names)
        self.add_special_tokens = add_special_tokens
        self.max_length = max_length
        width = encoder.config.hidden_size + len(self.case_feature_names)
        self.tag_head = nn.Linear(width, len(vocabulary))
        self.detect_head = nn.Linear(width, 2)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def token_lengths(self, tokenizer, sentences: Sequence[Sequence[str]]) -> list[int]:
        """How many sub-tokens ``encode`` gives each sentence (before padding): what batching
        sentences of similar length together goes by."""
        encoded = tokenizer(
            [[START, *words] for words in sentences],
            is_split_into_words=True,
            add_special_tokens=self.add_special_tokens,
            truncation=True,
            max_length=self.max_length,
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def encode(self, tokenizer, sentences: Sequence[Sequence[str]]) -> TaggerBatch:
        """Tokenise word lists (without ``$START``; it is added here) into a padded batch."""
        word_lists = [[START, *words] for words in sentences]
        encoded = tokenizer(
            word_lists,
            is_split_into_words=True,
            add_special_tokens=self.add_special_tokens,
            truncation=True,
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        width = max(len(words) for words in word_lists)
        # Plain lists first, one tensor each at the end: element-wise tensor writes made
        # this three times slower.
        index_rows, mask_rows = [], []
        for row in range(len(word_lists)):
            index, mask = [0] * width, [False] * width
            for position, word_id in enumerate(encoded.word_ids(row)):
                if word_id is not None and not mask[word_id]:
                    index[word_id] = position
                    mask[word_id] = True
            index_rows.append(index)
            mask_rows.append(mask)
        return TaggerBatch(
            encoded["input_ids"], encoded["attention_mask"],
            torch.tensor(index_rows, dtype=torch.long), torch.tensor(mask_rows),
            self._case_features(sentences, width),
        )

    def _case_features(self, sentences: Sequence[Sequence[str]], width: int) -> torch.Tensor:
        """(B, W, F): each word's case features; ``$START`` and padding get zeros."""
        names = self.case_feature_names
        if not names:
            return torch.zeros(len(sentences), width, 0)
        blank = [0.0] * len(names)
        rows = []
        for words in sentences:
            found = case_features(words, names) if words else []
            rows.append([blank, *found] + [blank] * (width - 1 - len(found)))
        return torch.tensor(rows, dtype=torch.float32)

    def forward(self, batch: TaggerBatch) -> TaggerOutput:
        hidden = self.encoder(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask
        ).last_hidden_state
        index = batch.word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1))
        words = hidden.gather(1, index)
        features = torch.cat([words, batch.case_features.to(words.dtype)], dim=-1)
        detect = torch.softmax(self.detect_head(features).float(), dim=-1)[..., INCORRECT]
        return TaggerOutput(self.tag_head(features), detect, batch.word_mask)
