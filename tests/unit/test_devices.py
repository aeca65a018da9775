"""Device and dtype resolution. CUDA/MPS presence is patched, so results do not depend on
the machine the tests run on."""

from __future__ import annotations

import pytest
import torch

from writer_app.inference import devices
from writer_app.inference.devices import (
    DeviceError,
    available_devices,
    default_cpu_threads,
    dtype_name,
    resolve_device,
    resolve_dtype,
)


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_count", lambda: 0)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


@pytest.fixture
def one_gpu(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_count", lambda: 1)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


def test_auto_picks_cpu_without_gpu(no_gpu):
    assert resolve_device("auto") == "cpu"
    assert resolve_device("") == "cpu"


def test_auto_matches_this_machine():
    ids = [d.id for d in available_devices()]
    assert resolve_device("auto") in ids


def test_auto_prefers_cuda(one_gpu):
    assert resolve_device("auto") == "cuda:0"
    assert resolve_device("cuda") == "cuda:0"
    assert resolve_device("CUDA:0") == "cuda:0"


def test_cpu_is_always_valid(no_gpu):
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"


def test_missing_cuda_device_raises(one_gpu):
    with pytest.raises(DeviceError, match=r"cuda:3.*1 CUDA GPU"):
        resolve_device("cuda:3")


def test_cuda_without_gpu_raises(no_gpu):
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        resolve_device("cuda:3")


def test_mps_without_mps_raises(no_gpu):
    with pytest.raises(DeviceError, match="mps"):
        resolve_device("mps")


def test_unknown_device_raises(no_gpu):
    with pytest.raises(DeviceError, match="Unknown device “tpu”"):
        resolve_device("tpu")


def test_dtype_auto_per_device(monkeypatch):
    assert resolve_dtype("cpu", "auto") is torch.float32
    assert resolve_dtype("mps", "auto") is torch.float16
    monkeypatch.setattr(devices, "_bf16_supported", lambda: True)
    assert resolve_dtype("cuda:0", "auto") is torch.bfloat16
    monkeypatch.setattr(devices, "_bf16_supported", lambda: False)
    assert resolve_dtype("cuda:0", "auto") is torch.float16


def test_explicit_dtype_is_honoured():
    assert resolve_dtype("cpu", "float16") is torch.float16
    assert resolve_dtype("cpu", "bfloat16") is torch.bfloat16
    assert resolve_dtype("cuda:0", "float32") is torch.float32


def test_unknown_dtype_raises():
    with pytest.raises(DeviceError, match="int4"):
        resolve_dtype("cpu", "int4")


def test_available_devices_lists_cpu_first():
    found = available_devices()
    assert found[0].id == "cpu"
    assert all(d.id == "cpu" or d.id.startswith(("cuda:", "mps")) for d in found)


def test_default_cpu_threads_is_sane():
    assert 1 <= default_cpu_threads() <= 8


def test_dtype_name():
    assert dtype_name(torch.float32) == "float32"
    assert dtype_name(torch.bfloat16) == "bfloat16"
