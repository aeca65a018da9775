"""Prepacked linear layers give the plain layers' outputs; a model whose probe disagrees
after the swap, or a machine where it does not pay, keeps its plain layers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from writer_app.inference import prepacked
from writer_app.inference.prepacked import PrepackedLinear, prepack_linears, prepacking_pays

needs_mkldnn = pytest.mark.skipif(not torch.backends.mkldnn.is_available(),
                                  reason="this PyTorch build has no oneDNN")


def _model(dtype=torch.bfloat16) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(24, 48), nn.GELU(), nn.Linear(48, 8, bias=False),
                         nn.LayerNorm(8)).to(dtype).eval()


@needs_mkldnn
@pytest.mark.parametrize("rows", [1, 7, 64, 130])
@pytest.mark.parametrize("bias", [True, False])
def test_a_prepacked_layer_computes_what_the_plain_one_does(rows, bias):
    torch.manual_seed(rows)
    linear = nn.Linear(40, 72, bias=bias).to(torch.bfloat16).eval()
    packed = PrepackedLinear(linear)
    x = torch.randn(rows, 40, dtype=torch.bfloat16)
    with torch.inference_mode():
        assert torch.allclose(packed(x).float(), linear(x).float(), atol=0.05, rtol=0.02)
        # batched inputs (batch, length, features) as the models feed them
        assert packed(x.reshape(1, rows, 40)).shape == (1, rows, 72)
    assert "prepacked" in repr(packed)


@needs_mkldnn
def test_every_plain_linear_is_swapped_when_the_probe_agrees(monkeypatch):
    monkeypatch.setattr(prepacked, "prepacking_pays", lambda model: True)
    model = _model()
    x = torch.randn(5, 24, dtype=torch.bfloat16)
    with torch.inference_mode():
        before = model(x).float()
    assert prepack_linears(model, lambda m: m(x), tolerance=0.05) == 2
    assert sum(isinstance(m, PrepackedLinear) for m in model.modules()) == 2
    assert not any(type(m) is nn.Linear for m in model.modules())
    with torch.inference_mode():
        assert torch.allclose(model(x).float(), before, atol=0.05)


@needs_mkldnn
def test_a_probe_that_disagrees_restores_the_plain_layers(monkeypatch):
    monkeypatch.setattr(prepacked, "prepacking_pays", lambda model: True)
    model = _model()
    originals = [m for m in model.modules() if type(m) is nn.Linear]
    calls = []

    def probe(m):  # the second call (after the swap) returns something else
        calls.append(1)
        return torch.zeros(3) if len(calls) == 1 else torch.ones(3)

    assert prepack_linears(model, probe) == 0
    assert [m for m in model.modules() if type(m) is nn.Linear] == originals
    assert not any(isinstance(m, PrepackedLinear) for m in model.modules())


def test_a_probe_that_fails_leaves_the_model_alone(monkeypatch):
    monkeypatch.setattr(prepacked, "prepacking_pays", lambda model: True)
    model = _model()

    def probe(m):
        raise RuntimeError("this model does not run here")

    assert prepack_linears(model, probe) == 0
    assert sum(type(m) is nn.Linear for m in model.modules()) == 2


def test_float32_models_are_not_prepacked():
    model = _model(torch.float32)
    assert not prepacking_pays(model)
    assert prepack_linears(model, lambda m: m(torch.randn(2, 24))) == 0
    assert sum(type(m) is nn.Linear for m in model.modules()) == 2


def test_a_model_without_parameters_does_not_pay():
    assert not prepacking_pays(nn.GELU())
