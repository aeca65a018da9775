"""Forward passes with a key/value cache that can be cut back to any prefix.

Two runners share one small interface (`run`, `run_branches`, `crop`, `reset`, `length`):
- `HFRunner` works with any causal LM through its own forward and a DynamicCache.
- `LlamaRunner` drives Llama-family decoder layers directly, with a preallocated
  cache written in place, reusing the model's own norm weights, rotary tables,
  projection and MLP modules (so LoRA adapters wrapped around them keep working).
  Each step is kept lean: the rotary embedding of q and k in one pass from a table
  built once, RMSNorm without its no-op casts, and attention of a few query rows as
  two batched products per key/value head (the fused attention kernel is built for
  long queries and ran slower for one).

Why the second one: on a CPU, decoding is matrix-vector products, and fp32 ones
(and fp32 products with 2-4 rows) run far below what memory bandwidth allows,
while float16 weights halve the bytes read. So short chunks (a decode step, the
word just typed) use float16 copies of the plain linear weights, with q/k/v and
gate/up stacked into one matrix each; longer prompts use the fp32 weights. Where
the build has FBGEMM (x86 with AVX2) the copies are packed for its fp16-weight
product, which keeps activations in fp32 (closer to the fp32 model) and ran about
four times faster than torch's float16 matrix-vector product on a 2-core CPU;
elsewhere activations are cast to float16 around a plain product. `make_runner`
checks at load time that this gives the fp32 model's next tokens, and otherwise
falls back to `HFRunner`.

Several rows for little more than one: FBGEMM's product reads each weight once for
all rows, so the runner keeps a packed copy as well when threads > 1, and a step can
check up to _DRAFT_ROWS guessed tokens (see drafts.py) along with the one it feeds.
`draft_rows` says how many a runner checks cheaply (0: guesses do not pay).
"""

from __future__ import annotations

import functools
import logging
import time
import warnings
from typing import NamedTuple

import torch
import torch.nn.functional as F
from transformers import DynamicCache

log = logging.getLogger(__name__)

_LLAMA_FAMILY = {"llama", "mistral", "qwen2", "qwen3"}
_GROW = 256
# Chunks up to this many tokens (a step, or the word just typed) use the float16
# weights: fp32 matrix products with 2-4 rows run several times slower than one row.
_HALF_CHUNK = 4
# FBGEMM's product reads each weight once for up to this many rows (measured: 6 rows
# cost 1.4x one row on a 2-core CPU, 8 rows 2.5x), so a step can check a guessed
# continuation of up to _DRAFT_ROWS tokens for little more than the price of one.
_PACKED_CHUNK = 6
_DRAFT_ROWS = _PACKED_CHUNK - 1
_GPU_DRAFT_ROWS = 7
# A second, packed copy of the decode weights is kept only up to this size.
_PACKED_COPY_BYTES = 1 << 30
_SINK = 4  # first tokens every row attends to under a window (see run_branches)
_STATIC_ROPE = {"default", "linear", "llama3"}  # tables that do not depend on the length
# Norms whose forward is exactly weight * x * rsqrt(mean(x^2) + eps), computed in fp32.
_PLAIN_NORMS = {"LlamaRMSNorm", "MistralRMSNorm", "Qwen2RMSNorm", "Qwen3RMSNorm"}


class Branches(NamedTuple):
    """What run_branches gives back."""

    logits: list[torch.Tensor]  # per branch, [positions, vocab]
    states: list[torch.Tensor] | None  # per branch, [len(branch), hidden], with a layer
    shared: torch.Tensor | None  # the logits after the last shared token, [vocab]


class HFRunner:
    def __init__(self, model) -> None:
        self.model = model
        self.cache: DynamicCache | None = None
        # How many guessed tokens one forward may check at about the cost of one token:
        # on a GPU a few more rows are nearly free; on a CPU each fp32 row costs.
        self.draft_rows = _GPU_DRAFT_ROWS if model.device.type in ("cuda", "mps") else 0

    @property
    def length(self) -> int:
        return 0 if self.cache is None else self.cache.get_seq_length()

    def reset(self) -> None:
        self.cache = None

    def crop(self, keep: int) -> None:
        if self.cache is None or keep == 0:
            self.reset()
        elif keep < self.length:
            self.cache.crop(keep - self.length)

    def run(self, ids: torch.Tensor, rows: int = 1) -> torch.Tensor:
        """Feed ids [1, n] after the cached prefix; logits of the last position, or of
        the last `rows` positions as [rows, vocab] when rows > 1."""
        if self.cache is None:
            self.cache = DynamicCache(config=self.model.config)
        out = self.model(input_ids=ids, cache=self.cache, use_cache=True, logits_to_keep=rows)
        return out.logits[0, -1] if rows == 1 else out.logits[0, -rows:]

    def run_branches(self, branches: list[list[int]], layer: int | None = None,
                     shared: list[int] | tuple = (), tails: bool = True,
                     states_only: bool = False, window: int | None = None,
                     keep_shared: bool = True) -> Branches:
        """Each branch fed after the cached prefix (and `shared`) on its own (see
        LlamaRunner; `states_only` runs every layer all the same, and every row attends
        to the whole prefix whatever the `window`)."""
        if self.cache is None:
            self.cache = DynamicCache(config=self.model.config)
        start = self.length
        after_shared = self.run(torch.tensor([list(shared)], device=self.model.device)) \
            if shared else None
        keep, logits, hidden = self.length, [], []
        for branch in branches:
            ids = torch.tensor([branch], device=self.model.device)
            out = self.model(input_ids=ids, cache=self.cache, use_cache=True,
                             output_hidden_states=layer is not None)
            logits.append(out.logits[0] if tails else out.logits[0, :-1])
            if layer is not None:
                hidden.append(out.hidden_states[layer + 1][0])
            self.crop(keep)
        if states_only and not keep_shared:
            self.crop(start)
            after_shared = None
        return Branches([] if states_only else logits, hidden if layer is not None else None,
                        after_shared)


class LlamaRunner:
    def __init__(self, model, half_decode: bool = False) -> None:
        core = _decoder_core(model)
        config = model.config
        self.embed = core.embed_tokens
        self.layers = list(core.layers)
        self.norm = core.norm
        self.rotary = core.rotary_emb
        self.lm_head = model.get_output_embeddings()
        self.n_heads = config.num_attention_heads
        self.n_kv = getattr(config, "num_key_value_heads", None) or self.n_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.n_heads
        weight = self.lm_head.weight
        self._dtype, self._device = weight.dtype, weight.device
        self.keys = self.values = torch.empty(0)
        self._length = 0
        self._capacity = 0
        self._layer_keys: list[torch.Tensor] = []
        self._layer_values: list[torch.Tensor] = []
        self._cos = self._sin = None
        self._dynamic_rope = getattr(self.rotary, "rope_type", "default") not in _STATIC_ROPE
        self.half_decode = half_decode
        self._stepping = False  # a short chunk, where float16 weights may be used
        # float16 copies, with projections that read the same input stacked into one
        # matrix (q/k/v, gate/up): fewer, larger matrix-vector products per step.
        self._half: dict[tuple[int, ...], tuple[_HalfLinear, list[int]]] = {}
        if half_decode:
            packed = _fbgemm_fp16() and _weight_bytes(self.layers) // 2 <= _PACKED_COPY_BYTES
            for layer in self.layers:
                attn, mlp = layer.self_attn, layer.mlp
                for group in ((attn.q_proj, attn.k_proj, attn.v_proj), (attn.o_proj,),
                              (mlp.gate_proj, mlp.up_proj), (mlp.down_proj,)):
                    self._add_half(group, packed)
            self._add_half((self.lm_head,), packed)
        halves = [linear for linear, _ in self._half.values()]
        self._packed = bool(halves) and all(h.packed is not None for h in halves)
        # Chunks up to this many tokens use the float16 weights.
        self._half_chunk = _PACKED_CHUNK if self._packed else _HALF_CHUNK
        # How many guessed tokens one step may check at about the cost of one token.
        self.draft_rows = _DRAFT_ROWS if self._packed else 0

    def _add_half(self, modules: tuple, packed: bool) -> None:
        if all(type(m) is torch.nn.Linear and m.bias is None for m in modules):
            weight = _HalfLinear(torch.cat([m.weight.detach() for m in modules]), packed)
            self._half[tuple(map(id, modules))] = (weight, [m.out_features for m in modules])

    def _linears(self, modules: tuple, x: torch.Tensor) -> list[torch.Tensor]:
        """The outputs of several projections of the same input."""
        fused = self._half.get(tuple(map(id, modules))) if self._stepping else None
        if fused is None:
            return [m(x) for m in modules]
        linear, sizes = fused
        return list(linear(x).split(sizes, dim=-1))

    def _mlp(self, mlp, x: torch.Tensor) -> torch.Tensor:
        gate, up = self._linears((mlp.gate_proj, mlp.up_proj), x)
        return self._linears((mlp.down_proj,), mlp.act_fn(gate) * up)[0]

    @property
    def length(self) -> int:
        return self._length

    def reset(self) -> None:
        self._length = 0

    def crop(self, keep: int) -> None:
        self._length = min(self._length, keep)

    def _ensure_capacity(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        capacity = (needed // _GROW + 1) * _GROW
        shape = (len(self.layers), self.n_kv, capacity, self.head_dim)
        keys = torch.zeros(shape, dtype=self._dtype, device=self._device)
        values = torch.zeros(shape, dtype=self._dtype, device=self._device)
        if self._length:
            keys[:, :, : self._length] = self.keys[:, :, : self._length]
            values[:, :, : self._length] = self.values[:, :, : self._length]
        self.keys, self.values, self._capacity = keys, values, capacity
        self._layer_keys, self._layer_values = list(keys.unbind(0)), list(values.unbind(0))
        self._cos = None

    def run(self, ids: torch.Tensor, rows: int = 1) -> torch.Tensor:
        """Feed ids [1, n] after the cached prefix; logits of the last position, or of
        the last `rows` positions as [rows, vocab] when rows > 1."""
        start, count = self._length, ids.shape[1]
        end = start + count
        self._ensure_capacity(end)
        hidden = self.embed(ids)
        cos, sin = self._rotation(hidden, start, end)
        mask = None if count == 1 else _prefix_causal_mask(start, count, ids.device)
        hidden = self._forward(hidden, start, cos, sin, mask)
        self._length = end
        logits = self._linears((self.lm_head,), _rms_norm(self.norm, hidden[:, -rows:]))[0][0]
        return logits[-1] if rows == 1 else logits

    def run_branches(self, branches: list[list[int]], layer: int | None = None,
                     shared: list[int] | tuple = (), tails: bool = True,
                     states_only: bool = False, window: int | None = None,
                     keep_shared: bool = True) -> Branches:
        """Several continuations of the cached prefix in one pass, packed into one
        sequence: each token sits at its own branch's position and attends to the
        prefix and to its own branch only.

        `shared` tokens, fed first in the same pass, extend the prefix for every branch
        and stay in the cache; `Branches.shared` holds the logits after the last of
        them (what predicts each branch's first token). Each branch's logits are those
        of its positions, [len(branch), vocab], without the last one unless `tails`;
        with `layer`, its hidden states after that decoder layer, [len(branch), hidden].
        `states_only`: the branches stop at `layer` (no logits of theirs; the shared
        tokens still run through every layer). `window`: every row attends to the first
        _SINK tokens and the last `window` tokens of the cached prefix only (with the
        keys and values the whole prefix gave them), as streaming attention does; what
        a word means in its sentence is decided nearby, and attending to 1,000 tokens
        for each of a hundred rows cost a third of the pass. Only the prefix (and
        `shared`) stays in the cache; with `states_only` and not `keep_shared`, the shared
        tokens stop at `layer` too and are not kept (nor their logits computed): a look
        that only reads the branches' states, followed by a pass that feeds the shared
        tokens again, saves running them through the rest of the model."""
        start = self._length
        device = self._device
        first = len(shared)
        sizes = [len(branch) for branch in branches]
        count = first + sum(sizes)
        self._ensure_capacity(start + count)
        ids = torch.tensor([[*shared, *(t for branch in branches for t in branch)]],
                           device=device)
        offsets = torch.tensor([*range(first), *(first + i for size in sizes
                                                 for i in range(size))], device=device)
        # the shared tokens are branch -1: every branch sees them, they see only themselves
        owner = torch.repeat_interleave(torch.arange(-1, len(sizes), device=device),
                                        torch.tensor([first, *sizes], device=device))
        sees = (owner.unsqueeze(1) == owner.unsqueeze(0)) | (owner.unsqueeze(0) < 0)
        own = sees & (offsets.unsqueeze(1) >= offsets.unsqueeze(0))
        mask = own  # over the branch part; the prefix is open to every row
        hidden = self.embed(ids)
        cos, sin = self._rotation(hidden, 0, start + first + max(sizes, default=0))
        positions = offsets + start
        kept: list[torch.Tensor] = []
        keep = first if keep_shared or not states_only else 0
        hidden = self._forward(hidden, start, cos[:, positions], sin[:, positions], mask,
                               layer, kept, packed=True,
                               truncate=keep if states_only else None, window=window)
        self._length = start + keep
        states = list(kept[0][0, first:].split(sizes)) if kept else None
        if states_only and not keep:
            return Branches([], states, None)
        if states_only:
            after_shared = (self._linears((self.lm_head,), _rms_norm(
                self.norm, hidden[:, first - 1:first]))[0][0, 0] if first else None)
            return Branches([], states, after_shared)
        rows = torch.ones(count, dtype=torch.bool, device=device)
        if first > 1:
            rows[: first - 1] = False
        if not tails:
            rows[first + torch.tensor(sizes, device=device).cumsum(0) - 1] = False
        logits = self._linears((self.lm_head,), _rms_norm(self.norm, hidden[:, rows]))[0][0]
        after_shared = logits[0] if first else None
        logits = logits[1:] if first else logits
        cut = sizes if tails else [size - 1 for size in sizes]
        return Branches(list(logits.split(cut)), states, after_shared)

    def _forward(self, hidden, start: int, cos, sin, mask, keep_layer: int | None = None,
                 kept: list | None = None, packed: bool = False,
                 truncate: int | None = None, window: int | None = None) -> torch.Tensor:
        """The decoder layers over `hidden` [1, n, d], whose keys and values are written
        at start..start+n of the cache; the hidden states after layer `keep_layer` are
        appended to `kept`. `packed`: rows of several branches under a mask that is not
        causal, given over the n rows only (attention by plain products: the fused kernel
        ran slow with such a mask), with `window` as in run_branches. `truncate`: after
        `keep_layer`, only the first `truncate` rows go on (rows that the others never
        attend to)."""
        count = hidden.shape[1]
        end = start + count
        low = start - window if packed and window is not None else 0
        if low <= _SINK:
            low = 0
        self._stepping = count <= self._half_chunk
        heads = self.n_heads
        for number, (layer, keys, values) in enumerate(
                zip(self.layers, self._layer_keys, self._layer_values, strict=True)):
            if truncate is not None and keep_layer is not None and number == keep_layer + 1:
                if truncate == 0:
                    break
                count, end = truncate, start + truncate
                hidden, cos, sin = hidden[:, :count], cos[:, :count], sin[:, :count]
                mask = mask[:count, :(count if packed else end)] if mask is not None else None
            attn = layer.self_attn
            qk, v = self._project_qkv(attn, _rms_norm(layer.input_layernorm, hidden), count)
            qk = qk * cos + qk.roll(self.head_dim // 2, -1) * sin  # q and k at once
            keys[:, start:end] = qk[0, :, heads:].transpose(0, 1)
            values[:, start:end] = v[0].transpose(0, 1)
            if low:
                seen_keys = torch.cat((keys[:, :_SINK], keys[:, low:end]), dim=1)
                seen_values = torch.cat((values[:, :_SINK], values[:, low:end]), dim=1)
            else:
                seen_keys, seen_values = keys[:, :end], values[:, :end]
            out = self._attend(qk[:, :, :heads], seen_keys, seen_values, mask, attn, packed)
            hidden = hidden + self._linears((attn.o_proj,), out)[0]
            x = _rms_norm(layer.post_attention_layernorm, hidden)
            hidden = hidden + self._mlp(layer.mlp, x)
            if number == keep_layer and kept is not None:
                kept.append(hidden)
        return hidden

    def _rotation(self, hidden: torch.Tensor, start: int, end: int):
        """cos and the sign-folded sin for positions start..end, shaped [1, n, 1, head_dim].

        rotate_half(x) * sin == x.roll(d/2) * cat(-sin1, sin2) exactly (a sign flip is
        exact), which turns the rotary embedding into two products and a sum.
        """
        if self._cos is None or end > self._cos.shape[1]:
            length = end if self._dynamic_rope else self._capacity
            positions = torch.arange(length, device=hidden.device).unsqueeze(0)
            cos, sin = self.rotary(hidden, positions)
            half = sin.shape[-1] // 2
            sin = torch.cat((-sin[..., :half], sin[..., half:]), dim=-1)
            self._cos, self._sin = cos.unsqueeze(2), sin.unsqueeze(2)
        cos, sin = self._cos[:, start:end], self._sin[:, start:end]
        if self._dynamic_rope:  # the table depends on the length: never reuse it
            self._cos = None
        return cos, sin

    def _project_qkv(self, attn, x: torch.Tensor, count: int):
        """q and k as one tensor [1, count, heads + kv_heads, head_dim], and v."""
        shape = (1, count, -1, self.head_dim)
        projections = (attn.q_proj, attn.k_proj, attn.v_proj)
        fused = self._half.get(tuple(map(id, projections))) if self._stepping else None
        if fused is not None and not hasattr(attn, "q_norm"):
            out = fused[0](x).view(shape)
            return out.split((self.n_heads + self.n_kv, self.n_kv), dim=2)
        q, k, v = (t.view(shape) for t in self._linears(projections, x))
        if hasattr(attn, "q_norm"):  # Qwen3 normalises each head
            q, k = attn.q_norm(q), attn.k_norm(k)
        return torch.cat((q, k), dim=2), v

    def _attend(self, q, keys, values, mask, attn, packed: bool = False) -> torch.Tensor:
        """Attention of q [1, count, heads, d] over the cached keys/values [kv_heads, n, d]."""
        count = q.shape[1]
        # a prompt: the fused kernel pays off on long queries (not with a packed mask)
        if count > _HALF_CHUNK and not packed:
            out = F.scaled_dot_product_attention(
                q.transpose(1, 2), keys.unsqueeze(0), values.unsqueeze(0), attn_mask=mask,
                scale=attn.scaling, enable_gqa=self.n_heads != self.n_kv)
            return out.transpose(1, 2).reshape(1, count, self.n_heads * self.head_dim)
        # A few query rows: plain batched products per key/value head, with the query
        # heads that share it stacked as rows (no copies of the keys for each head).
        group = self.n_heads // self.n_kv
        q = q[0].view(count, self.n_kv, group, self.head_dim).permute(1, 2, 0, 3)
        q = q.reshape(self.n_kv, group * count, self.head_dim)
        if packed:  # many rows: scale the queries, mask only the rows' own part
            scores = torch.bmm(q * attn.scaling, keys.transpose(1, 2))
            if mask is not None:
                scores.view(self.n_kv, group, count, -1)[..., -count:].masked_fill_(
                    ~mask, float("-inf"))
        else:
            scores = torch.bmm(q, keys.transpose(1, 2)).mul_(attn.scaling)
            if mask is not None:
                scores = scores.view(self.n_kv, group, count, -1).masked_fill_(
                    ~mask, float("-inf"))
        probs = torch.softmax(scores.view(self.n_kv, group * count, -1), dim=-1)
        out = torch.bmm(probs, values).view(self.n_kv, group, count, self.head_dim)
        return out.permute(2, 0, 1, 3).reshape(1, count, self.n_heads * self.head_dim)


def _rms_norm(norm, x: torch.Tensor) -> torch.Tensor:
    """Llama's RMSNorm with the same operations, minus the no-op casts of fp32 input."""
    eps = getattr(norm, "variance_epsilon", None)
    if x.dtype != torch.float32 or eps is None or type(norm).__name__ not in _PLAIN_NORMS:
        return norm(x)
    return norm.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


class _HalfLinear:
    """A float16 copy of a (stacked) linear weight, applied to fp32 input.

    With one thread, FBGEMM's packed copy does everything. With more, one row goes
    through torch's float16 product (which uses every core), and, when `packed`,
    several rows through FBGEMM's (single-threaded, but reading the weight once for
    all rows, where torch's cost grows with each row).
    """

    def __init__(self, weight: torch.Tensor, packed: bool = False) -> None:
        self.packed = self.bias = self.weight = None
        if _use_fbgemm() or (packed and _fbgemm_fp16()):
            self.packed = torch.fbgemm_pack_gemm_matrix_fp16(weight.float().contiguous())
            self.bias = torch.zeros(weight.shape[0], device=weight.device)
        if not _use_fbgemm():
            self.weight = weight.to(torch.float16)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.packed is not None and (self.weight is None or x.shape[:-1].numel() > 1):
            return torch.fbgemm_linear_fp16_weight(x.contiguous(), self.packed, self.bias)
        return F.linear(x.to(torch.float16), self.weight).to(x.dtype)


def half_kernel_name() -> str:
    """Which product the float16 decode weights go through (with this thread count)."""
    if _use_fbgemm():
        return "fbgemm-fp16"
    return "torch-fp16, fbgemm-fp16 for several rows" if _fbgemm_fp16() else "torch-fp16"


def _use_fbgemm() -> bool:
    """FBGEMM's product runs a single row on one thread: with one thread it decodes 28%
    faster than torch's float16 product; with two the two were equal (bench/completion.py,
    cached_ms 443 vs 432 ms), and torch's uses every further core. So: one thread only."""
    return torch.get_num_threads() == 1 and _fbgemm_fp16()


@functools.cache
def _fbgemm_fp16() -> bool:
    """Whether this build has FBGEMM's fp16-weight product, and it computes correctly.

    torch marks these entry points deprecated and warns once per process: the check
    runs first and takes that warning, since the check is what guards their use.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return _fbgemm_fp16_computes()
    except (AttributeError, RuntimeError):
        return False


def _fbgemm_fp16_computes() -> bool:
    weight = torch.arange(24, dtype=torch.float32).view(4, 6) / 8
    x = torch.linspace(-1, 1, 12).view(2, 6)
    packed = torch.fbgemm_pack_gemm_matrix_fp16(weight)
    out = torch.fbgemm_linear_fp16_weight(x, packed, torch.zeros(4))
    return bool(torch.allclose(out, x @ weight.t(), atol=1e-5))


def _weight_bytes(layers) -> int:
    return sum(p.numel() * p.element_size() for layer in layers for p in layer.parameters())


def _prefix_causal_mask(start: int, count: int, device) -> torch.Tensor:
    rows = torch.arange(count, device=device).unsqueeze(1) + start
    cols = torch.arange(start + count, device=device).unsqueeze(0)
    return cols <= rows


def _decoder_core(model):
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.model


def make_runner(model, check_ids: list[int] | None = None, half_decode: bool | None = None):
    """The fast runner where the architecture allows it and it agrees with the model.

    half_decode None means: use float16 decode weights if this CPU runs them faster.
    """
    model_type = getattr(model.config, "model_type", "")
    sliding = getattr(model.config, "use_sliding_window", False)
    if model_type not in _LLAMA_FAMILY or sliding:
        return HFRunner(model)
    if half_decode is None:
        half_decode = _half_decode_pays_off(model)
    # Without float16 weights the direct runner still steps a little faster than the
    # model's own forward (34 vs 40 ms at 950 tokens on 2 cores), and it runs many
    # short continuations in one packed pass (run_branches: 24 synonyms of 5 tokens in
    # 0.22 s where the model's forward, one at a time, took 1.35 s).
    # float16 steps first where they pay; when they disagree with the model (a CPU's
    # half-precision kernels differ), the float32 steps of the same runner still may not.
    for half in dict.fromkeys((half_decode, False)):
        try:
            runner = LlamaRunner(model, half_decode=half)
            if not check_ids or _agrees(model, runner, check_ids):
                return runner
            log.warning("the direct decoder%s disagrees with %s",
                        " (float16 steps)" if half else "", model_type)
        except (AttributeError, RuntimeError, TypeError, ValueError) as exc:
            log.warning("fast decoder unavailable for %s (%s)", model_type, exc)
    log.warning("using the model's own forward for %s", model_type)
    return HFRunner(model)


def _half_decode_pays_off(model) -> bool:
    """Time one layer's worth of matrix-vector products in both precisions."""
    weight = model.get_output_embeddings().weight
    if weight.device.type != "cpu" or weight.dtype != torch.float32:
        return False
    sample = weight[: min(8192, weight.shape[0])].detach()
    x = torch.randn(1, sample.shape[1])
    return _best_time(_HalfLinear(sample), x) < 0.8 * _best_time(F.linear, x, sample)


def _best_time(fn, *args, repeats: int = 5) -> float:
    best = float("inf")
    with torch.inference_mode():
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args)
            best = min(best, time.perf_counter() - start)
    return best


@torch.inference_mode()
def _agrees(model, runner: LlamaRunner, ids: list[int]) -> bool:
    """Compare a prompt, a short chunk and single steps against the model's own forward."""
    reference = HFRunner(model)
    n = len(ids)
    cuts = sorted({0, max(1, n - 5), max(1, n - 2), max(1, n - 1), n})
    pairs = []
    for begin, end in zip(cuts, cuts[1:], strict=False):
        chunk = torch.tensor([ids[begin:end]])
        pairs.append((runner.run(chunk), reference.run(chunk)))
    runner.reset()
    exact = runner._dtype == torch.float32 and not runner.half_decode
    tolerance = 1e-3 if exact else 5e-2
    return all(
        int(ours.argmax()) == int(theirs.argmax())
        and torch.allclose(ours.float(), theirs.float(), atol=tolerance, rtol=tolerance)
        for ours, theirs in pairs
    )
