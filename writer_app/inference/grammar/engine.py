"""GrammarEngine: iterative GECToR inference and edits with offsets into the original text.

For each sentence: predict one tag per word (plus ``$START``), apply them, and repeat up
to ``max_iterations`` times, re-running only the sentences that changed. A sentence stops
early when its tags change nothing or when it comes back to a state it had before (the
model is oscillating; it then stays at that earlier state). The final tokens are aligned
with the original ones and turned into character edits (writer_app.core.gec.edits).

Knobs, as in GECToR: ``keep_confidence`` is added to the $KEEP probability before the
arg-max (higher = fewer edits); ``min_error_probability`` leaves a whole sentence alone
when no word's error probability reaches it, and any single word below it.
``category_min_confidence`` drops edits of a category below a confidence (stored with a
checkpoint, for categories its model gets wrong more often than right).
Protected tokens (URLs, e-mail addresses, numbers, code, personal-dictionary words) always
get $KEEP, and the word before one cannot merge into it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import torch

from writer_app.core.gec.edits import GrammarEdit, apply_edits, explain, span_edits
from writer_app.core.gec.protect import IgnoreWordsField, normalise_words
from writer_app.core.gec.tags import KEEP, MERGE_TAGS, apply_tags
from writer_app.core.gec.tokens import Token, split_sentences, tokenize
from writer_app.inference.grammar.model import GecTagger
from writer_app.inference.grammar.pieces import Piece, merge, split_long, token_count

# What one more forward pass costs, in padded sub-tokens: measured on CPU with the default
# MiniLM encoder and its tag head, a pass costs about as much as 45 more sub-tokens (reading
# all the weights once, Python overhead) on top of about 0.5 ms per sub-token.
BATCH_COST_TOKENS = 40


@dataclass(frozen=True)
class TagPrediction:
    """The tags chosen for one sentence (``$START`` first) and each tag's probability."""

    tags: tuple[str, ...]
    probabilities: tuple[float, ...]

    @property
    def changes_something(self) -> bool:
        return any(tag != KEEP for tag in self.tags)


@dataclass(frozen=True)
class Correction:
    """A sentence's final tokens, the probabilities of the first iteration's non-KEEP tags
    (by tag position) and of every applied tag (for edits born in later iterations)."""

    tokens: tuple[str, ...]
    first_probabilities: dict[int, float]
    applied_probabilities: tuple[float, ...]


class GrammarEngine:
    ignore_words = IgnoreWordsField()  # the personal dictionary: never changed

    def __init__(
        self,
        tagger: GecTagger,
        tokenizer,
        device: str | torch.device = "cpu",
        keep_confidence: float = 0.0,
        min_error_probability: float = 0.0,
        max_iterations: int = 5,
        batch_size: int = 32,
        *,
        ignore_words: Collection[str] = (),
        split_contractions: bool = False,
        category_min_confidence: Mapping[str, float] | None = None,
    ) -> None:
        self.tagger = tagger.to(device).eval()
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.keep_confidence = keep_confidence
        self.min_error_probability = min_error_probability
        self.max_iterations = max_iterations
        self.batch_size = batch_size
        self.ignore_words = normalise_words(ignore_words)
        self.split_contractions = split_contractions
        # Per-category floors from the model's card: categories where this model's edits
        # are often wrong are shown only when it is sure.
        self.category_min_confidence = dict(category_min_confidence or {})
        self._keep_id = tagger.vocabulary.index(KEEP)

    # --- prediction -------------------------------------------------------------------------

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[TagPrediction]:
        """One iteration's tags for each word list. A sentence longer than the tagger's
        window is tagged in overlapping pieces (pieces.py) rather than cut off."""
        plans = [self._pieces(words) for words in sentences]
        if all(len(plan) == 1 for plan in plans):
            return self._predict_fitting(sentences)
        flat = [words[p.start : p.end] for words, plan in zip(sentences, plans, strict=True)
                for p in plan]
        found = iter(self._predict_fitting(flat))
        return [merge(plan, [next(found) for _ in plan], TagPrediction) for plan in plans]

    def _pieces(self, words: Sequence[str]) -> list[Piece]:
        limit, special = self.tagger.max_length, self.tagger.add_special_tokens
        if len(words) + 1 < limit // 4:  # even 3 sub-tokens a word fit: skip tokenising
            return [Piece(0, len(words), 0, len(words))]
        tokens = token_count(self.tokenizer, words, special)
        if tokens <= limit:
            return [Piece(0, len(words), 0, len(words))]
        return split_long(words, lambda part: token_count(self.tokenizer, part, special)
                          <= limit, ratio=len(words) * (limit - 2) / tokens)

    def _predict_fitting(self, sentences: Sequence[Sequence[str]]) -> list[TagPrediction]:
        """One iteration's tags for word lists that fit the window, batched: identical
        word lists are run once, and sentences of similar sub-token length go together
        (little padding)."""
        unique: dict[tuple[str, ...], int] = {}
        keys = [unique.setdefault(tuple(words), len(unique)) for words in sentences]
        distinct = list(unique)
        lengths = self.tagger.token_lengths(self.tokenizer, distinct) if distinct else []
        order = sorted(range(len(distinct)), key=lambda i: (lengths[i], i))
        results: dict[int, TagPrediction] = {}
        for chunk in length_batches([lengths[i] for i in order], self.batch_size):
            members = [order[k] for k in chunk]
            predictions = self._predict_batch([distinct[i] for i in members])
            results.update(zip(members, predictions, strict=True))
        return [results[key] for key in keys]

    @torch.inference_mode()
    def _predict_batch(self, sentences: list[Sequence[str]]) -> list[TagPrediction]:
        batch = self.tagger.encode(self.tokenizer, sentences).to(self.device)
        output = self.tagger(batch)
        probs = torch.softmax(output.tag_logits.float(), dim=-1)
        # keep_confidence is added in place (no copy of the (B, W, V) probabilities); the
        # chosen probability of a $KEEP stays the unbiased one.
        keep_probs = probs[..., self._keep_id].clone()
        if self.keep_confidence:
            probs[..., self._keep_id] += self.keep_confidence
        choice = probs.argmax(dim=-1)
        chosen = probs.gather(-1, choice.unsqueeze(-1)).squeeze(-1)
        chosen = torch.where(choice == self._keep_id, keep_probs, chosen)
        detect = output.detect_probs.float() * output.word_mask
        # A word below the threshold, or in a sentence whose worst word is below it, keeps.
        sentence_ok = detect.max(dim=-1).values < self.min_error_probability
        keep = ~output.word_mask | (detect < self.min_error_probability) | sentence_ok[:, None]
        choice = choice.masked_fill(keep, self._keep_id)
        rows = zip(choice.cpu().tolist(), chosen.cpu().tolist(), sentences, strict=True)
        return [self._finish_row(ids, p, words) for ids, p, words in rows]

    def _finish_row(
        self, ids: list[int], probabilities: list[float], words: Sequence[str]
    ) -> TagPrediction:
        tags = self.tagger.vocabulary.decode(ids[: len(words) + 1])
        for position, word in enumerate(words, start=1):
            if self._is_protected(word):
                tags[position] = KEEP
                if tags[position - 1] in MERGE_TAGS:  # do not glue a word onto it either
                    tags[position - 1] = KEEP
        return TagPrediction(tuple(tags), tuple(probabilities[: len(words) + 1]))


    # --- iterating --------------------------------------------------------------------------

    def correct_tokens(self, sentences: Sequence[Sequence[str]]) -> list[Correction]:
        states = [tuple(words) for words in sentences]
        seen = [{state} for state in states]
        first: list[dict[int, float]] = [{} for _ in states]
        applied: list[list[float]] = [[] for _ in states]
        active = [i for i, state in enumerate(states) if state]
        for iteration in range(self.max_iterations):
            if not active:
                break
            predictions = self.predict([states[i] for i in active])
            still_active = []
            for i, prediction in zip(active, predictions, strict=True):
                if not prediction.changes_something:
                    continue
                following = tuple(apply_tags(states[i], prediction.tags))
                if following == states[i]:
                    continue
                changed = [
                    (pos, p) for pos, (tag, p) in
                    enumerate(zip(prediction.tags, prediction.probabilities, strict=True))
                    if tag != KEEP
                ]
                if iteration == 0:
                    first[i] = dict(changed)
                applied[i].extend(p for _, p in changed)
                states[i] = following
                if following in seen[i]:
                    continue  # a cycle: stay at the state seen before
                seen[i].add(following)
                still_active.append(i)
            active = still_active
        return [
            Correction(state, first_, tuple(applied_))
            for state, first_, applied_ in zip(states, first, applied, strict=True)
        ]

    # --- text -------------------------------------------------------------------------------

    def check(self, text: str) -> list[GrammarEdit]:
        """Edits for ``text`` with offsets into it, in text order."""
        return self.check_many([text])[0]

    def correct_sentences(self, texts: Sequence[str]) -> list[str]:
        """Each text corrected (a sentence or a paragraph; its spacing is kept)."""
        edits = self.check_many(texts)
        return [apply_edits(text, found) for text, found in zip(texts, edits, strict=True)]

    def check_many(self, texts: Sequence[str]) -> list[list[GrammarEdit]]:
        """Edits for each text (offsets into it), all sentences batched together."""
        units: list[tuple[int, list[Token]]] = []  # (text index, tokens with text offsets)
        for index, text in enumerate(texts):
            for sentence in split_sentences(text):
                tokens = [
                    Token(t.text, t.start + sentence.start, t.end + sentence.start)
                    for t in tokenize(sentence.text, split_contractions=self.split_contractions)
                ]
                if tokens:
                    units.append((index, tokens))
        corrections = self.correct_tokens([[t.text for t in tokens] for _, tokens in units])
        result: list[list[GrammarEdit]] = [[] for _ in texts]
        for (index, tokens), correction in zip(units, corrections, strict=True):
            result[index].extend(self._sentence_edits(texts[index], tokens, correction))
        return [sorted(edits, key=lambda e: e.start) for edits in result]

    def _sentence_edits(
        self, text: str, tokens: list[Token], correction: Correction
    ) -> list[GrammarEdit]:
        source = [token.text for token in tokens]
        final = list(correction.tokens)
        if final == source:
            return []
        edits = []
        for edit in span_edits(text, tokens, final):
            edits.append(explain(edit, source, final, _confidence(edit.source_tokens, correction)))
        floors = self.category_min_confidence
        return [e for e in edits if e.confidence >= floors.get(str(e.category), 0.0)]


def length_batches(lengths: Sequence[int], limit: int) -> list[range]:
    """Split ascending sub-token ``lengths`` into consecutive batches of at most ``limit``
    sentences with the least work: padded tokens plus BATCH_COST_TOKENS per batch (one
    forward pass costs about that many tokens more than its tokens)."""
    count = len(lengths)
    best = [0.0] + [float("inf")] * count  # best[end]: least cost of lengths[:end]
    start_of = [0] * (count + 1)
    for end in range(1, count + 1):
        for start in range(max(0, end - limit), end):
            cost = best[start] + lengths[end - 1] * (end - start) + BATCH_COST_TOKENS
            if cost < best[end]:
                best[end], start_of[end] = cost, start
    batches, end = [], count
    while end:
        batches.append(range(start_of[end], end))
        end = start_of[end]
    return batches[::-1]


def _confidence(source_tokens: tuple[int, int], correction: Correction) -> float:
    """The first iteration's tag probability on the edited tokens (or, for an insertion,
    on the token it follows); the weakest applied tag when the edit came later."""
    first, last = source_tokens
    positions = range(first + 1, last + 1) if first < last else (first,)
    found = [correction.first_probabilities[p] for p in positions
             if p in correction.first_probabilities]
    if found:
        return max(found)
    return min(correction.applied_probabilities, default=0.0)
