"""Which compute devices exist, and how a user's device/dtype preference maps onto them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from writer_app.core.cpu_share import available_cores

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
_CUDA_RE = re.compile(r"^cuda:(\d+)$")

# More threads rarely help the small matrices of a desktop-sized model, and the GUI and
# grammar checker need cores of their own, so the default stops at 8.
_MAX_DEFAULT_THREADS = 8


class DeviceError(Exception):
    """A device or dtype preference cannot be honoured. The message is one user-facing line."""


@dataclass(frozen=True)
class DeviceInfo:
    id: str  # "cpu", "cuda:0", "mps"
    name: str
    total_memory: int | None
    free_memory: int | None


def _cuda_count() -> int:
    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except (RuntimeError, AssertionError):  # broken driver: behave as if there is no GPU
        return 0


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    try:
        return bool(mps and mps.is_available())
    except RuntimeError:
        return False


def _cuda_device_info(index: int) -> DeviceInfo:
    device_id = f"cuda:{index}"
    try:
        name = torch.cuda.get_device_name(index)
    except (RuntimeError, AssertionError):
        name = f"CUDA GPU {index}"
    try:
        free, total = torch.cuda.mem_get_info(index)
    except (RuntimeError, AssertionError):
        free, total = None, None
    return DeviceInfo(device_id, name, total, free)


def available_devices() -> list[DeviceInfo]:
    """The CPU first, then every CUDA GPU, then Apple's MPS if present."""
    devices = [DeviceInfo("cpu", _cpu_name(), None, None)]
    devices.extend(_cuda_device_info(i) for i in range(_cuda_count()))
    if _mps_available():
        devices.append(DeviceInfo("mps", "Apple Metal (MPS)", None, None))
    return devices


def _cpu_name() -> str:
    return f"CPU ({default_cpu_threads()} threads by default)"


def resolve_device(preference: str) -> str:
    """Turn "auto", "cpu", "cuda", "cuda:N" or "mps" into a concrete, present device id."""
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        if _cuda_count() > 0:
            return "cuda:0"
        return "mps" if _mps_available() else "cpu"
    if pref == "cpu":
        return "cpu"
    if pref == "cuda":
        pref = "cuda:0"
    match = _CUDA_RE.match(pref)
    if match:
        return _check_cuda(int(match.group(1)), pref)
    if pref == "mps":
        if not _mps_available():
            raise DeviceError("Device “mps” was requested but Apple Metal is not available.")
        return "mps"
    raise DeviceError(
        f"Unknown device “{preference}”; use auto, cpu, cuda, cuda:N or mps."
    )


def _check_cuda(index: int, device_id: str) -> str:
    count = _cuda_count()
    if count == 0:
        raise DeviceError(f"Device “{device_id}” was requested but no CUDA GPU is available.")
    if index >= count:
        raise DeviceError(
            f"Device “{device_id}” does not exist; this machine has {count} CUDA GPU(s)."
        )
    return device_id


def resolve_dtype(device: str, preference: str) -> torch.dtype:
    """Pick the weight dtype. "auto" uses the fastest safe choice per device; explicit
    choices are honoured even when slow (float16 on CPU works, just slowly)."""
    pref = (preference or "auto").strip().lower()
    if pref in _DTYPES:
        return _DTYPES[pref]
    if pref != "auto":
        raise DeviceError(
            f"Unknown dtype “{preference}”; use auto, float32, float16 or bfloat16."
        )
    if device.startswith("cuda"):
        return torch.bfloat16 if _bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def _bf16_supported() -> bool:
    try:
        return bool(torch.cuda.is_bf16_supported())
    except (RuntimeError, AssertionError):
        return False


def use_cpu_threads(configured: int, limit: int = 0) -> int:
    """Run torch on ``configured`` CPU threads (0: the default), at most ``limit`` (0: no
    limit; see core.cpu_share), from the calling thread on; returns how many."""
    threads = configured if configured > 0 else default_cpu_threads()
    if limit > 0:
        threads = min(threads, limit)
    torch.set_num_threads(threads)
    return threads


def default_cpu_threads() -> int:
    """CPU threads to use by default: the cores this process may run on, at most 8."""
    return min(available_cores(), _MAX_DEFAULT_THREADS)


def dtype_name(dtype: torch.dtype) -> str:
    """"float32" for torch.float32 and so on."""
    return str(dtype).removeprefix("torch.")
