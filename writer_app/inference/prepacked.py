"""Prepacked bfloat16 linear layers: the checker's small models, twice as fast on a CPU.

Why: a bfloat16 ``nn.Linear`` on a CPU with matrix units (AMX) re-lays its weight out
into the blocked format the hardware reads on every call. For the checker's passes (tens
to a few hundred rows at a time) that copy costs about as much as the product itself:
measured on 2 cores, a 576 -> 1536 layer took 75 us for 16 rows as a plain layer and 40 us
with its weight laid out once (198 and 129 us for 140 rows), with identical results. A
model whose linear layers are swapped for ``PrepackedLinear`` does that layout once, at
load time (the weight is then kept only in that form, so memory does not grow).

The layout comes from oneDNN through PyTorch's ``mkldnn`` operators (the ones its own
compiler uses for the same purpose). ``prepack_linears`` swaps the layers only where
they pay (bfloat16 on a CPU with AMX) and only when a probe forward gives the model's own
outputs afterwards; otherwise the model is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

# A row count the blocked layout is prepared for; any other count works (checked for
# 1 to 400 rows: the same results), this one is fast across them.
BATCH_HINT = 64


class PrepackedLinear(nn.Module):
    """``nn.Linear`` with its weight laid out once for oneDNN (inference only)."""

    def __init__(self, linear: nn.Linear, batch_hint: int = BATCH_HINT) -> None:
        super().__init__()
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        weight = linear.weight.detach()
        self._packed = torch.ops.mkldnn._reorder_linear_weight(weight, batch_hint)
        self._dtype = weight.dtype
        bias = linear.bias
        self.bias = None if bias is None else nn.Parameter(bias.detach(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self._packed, self.bias, "none", [], "")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, prepacked"


def prepacking_pays(model: nn.Module) -> bool:
    """Whether ``model`` runs in bfloat16 on a CPU with AMX and oneDNN is available."""
    try:
        parameter = next(model.parameters())
        return (parameter.device.type == "cpu" and parameter.dtype == torch.bfloat16
                and torch.backends.mkldnn.is_available()
                and bool(torch.cpu._is_amx_tile_supported()))
    except (AttributeError, RuntimeError, StopIteration):
        return False


def prepack_linears(model: nn.Module, probe: Callable[[nn.Module], torch.Tensor],
                    tolerance: float = 0.0) -> int:
    """Swap every plain ``nn.Linear`` of ``model`` (in place) for a ``PrepackedLinear``
    when that pays and ``probe(model)`` gives the same tensor afterwards, within
    ``tolerance``. Returns how many layers were swapped (0: the model is unchanged)."""
    if not prepacking_pays(model):
        return 0
    with torch.inference_mode():
        try:
            expected = probe(model).float()
        except (RuntimeError, TypeError, ValueError):
            return 0
        swapped: list[tuple[nn.Module, str, nn.Linear]] = []
        try:
            for parent in list(model.modules()):
                for name, child in list(parent.named_children()):
                    if type(child) is nn.Linear and child.weight.dtype == torch.bfloat16:
                        setattr(parent, name, PrepackedLinear(child))
                        swapped.append((parent, name, child))
            same = _close(probe(model).float(), expected, tolerance)
        except (RuntimeError, TypeError, ValueError, AttributeError):
            same = False
        if not same:
            for parent, name, child in swapped:
                setattr(parent, name, child)
            return 0
    return len(swapped)


def _close(found: torch.Tensor, expected: torch.Tensor, tolerance: float) -> bool:
    if found.shape != expected.shape:
        return False
    return not found.numel() or bool((found - expected).abs().max() <= tolerance)
