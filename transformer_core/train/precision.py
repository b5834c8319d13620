"""Which number format to train in: bf16 autocast where it is measurably faster, fp32 elsewhere.

bf16 halves the bytes of every activation and, on hardware that multiplies it natively (CUDA GPUs
from Ampere on; CPUs with AVX512-BF16 or AMX), runs matmuls about twice as fast. On a CPU without
those instructions PyTorch emulates bf16 and it runs *slower* than fp32. So ``precision="auto"``
does not guess: on a CPU it first reads the CPU flags (no native bf16 → fp32 at once), then times a
matmul of the model's own shapes in both formats, once per process and shape, and picks bf16 only
when it wins by a clear margin.
"""
from __future__ import annotations

import statistics
import time
from functools import cache
from pathlib import Path

import torch

MARGIN = 1.15        # bf16 must be at least this much faster to be chosen (noise on a busy machine)


def cpu_has_native_bf16() -> bool:
    """Does this CPU multiply bf16 natively? Read from the kernel's CPU flags (Linux); elsewhere assume no."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def _seconds(a: torch.Tensor, b: torch.Tensor, reps: int = 3) -> float:
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return (time.perf_counter() - start) / reps


@cache
def cpu_bf16_speedup(width: int = 256, hidden: int = 1024, rows: int = 1024) -> float:
    """fp32 time / bf16 time for (rows × width) @ (width × hidden): the feed-forward matmul of a batch
    of ``rows`` tokens. Median of 5 alternating rounds; about 50 ms for the small config. Cached."""
    a, b = torch.randn(rows, width), torch.randn(width, hidden)
    a16, b16 = a.bfloat16(), b.bfloat16()
    _seconds(a, b, 1), _seconds(a16, b16, 1)                          # warm-up: first calls pick kernels
    rounds = [_seconds(a, b) / max(_seconds(a16, b16), 1e-9) for _ in range(5)]
    return statistics.median(rounds)


def autocast_dtype(precision: str, device: torch.device, width: int = 256, hidden: int = 1024) -> torch.dtype | None:
    """The autocast dtype for ``precision`` ("auto", "bf16" or "fp32") on ``device``; None = plain fp32.
    ``width`` and ``hidden`` (d_model, d_ff) are the shapes the CPU probe times."""
    if precision == "bf16":
        return torch.bfloat16
    if precision != "auto":
        return None
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if device.type == "cpu" and cpu_has_native_bf16() and cpu_bf16_speedup(width, hidden) >= MARGIN:
        return torch.bfloat16
    return None
