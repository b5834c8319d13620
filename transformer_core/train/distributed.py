"""Many processes, one model: DistributedDataParallel as launched by ``torchrun``.

``torchrun --nproc_per_node=N`` starts N copies of the same command and tells each its RANK and
WORLD_SIZE. Every copy builds the same data stream (same seed) and takes its own slice of each global
batch; after backward, DDP averages the gradients across processes, so every copy takes the same
optimiser step. Only rank 0 writes checkpoints and prints. Gloo runs on CPUs, NCCL on GPUs.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistContext:
    rank: int = 0          # this process's index among all processes
    world: int = 1         # number of processes
    local_rank: int = 0    # index on this machine: which GPU to use

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE = DistContext()      # a plain one-process run


def init_from_env() -> DistContext:
    """Join the process group torchrun prepared; a plain ``python`` launch is a world of one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return DistContext(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def wrap(model: nn.Module, ctx: DistContext, device: torch.device) -> nn.Module:
    """The model under DDP when there is more than one process, else itself."""
    if ctx.world == 1:
        return model
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def shard(batch: dict, ctx: DistContext) -> dict:
    """This process's contiguous slice of the rows of a global batch (a sharded sampler in effect:
    every process sees the same global batch order, and each takes a different part of it)."""
    if ctx.world == 1:
        return batch
    size = next(iter(batch.values())).size(0)
    if size % ctx.world:
        raise ValueError(f"batch_size {size} must be divisible by the {ctx.world} processes.")
    part = size // ctx.world
    return {k: v[ctx.rank * part:(ctx.rank + 1) * part] if torch.is_tensor(v) else v for k, v in batch.items()}


def global_share(count: int, ctx: DistContext) -> float:
    """count × world / (sum of counts over processes). A loss that is a mean over *this* process's
    tokens, multiplied by this, becomes — once DDP averages over processes — the mean over *all* tokens
    of the global batch, exactly what one process would compute. (Slices hold different numbers of
    masked tokens, so a plain average of per-process means would weight tokens unequally.)"""
    if ctx.world == 1:
        return 1.0
    total = torch.tensor([float(count)], dtype=torch.float64)
    dist.all_reduce(total)
    return count * ctx.world / max(total.item(), 1.0)


def mean_across(values: list[float], ctx: DistContext) -> list[float]:
    """Average numbers over the processes, so a logged loss is the whole global batch's, not one slice's."""
    if ctx.world == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return (t / ctx.world).tolist()


def from_rank0(text: str, ctx: DistContext) -> str:
    """Rank 0's version of a string (e.g. a freshly trained tokenizer, whose training is not bit-for-bit
    repeatable across processes): every process must use the very same vocabulary."""
    if ctx.world == 1:
        return text
    box = [text]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def finish(ctx: DistContext) -> None:
    """Wait until every process is done (rank 0 may still be writing the checkpoint). A process that
    tears down its group and exits while a peer still talks to it can abort that peer (gloo's
    "terminate called without an active exception"), so all leave together."""
    if ctx.world > 1 and dist.is_initialized():
        dist.barrier()


def close() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def leave(code: int) -> None:
    """End a torchrun worker with ``code`` once its work is saved and its group closed. Gloo's C++
    threads can still be torn down in the wrong order while the interpreter finalises, aborting a
    worker whose results are already on disk ("terminate called without an active exception", seen
    about 1 run in 10 on a busy 2-core machine). Skipping finalisation avoids that; output is flushed
    first. A plain one-process run returns normally."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(code)
