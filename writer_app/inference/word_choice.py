"""Word choice on the completion model: synonyms ranked in context, and rephrasing.

Synonyms: the thesaurus offers candidates inflected to fit (core/substitutes.py); the
causal LM then reads the sentence with each of them. The text before the word is the
engine's prefix cache (already there while the writer works at that place), and every
candidate, followed by the next few tokens of the sentence, runs as one branch of a
single batched pass over that shared prefix (CompletionEngine.score_branches). A
candidate's score is how much more (or less) likely the sentence becomes than with the
original word, plus a small prior for closeness to the sense and common words.

Rephrasing: an instruct model gets a chat prompt; a base model a few-shot prompt. The
first phrasing is greedy, the others sampled with fixed seeds (the same sentence offers
the same choices).
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import replace

from writer_app.core.requests import GenerationParams
from writer_app.core.substitutes import Candidate, candidates, part_of_speech, target_at
from writer_app.core.thesaurus import Thesaurus, shipped_thesaurus
from writer_app.core.word_choice import (
    RephraseRequest,
    RephraseResult,
    SenseInfo,
    Suggestion,
    SynonymRequest,
    SynonymResult,
)

PER_SENSE = 2  # candidates of each sense read before the rest
MAX_SCORED = 24  # candidates read by the model (the best by prior); the rest are dropped
SUFFIX_TOKENS = 3  # tokens of the sentence after the word that each candidate is read with
# The score: log-likelihood gain + PRIOR_WEIGHT * prior + SIMILARITY_WEIGHT * cosine. Fluency
# alone picks words that read well but change the meaning ("set out" for "began",
# "unusual" for a funny film); the model's own reading of the word in place (a middle
# layer's hidden state) keeps the meaning. Weights chosen on bench/data/word_choice_dev.tsv.
PRIOR_WEIGHT = 1.0
SIMILARITY_WEIGHT = 40.0
SIMILARITY_DEPTH = 0.5  # the decoder layer read for similarity, as a share of the depth
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(\s|$)|\n")

REPHRASE_SYSTEM = ("You are an editor. You rewrite sentences so that they say the same "
                   "thing in other words.")
REPHRASE_INSTRUCTION = ("Rewrite this sentence in other words, keeping its meaning and "
                        "tone. Reply with the rewritten sentence only.\n\n{sentence}")
FEW_SHOT = (
    "Each sentence is rewritten in other words, with the same meaning.\n\n"
    "Original: The meeting was postponed because of the storm.\n"
    "Rewritten: Because of the storm, the meeting was put off.\n\n"
    "Original: She has lived in this town for most of her life.\n"
    "Rewritten: She has spent most of her life in this town.\n\n"
    "Original: We need more time to finish the report.\n"
    "Rewritten: Finishing the report will take us longer.\n\n"
    "Original: {sentence}\nRewritten:"
)
_REPHRASE_SEEDS = 4  # sampled attempts per phrasing wanted


class WordChooser:
    """Synonyms and rephrasings on one CompletionEngine (lives in the worker thread)."""

    def __init__(self, engine, thesaurus: Thesaurus | None = None) -> None:
        self.engine = engine
        self._thesaurus = thesaurus

    @property
    def thesaurus(self) -> Thesaurus:
        if self._thesaurus is None:
            self._thesaurus = shipped_thesaurus()
        return self._thesaurus

    # -- synonyms -----------------------------------------------------------------
    def synonyms(self, request: SynonymRequest,
                 cancel: threading.Event | None = None) -> SynonymResult:
        started = time.perf_counter()
        text = request.text
        target = target_at(text, request.start, request.end)
        found = candidates(self.thesaurus, text, target)
        senses = tuple(SenseInfo(part_of_speech(g.pos), g.gloss) for g in found.groups)
        result = SynonymResult(request.request_id, request.revision, target.word,
                               request.offset + target.start, request.offset + target.end,
                               (), senses)
        if not found.candidates:
            return result
        if cancel is not None and cancel.is_set():
            return replace(result, cancelled=True)
        pool = select(found.candidates, MAX_SCORED)
        scores = self.rank(text, target.span_start, target.end, pool)
        total = _log_sum_exp(scores)
        ranked = sorted(zip(pool, scores, strict=True), key=lambda pair: -pair[1])
        suggestions = tuple(
            _suggestion(candidate, score - total, found.groups[candidate.group].gloss,
                        request.offset, target)
            for candidate, score in ranked[: request.top])
        return replace(result, suggestions=suggestions,
                       elapsed_ms=(time.perf_counter() - started) * 1000,
                       cancelled=bool(cancel is not None and cancel.is_set()))

    def rank(self, text: str, span_start: int, end: int, pool: list[Candidate]) -> list[float]:
        """Each candidate's score for replacing text[span_start:end] (article included)."""
        fluency, similarity = self.features(text, span_start, end, pool)
        return [lm + PRIOR_WEIGHT * c.prior + SIMILARITY_WEIGHT * sim
                for lm, sim, c in zip(fluency, similarity, pool, strict=True)]

    def features(self, text: str, span_start: int, end: int, pool: list[Candidate]
                 ) -> tuple[list[float], list[float]]:
        """(how much likelier the sentence gets with each candidate than with the
        original, log; how close the model's reading of the candidate is to its reading
        of the original word at the same place, cosine)."""
        engine = self.engine
        tokenizer = engine.tokenizer
        prefix = text[:span_start]
        stripped = prefix.rstrip(" \t")
        lead = " " if stripped != prefix else ""
        ids = engine.encode_context(stripped) if stripped else []
        if not ids:
            start_id = tokenizer.bos_token_id
            ids = [start_id if start_id is not None else tokenizer.eos_token_id]
        suffix = _sentence_rest(text[end:])
        tail = tokenizer(suffix, add_special_tokens=False)["input_ids"][:SUFFIX_TOKENS]
        words = [lead + text[span_start:end]] + [lead + c.replacement for c in pool]
        heads = tokenizer(words, add_special_tokens=False)["input_ids"]
        branches = [head + tail for head in heads]
        marks = [len(head) - 1 for head in heads]
        layer = int(len(getattr(engine.model.config, "layer_types", None) or [])
                    or engine.model.config.num_hidden_layers) * SIMILARITY_DEPTH
        scores, vectors = engine.score_branches(ids, branches, marks, int(layer))
        fluency = [score - scores[0] for score in scores[1:]]
        if not vectors:
            return fluency, [0.0] * len(pool)
        import torch

        stacked = torch.nn.functional.normalize(torch.stack(vectors), dim=-1)
        similarity = (stacked[1:] @ stacked[0]).tolist()
        return fluency, similarity

    # -- rephrasing ---------------------------------------------------------------
    def rephrase(self, request: RephraseRequest,
                 cancel: threading.Event | None = None) -> RephraseResult:
        started = time.perf_counter()
        engine = self.engine
        tokenizer = engine.tokenizer
        sentence = " ".join(request.sentence.split())
        instruct = bool(getattr(tokenizer, "chat_template", None))
        if instruct:
            messages = [{"role": "system", "content": REPHRASE_SYSTEM},
                        {"role": "user",
                         "content": REPHRASE_INSTRUCTION.format(sentence=sentence)}]
            prompt = tokenizer.apply_chat_template(messages, tokenize=False,
                                                   add_generation_prompt=True)
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        else:
            ids = tokenizer(FEW_SHOT.format(sentence=sentence))["input_ids"]
        length = len(tokenizer(sentence, add_special_tokens=False)["input_ids"])
        params = GenerationParams(max_new_tokens=2 * length + 12, stop_at_sentence_end=False,
                                  multiline=True)
        texts: list[str] = []
        for attempt in range(request.count * _REPHRASE_SEEDS):
            if len(texts) >= request.count or (cancel is not None and cancel.is_set()):
                break
            sampled = params if attempt == 0 else replace(
                params, temperature=0.8, top_p=0.95, seed=attempt)
            generated = engine.generate_ids(ids, sampled, cancel, _stop_at_newline(tokenizer))
            text = _clean_phrasing(tokenizer.decode(generated, skip_special_tokens=True))
            if _differs(text, sentence) and all(_differs(text, t) for t in texts):
                texts.append(text)
        info = getattr(engine, "info", None)
        return RephraseResult(
            request.request_id, request.revision, request.sentence, request.start,
            request.end, tuple(texts), getattr(info, "name", ""),
            getattr(info, "parameters", 0) or _parameters(engine), instruct,
            (time.perf_counter() - started) * 1000,
            bool(cancel is not None and cancel.is_set()))


def select(found, limit: int) -> list[Candidate]:
    """Up to `limit` candidates: the best few (by prior) of every sense first, so that a
    rarer sense the sentence may need is read too, then the rest by prior."""
    by_prior = sorted(found, key=lambda c: -c.prior)
    picked, per_sense = [], {}
    for candidate in by_prior:
        if per_sense.get(candidate.group, 0) < PER_SENSE:
            per_sense[candidate.group] = per_sense.get(candidate.group, 0) + 1
            picked.append(candidate)
    picked = picked[:limit]
    rest = [c for c in by_prior if all(c is not p for p in picked)]
    return picked + rest[: limit - len(picked)]


def _suggestion(candidate: Candidate, log_share: float, gloss: str, offset: int,
                target) -> Suggestion:
    start = target.span_start if candidate.article else target.start
    if candidate.article and candidate.article == target.article:
        start = target.start  # the article stays: only the word changes
        replacement = candidate.text
    else:
        replacement = candidate.replacement
    return Suggestion(candidate.text, round(math.exp(log_share), 4), gloss, candidate.group,
                      offset + start, offset + target.end, replacement)


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def _sentence_rest(after: str) -> str:
    match = _SENTENCE_END.search(after)
    return after if match is None else after[: match.end()].rstrip()


def _stop_at_newline(tokenizer):
    def on_token(generated: list[int]) -> bool:
        text = tokenizer.decode(generated, skip_special_tokens=True)
        return "\n" in text.strip("\n") or text.count("\n") > 1

    return on_token


def _clean_phrasing(raw: str) -> str:
    lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    text = re.sub(r"^(rewritten|rephrased|sentence|answer)\s*:\s*", "", text, flags=re.I)
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1]
    return text.strip().strip("“”").strip()


def _differs(text: str, other: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^\w]+", " ", s.lower()).strip()

    return bool(norm(text)) and norm(text) != norm(other)


def _parameters(engine) -> int:
    model = getattr(engine, "model", None)
    return sum(p.numel() for p in model.parameters()) if model is not None else 0
