"""Inline completion on a causal LM: a lean decode loop with a reusable prefix cache.

`generate()` rebuilds its machinery on every call and re-encodes the whole
context. While a writer types, consecutive requests share almost all of their
context, so the engine keeps the key/value cache of the last call, crops it to
the longest common token prefix and only runs the model on what is new.
Comparing token ids (not text) makes this exact: a word that tokenises
differently once more letters follow simply no longer matches and is re-run.

Greedy decoding also feeds guessed tokens along with each step where the runner
checks extra rows cheaply (drafts.py: the rest of a suggestion the writer is typing,
or a phrase that recurs); a guess is kept only up to the first token the model would
not have chosen itself, so the output is the same token for token.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import torch

from writer_app.core.confidence import confident_length, word_stops
from writer_app.core.passage import (
    cut_repeated_sentence,
    decode_limit,
    passage_complete,
    trim_to_boundary,
)
from writer_app.core.requests import (
    AlternativesResult,
    CompletionRequest,
    CompletionResult,
    GenerationParams,
)
from writer_app.core.text_ops import (
    has_sentence_end,
    remove_overlap_with_following,
    split_trailing_space,
    trim_suggestion,
)
from writer_app.inference.drafts import DraftLookup
from writer_app.inference.kv_runner import make_runner

TextCallback = Callable[[str], None]
# Once the context exceeds the cap, drop whole blocks from the front so that the
# window (and the cache built on it) stays put while the user types on.
_DROP_BLOCK = 128
_PENALTY_WINDOW = 64
# The no-repeat rule also looks this far back into the context: about the last
# paragraph, so a passage does not say again what the writer just wrote.
_NGRAM_WINDOW = 256
_ALT_TEMPERATURE = 0.8


def position_limit(model) -> int | None:
    """The longest sequence the model's position embeddings allow, when its config says
    (rotary models list a maximum too)."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


class CompletionEngine:
    """Owns a model and tokenizer; not thread-safe (lives in the worker thread)."""

    def __init__(
        self, model, tokenizer, max_context_tokens: int = 1024, half_decode: bool | None = None
    ) -> None:
        self.model = model
        self.base_model = model  # without any adapter
        self.tokenizer = tokenizer
        self.device = next(model.parameters()).device
        # The prompt and the new tokens must fit the model's positions: a model with few
        # (GPT-2 has 1024) keeps room for the continuation after the prompt.
        positions = position_limit(model)
        if positions is not None:
            max_context_tokens = min(max_context_tokens,
                                     max(8, positions - min(positions // 2, 256)))
        self.max_context_tokens = max_context_tokens
        self._cached_ids: list[int] = []
        self._eos_ids = _eos_ids(model, tokenizer)
        self._probe = tokenizer("The engine checks itself on a short sentence.")["input_ids"][:12]
        self._half_decode = half_decode
        self._runner = make_runner(model, self._probe, half_decode)
        self._drafts = DraftLookup()
        self.drafting = True  # check guessed tokens along with each step (exact)
        self.adapter = ""  # the active adapter's folder, "" for none
        # Set by whoever loaded the model, to refuse adapters trained on another one.
        self.base_fingerprint = ""
        self.base_name = ""
        self._word_chooser = None  # synonyms and rephrasing, made on first use

    @property
    def runner_name(self) -> str:
        half = getattr(self._runner, "half_decode", False)
        return type(self._runner).__name__ + ("+fp16-decode" if half else "")

    # -- personal adapter ---------------------------------------------------------
    def set_adapter(self, folder: str | None, *, allow_pickle: bool = False) -> None:
        """Use the LoRA adapter in `folder` from the next request on; None or "" clears it.

        The adapter is merged into a copy of the base weights and the runner is rebuilt
        on it: the fast runner's fused float16 weights are copies, so they must be made
        from the merged weights. The prefix cache holds keys and values of the old
        weights, so it goes too. Raises AdapterError and keeps the current state when
        the adapter cannot be used.
        """
        from writer_app.inference import adapters

        folder = str(folder or "")
        if folder:
            info = adapters.read_adapter(folder)
            adapters.check_compatible(info, self.base_fingerprint, self.base_name or "")
            model = adapters.merged_model(self.base_model, folder, allow_pickle=allow_pickle)
        else:
            model = self.base_model
        runner = make_runner(model, self._probe, self._half_decode)
        self.model, self._runner, self.adapter = model, runner, folder
        self._cached_ids = []
        self._drafts.clear()

    # -- prefix cache -------------------------------------------------------------
    def reset_cache(self) -> None:
        self._runner.reset()
        self._cached_ids = []

    def reset_drafts(self) -> None:
        """Forget the remembered suggestions that guesses are drawn from."""
        self._drafts.clear()

    @property
    def cached_tokens(self) -> int:
        return len(self._cached_ids)

    def cached_overlap(self, ids: list[int]) -> int:
        """How many of `ids`, from the start, the prefix cache already holds."""
        return _common_prefix(self._cached_ids, ids)

    def encode_context(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=True)["input_ids"]
        excess = len(ids) - self.max_context_tokens
        if excess > 0:
            ids = ids[(excess // _DROP_BLOCK + 1) * _DROP_BLOCK :]
        return ids

    def _prefill(self, ids: list[int], draft: list[int]) -> torch.Tensor:
        """Bring the cache to `ids` (+ draft); the logits after ids and after each
        draft token, [len(draft) + 1, vocab]."""
        # At least one token must run to produce logits.
        self._keep(min(_common_prefix(self._cached_ids, ids), len(ids) - 1))
        return self._feed(ids[len(self._cached_ids):] + draft, len(draft) + 1)

    def _feed(self, tokens: list[int], rows: int) -> torch.Tensor:
        logits = self._runner.run(torch.tensor([tokens], device=self.device), rows)
        self._cached_ids.extend(tokens)
        return logits.view(rows, -1)

    def _keep(self, count: int) -> None:
        """Cut the cache back to its first `count` tokens."""
        self._runner.crop(count)
        del self._cached_ids[count:]

    # -- word choice --------------------------------------------------------------
    def synonyms(self, request, cancel: threading.Event | None = None):
        """Synonyms ranked in context (see word_choice.py): a SynonymResult."""
        return self._chooser().synonyms(request, cancel)

    def rephrase(self, request, cancel: threading.Event | None = None):
        """Other phrasings of a sentence (see word_choice.py): a RephraseResult."""
        return self._chooser().rephrase(request, cancel)

    def _chooser(self):
        if self._word_chooser is None:
            from writer_app.inference.word_choice import WordChooser

            self._word_chooser = WordChooser(self)
        return self._word_chooser

    # -- scoring ------------------------------------------------------------------
    @torch.inference_mode()
    def score_branches(self, ids: list[int], branches: list[list[int]],
                       marks: list[int] | None = None, layer: int | None = None,
                       window: int | None = None) -> tuple[list[float], list[torch.Tensor]]:
        """The log-probability of each branch's tokens right after `ids`, and with
        `marks` and `layer`, each branch's hidden state after that decoder layer at
        its token `marks[i]`.

        The prefix comes from (and stays in) the prefix cache; whatever of it the cache
        lacks (at least its last token, whose logits predict every branch's first) runs
        in the same pass as the branches (kv_runner's run_branches), so scoring a
        sentence with each of twenty words costs about one forward over their tokens
        together. `window`: the branches attend to the start and the last `window`
        tokens of the prefix only (kv_runner's run_branches).
        """
        keep = min(_common_prefix(self._cached_ids, ids), len(ids) - 1)
        self._keep(keep)
        shared = ids[keep:]
        out = self._runner.run_branches(branches, layer if marks else None, shared=shared,
                                        tails=False, window=window)
        self._cached_ids.extend(shared)
        first = torch.log_softmax(out.shared.float().view(-1), -1)
        scores = []
        for branch, logits in zip(branches, out.logits, strict=True):
            total = first[branch[0]]
            if len(branch) > 1:
                rows = torch.log_softmax(logits.float(), -1)
                picked = torch.tensor(branch[1:], device=rows.device).unsqueeze(1)
                total = total + rows.gather(1, picked).sum()
            scores.append(float(total))
        vectors = ([state[mark].float() for state, mark in zip(out.states, marks, strict=True)]
                   if out.states is not None and marks else [])
        return scores, vectors

    @torch.inference_mode()
    def branch_states(self, ids: list[int], branches: list[list[int]], marks: list[int],
                      layer: int, window: int | None = None) -> list[torch.Tensor]:
        """Each branch's hidden state after decoder `layer` at its token `marks[i]`, the
        branches read after `ids` only up to that layer (a cheaper first look than
        score_branches). The prefix comes from, and stays in, the prefix cache; where
        the cache lacked only its last token, that token runs only up to that layer too
        and is not kept: the look that follows (score_branches) feeds it again for its
        logits (a warm popup a fifth faster)."""
        keep = min(_common_prefix(self._cached_ids, ids), len(ids) - 1)
        self._keep(keep)
        shared = ids[keep:]
        out = self._runner.run_branches(branches, layer, shared=shared, states_only=True,
                                        window=window, keep_shared=len(shared) > 1)
        if len(shared) > 1:
            self._cached_ids.extend(shared)
        return [state[mark].float() for state, mark in zip(out.states, marks, strict=True)]

    # -- decoding -----------------------------------------------------------------
    @torch.inference_mode()
    def generate_ids(
        self,
        ids: list[int],
        params: GenerationParams,
        cancel: threading.Event | None = None,
        on_token: Callable[[list[int]], bool] | None = None,
        probs: list[float] | None = None,
    ) -> list[int]:
        """Decode up to params.max_new_tokens after `ids`.

        `on_token(generated)` is called after each token; returning True stops. With
        `probs`, the model's probability of each chosen token is appended to it first.
        With temperature 0 the output equals greedy `generate()` token for token:
        guessed tokens (drafts.py) are fed along with each step, and only those the
        model itself would have chosen next are kept.
        """
        generator = _generator(params, self.device)
        drafting = generator is None and self.drafting and self._runner.draft_rows > 0
        limit = params.max_new_tokens
        generated: list[int] = []
        draft = self._draft(ids, generated, limit) if drafting else []
        rows = self._prefill(ids, draft)
        while True:
            base = len(self._cached_ids) - len(draft)  # where the draft starts
            confirmed, stop = 0, False
            for row in rows:
                if cancel is not None and cancel.is_set():
                    stop = True
                    break
                banned = _ngram_bans(ids[-_NGRAM_WINDOW:] + generated, params.no_repeat_ngram)
                token = _choose(self._allowed(row, params, generated), params,
                                ids[-_PENALTY_WINDOW:] + generated, generator, banned)
                if token in self._eos_ids:
                    stop = True
                    break
                if probs is not None:
                    probs.append(float(torch.softmax(row.float(), dim=-1)[token]))
                generated.append(token)
                stop = (on_token is not None and on_token(generated)) or len(generated) >= limit
                if stop or confirmed >= len(draft) or token != draft[confirmed]:
                    break
                confirmed += 1
            self._keep(base + confirmed)
            if stop:
                break
            draft = self._draft(ids, generated, limit) if drafting else []
            rows = self._feed([generated[-1], *draft], len(draft) + 1)
        if generator is None:
            self._drafts.remember(ids, generated)
        return generated

    def _draft(self, ids: list[int], generated: list[int], limit: int) -> list[int]:
        room = min(self._runner.draft_rows, limit - len(generated) - 1)
        return self._drafts.propose(ids + generated, room)

    def _allowed(self, logits: torch.Tensor, params: GenerationParams,
                 generated: list[int]) -> torch.Tensor:
        """The logits with the end-of-text token barred before min_new_tokens."""
        if len(generated) < params.min_new_tokens and self._eos_ids:
            logits = logits.clone()
            logits[list(self._eos_ids)] = float("-inf")
        return logits

    def complete(
        self,
        request: CompletionRequest,
        cancel: threading.Event | None = None,
        on_text: TextCallback | None = None,
    ) -> CompletionResult:
        """A continuation of request.text_before, streamed through on_text.

        Inline suggestions end at the first sentence end or newline and never repeat
        one of the writer's last sentences; a passage (params.end_at_boundary) ends at a
        sentence or paragraph end near params.max_new_tokens. With params.min_confidence,
        a suggestion is shown only as far as the model's probability of it stays at or
        above that (core/confidence.py): decoding stops at the first token below it, and
        only whole words are streamed.
        """
        started = time.perf_counter()
        prompt, trailing = split_trailing_space(request.text_before)
        ids = self.encode_context(prompt)
        params = request.params
        if not ids:
            return CompletionResult(request.request_id, request.revision, "", 0.0, 0.0, 0)
        target = params.max_new_tokens
        decode = replace(params, max_new_tokens=decode_limit(target)) \
            if params.end_at_boundary else params
        threshold = params.min_confidence
        state = {"text": "", "first": None, "raw": "", "unsure": False}
        prefixes: list[str] = []
        probs: list[float] = []

        def visible(raw: str, finished: bool) -> str:
            if threshold > 0:
                raw = raw[: confident_length(word_stops(prefixes, probs, finished), threshold)]
            text = _visible(raw, trailing, request.text_after, params)
            if not params.multiline:
                text = cut_repeated_sentence(text, request.text_before)
            return text

        def show(text: str) -> None:
            if text != state["text"]:
                state["text"] = text
                if on_text is not None:
                    on_text(text)

        def on_token(generated: list[int]) -> bool:
            if state["first"] is None:
                state["first"] = time.perf_counter()
            raw = self.tokenizer.decode(generated, skip_special_tokens=True)
            prefixes.append(raw)
            if raw.endswith("\ufffd"):
                return False  # half of a multi-byte character; wait for the rest
            if threshold > 0 and math.prod(probs) < threshold:
                state["unsure"] = True  # nothing from here on can be shown
                return True
            state["raw"] = raw
            done = (not params.multiline and "\n" in raw) or (
                params.stop_at_sentence_end and has_sentence_end(raw)) or (
                params.end_at_boundary and passage_complete(raw, len(generated), target))
            if not params.multiline:
                text = _visible(raw, trailing, request.text_after, params)
                done = done or cut_repeated_sentence(text, request.text_before) != text
            show(visible(raw, done))
            return done

        generated = self.generate_ids(ids, decode, cancel, on_token, probs)
        cancelled = bool(cancel is not None and cancel.is_set())
        if prefixes and not prefixes[-1].endswith("\ufffd"):
            # the last word is whole unless the model grew unsure within it
            show(visible(prefixes[-1], not state["unsure"]))
        if params.end_at_boundary and not cancelled and len(generated) >= decode.max_new_tokens:
            state["text"] = trim_to_boundary(state["text"])  # ran out: end where one did
        finished = time.perf_counter()
        first = state["first"] or finished
        return CompletionResult(
            request_id=request.request_id,
            revision=request.revision,
            text=state["text"],
            latency_ms=(finished - started) * 1000,
            first_token_ms=(first - started) * 1000,
            new_tokens=len(generated),
            cancelled=cancelled,
            stops=self._visible_stops(prefixes, probs, not state["unsure"], state["text"],
                                      trailing, request, params),
        )

    @staticmethod
    def _visible_stops(prefixes: list[str], probs: list[float], finished: bool, text: str,
                       trailing: str, request: CompletionRequest,
                       params: GenerationParams) -> tuple[tuple[int, float], ...]:
        """The word ends of the raw continuation as offsets into the shown text."""
        stops: list[tuple[int, float]] = []
        for offset, prob in word_stops(prefixes, probs, finished):
            end = len(_visible(prefixes[-1][:offset], trailing, request.text_after, params))
            if 0 < end <= len(text) and (not stops or end > stops[-1][0]):
                stops.append((end, prob))
        return tuple(stops)

    def alternatives(
        self,
        request: CompletionRequest,
        shown: str,
        count: int = 3,
        cancel: threading.Event | None = None,
    ) -> AlternativesResult:
        """`shown` plus up to count-1 different sampled suggestions for the same context.

        Seeds are fixed (1, 2, …) so the same context always offers the same choices;
        the context is already in the prefix cache, so each sample costs only decoding.
        """
        params = request.params
        sampled = replace(params, temperature=max(params.temperature, _ALT_TEMPERATURE),
                          top_p=min(params.top_p, 0.95), min_confidence=0.0)
        texts = [shown] if shown else []
        for seed in range(1, 3 * count):
            if len(texts) >= count or (cancel is not None and cancel.is_set()):
                break
            attempt = replace(request, params=replace(sampled, seed=seed))
            text = self.complete(attempt, cancel).text
            if text.strip() and text not in texts:
                texts.append(text)
        return AlternativesResult(request.request_id, request.revision, tuple(texts))


def _visible(raw: str, trailing: str, text_after: str, params: GenerationParams) -> str:
    """What the user sees: the continuation minus the spaces they already typed."""
    text = raw
    if trailing:
        text = text[len(trailing):] if text.startswith(trailing) else text.lstrip(" \t")
    if params.multiline:
        return text
    text = trim_suggestion(text, params.stop_at_sentence_end)
    return remove_overlap_with_following(text, text_after)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _eos_ids(model, tokenizer) -> set[int]:
    ids: set[int] = set()
    for value in (getattr(model.generation_config, "eos_token_id", None), tokenizer.eos_token_id):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(v for v in value if isinstance(v, int))
    return ids


def _generator(params: GenerationParams, device: torch.device) -> torch.Generator | None:
    if params.temperature <= 0:
        return None
    generator = torch.Generator(device="cpu")
    generator.manual_seed(params.seed)
    return generator


def _ngram_bans(tokens: list[int], n: int) -> list[int]:
    """Tokens that would complete an n-gram already in `tokens` (none when n < 2)."""
    if n < 2 or len(tokens) < n:
        return []
    tail = tokens[len(tokens) - n + 1:]
    return [tokens[i + n - 1] for i in range(len(tokens) - n + 1)
            if tokens[i:i + n - 1] == tail]


def _choose(
    logits: torch.Tensor,
    params: GenerationParams,
    recent: list[int],
    generator: torch.Generator | None,
    banned: list[int] | None = None,
) -> int:
    logits = logits.float()
    if banned:
        logits = logits.clone()
        logits[banned] = float("-inf")
    if params.repetition_penalty != 1.0 and recent:
        index = torch.tensor(sorted(set(recent)), device=logits.device)
        picked = logits[index]
        penalised = torch.where(
            picked > 0, picked / params.repetition_penalty, picked * params.repetition_penalty
        )
        logits = logits.clone()
        logits[index] = penalised
    if generator is None:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / params.temperature, dim=-1)
    if params.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < params.top_p
        sorted_probs = torch.where(keep, sorted_probs, torch.zeros_like(sorted_probs))
        choice = torch.multinomial(sorted_probs.cpu(), 1, generator=generator)
        return int(order[choice.to(order.device)])
    return int(torch.multinomial(probs.cpu(), 1, generator=generator))
