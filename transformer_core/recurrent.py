"""An RNN and a Transformer of about the same size on the same toy tasks: where recurrence struggles and what
attention costs.

Tasks (token ids: 0 [PAD], 1 [SEP], 2 blank, then ``n_symbols`` symbols):
    copy     x₁ … x_L [SEP] _ … _   → the blanks must be x₁ … x_L     (every answer is L + 1 steps away)
    reverse  x₁ … x_L [SEP] _ … _   → the blanks must be x_L … x₁     (distances 2 … 2L)
    first    a d₂ … d_L             → the last position must name a   (a ∈ first two symbols; distractors from
                                                                        all symbols, the label ones included)
An RNN carries everything in one hidden vector, step after step: the path from position i to j is |i − j|
steps. Attention reads every position directly: a path of length 1, at the price of a T × T weight matrix.

Cost of one layer (forward, a multiply-add = 2 FLOPs; Vaswani et al. 2017, table 1):
    self-attention  8·T·D² (W_Q W_K W_V W_O) + 4·T²·D (QKᵀ and weights·V)   → O(T²·D), O(1) sequential steps
    LSTM            8·T·H·(E + H) (4 gates, input and hidden matmuls)       → O(T·H²), T sequential steps
so attention does more arithmetic than a recurrent layer once T outgrows about D; it wins on time by doing
all positions at once, not by doing less.
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import TransformerConfig
from .errors import ConfigError
from .layers import TransformerLayer

TASKS = ("copy", "reverse", "first")
KINDS = ("lstm", "gru", "transformer")
PAD, SEP, BLANK, FIRST_SYMBOL = 0, 1, 2, 3
IGNORE = -100                     # target of a position that is not scored (cross_entropy's ignore_index)
GATES = {"lstm": 4, "gru": 3}      # matmuls per step of each recurrent cell
MAX_LENGTH = 4096                 # longest L a task is built for (a page's slider stays far below)


@dataclass(frozen=True)
class SeqConfig:
    kind: str                     # "lstm", "gru" or "transformer"
    n_symbols: int = 8            # distinct symbols a task draws from (chance = 1 / n_symbols for copy)
    d_model: int = 64             # embedding width (both) and the Transformer's width
    hidden: int = 96              # the RNN's hidden size (chosen so both models hold about as many weights)
    n_layers: int = 2             # Transformer layers / stacked RNN layers
    n_heads: int = 4              # Transformer heads
    d_ff: int = 128               # Transformer FFN width
    max_len: int = 1024           # Transformer position table (the RNN has none: it counts steps itself)

    @property
    def vocab_size(self) -> int:
        return FIRST_SYMBOL + self.n_symbols


def check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {allowed}, got {value!r}.", "one_of", name=name,
                          allowed=allowed, value=value)


def check_count(name: str, value, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number ≥ 1, got {value!r}.", "whole_number", name=name,
                          value=value)


# ── tasks ──────────────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class TaskBatch:
    inputs: Tensor                # (B, T) token ids
    targets: Tensor               # (B, T) the answer at scored positions, IGNORE elsewhere


def sequence_length(task: str, length: int) -> int:
    """T the models read for a task of size L: copy / reverse read L symbols, [SEP] and L blanks."""
    return length if task == "first" else 2 * length + 1


def make_batch(task: str, length: int, batch: int, n_symbols: int, generator: torch.Generator) -> TaskBatch:
    """``batch`` examples of ``task`` at size ``length`` (seeded by ``generator``)."""
    check_choice("task", task, TASKS)
    check_count("length", length, 2, MAX_LENGTH)
    symbols = torch.randint(FIRST_SYMBOL, FIRST_SYMBOL + n_symbols, (batch, length), generator=generator)
    if task == "first":
        label = torch.randint(FIRST_SYMBOL, FIRST_SYMBOL + 2, (batch,), generator=generator)
        symbols[:, 0] = label                                            # (B, L) the first token decides
        targets = torch.full_like(symbols, IGNORE)
        targets[:, -1] = label                                           # answered at the last position
        return TaskBatch(symbols, targets)
    answer = symbols if task == "copy" else symbols.flip(1)              # (B, L)
    inputs = torch.cat([symbols, torch.full((batch, 1), SEP), torch.full((batch, length), BLANK)], 1)  # (B, 2L+1)
    targets = torch.cat([torch.full((batch, length + 1), IGNORE), answer], 1)                        # (B, 2L+1)
    return TaskBatch(inputs, targets)


def chance(task: str, n_symbols: int) -> float:
    """Accuracy of a blind guess: one of two labels, or one of the symbols."""
    return 0.5 if task == "first" else 1 / n_symbols


# ── models ─────────────────────────────────────────────────────────────────────────────────────────────

class RecurrentModel(nn.Module):
    """Embedding → LSTM/GRU (left to right, one step per position) → a vocabulary score at every position."""

    def __init__(self, config: SeqConfig):
        super().__init__()
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        rnn = nn.LSTM if config.kind == "lstm" else nn.GRU
        self.rnn = rnn(config.d_model, config.hidden, config.n_layers, batch_first=True)
        self.out = nn.Linear(config.hidden, config.vocab_size)

    def forward(self, ids: Tensor) -> Tensor:
        h, _ = self.rnn(self.embed(ids))                                 # (B, T, Hid): step t saw 1 … t only
        return self.out(h)                                               # (B, T, V)


class AttentionModel(nn.Module):
    """Token + learned position embeddings → the project's own TransformerLayer × N (pre-LN, bidirectional)
    → LayerNorm → a vocabulary score at every position."""

    def __init__(self, config: SeqConfig):
        super().__init__()
        layer = TransformerConfig(vocab_size=config.vocab_size, d_model=config.d_model, n_layers=config.n_layers,
                                  n_heads=config.n_heads, d_ff=config.d_ff, max_len=config.max_len,
                                  type_vocab_size=0, dropout=0.0, attn_dropout=0.0, norm_first=True)
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        self.position = nn.Embedding(config.max_len, config.d_model)
        self.layers = nn.ModuleList(TransformerLayer(layer) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.out = nn.Linear(config.d_model, config.vocab_size)
        self.max_len = config.max_len

    def forward(self, ids: Tensor) -> Tensor:
        T = ids.shape[1]
        if T > self.max_len:
            raise ConfigError(f"The input has {T} tokens but this model was built for at most max_len = "
                              f"{self.max_len}. Shorten the input or truncate it.", "too_long", length=T,
                              max_len=self.max_len)
        x = self.embed(ids) + self.position(torch.arange(T, device=ids.device))   # (B, T, D)
        for layer in self.layers:
            x, _ = layer(x)                                              # (B, T, D): every position sees all
        return self.out(self.norm(x))                                    # (B, T, V)


def build(config: SeqConfig) -> nn.Module:
    check_choice("kind", config.kind, KINDS)
    return AttentionModel(config) if config.kind == "transformer" else RecurrentModel(config)


def parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def rnn_parameters(config: SeqConfig) -> int:
    """Weights of a RecurrentModel by formula: per layer and gate an input matrix, a hidden matrix and two
    biases (PyTorch keeps b_ih and b_hh), plus the embedding table and the output layer."""
    g, h, v = GATES[config.kind], config.hidden, config.vocab_size
    layers = sum(g * (h * (config.d_model if i == 0 else h) + h * h + 2 * h) for i in range(config.n_layers))
    return v * config.d_model + layers + h * v + v


def matched_configs(n_symbols: int = 8, d_model: int = 64, rnn: str = "lstm", max_len: int = 1024,
                    n_layers: int = 2) -> tuple[SeqConfig, SeqConfig]:
    """(RNN, Transformer) with about the same number of weights: the RNN's hidden size is the one whose
    count comes closest to the Transformer's (position table left out: it is a look-up, not arithmetic)."""
    check_choice("rnn", rnn, ("lstm", "gru"))
    attention = SeqConfig("transformer", n_symbols, d_model, n_layers=n_layers, d_ff=2 * d_model,
                          max_len=max_len)
    target = parameters(build(attention)) - max_len * d_model
    best = min(range(8, 4 * d_model + 1, 4),
               key=lambda h: abs(rnn_parameters(SeqConfig(rnn, n_symbols, d_model, h, n_layers)) - target))
    return SeqConfig(rnn, n_symbols, d_model, best, n_layers), attention


# ── training ───────────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class TrainSettings:
    steps: int = 300              # optimiser steps (fresh random examples each step: no overfitting)
    batch: int = 32               # examples per step
    lr: float = 3e-3              # Adam learning rate
    eval_batch: int = 256         # held-out examples scored at the end (a different seed)
    seed: int = 0                 # weights and data


@dataclass(frozen=True)
class RunResult:
    kind: str
    task: str
    length: int                   # L, the task's size
    seq_len: int                  # T, what the model read
    accuracy: float               # held-out accuracy at the scored positions
    chance: float
    params: int
    seconds: float
    losses: tuple[float, ...]     # training loss per step


def accuracy(model: nn.Module, batch: TaskBatch) -> float:
    with torch.no_grad():
        guess = model(batch.inputs).argmax(-1)                          # (B, T)
    scored = batch.targets != IGNORE
    return float((guess[scored] == batch.targets[scored]).float().mean())


def train(config: SeqConfig, task: str, length: int, settings: TrainSettings = TrainSettings(),
          on_step: Callable[[int, float], None] | None = None) -> RunResult:
    """Train a fresh model of ``config`` on ``task`` at size ``length`` and score it on held-out examples."""
    check_count("steps", settings.steps, 1, 100_000)
    torch.manual_seed(settings.seed)
    model = build(config)
    data = torch.Generator().manual_seed(settings.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    losses, start = [], time.perf_counter()
    for step in range(settings.steps):
        batch = make_batch(task, length, settings.batch, config.n_symbols, data)
        logits = model(batch.inputs)                                     # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if on_step:
            on_step(step, losses[-1])
    seconds = time.perf_counter() - start
    model.eval()
    held_out = make_batch(task, length, settings.eval_batch, config.n_symbols,
                          torch.Generator().manual_seed(settings.seed + 10_007))
    return RunResult(config.kind, task, length, sequence_length(task, length), accuracy(model, held_out),
                     chance(task, config.n_symbols), parameters(model), seconds, tuple(losses))


# ── cost ───────────────────────────────────────────────────────────────────────────────────────────────

def layer_flops(config: SeqConfig, T: int) -> int:
    """Forward matmul FLOPs of one layer over a length-T sequence (see the module's docstring)."""
    if config.kind == "transformer":
        d = config.d_model
        return 8 * T * d * d + 4 * T * T * d + 4 * T * d * config.d_ff
    return 2 * GATES[config.kind] * T * config.hidden * (config.d_model + config.hidden)


def mixing_flops(config: SeqConfig, T: int) -> int:
    """FLOPs of the part that moves information between positions (Vaswani et al.'s table 1 compares this):
    attention's QKᵀ and weights·V, 4·T²·D, against the recurrence's hidden-to-hidden matmuls, 2·g·T·H²
    (g = 4 gates for an LSTM, 3 for a GRU). What both do to each position alone (projections, FFN, input
    matmuls) grows with T in both and is left out."""
    if config.kind == "transformer":
        return 4 * T * T * config.d_model
    return 2 * GATES[config.kind] * T * config.hidden * config.hidden


def path_length(kind: str, i: int, j: int) -> int:
    """Steps a signal takes from position i to position j: one attention hop, or one recurrent step per
    position in between (a left-to-right RNN cannot reach backwards at all: that direction is left at |i − j|)."""
    return 1 if kind == "transformer" and i != j else abs(i - j)


def step_time(model: nn.Module, T: int, batch: int, repeats: int = 5, vocab: int = 11, device: str = "cpu") -> float:
    """Median seconds of one forward + backward at length T (after one warm-up run)."""
    ids = torch.randint(FIRST_SYMBOL, vocab, (batch, T), generator=torch.Generator().manual_seed(T)).to(device)
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        model(ids).float().square().mean().backward()
        if ids.is_cuda:
            torch.cuda.synchronize()
        if i:                                                            # the first run warms caches up
            times.append(time.perf_counter() - start)
        model.zero_grad(set_to_none=True)
    return statistics.median(times)


def flops_crossover(rnn: SeqConfig, attention: SeqConfig, longest: int = 1 << 20) -> int | None:
    """The shortest T at which attention's mixing counts more FLOPs than the recurrence's (``mixing_flops``)."""
    low, high = 1, longest
    if mixing_flops(attention, high) <= mixing_flops(rnn, high):
        return None
    while low < high:                                                    # the difference grows with T: bisect
        mid = (low + high) // 2
        if mixing_flops(attention, mid) > mixing_flops(rnn, mid):
            high = mid
        else:
            low = mid + 1
    return low


def crossover(lengths: list[int], first: list[float], second: list[float]) -> float | None:
    """The length beyond which ``second`` stays above ``first`` (interpolated on log T between the last length
    where it was below and the next), ``lengths[0]`` if it is never below, None if it ends below. A noisy short
    end (a slower first point, then faster ones) does not count as a crossover."""
    if not lengths or second[-1] < first[-1]:
        return None
    below = [k for k in range(len(lengths)) if second[k] < first[k]]
    if not below:
        return lengths[0]
    k = below[-1] + 1                                                    # second ≥ first from here to the end
    a0, a1 = second[k - 1] - first[k - 1], second[k] - first[k]
    x0, x1 = math.log(lengths[k - 1]), math.log(lengths[k])
    return math.exp(x0 + (x1 - x0) * (-a0) / (a1 - a0))
