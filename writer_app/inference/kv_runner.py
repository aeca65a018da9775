"""Forward passes with a key/value cache that can be cut back to any prefix.

Two runners share one small interface (`run`, `crop`, `reset`, `length`):
- `HFRunner` works with any causal LM through its own forward and a DynamicCache.
- `LlamaRunner` drives Llama-family decoder layers directly, with a preallocated
  cache written in place, reusing the model's own norm, rotary, projection and MLP
  modules (so LoRA adapters wrapped around them keep working).

Why the second one: on a CPU, decoding is matrix-vector products, and fp32 ones
(and fp32 products with 2-4 rows) run far below what memory bandwidth allows,
while float16 weights run about three times faster. So short chunks (a decode
step, the word just typed) use float16 copies of the plain linear weights, with
q/k/v and gate/up stacked into one matrix each; activations stay fp32 and longer
prompts use the fp32 weights. `make_runner` checks at load time that this gives
the fp32 model's next tokens, and otherwise falls back to `HFRunner`.
"""

from __future__ import annotations

import logging
import time

import torch
import torch.nn.functional as F
from transformers import DynamicCache

log = logging.getLogger(__name__)

_LLAMA_FAMILY = {"llama", "mistral", "qwen2", "qwen3"}
_GROW = 256
# Chunks up to this many tokens (a step, or the word just typed) use the float16
# weights: fp32 matrix products with 2-4 rows run several times slower than one row.
_HALF_CHUNK = 4


class HFRunner:
    def __init__(self, model) -> None:
        self.model = model
        self.cache: DynamicCache | None = None

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

    def run(self, ids: torch.Tensor) -> torch.Tensor:
        """Feed ids [1, n] after the cached prefix; logits of the last position."""
        if self.cache is None:
            self.cache = DynamicCache(config=self.model.config)
        out = self.model(input_ids=ids, cache=self.cache, use_cache=True, logits_to_keep=1)
        return out.logits[0, -1]


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
        self.half_decode = half_decode
        self._stepping = False  # a short chunk, where float16 weights may be used
        # float16 copies, with projections that read the same input stacked into one
        # matrix (q/k/v, gate/up): fewer, larger matrix-vector products per step.
        self._half: dict[tuple[int, ...], tuple[torch.Tensor, list[int]]] = {}
        if half_decode:
            for layer in self.layers:
                attn, mlp = layer.self_attn, layer.mlp
                for group in ((attn.q_proj, attn.k_proj, attn.v_proj), (attn.o_proj,),
                              (mlp.gate_proj, mlp.up_proj), (mlp.down_proj,)):
                    self._add_half(group)
            self._add_half((self.lm_head,))

    def _add_half(self, modules: tuple) -> None:
        if all(type(m) is torch.nn.Linear and m.bias is None for m in modules):
            weight = torch.cat([m.weight.detach() for m in modules]).to(torch.float16)
            self._half[tuple(map(id, modules))] = (weight, [m.out_features for m in modules])

    def _linears(self, modules: tuple, x: torch.Tensor) -> list[torch.Tensor]:
        """The outputs of several projections of the same input."""
        fused = self._half.get(tuple(map(id, modules))) if self._stepping else None
        if fused is None:
            return [m(x) for m in modules]
        weight, sizes = fused
        out = F.linear(x.to(torch.float16), weight).to(x.dtype)
        return list(out.split(sizes, dim=-1))

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

    def run(self, ids: torch.Tensor) -> torch.Tensor:
        from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

        start, count = self._length, ids.shape[1]
        end = start + count
        self._ensure_capacity(end)
        self._stepping = count <= _HALF_CHUNK
        hidden = self.embed(ids)
        positions = torch.arange(start, end, device=ids.device).unsqueeze(0)
        cos, sin = self.rotary(hidden, positions)
        mask = None if count == 1 else _prefix_causal_mask(start, count, ids.device)
        for index, layer in enumerate(self.layers):
            attn = layer.self_attn
            x = layer.input_layernorm(hidden)
            q, k, v = (
                t.view(1, count, -1, self.head_dim).transpose(1, 2)
                for t in self._linears((attn.q_proj, attn.k_proj, attn.v_proj), x)
            )
            if hasattr(attn, "q_norm"):  # Qwen3 normalises each head
                q, k = attn.q_norm(q), attn.k_norm(k)
            q, k = apply_rotary_pos_emb(q, k, cos, sin)
            self.keys[index, :, start:end] = k[0]
            self.values[index, :, start:end] = v[0]
            out = self._attend(q, index, end, count, mask, attn.scaling)
            hidden = hidden + self._linears((attn.o_proj,), out)[0]
            hidden = hidden + self._mlp(layer.mlp, layer.post_attention_layernorm(hidden))
        self._length = end
        return self._linears((self.lm_head,), self.norm(hidden[:, -1:]))[0][0, -1]

    def _attend(self, q, index: int, end: int, count: int, mask, scale: float) -> torch.Tensor:
        keys = self.keys[index : index + 1, :, :end]
        values = self.values[index : index + 1, :, :end]
        out = F.scaled_dot_product_attention(
            q, keys, values, attn_mask=mask, scale=scale, enable_gqa=self.n_heads != self.n_kv
        )
        return out.transpose(1, 2).reshape(1, count, self.n_heads * self.head_dim)


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
    if not half_decode:
        return HFRunner(model)  # in fp32 the direct runner measured no faster
    try:
        runner = LlamaRunner(model, half_decode=True)
        if not check_ids or _agrees(model, runner, check_ids):
            return runner
        log.warning("float16 decoding disagrees with %s; using float32", model_type)
    except (AttributeError, RuntimeError, TypeError, ValueError) as exc:
        log.warning("fast decoder unavailable for %s (%s)", model_type, exc)
    return HFRunner(model)


def _half_decode_pays_off(model) -> bool:
    """Time one layer's worth of matrix-vector products in both precisions."""
    weight = model.get_output_embeddings().weight
    if weight.device.type != "cpu" or weight.dtype != torch.float32:
        return False
    sample = weight[: min(8192, weight.shape[0])].detach()
    x = torch.randn(1, sample.shape[1])
    return _best_time(F.linear, x.half(), sample.half()) < 0.8 * _best_time(F.linear, x, sample)


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
