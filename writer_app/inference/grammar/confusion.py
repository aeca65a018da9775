"""ConfusionScorer: flags a commonly confused word (their/there, its/it's, affect/effect...)
only when a causal language model clearly prefers one of its alternatives in context.

For each confusable word (``core.gec.confusables``) the sentence is scored once as written
and once with each alternative: the log-probability of the word and of the few words after
it, given the words before it. All variants of a batch of texts go through the model in one
left-padded forward pass, and only the last positions' logits are computed (the prefix is
shared by construction: every variant of one word has the same context tokens). An
alternative is flagged when it beats the written word by ``margin`` nats; the margin is
calibrated on held-out synthetic pairs for precision >= 0.9 (``bench/grammar.py``
reports it), because a false alarm on a correct "there" costs the writer more than a miss.

The model is whichever causal LM the app holds for completion (any Hugging Face causal LM
works); with none loaded, the checker runs without this layer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from writer_app.core.gec.confusables import Confusable, confusion_edit, find_confusables
from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.tokens import split_sentences

# Nats the alternative must win by. `bench/grammar_trust.py --calibrate` (150 WordNet
# example sentences, each also with its confusable word swapped): precision 1.000 at every
# margin from 0 to 6, recall 0.930 at 0, 0.918 at 2.0, 0.880 at 3.0. Real text is harder
# than swapped examples: a correct "its own" gained 1.3 nats as "it's own" in the
# confusion set, so the margin keeps a clear distance above that.
MARGIN = 2.0
LEFT_CHARACTERS = 60  # context before the word (about 12 tokens)
RIGHT_WORDS = 3  # words after the word that are scored with it
MAX_BATCH_ROWS = 48
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class _Trial:
    text: int  # index of the text
    found: Confusable
    choices: tuple[str, ...]  # the written word first
    prefix: tuple[int, ...]
    rests: tuple[tuple[int, ...], ...]  # one token sequence per choice


class ConfusionScorer:
    """Judges confusable words with a causal LM; use from one thread at a time."""

    def __init__(self, model, tokenizer, *, margin: float = MARGIN) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.margin = margin
        self._start_id = _start_token(tokenizer)
        self._cache: OrderedDict[tuple, tuple[float, ...]] = OrderedDict()

    def clear_cache(self) -> None:
        """Forget remembered scores (benchmarks time unseen text this way)."""
        self._cache.clear()

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def check_many(
        self, texts: Sequence[str], ignore_words: frozenset[str] = frozenset()
    ) -> list[list[GrammarEdit]]:
        """Confusion edits for each text (offsets into it)."""
        trials = [t for i, text in enumerate(texts) for t in self._trials(i, text, ignore_words)]
        deltas = self.score(trials)
        result: list[list[GrammarEdit]] = [[] for _ in texts]
        for trial, scores in zip(trials, deltas, strict=True):
            best = max(range(1, len(scores)), key=scores.__getitem__)
            gain = scores[best] - scores[0]
            if gain > self.margin:
                confidence = 1.0 - 0.5 * float(torch.exp(torch.tensor(-(gain - self.margin))))
                result[trial.text].append(
                    confusion_edit(trial.found, trial.choices[best], confidence))
        return result

    def gains(self, text: str) -> list[tuple[Confusable, str, float]]:
        """(word, best alternative, log-probability gain over the written word) for each
        confusable word of ``text``: what calibration and the benchmark read."""
        trials = list(self._trials(0, text, frozenset()))
        found = []
        for trial, scores in zip(trials, self.score(trials), strict=True):
            best = max(range(1, len(scores)), key=scores.__getitem__)
            found.append((trial.found, trial.choices[best], scores[best] - scores[0]))
        return found

    # --- building ---------------------------------------------------------------------------

    def _trials(self, index: int, text: str, ignore_words: frozenset[str]):
        for sentence in split_sentences(text):
            for found in find_confusables(sentence.text, ignore_words):
                left = sentence.text[: found.start]
                if len(left) > LEFT_CHARACTERS:
                    cut = left.find(" ", len(left) - LEFT_CHARACTERS)
                    left = left[cut + 1 :] if cut >= 0 else left[-LEFT_CHARACTERS:]
                gap = left[len(left.rstrip()) :]
                right = _first_words(sentence.text[found.end :], RIGHT_WORDS)
                choices = (found.word, *found.alternatives)
                prefix = (self._start_id, *self._ids(left.rstrip())) if left.strip() else (
                    self._start_id,)
                rests = tuple(tuple(self._ids(gap + choice + right)) for choice in choices)
                shifted = Confusable(found.start + sentence.start, found.end + sentence.start,
                                     found.word, found.alternatives)
                yield _Trial(index, shifted, choices, tuple(prefix), rests)

    def _ids(self, text: str) -> list[int]:
        if not text:
            return []
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # --- scoring ----------------------------------------------------------------------------

    def score(self, trials: Sequence[_Trial]) -> list[tuple[float, ...]]:
        """For each trial, the log-probability of each choice's tokens after the prefix."""
        rows: list[tuple[int, int, tuple[int, ...], int]] = []  # (trial, choice, ids, rest)
        results: list[list[float]] = [[0.0] * len(t.choices) for t in trials]
        pending = []
        for k, trial in enumerate(trials):
            key = (trial.prefix, trial.rests)
            if key in self._cache:
                results[k] = list(self._cache[key])
                self._cache.move_to_end(key)
                continue
            pending.append(k)
            for c, rest in enumerate(trial.rests):
                rows.append((k, c, trial.prefix + rest, len(rest)))
        rows.sort(key=lambda row: len(row[2]))
        for low in range(0, len(rows), MAX_BATCH_ROWS):
            chunk = rows[low : low + MAX_BATCH_ROWS]
            for (k, c, _, _), value in zip(chunk, self._log_probs(chunk), strict=True):
                results[k][c] = value
        for k in pending:
            self._cache[(trials[k].prefix, trials[k].rests)] = tuple(results[k])
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return [tuple(r) for r in results]

    @torch.inference_mode()
    def _log_probs(self, rows: list[tuple[int, int, tuple[int, ...], int]]) -> list[float]:
        """Summed log-probability of each row's last ``rest`` tokens (left-padded batch)."""
        width = max(len(ids) for _, _, ids, _ in rows)
        keep = max(rest for _, _, _, rest in rows) + 1
        pad = self._start_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, (_, _, row, _) in enumerate(rows):
            ids[r, width - len(row) :] = torch.tensor(row)
            mask[r, width - len(row) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        device = self.device
        logits = _forward(self.model, ids.to(device), mask.to(device), positions.to(device),
                          keep)
        log_probs = torch.log_softmax(logits[:, -keep:-1].float(), dim=-1)
        targets = ids[:, width - keep + 1 :].to(device)
        picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        values = []
        for r, (_, _, _, rest) in enumerate(rows):
            values.append(float(picked[r, picked.shape[1] - rest :].sum()) if rest else 0.0)
        return values


def _forward(model, ids, mask, positions, keep: int) -> torch.Tensor:
    try:
        return model(input_ids=ids, attention_mask=mask, position_ids=positions,
                     logits_to_keep=keep, use_cache=False).logits
    except TypeError:  # a model class without logits_to_keep
        return model(input_ids=ids, attention_mask=mask, position_ids=positions,
                     use_cache=False).logits


def _start_token(tokenizer) -> int:
    """The token a document starts after: the document separator where the vocabulary has
    one (a chat model's BOS, "<|im_start|>", expects a role name next, not prose)."""
    separator = tokenizer.get_vocab().get("<|endoftext|>")
    if isinstance(separator, int):
        return separator
    for name in ("bos_token_id", "eos_token_id", "pad_token_id"):
        value = getattr(tokenizer, name, None)
        if isinstance(value, int):
            return value
    return 0


def _first_words(text: str, count: int) -> str:
    """The start of ``text`` up to the end of its ``count``-th word (spacing kept)."""
    seen, inside = 0, False
    for position, char in enumerate(text):
        if char.isspace():
            if inside:
                seen += 1
                if seen >= count:
                    return text[:position]
            inside = False
        else:
            inside = True
    return text
