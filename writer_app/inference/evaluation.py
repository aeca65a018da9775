"""What a completion model (with or without a personal adapter) would do on a writer's text.

- perplexity, and next-word top-1 / top-3 accuracy, from one teacher-forced pass in
  windows: the next word counts as predicted when the model's greedy word (top-3: from
  one of its three likeliest first tokens) is the word the writer wrote;
- keystroke savings (core/keystrokes.py) typing a short span after each sampled
  position with the editor's own inline settings, for each confidence threshold
  (precision of the shown suggestions against their coverage); the engine's prefix
  cache serves the requests, since each one extends the text of the last;
- BLEU (sacrebleu) and ROUGE-L (rouge-score) of the greedy continuation at each sampled
  position against the words that really follow.

Positions are word starts drawn with a seeded generator, so a seed always gives the same.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from writer_app.core.confidence import (
    CONFIDENCE_LEVELS,
    CURVE_FLOOR,
    CURVE_THRESHOLDS,
    Stops,
    is_word_char,
    threshold_for,
)
from writer_app.core.keystrokes import Tally, simulate
from writer_app.core.requests import CompletionRequest
from writer_app.core.settings import CompletionSettings

Progress = Callable[[str], None]
DEFAULT_POSITIONS = 60
SEGMENT_WORDS = 6  # the span typed after each position
CONTINUATION_WORDS = 8  # words compared by BLEU and ROUGE-L
WINDOW, STRIDE = 512, 384  # perplexity windows: each token scored once, with context


@dataclass
class Evaluation:
    perplexity: float
    next_word_top1: float
    next_word_top3: float
    keystroke_savings: float
    bleu: float
    rouge_l: float
    positions: int
    words: int
    setting: str = "balanced"
    # one row per threshold: threshold, precision, coverage, keystroke_savings (and the
    # setting's name where a setting uses that threshold)
    curve: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        """The headline figures (the keys of `writer-app evaluate --json`)."""
        return {"perplexity": round(self.perplexity, 4),
                "next_word_top1": round(self.next_word_top1, 4),
                "next_word_top3": round(self.next_word_top3, 4),
                "keystroke_savings": round(self.keystroke_savings, 4),
                "bleu": round(self.bleu, 3), "rouge_l": round(self.rouge_l, 4),
                "positions": self.positions, "words": self.words}


class Evaluator:
    """Evaluates the engine's current model (base or adapted) on held-out text."""

    def __init__(self, engine, settings: CompletionSettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or CompletionSettings()
        self.params = self.settings.inline_params()

    # -- the whole evaluation --------------------------------------------------------
    def evaluate(self, text: str, positions: int = DEFAULT_POSITIONS, seed: int = 0,
                 progress: Progress | None = None) -> Evaluation:
        say = progress or (lambda _message: None)
        say("scoring the text")
        perplexity, top1, top3 = self.teacher_forced(text)
        starts = sample_positions(text, positions, seed)
        tallies = {t: Tally() for t in CURVE_THRESHOLDS}
        hypotheses, references = [], []
        for number, (start, end) in enumerate(starts, 1):
            hypotheses.append(self.continuation(text, start))
            references.append(" ".join(text[start:].split()[:CONTINUATION_WORDS]))
            cache: dict[int, tuple[str, Stops]] = {}

            def suggest(position: int, cache=cache) -> tuple[str, Stops]:
                if position not in cache:
                    cache[position] = self.suggestion(text, position)
                return cache[position]

            for threshold, tally in tallies.items():
                tally.add(simulate(text, start, end, suggest, threshold))
            if number % 10 == 0 or number == len(starts):
                say(f"positions: {number}/{len(starts)}")
        chosen = self.settings.confidence
        bleu, rouge = overlap_scores(hypotheses, references)
        return Evaluation(
            perplexity=perplexity, next_word_top1=top1, next_word_top3=top3,
            keystroke_savings=tallies[threshold_for(chosen)].savings if starts else 0.0,
            bleu=bleu, rouge_l=rouge, positions=len(starts), words=len(text.split()),
            setting=chosen, curve=_curve(tallies))

    # -- generation ------------------------------------------------------------------
    def context(self, text: str, position: int) -> str:
        """The text the editor would send: at most context_chars before the position,
        from a start that moves in steps of three quarters of that (at a word start), so
        that consecutive requests share their prefix and the engine's cache."""
        limit = self.settings.context_chars
        step = max(1, limit * 3 // 4)
        anchor = -(-max(0, position - limit) // step) * step
        if anchor:
            space = text.find(" ", anchor, position)
            anchor = space + 1 if space >= 0 else anchor
        return text[anchor:position]

    def suggestion(self, text: str, position: int) -> tuple[str, Stops]:
        """The inline suggestion at `position`, decoded down to the lowest threshold of
        the curve: every setting's suggestion is a cut of it."""
        params = replace(self.params, min_confidence=CURVE_FLOOR)
        result = self.engine.complete(
            CompletionRequest(0, 0, self.context(text, position), params=params))
        return result.text, result.stops

    def continuation(self, text: str, position: int) -> str:
        """The greedy continuation at `position`, past sentence ends, ungated."""
        params = replace(self.params, stop_at_sentence_end=False, min_confidence=0.0)
        result = self.engine.complete(
            CompletionRequest(0, 0, self.context(text, position), params=params))
        return " ".join(result.text.split()[:CONTINUATION_WORDS])

    # -- perplexity and next words -----------------------------------------------------
    @torch.inference_mode()
    def teacher_forced(self, text: str) -> tuple[float, float, float]:
        """(perplexity, next-word top-1, next-word top-3) of the text under the model."""
        tokenizer = self.engine.tokenizer
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        if len(ids) < 2:
            return float("nan"), 0.0, 0.0
        model = self.engine.model
        device = next(model.parameters()).device
        config = model.config
        window = min(WINDOW, getattr(config, "max_position_embeddings", None)
                     or getattr(config, "n_positions", None) or WINDOW)
        stride = min(STRIDE, window * 3 // 4)
        nll = 0.0
        top: list[list[int]] = [[]]  # the three likeliest tokens at each position
        position = 1
        while position < len(ids):
            end = min(len(ids), position + stride)
            begin = max(0, end - window)
            logits = model(input_ids=torch.tensor([ids[begin:end]], device=device)).logits[0]
            rows = logits[position - 1 - begin : end - 1 - begin].float()
            targets = torch.tensor(ids[position:end], device=device)
            nll -= float(torch.log_softmax(rows, -1).gather(1, targets[:, None]).sum())
            top.extend(rows.topk(3, dim=-1).indices.tolist())
            position = end
        decoded: dict[int, str] = {}

        def piece(token: int) -> str:
            if token not in decoded:
                decoded[token] = tokenizer.decode([token])
            return decoded[token]

        pieces = [piece(i) for i in ids]
        hits1 = hits3 = words = 0
        for index in range(1, len(ids)):
            if not _starts_word(pieces, index):
                continue
            words += 1
            rest = _rest_of_word(pieces, ids, top, index, piece)
            if rest and ids[index] == top[index][0]:
                hits1 += 1
            if rest and ids[index] in top[index]:
                hits3 += 1
        perplexity = math.exp(min(50.0, nll / (len(ids) - 1)))
        return perplexity, hits1 / max(1, words), hits3 / max(1, words)


def _starts_word(pieces: list[str], index: int) -> bool:
    piece = pieces[index]
    stripped = piece.lstrip(" ")
    if not stripped or not is_word_char(stripped[0]):
        return False
    return stripped != piece or pieces[index - 1][-1:].isspace()


def _word_part(piece: str) -> tuple[str, bool]:
    """The leading word characters of a token, and whether the word ends within it."""
    for offset, char in enumerate(piece):
        if not is_word_char(char):
            return piece[:offset], True
    return piece, False


def _rest_of_word(pieces: list[str], ids: list[int], top: list[list[int]], index: int,
                  piece: Callable[[int], str]) -> bool:
    """Whether the model, fed the word's first token, would finish the word as written
    (greedily) and end it there."""
    word, ended = _word_part(pieces[index].lstrip(" "))
    position = index + 1
    while not ended and position < len(ids):
        guess = top[position][0]
        truth, ended = _word_part(pieces[position])
        if guess != ids[position]:
            guessed, guess_ended = _word_part(piece(guess))
            return guessed == truth and guess_ended and (ended or truth == "")
        position += 1
    return True


def sample_positions(text: str, count: int, seed: int) -> list[tuple[int, int]]:
    """`count` word starts (seeded), each with the end of the span typed after it:
    SEGMENT_WORDS words on, or the next position, or the end of the paragraph."""
    starts = [i for i in range(1, len(text))
              if text[i - 1].isspace() and is_word_char(text[i])]
    chosen = sorted(random.Random(seed).sample(starts, min(count, len(starts))))
    spans = []
    for number, start in enumerate(chosen):
        end, words = start, 0
        while end < len(text) and words < SEGMENT_WORDS:
            if text.startswith("\n\n", end):
                break
            if end > start and text[end - 1].isspace() and not text[end].isspace():
                words += 1
                if words == SEGMENT_WORDS:
                    break
            end += 1
        if number + 1 < len(chosen):
            end = min(end, chosen[number + 1])
        if end > start:
            spans.append((start, end))
    return spans


def overlap_scores(hypotheses: list[str], references: list[str]) -> tuple[float, float]:
    """(corpus BLEU on sacrebleu's 0-100 scale, mean ROUGE-L F1 on 0-1)."""
    if not hypotheses:
        return 0.0, 0.0
    import sacrebleu
    from rouge_score import rouge_scorer

    bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    rouge = [scorer.score(ref, hyp)["rougeL"].fmeasure
             for hyp, ref in zip(hypotheses, references, strict=True)]
    return float(bleu), sum(rouge) / len(rouge)


def _curve(tallies: dict[float, Tally]) -> list[dict]:
    names = {value: name for name, value in CONFIDENCE_LEVELS.items()}
    rows = []
    for threshold, tally in sorted(tallies.items()):
        row = {"threshold": threshold, "precision": round(tally.precision, 4),
               "coverage": round(tally.coverage, 4),
               "keystroke_savings": round(tally.savings, 4)}
        if threshold in names:
            row["setting"] = names[threshold]
        rows.append(row)
    return rows
