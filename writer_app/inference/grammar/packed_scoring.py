"""Log-probabilities of several continuations of several prefixes in one forward pass.

Why: on a CPU a forward pass of a small causal LM costs tens of milliseconds before it
computes much (thirty layers of small operations), so a check that scores a prefix and
then its continuations in two padded passes spends most of its time on the passes
themselves. Here every prefix and every continuation of a batch are packed into one
sequence, without padding, under a block mask: a prefix token sees the earlier tokens of
its own prefix; a continuation token sees its prefix and the earlier tokens of its own
continuation. Positions restart for each prefix, so each group reads exactly as it would
alone. Only the positions whose next token is scored go through the output layer.

A model that does not take a custom 4-D mask raises here; ``packs_correctly`` says at
load time whether the packed scores agree with the plain ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from writer_app.inference.prepacked import PrepackedLinear

# Tokens per packed pass: attention over the packed sequence grows with its square, and
# at a few hundred tokens it is still small next to the projections.
MAX_PACKED_TOKENS = 384

Group = tuple[Sequence[int], Sequence[Sequence[int]]]  # (prefix, continuations)


def packed_log_probs(model, groups: Sequence[Group],
                     max_tokens: int = MAX_PACKED_TOKENS) -> list[list[float]]:
    """For each (prefix, continuations) group, the summed log-probability of each
    continuation after the prefix. Every prefix must hold at least one token (a document
    start token) and every continuation at least one."""
    results: list[list[float]] = []
    chunk: list[Group] = []
    size = 0
    for group in groups:
        tokens = len(group[0]) + sum(len(rest) for rest in group[1])
        if chunk and size + tokens > max_tokens:
            results += _packed_pass(model, chunk)
            chunk, size = [], 0
        chunk.append(group)
        size += tokens
    if chunk:
        results += _packed_pass(model, chunk)
    return results


@torch.inference_mode()
def _packed_pass(model, groups: Sequence[Group]) -> list[list[float]]:
    ids: list[int] = []
    positions: list[int] = []
    segments: list[int] = []
    branches: list[int] = []  # -1 for a prefix token
    sources: list[int] = []  # per scored token: the packed position that predicts it
    targets: list[int] = []
    owners: list[int] = []  # per scored token: its (group, continuation) row
    rows = 0
    for number, (prefix, rests) in enumerate(groups):
        if not prefix:
            raise ValueError("a packed prefix needs at least one token")
        ids += prefix
        positions += range(len(prefix))
        segments += [number] * len(prefix)
        branches += [-1] * len(prefix)
        last = len(ids) - 1
        for branch, rest in enumerate(rests):
            start = len(ids)
            ids += rest
            positions += range(len(prefix), len(prefix) + len(rest))
            segments += [number] * len(rest)
            branches += [branch] * len(rest)
            sources += [last, *range(start, start + len(rest) - 1)]
            targets += rest
            owners += [rows] * len(rest)
            rows += 1
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    mask = _block_mask(torch.tensor(segments), torch.tensor(branches),
                       torch.tensor(positions), dtype).to(device)
    arguments = {"input_ids": torch.tensor([ids], device=device), "attention_mask": mask,
                 "position_ids": torch.tensor([positions], device=device),
                 "use_cache": False}
    needed = sorted(set(sources))
    row_of = {position: k for k, position in enumerate(needed)}
    logits = _logits_at(model, arguments, torch.tensor(needed, device=device))
    log_norm = torch.logsumexp(logits, dim=-1)
    picks = torch.tensor([row_of[s] for s in sources], device=device)
    scores = logits[picks, torch.tensor(targets, device=device)] - log_norm[picks]
    totals = torch.zeros(rows, dtype=scores.dtype, device=device).index_add_(
        0, torch.tensor(owners, device=device), scores).tolist()
    values: list[list[float]] = []
    at = 0
    for _, rests in groups:
        values.append(totals[at:at + len(rests)])
        at += len(rests)
    return values


def _block_mask(segments, branches, positions, dtype) -> torch.Tensor:
    """The additive [1, 1, n, n] mask: 0 where a token may attend, the dtype's lowest
    value elsewhere (an additive mask works with every attention implementation)."""
    same_group = segments.unsqueeze(1) == segments.unsqueeze(0)
    earlier = positions.unsqueeze(0) <= positions.unsqueeze(1)
    visible = (branches.unsqueeze(0) < 0) | (branches.unsqueeze(0) == branches.unsqueeze(1))
    allowed = same_group & earlier & visible
    blocked = torch.full(allowed.shape, torch.finfo(dtype).min, dtype=dtype)
    return torch.where(allowed, torch.zeros((), dtype=dtype), blocked)[None, None]


def _logits_at(model, arguments: dict, rows: torch.Tensor) -> torch.Tensor:
    """Float32 logits of the packed positions ``rows``: the decoder's hidden states
    there through the output layer alone when that is all the model's logits are."""
    decoder = plain_decoder(model)
    if decoder is not None:
        hidden = decoder(**arguments).last_hidden_state
        return model.get_output_embeddings()(hidden[0, rows]).float()
    return model(**arguments).logits[0, rows].float()


def plain_decoder(model):
    """The model's decoder when its logits are just its output layer over the decoder's
    last hidden states (Llama, GPT-2, Qwen, Mistral...); None otherwise (soft-capped or
    scaled logits)."""
    config = getattr(model, "config", None)
    if any(getattr(config, name, None) for name in ("final_logit_softcapping", "logit_scale",
                                                     "logits_scaling", "output_multiplier")):
        return None
    try:
        decoder = model.get_decoder()
        head = model.get_output_embeddings()
    except (AttributeError, RuntimeError):  # a model class without these accessors
        return None
    if decoder is None or decoder is model or not isinstance(head, (torch.nn.Linear,
                                                                    PrepackedLinear)):
        return None
    return decoder


def plain_log_probs(model, prefix: Sequence[int], rest: Sequence[int]) -> float:
    """The summed log-probability of ``rest`` after ``prefix`` by the model's own
    forward over the two alone: what the packed pass must agree with."""
    device = next(model.parameters()).device
    ids = torch.tensor([[*prefix, *rest]], device=device)
    with torch.inference_mode():
        logits = model(input_ids=ids).logits[0].float()
    steps = torch.log_softmax(logits[len(prefix) - 1:-1], dim=-1)
    return float(steps[torch.arange(len(rest)), torch.tensor(rest, device=device)].sum())


def packs_correctly(model, groups: Sequence[Group], tolerance: float) -> bool:
    """Whether the packed pass gives each group's scores as the plain forward does
    (within ``tolerance`` nats); False when the model refuses the packed pass."""
    try:
        packed = packed_log_probs(model, groups)
    except (TypeError, ValueError, RuntimeError, IndexError):
        return False
    for (prefix, rests), scores in zip(groups, packed, strict=True):
        for rest, score in zip(rests, scores, strict=True):
            if abs(plain_log_probs(model, prefix, rest) - score) > tolerance:
                return False
    return True
