"""Word choice on the completion model: synonyms ranked in context, and rephrasing.

Synonyms: the thesaurus offers candidates inflected to fit (core/substitutes.py); the
causal LM then reads the sentence with each of them, in two looks. The text before the
word is the engine's prefix cache (already there while the writer works at that place;
elsewhere only its last CONTEXT_TOKENS are read), and the candidates attend to the last
CONTEXT_TOKENS of it (and its first few) only. First look: every candidate's words
run as one branch of a single packed pass over that prefix, up to a middle layer only
(CompletionEngine.branch_states), which tells how close the model reads each of them to
the original word there. The SCORED best by that and by a small prior (closeness to the
sense, common words) get the second look: each, followed by the next few tokens of the
sentence, as one branch of another packed pass (score_branches) for how likely the
sentence is with it. Reading the sentence to the end for just the few best keeps the
popup fast at 1,000 tokens of context.

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
FIRST_LOOK = 40  # candidates whose similarity is read (the best by prior); the rest dropped
SCORED = 6  # the best of those by prior and similarity, read with the sentence for fluency
SUFFIX_TOKENS = 3  # tokens of the sentence after the word that each candidate is read with
# The text before the word that the candidates attend to (besides its first tokens), and
# all that is read when the cache does not hold the text already.
CONTEXT_TOKENS = 192
# The score: log-likelihood + PRIOR_WEIGHT * prior + SIMILARITY_WEIGHT * cosine. Fluency
# alone picks words that read well but change the meaning ("set out" for "began",
# "unusual" for a funny film); the model's own reading of the word in place (a middle
# layer's hidden state) keeps the meaning. Weights chosen on bench/data/word_choice_dev.tsv.
PRIOR_WEIGHT = 1.0
SIMILARITY_WEIGHT = 40.0
# The decoder layer read for similarity, as a share of the depth: a third of the way in
# ranked as well as half-way on both sets of bench/data (layers 6 to 18 of 30 all within
# a sentence or two) and makes the first look cheaper.
SIMILARITY_DEPTH = 0.3
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
        pool = select(found.candidates, FIRST_LOOK)
        scores = self.rank(text, target.span_start, target.end, pool, cancel)
        if scores is None:
            return replace(result, cancelled=True)
        total = _log_sum_exp(scores)
        ranked = sorted(zip(pool, scores, strict=True), key=lambda pair: -pair[1])
        suggestions = tuple(
            _suggestion(candidate, score - total, found.groups[candidate.group].gloss,
                        request.offset, target)
            for candidate, score in ranked[: request.top])
        return replace(result, suggestions=suggestions,
                       elapsed_ms=(time.perf_counter() - started) * 1000,
                       cancelled=bool(cancel is not None and cancel.is_set()))

    def rank(self, text: str, span_start: int, end: int, pool: list[Candidate],
             cancel: threading.Event | None = None) -> list[float] | None:
        """Each candidate's score for replacing text[span_start:end] (article included),
        None when cancelled between the two looks.

        First look: every candidate's word alone, read up to the similarity layer,
        gives the similarity; with the prior it picks the SCORED best. Second look: the
        sentence with each of those is read to the end for fluency. The others keep
        their first-look score, just below the lowest of the scored ones."""
        ids, lead = self._context(text, span_start)
        similarity = self.similarity(ids, lead + text[span_start:end],
                                     [lead + c.replacement for c in pool])
        look = [PRIOR_WEIGHT * c.prior + SIMILARITY_WEIGHT * sim
                for c, sim in zip(pool, similarity, strict=True)]
        order = sorted(range(len(pool)), key=lambda i: -look[i])
        chosen = order[:SCORED]
        if cancel is not None and cancel.is_set():
            return None
        tail = self.engine.tokenizer(_sentence_rest(text[end:]),
                                     add_special_tokens=False)["input_ids"][:SUFFIX_TOKENS]
        fluency = self.fluency(ids, [lead + pool[i].replacement for i in chosen], tail)
        scores = list(look)
        for i, lm in zip(chosen, fluency, strict=True):
            scores[i] = look[i] + lm
        if len(chosen) < len(pool):
            floor = min(scores[i] for i in chosen)
            low = min(fluency)
            for i in order[SCORED:]:
                scores[i] = min(look[i] + low, floor - 1e-3)
        return scores

    def _context(self, text: str, span_start: int) -> tuple[list[int], str]:
        """The token ids of the text before the replaced span, and the space that
        leads each candidate. When the prefix cache does not hold most of that text
        already (another place of the document), only its last CONTEXT_TOKENS are
        read: the sentence decides, and a cold prefix of 1,000 tokens would cost more
        than all the rest."""
        engine = self.engine
        tokenizer = engine.tokenizer
        prefix = text[:span_start]
        stripped = prefix.rstrip(" \t")
        lead = " " if stripped != prefix else ""
        ids = engine.encode_context(stripped) if stripped else []
        if len(ids) - engine.cached_overlap(ids) > CONTEXT_TOKENS:
            ids = engine.encode_context(_last_words(stripped, CONTEXT_TOKENS * 8))
        if not ids:
            start_id = tokenizer.bos_token_id
            ids = [start_id if start_id is not None else tokenizer.eos_token_id]
        return ids, lead

    def similarity(self, ids: list[int], original: str, words: list[str]) -> list[float]:
        """How close the model's reading of each word after `ids` is to its reading of
        the original word at the same place (cosine of a middle layer's hidden states)."""
        engine = self.engine
        heads = engine.tokenizer([original, *words], add_special_tokens=False)["input_ids"]
        vectors = engine.branch_states(ids, heads, [len(h) - 1 for h in heads],
                                       self._layer(), window=CONTEXT_TOKENS)
        import torch

        stacked = torch.nn.functional.normalize(torch.stack(vectors), dim=-1)
        return (stacked[1:] @ stacked[0]).tolist()

    def fluency(self, ids: list[int], words: list[str], tail: list[int]) -> list[float]:
        """The log-likelihood of each word followed by the `tail` tokens, after `ids`."""
        engine = self.engine
        heads = engine.tokenizer(words, add_special_tokens=False)["input_ids"]
        scores, _ = engine.score_branches(ids, [head + tail for head in heads],
                                          window=CONTEXT_TOKENS)
        return scores

    def _layer(self) -> int:
        config = self.engine.model.config
        depth = len(getattr(config, "layer_types", None) or []) or config.num_hidden_layers
        return int(depth * SIMILARITY_DEPTH)

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


def _last_words(text: str, chars: int) -> str:
    """The end of `text`, about `chars` long, starting at a word."""
    if len(text) <= chars:
        return text
    cut = text[-chars:]
    space = cut.find(" ")
    return cut[space + 1:] if 0 <= space < len(cut) - 1 else cut


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
