"""Model-size and run controls → a validated plan: messages in the learner's language, the parameter
count, and an estimate of the time per step *before* anything is trained.

The estimate: count the matmul FLOPs of one training step (≈ 3 × the forward: the backward costs about
twice the forward) and divide by the FLOP rate this machine reached on a reference step, measured once
per process. Small models waste more of the CPU on overheads than the reference, so the estimate is a
guide (the run then shows the measured tokens/s).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import torch

from transformer_core.bert import BertForPreTraining
from transformer_core.config import ConfigError, TransformerConfig

from ..params import flops_per_token, parameter_total

LIMITS = {                      # what the browser studio allows: enough to learn, small enough for a laptop
    "n_layers": (1, 6), "d_model": (16, 512), "n_heads": (1, 16), "d_ff": (16, 2048), "max_len": (16, 512),
    "vocab_size": (200, 30000), "batch_size": (1, 256), "steps": (1, 100_000),
}
MAX_PARAMS = 60_000_000         # bigger than this is hours per epoch on a CPU: use the command-line trainer
POSITIONS = ("learned", "sinusoidal", "rotary")

TEXT = {
    "range": {"en": "{name} must be a whole number from {lo} to {hi} (got {value}).",
              "zh": "{name} 必须是 {lo} 到 {hi} 之间的整数（现在是 {value}）。"},
    "divisible": {"en": "d_model ({d}) must be divisible by the number of heads ({h}): each head gets d_model / "
                        "heads dimensions.",
                  "zh": "d_model（{d}）必须能被头数（{h}）整除：每个头分到 d_model / 头数 个维度。"},
    "rotary_even": {"en": "Rotary positions rotate pairs of numbers, so d_model / heads ({dh}) must be even.",
                    "zh": "旋转位置编码（RoPE）按数对旋转，所以 d_model / 头数（{dh}）必须是偶数。"},
    "too_big": {"en": "This model has {n} parameters, over the studio's limit of {limit}. Make it smaller, or "
                      "train it with the command-line trainer (python -m transformer_core.train).",
                "zh": "这个模型有 {n} 个参数，超过了训练工作室 {limit} 的上限。请把模型调小，"
                      "或用命令行训练器（python -m transformer_core.train）训练。"},
    "position": {"en": "Unknown position encoding {value!r}.", "zh": "未知的位置编码 {value!r}。"},
}


@dataclass(frozen=True)
class Plan:
    config: TransformerConfig | None   # None when a control is out of range
    problems: list                     # messages in the learner's language; empty = good to go
    params: int                        # parameter count (0 when invalid)
    step_seconds: float | None         # estimated seconds per training step on this machine


def _tr(key: str, lang: str, **values) -> str:
    from ..i18n import tr
    return tr(TEXT, key, lang, **values)


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
        return Plan(None, [str(err)], 0, None)
    params = parameter_total(config)
    if params > MAX_PARAMS:
        return Plan(None, [_tr("too_big", lang, n=f"{params:,}", limit=f"{MAX_PARAMS:,}")], params, None)
    return Plan(config, [], params, estimate_step_seconds(config, batch_size))


def step_flops(config: TransformerConfig, batch_size: int) -> float:
    """Matmul FLOPs of one training step on full-length sequences."""
    return flops_per_token(config, config.max_len).training * batch_size * config.max_len


def estimate_step_seconds(config: TransformerConfig, batch_size: int) -> float:
    return step_flops(config, batch_size) / machine_flops()


@lru_cache(maxsize=1)
def machine_flops() -> float:
    """FLOP/s this process reached on training steps of a reference BERT (measured once, ~0.3 s)."""
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=2000, d_model=128, n_heads=4, n_layers=2, d_ff=512, max_len=64)
    model = BertForPreTraining(config)
    ids = torch.randint(5, 2000, (8, 64))
    labels = ids.clone()
    timings = []
    for _ in range(4):
        start = time.perf_counter()
        out = model(input_ids=ids, labels=labels, next_sentence_label=torch.zeros(8, dtype=torch.long))
        out.loss.backward()
        timings.append(time.perf_counter() - start)
    return step_flops(config, 8) / sorted(timings[1:])[1]         # the median of the last three
