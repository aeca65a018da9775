"""Where bfloat16 pays: a CPU with bfloat16 matrix units (AMX) runs a small float32 model
several times faster in bfloat16, with scores and tags within rounding (the grammar
benchmark gives the same edits). Elsewhere (no AMX, a GPU, a model already in half
precision) the model runs as it is."""

from __future__ import annotations

import torch

FAST_COPY_MAX_PARAMETERS = 400_000_000  # a larger model is not copied (memory)


def bfloat16_pays(model, max_parameters: int = FAST_COPY_MAX_PARAMETERS) -> bool:
    try:
        parameter = next(model.parameters())
        if parameter.device.type != "cpu" or parameter.dtype != torch.float32:
            return False
        if sum(p.numel() for p in model.parameters()) > max_parameters:
            return False
        return bool(torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError, StopIteration):
        return False
