"""Data-parallel personalization: `writer-app finetune` under `torchrun --nproc-per-node N`
(or `accelerate launch`), through torch.distributed: NCCL between GPUs, gloo on CPUs.

Every process reads the same documents and makes the same plan. Each optimizer step's
windows are cut into micro-batches as in a single process, and process r takes every
N-th of them from the r-th on; each loss is divided by the step's total number of
micro-batches, so the gradients summed across processes are exactly the single-process
gradient of the whole step (up to the order of float additions). Clipping and the
optimizer then run on identical gradients, so every process keeps identical weights.
Validation windows are shared out the same way and their losses summed.

Rank 0 writes the adapter, the resume state and the progress events; the other ranks
stay silent. Without the launcher's variables (WORLD_SIZE and RANK) nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1

    def share(self, items: Sequence) -> list:
        """This process's part: every size-th item from the rank-th on."""
        return list(items[self.rank :: self.size])


def world_from_env(environ=os.environ) -> World:
    """The process group that torchrun / accelerate launch describe in the environment."""
    try:
        size = int(environ.get("WORLD_SIZE", "1"))
        rank = int(environ.get("RANK", "0"))
        local_rank = int(environ.get("LOCAL_RANK", str(rank)))
        local_size = int(environ.get("LOCAL_WORLD_SIZE", str(size)))
    except ValueError:
        return World()
    if size < 2 or not 0 <= rank < size:
        return World()
    return World(rank, size, local_rank, max(1, local_size))


def device_for(world: World, name: str) -> str:
    """The device a process trains on: its own GPU when several share a machine."""
    if world.active and name.startswith("cuda") and ":" not in name:
        return f"cuda:{world.local_rank}"
    return name


def start(world: World, device: torch.device) -> None:
    """Join the process group (once): NCCL on GPUs, gloo otherwise."""
    import torch.distributed as dist

    if not world.active or dist.is_initialized():
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo",
                            rank=world.rank, world_size=world.size)


def stop() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def broadcast_parameters(params: Sequence[torch.Tensor], world: World) -> None:
    """Rank 0's values everywhere (the same seed already gives the same start)."""
    import torch.distributed as dist

    if not world.active:
        return
    with torch.no_grad():
        for param in params:
            dist.broadcast(param.data, src=0)


def sum_gradients(params: Sequence[torch.Tensor], world: World) -> None:
    """Add up the gradients of all processes, in one flat buffer."""
    import torch.distributed as dist

    if not world.active:
        return
    for param in params:
        if param.grad is None:  # a process without a micro-batch this step
            param.grad = torch.zeros_like(param)
    grads = [param.grad for param in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for grad in grads:
        count = grad.numel()
        grad.copy_(flat[offset : offset + count].view_as(grad))
        offset += count


def sum_values(values: Sequence[float], world: World, device: torch.device) -> list[float]:
    """Each value added up across processes."""
    import torch.distributed as dist

    if not world.active:
        return list(values)
    tensor = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()
