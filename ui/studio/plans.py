"""Model-size and run controls → a validated plan: messages in the learner's language, the parameter
count, the memory a step needs (refused when it cannot fit: ``memory.py``), and an estimate of the time
per step *before* anything is trained.

The estimate is measured: three training steps of the chosen model on a small probe, scaled by FLOPs
to the real batch and length (see ``estimate_step_seconds``). The run then shows its real tokens/s.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import torch

from transformer_core.bert import BertForPreTraining
from transformer_core.config import ConfigError, TransformerConfig

from ..i18n import Scope, error_text
from ..params import flops_per_token, parameter_total
from .live import worker_threads
from .memory import memory_problem, training_memory

LIMITS = {                      # what the browser studio allows: enough to learn, small enough for a laptop
    "n_layers": (1, 6), "d_model": (16, 512), "n_heads": (1, 16), "d_ff": (16, 2048), "max_len": (16, 512),
    "vocab_size": (30, 30000), "batch_size": (1, 256), "steps": (1, 100_000),
}
PROBE_BATCH, PROBE_LEN = 4, 64  # the timed probe of the estimate: rows × tokens
MAX_PARAMS = 60_000_000         # bigger than this is hours per epoch on a CPU: use the command-line trainer
POSITIONS = ("learned", "sinusoidal", "rotary")

TEXT = Scope("plans")


@dataclass(frozen=True)
class Plan:
    config: TransformerConfig | None   # None when a control is out of range
    problems: list                     # messages in the learner's language; empty = good to go
    params: int                        # parameter count (0 when invalid)
    step_seconds: float | None         # estimated seconds per training step on this machine
    memory: int = 0                    # estimated bytes of one training step (0 when invalid)


def _tr(key: str, lang: str, **values) -> str:
    return TEXT(key, lang, **values)


def check_ranges(values: dict, lang: str) -> list[str]:
    """One message per control outside ``LIMITS`` (whole numbers only)."""
    problems = []
    for name, value in values.items():
        if name not in LIMITS:
            continue
        lo, hi = LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            problems.append(_tr("range", lang, name=name, lo=lo, hi=hi, value=value))
    return problems


def model_plan(sizes: dict, vocab_size: int, batch_size: int, lang: str, task: str = "pretrain") -> Plan:
    """``sizes``: n_layers, d_model, n_heads, d_ff, max_len, position → a Plan with every problem listed."""
    problems = check_ranges({**sizes, "vocab_size": vocab_size, "batch_size": batch_size}, lang)
    if sizes.get("position", "learned") not in POSITIONS:
        problems.append(_tr("position", lang, value=sizes.get("position")))
    d, h = sizes.get("d_model"), sizes.get("n_heads")
    if not problems and d % h:
        problems.append(_tr("divisible", lang, d=d, h=h))
    if not problems and sizes.get("position") == "rotary" and (d // h) % 2:
        problems.append(_tr("rotary_even", lang, dh=d // h))
    if problems:
        return Plan(None, problems, 0, None)
    try:
        config = TransformerConfig(vocab_size=vocab_size, **sizes)
    except ConfigError as err:                          # anything our checks above did not foresee
        return Plan(None, [error_text(err, lang)], 0, None)
    params = parameter_total(config)
    if params > MAX_PARAMS:
        return Plan(None, [_tr("too_big", lang, n=f"{params:,}", limit=f"{MAX_PARAMS:,}")], params, None)
    memory = training_memory(config, batch_size)            # before any tensor: the largest settings need ~170 GB
    problem = memory_problem(memory, batch_size, lang)
    if problem:
        return Plan(None, [problem], params, None, memory.total)
    return Plan(config, [], params, estimate_step_seconds(config, batch_size), memory.total)


def estimate_step_seconds(config: TransformerConfig, batch_size: int) -> float:
    """Time a few real training steps of this model's layers on a small probe (≤ 4 rows of ≤ 64 tokens),
    then scale by the FLOPs of the real step over the probe's. Measured, not modelled: it includes this
    machine's overheads and whatever else runs on it now; the probe keeps it under a second."""
    probe = config.replace(max_len=min(config.max_len, PROBE_LEN))
    rows = min(batch_size, PROBE_BATCH)
    return _seconds_per_step(probe, rows) * step_flops(config, batch_size) / step_flops(probe, rows)


def step_flops(config: TransformerConfig, batch_size: int) -> float:
    """Matmul FLOPs of one training step on full-length rows (backward ≈ 2 × forward)."""
    return flops_per_token(config, config.max_len).training * batch_size * config.max_len


@lru_cache(maxsize=32)
def _seconds_per_step(config: TransformerConfig, batch: int) -> float:
    """The faster of two timed steps (after a warm-up one), with as many CPU threads as a training worker gets."""
    before = torch.get_num_threads()
    torch.set_num_threads(worker_threads(1))                    # per thread: the page's own thread only
    try:
        return _time_steps(config, batch)
    finally:
        torch.set_num_threads(before)


def _time_steps(config: TransformerConfig, batch: int) -> float:
    torch.manual_seed(0)
    model = BertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(5, config.vocab_size, (batch, config.max_len))              # (B, T) full-length rows
    labels = torch.where(torch.rand(ids.shape) < 0.15, ids, torch.full_like(ids, -100))   # 15% to predict
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        out = model(input_ids=ids, labels=labels, next_sentence_label=torch.zeros(batch, dtype=torch.long),
                    masked_logits_only=True)
        out.loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        timings.append(time.perf_counter() - start)
    return min(timings[1:])                                      # the first step pays for memory allocation
