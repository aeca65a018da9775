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

All trials of a batch are scored in one packed forward pass (``packed_scoring``): a
pass of a small model costs tens of milliseconds before it computes much, so one pass
instead of a prefix pass and a continuation pass nearly halves a short check. A model
whose packed scores do not match its own forward (checked once) is scored in the two
padded passes instead.

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
from writer_app.inference.grammar.packed_scoring import packed_log_probs, packs_correctly
from writer_app.inference.grammar.precision import bfloat16_pays
from writer_app.inference.prepacked import prepack_linears

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

    def __init__(self, model, tokenizer, *, margin: float = MARGIN,
                 fast: bool | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.margin = margin
        self.fast = fast  # a bfloat16 copy of the model: None decides (bfloat16_pays)
        self._start_id = _start_token(tokenizer)
        self._fast = None  # _fast_model()
        self._packed: bool | None = None  # _packs(): the packed pass agrees with the model
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
        results: list[list[float]] = [[0.0] * len(t.choices) for t in trials]
        pending = []
        for k, trial in enumerate(trials):
            key = (trial.prefix, trial.rests)
            if key in self._cache:
                results[k] = list(self._cache[key])
                self._cache.move_to_end(key)
            else:
                pending.append(k)
        fast = self._fast_model()
        for k, values in self._scores_of(trials, pending, fast).items():
            results[k] = values
        if fast is not self.model:
            # bfloat16 moves a gain by up to about a nat: a decision that close to the
            # margin is taken on the float32 model's scores.
            near = [k for k in pending
                    if abs(_best_gain(results[k]) - self.margin) < RECHECK_NATS]
            for k, values in self._scores_of(trials, near, self.model).items():
                results[k] = values
        for k in pending:
            self._cache[(trials[k].prefix, trials[k].rests)] = tuple(results[k])
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return [tuple(r) for r in results]

    def _scores_of(self, trials: Sequence[_Trial], chosen: list[int],
                   model) -> dict[int, list[float]]:
        if not chosen:
            return {}
        if self._packs():
            groups = [(trials[k].prefix, trials[k].rests) for k in chosen]
            return dict(zip(chosen, packed_log_probs(model, groups), strict=True))
        return self._score_batches(trials, chosen, model)

    def _packs(self) -> bool:
        """Whether the packed pass gives the model's own scores (checked once, in
        float32, on two short groups)."""
        if self._packed is None:
            start = self._start_id
            groups = [((start, *self._ids("Please put the")),
                       (self._ids(" box there"), self._ids(" boxes over here"))),
                      ((start, *self._ids("We were")), (self._ids(" late"),))]
            exact = next(self.model.parameters()).dtype == torch.float32
            self._packed = packs_correctly(self.model, groups,
                                           PACKED_TOLERANCE if exact else HALF_TOLERANCE)
        return self._packed

    def _score_batches(self, trials: Sequence[_Trial], chosen: list[int],
                       model) -> dict[int, list[float]]:
        """Scores of ``trials[k]`` for k in ``chosen`` with ``model``: trials of similar
        prefix length together (little padding), at most MAX_BATCH_ROWS choices a batch."""
        found: dict[int, list[float]] = {}
        chunk: list[int] = []
        for k in [*sorted(chosen, key=lambda k: len(trials[k].prefix)), None]:
            if k is None or (chunk and sum(len(trials[j].rests) for j in chunk)
                             + len(trials[k].rests) > MAX_BATCH_ROWS):
                if chunk:
                    found.update(zip(chunk, self._log_probs([trials[j] for j in chunk],
                                                            model), strict=True))
                chunk = []
            if k is not None:
                chunk.append(k)
        return found

    @torch.inference_mode()
    def _log_probs(self, trials: list[_Trial], model) -> list[list[float]]:
        """Summed log-probability of each trial's choices after its prefix. The prefixes
        run once (left-padded, their keys and values kept), then every choice continues
        from its trial's prefix: the context is not recomputed per alternative."""
        device = self.device
        pad = self._start_id
        width = max(len(t.prefix) for t in trials)
        ids = torch.full((len(trials), width), pad, dtype=torch.long)
        mask = torch.zeros((len(trials), width), dtype=torch.long)
        for r, trial in enumerate(trials):
            ids[r, width - len(trial.prefix):] = torch.tensor(trial.prefix)
            mask[r, width - len(trial.prefix):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        head = _forward_prefix(model, ids.to(device), mask.to(device), positions.to(device))
        first = torch.log_softmax(head.logits[:, -1].float(), dim=-1)  # each rest's 1st token
        owners = [(t, c) for t, trial in enumerate(trials) for c in range(len(trial.rests))]
        rests = [trials[t].rests[c] for t, c in owners]
        select = torch.tensor([t for t, _ in owners])
        cache = head.cache if "cache" in head else head.past_key_values
        cache.batch_select_indices(select.to(device))
        length = max(len(rest) for rest in rests)
        rest_ids = torch.full((len(rests), length), pad, dtype=torch.long)
        rest_mask = torch.zeros((len(rests), length), dtype=torch.long)
        for r, rest in enumerate(rests):
            rest_ids[r, : len(rest)] = torch.tensor(rest)
            rest_mask[r, : len(rest)] = 1
        starts = mask.sum(-1)[select]
        tail = model(input_ids=rest_ids.to(device),
                     attention_mask=torch.cat([mask[select], rest_mask], dim=1).to(device),
                     position_ids=(starts[:, None] + torch.arange(length)).to(device),
                     use_cache=True, **{_cache_argument(model): cache}).logits
        # log p(rest[j]) for j >= 1 comes from the rest's own position j - 1
        targets = rest_ids[:, 1:].to(device)
        picked = (tail[:, :-1].float().gather(-1, targets.unsqueeze(-1)).squeeze(-1)
                  - torch.logsumexp(tail[:, :-1].float(), dim=-1))
        firsts = first[select.to(device), rest_ids[:, 0].to(device)]
        values: list[list[float]] = [[0.0] * len(t.rests) for t in trials]
        for r, ((t, c), rest) in enumerate(zip(owners, rests, strict=True)):
            values[t][c] = float(firsts[r] + picked[r, : len(rest) - 1].sum())
        return values

    def _fast_model(self):
        """The model the scores are computed with: a bfloat16 copy of a small float32
        model on a CPU with bfloat16 matrix units (AMX), where it is several times faster
        (scores differ by about 0.1 nat, far inside the margin), its linear layers
        prepacked (``inference.prepacked``); the model itself elsewhere."""
        if self._fast is None:
            self._fast = self.model
            if self.fast if self.fast is not None else bfloat16_pays(self.model):
                import copy

                self._fast = copy.deepcopy(self.model).to(torch.bfloat16).eval()
                probe = torch.tensor([[self._start_id, *self._ids("They left their bags")]],
                                     device=self.device)
                prepack_linears(self._fast, lambda model: model(input_ids=probe).logits,
                                HALF_TOLERANCE)
        return self._fast


# bfloat16 gains this close to the margin are recomputed in float32: on the benchmark
# sentences a bfloat16 gain was off by up to 1.25 nats (95% within 0.76).
RECHECK_NATS = 1.5
PACKED_TOLERANCE = 0.01  # nats between the packed and the plain float32 scores
HALF_TOLERANCE = 0.25  # the same for a model in half precision (another summation order)


def _best_gain(scores: Sequence[float]) -> float:
    return max(scores[1:]) - scores[0]


def _cache_argument(model) -> str:
    """The keyword a model's forward takes the kept keys and values by ("cache" in newer
    transformers, "past_key_values" before)."""
    import inspect

    try:
        names = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return "past_key_values"
    return "cache" if "cache" in names else "past_key_values"


def _forward_prefix(model, ids, mask, positions):
    try:
        return model(input_ids=ids, attention_mask=mask, position_ids=positions,
                     use_cache=True, logits_to_keep=1)
    except TypeError:  # a model class without logits_to_keep
        return model(input_ids=ids, attention_mask=mask, position_ids=positions,
                     use_cache=True)

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
