"""How much memory a studio run will need, worked out from its sizes before anything is built.

The pretrain page's largest settings (6 layers, d_model 512, 16 heads, d_ff 2048, 512 tokens, batch 256)
were accepted and then failed at step 0 inside the allocator: about 170 GB for one step. The estimate
below catches such a plan while it is still a set of numbers, and says which part is too big.

What one training step holds (float32, bytes):
* the weights, their gradients and AdamW's two moments: 16 per parameter;
* what each layer keeps for the backward pass, per token: about 14·D + 2·F numbers (inputs of every
  Linear, the FFN's pre-activation and GELU output, LayerNorm inputs, dropout masks);
* the attention weights, per token and layer: about 18 bytes per entry of its H × T row (softmax output,
  the dropout mask and the dropped copy: on a CPU, training with dropout runs the written-out attention);
* the MLM head at the masked 15 %: about 7 numbers per vocabulary entry (scores, softmax, gradients).
The coefficients are measured: ``bench/studio_memory.py`` runs two real steps of a dozen plans in fresh
processes and prints estimate against peak memory (the fit is within about 10 %; the coefficients are
rounded up). Pure functions; the limit reads the machine's memory or ``ATTENTION_LAB_RUN_MEMORY_BYTES``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from transformer_core.config import TransformerConfig

from ..i18n import Scope
from ..params import parameter_total

RUN_MEMORY_ENV = "ATTENTION_LAB_RUN_MEMORY_BYTES"   # a server's own limit on one run, in bytes
MIN_RUN_MEMORY = 1024**3        # the default never goes below 1 GiB: the studio's default plan needs ~0.3
OVERHEAD = 150 * 1024**2        # PyTorch's first-step allocations and thread buffers (measured ~130 MB)
BYTES_PER_PARAM = 16            # weight + gradient + 2 AdamW moments, float32
LAYER_D, LAYER_F = 14, 2        # numbers kept per token per layer: LAYER_D·D + LAYER_F·F
ATTENTION_BYTES = 18            # bytes kept per attention-weight entry (H × T per token per layer)
HEAD_FLOATS = 7                 # numbers per vocabulary entry at each masked token
MASKED_SHARE = 0.15             # BERT's share of tokens chosen for the MLM loss

TEXT = Scope("plans")


@dataclass(frozen=True)
class Memory:
    """Bytes one training step needs, by part (see the module's note for each formula)."""
    weights: int       # parameters + gradients + optimiser state
    layers: int        # activations kept for the backward pass (batch × length × width × layers)
    attention: int     # attention weights kept for the backward pass (batch × heads × length² × layers)
    head: int          # MLM scores of the masked tokens (batch × length × 15 % × vocabulary)
    overhead: int = OVERHEAD

    @property
    def total(self) -> int:
        return self.weights + self.layers + self.attention + self.head + self.overhead

    @property
    def per_row(self) -> int:
        """What one more row of the batch costs (everything but the weights and the overhead)."""
        return self.layers + self.attention + self.head

    def largest(self) -> str:
        """The biggest part's name: "weights", "layers", "attention" or "head"."""
        parts = {"weights": self.weights, "layers": self.layers, "attention": self.attention, "head": self.head}
        return max(parts, key=parts.get)


def training_memory(config: TransformerConfig, batch_size: int, length: int | None = None,
                    masked_share: float = MASKED_SHARE) -> Memory:
    """The memory of one training step of ``config`` on ``batch_size`` rows of ``length`` tokens (default:
    config.max_len). ``masked_share`` = 0 for a classifier, whose head is a few numbers per row."""
    t = length or config.max_len
    d, f, h, n_layers = config.d_model, config.d_ff, config.n_heads, config.n_layers
    tokens = batch_size * t                                                      # B·T
    return Memory(weights=BYTES_PER_PARAM * parameter_total(config),
                  layers=4 * tokens * n_layers * (LAYER_D * d + LAYER_F * f),
                  attention=ATTENTION_BYTES * tokens * n_layers * h * t,        # B·H·T² per layer
                  head=int(4 * HEAD_FLOATS * masked_share * tokens * config.vocab_size))


def largest_batch(memory: Memory, batch_size: int, limit: int) -> int:
    """How many rows fit in ``limit`` with everything else as planned (0: not even one)."""
    room = limit - memory.weights - memory.overhead
    one_row = memory.per_row / max(1, batch_size)
    return max(0, int(room // one_row)) if one_row else batch_size


def run_memory_limit() -> int:
    """The most bytes one studio run may use: ``ATTENTION_LAB_RUN_MEMORY_BYTES`` when set, else a quarter of this
    machine's memory (two runs may train at once, and the server and its pages need the rest), at least 1 GiB."""
    raw = os.environ.get(RUN_MEMORY_ENV, "").strip()
    try:
        if raw:
            return max(int(float(raw)), 1)
    except ValueError:                      # a typo in the setting: the default, not a broken page
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        memory = 0
    return max(memory // 4, MIN_RUN_MEMORY)


def gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:,.1f} GB"


def _sentences(parts) -> str:
    """Sentences one after another: a space after an English full stop, none after a Chinese "。"."""
    text = ""
    for part in (p for p in parts if p):
        text += part if not text or text.endswith(("。", "！", "？")) else " " + part
    return text


def memory_problem(memory: Memory, batch_size: int, lang: str, limit: int | None = None,
                   base_model: bool = False) -> str | None:
    """None when the plan fits in ``limit``; else a message in the learner's language: how much it needs, the
    part that is too big and what to reduce, and the largest batch that would fit with the other settings.
    ``base_model``: the sizes come from a model the learner picks (fine-tuning), not from size controls."""
    limit = limit or run_memory_limit()
    if memory.total <= limit:
        return None
    part = memory.largest() + ("_base" if base_model and memory.largest() == "weights" else "")
    fits = largest_batch(memory, batch_size, limit)
    batch = (TEXT("memory_batch", lang, batch=fits) if 1 <= fits < batch_size
             else TEXT("memory_no_batch", lang) if fits < 1 else "")
    return _sentences((TEXT("memory", lang, need=gigabytes(memory.total), limit=gigabytes(limit)),
                       TEXT(f"memory_{part}", lang), batch))
