"""The slips page's pure logic: the source article's factual slips (listed in ../shared/README.md), each with the
live computation or count that settles it and where the app teaches the idea.

No Streamlit here. Each ``check`` takes real tensors (a shipped model's trace, a preset config) and returns
numbers; the page says them in the learner's language.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go
import torch
from torch import nn

from transformer_core import PRESETS
from transformer_core import recurrent as rec

from .i18n import Scope
from .lessons import LESSONS
from .pages import PAGES, Page
from .params import parameter_total

TEXT = Scope("slips")
ARTICLE_LARGE = 3_300_000_000           # BERT-Large's size as the source article gives it
PAPER = {"bert-base": 110_000_000, "bert-large": 340_000_000}   # Devlin et al. 2019, table of model sizes


@dataclass(frozen=True)
class Slip:
    name: str                           # catalog keys slips.<name>_claim and slips.<name>_right
    page: str                           # address (ui/pages.py) of the page that teaches the idea
    lesson: tuple[str, str] | None      # (lesson, step) names in ui/lessons.py, or None


SLIPS: tuple[Slip, ...] = (
    Slip("scaling", "attention-head", ("attention", "scale")),
    Slip("bert_large", "sizes", ("bert", "encoder")),
    Slip("same_data", "sizes", ("bert", "encoder")),
    Slip("heads_summed", "multi-head", ("attention", "concat")),
    Slip("heads_cost", "multi-head", ("attention", "heads")),
    Slip("ffn_per_head", "inside-layer", ("attention", "ffn")),
    Slip("rnn_cost", "rnn-vs-transformer", ("transformer", "cost")),
    Slip("stop_words", "tokenization", ("bert", "stopwords")),
    Slip("encoder_only", "start", ("bert", "encoder")),
    Slip("vit", "vision", None),
    Slip("keras", "inside-layer", ("attention", "stream")),
)


def lesson_numbers(lesson: str, step: str) -> tuple[int, int]:
    """(lesson, step) counted from 1, as a lesson link writes them (``/lessons?lesson=2&step=12``)."""
    for n, found in enumerate(LESSONS, start=1):
        if found.name == lesson:
            return n, 1 + [s.name for s in found.steps].index(step)
    raise KeyError(lesson)


def page_at(url: str) -> Page | None:
    """The page at an address, or None when this installation has no such page."""
    return next((p for p in PAGES if p.url == url), None)


# ── 1/√d_k ──────────────────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Saturation:
    d_k: int
    max_raw: float                      # mean largest softmax weight of q·kᵀ (no scaling)
    max_scaled: float                   # … of q·kᵀ / √d_k
    entropy_raw: float                  # mean entropy of a row, bits (log₂ T = spread evenly)
    entropy_scaled: float


def _entropy_bits(p: torch.Tensor) -> torch.Tensor:
    return -(p * p.clamp_min(1e-30).log2()).sum(-1)


def saturation(d_ks=(4, 16, 64, 256, 1024), keys: int = 16, samples: int = 512, seed: int = 0) -> list[Saturation]:
    """Random queries and keys with unit-variance entries: q·k has variance d_k, so without the division the
    softmax turns into a one-hot as d_k grows (its gradient vanishes); with it the spread stays the same."""
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for d in d_ks:
        q = torch.randn(samples, 1, d, generator=generator)                        # (S, 1, d)
        k = torch.randn(samples, keys, d, generator=generator)                     # (S, T, d)
        scores = (q @ k.transpose(1, 2)).squeeze(1)                                # (S, T), variance ≈ d
        raw, scaled = scores.softmax(-1), (scores / math.sqrt(d)).softmax(-1)
        rows.append(Saturation(d, float(raw.max(-1).values.mean()), float(scaled.max(-1).values.mean()),
                               float(_entropy_bits(raw).mean()), float(_entropy_bits(scaled).mean())))
    return rows


def saturation_figure(rows: list[Saturation], keys: int, lang: str) -> go.Figure:
    fig = go.Figure()
    for attr, key, color in (("max_raw", "no_scale", "#d62728"), ("max_scaled", "with_scale", "#1f77b4")):
        fig.add_trace(go.Scatter(x=[r.d_k for r in rows], y=[getattr(r, attr) for r in rows], mode="lines+markers",
                                 name=TEXT(key, lang), line=dict(color=color, width=3)))
    fig.add_hline(y=1 / keys, line=dict(color="#9e9e9e", dash="dot"), annotation_text=TEXT("even", lang, n=keys))
    fig.update_layout(title=TEXT("scaling_title", lang, n=keys), height=340, plot_bgcolor="white",
                      xaxis_title="d_k", yaxis_title=TEXT("max_weight", lang), yaxis_range=[0, 1.05],
                      legend=dict(orientation="h", y=-0.3))
    fig.update_xaxes(type="log", tickvals=[r.d_k for r in rows], gridcolor="#eeeeee")
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


# ── sizes ───────────────────────────────────────────────────────────────────────────────────────────────

def bert_sizes() -> dict[str, int]:
    """BERT-base and BERT-large counted from their configs (every weight of BertForPreTraining)."""
    return {name: parameter_total(PRESETS[name]) for name in ("bert-base", "bert-large")}


# ── heads: concatenated and projected, and what that costs ─────────────────────────────────────────────

@dataclass(frozen=True)
class HeadsCheck:
    n_heads: int
    d_head: int                         # what one head hands on, per token
    d_model: int                        # what the layer hands on, per token
    concat_diff: float                  # max |concat·W_Oᵀ + b − the model's output|: ≈ 0, this is the model
    blocks_diff: float                  # max |Σ_h head_h·W_O,hᵀ + b − output|: the same thing written as a sum
    summed_diff: float                  # relative difference when the heads are summed first (one shared block)


def heads_check(context: torch.Tensor, output: torch.Tensor, out_proj: nn.Linear) -> HeadsCheck:
    """``context``: one layer's (1, H, T, Dh) head outputs; ``output``: its (1, T, D) attention output."""
    _, H, T, Dh = context.shape
    W, b = out_proj.weight.detach(), out_proj.bias.detach()                      # (D, D), (D,)
    concat = context.transpose(1, 2).reshape(1, T, H * Dh)                        # (1, T, D) heads side by side
    blocks = [W[:, h * Dh:(h + 1) * Dh] for h in range(H)]                        # H × (D, Dh): W_O's head slices
    by_block = sum(context[:, h] @ blocks[h].T for h in range(H)) + b            # (1, T, D)
    shared = torch.stack(blocks).mean(0)                                          # (D, Dh) one block for all
    summed = context.sum(1) @ shared.T + b                                        # (1, T, D) heads summed first
    return HeadsCheck(H, Dh, W.shape[0], float((concat @ W.T + b - output).abs().max()),
                      float((by_block - output).abs().max()),
                      float((summed - output).norm() / output.norm()))


@dataclass(frozen=True)
class HeadCost:
    n_heads: int
    d_head: int
    projections: int                    # x·W_Q, W_K, W_V and concat·W_O: 4 · 2·T·D²
    attention: int                      # H heads × (QKᵀ and weights·V): H · 4·T²·(D/H)

    @property
    def total(self) -> int:
        return self.projections + self.attention


def head_costs(d_model: int, T: int) -> list[HeadCost]:
    """Forward FLOPs of one attention layer for every head count that divides D: the same for all."""
    return [HeadCost(H, d_model // H, 8 * T * d_model * d_model, H * 4 * T * T * (d_model // H))
            for H in range(1, d_model + 1) if d_model % H == 0 and H <= 64]


# ── the FFN: one per layer, per position ───────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class FFNCheck:
    d_in: int                           # width the FFN reads (D: all heads mixed by W_O), not D/H
    d_ff: int
    n_heads: int
    alone_diff: float                   # max |FFN(each position alone) − FFN(the whole sentence)|


def ffn_check(ffn: nn.Module, x: torch.Tensor, n_heads: int) -> FFNCheck:
    """``x``: (1, T, D), what the FFN read in this layer."""
    with torch.inference_mode():
        whole, _ = ffn(x)                                                          # (1, T, D)
        alone = torch.cat([ffn(x[:, i:i + 1])[0] for i in range(x.shape[1])], 1)   # (1, T, D) one at a time
    return FFNCheck(ffn.up.in_features, ffn.up.out_features, n_heads, float((whole - alone).abs().max()))


def ffn_input(layer_trace, norm_first: bool) -> torch.Tensor:
    """What the FFN of a layer read: the normalised residual after attention (post-LN) or the stream normed
    just before it (pre-LN)."""
    return layer_trace.ffn_norm.input if norm_first else layer_trace.attn_norm.output


# ── RNN cost, encoder-only, ViT ────────────────────────────────────────────────────────────────────────

def rnn_crossover() -> int | None:
    """The RNN page's models: where attention's counted mixing FLOPs pass the recurrence's."""
    rnn, attention = rec.matched_configs(rnn="gru")
    return rec.flops_crossover(rnn, attention)


def future_weight(attentions: torch.Tensor) -> float:
    """(L, B, H, T, T) weights → the mean share a token gives to positions after it (0 under a causal mask)."""
    T = attentions.shape[-1]
    later = torch.ones(T, T, dtype=attentions.dtype).triu(1)                      # (T, T) 1 where key after query
    return float((attentions * later).sum(-1).mean())                             # per query row, then the mean


def patch_embedding_is_linear(patch: int = 4, d_model: int = 32, seed: int = 0) -> float:
    """A patch embedding is one matrix on each flattened patch; written as a Conv2d with kernel = stride =
    patch it gives the same numbers (max difference returned): the 'convolution' has no sliding window, no
    overlap, no stack of CNN layers."""
    generator = torch.Generator().manual_seed(seed)
    conv = nn.Conv2d(1, d_model, patch, stride=patch)
    image = torch.randn(1, 1, 4 * patch, 4 * patch, generator=generator)          # (1, 1, H, W)
    with torch.no_grad():
        by_conv = conv(image).flatten(2).transpose(1, 2)                            # (1, N, D)
        patches = image.unfold(2, patch, patch).unfold(3, patch, patch)           # (1, 1, H/P, W/P, P, P)
        patches = patches.reshape(1, -1, patch * patch)                            # (1, N, P²)
        by_matrix = patches @ conv.weight.reshape(d_model, -1).T + conv.bias       # (1, N, D)
    return float((by_conv - by_matrix).abs().max())


# ── stop words ─────────────────────────────────────────────────────────────────────────────────────────

# common English and Chinese stop words, one set: a sentence is checked against both, whatever its language
STOP_WORDS = frozenset("a an the of to in on at by for with and or but is are was were be been it its this that "
                       "these those he she they we you i his her their our as from not no so "
                       "的 了 是 在 和 也 就 都 而 与 及 着 把 被 之 这 那 我 你 他 她 它 们 个 一 不 有".split())


@dataclass(frozen=True)
class StopWords:
    positions: tuple[int, ...]          # where the stop words are in the pieces
    tokens: tuple[str, ...]
    received: tuple[float, ...]         # attention each receives (mean over heads and queries, last layer)
    token_share: float                  # stop words' share of the sentence's non-special pieces
    attention_share: float              # their share of the attention those pieces receive


def stop_words(tokens: list[str], special: list[bool], weights: torch.Tensor) -> StopWords:
    """``weights``: (H, T, T) one layer's attention. A stop word is kept as its own piece, with an id and a share
    of attention like any other word."""
    real = [i for i, s in enumerate(special) if not s]
    found = tuple(i for i in real if tokens[i].lower() in STOP_WORDS)
    received = weights.mean(0).mean(0)                                             # (T,) attention each key gets
    total = float(received[real].sum()) or 1.0
    return StopWords(found, tuple(tokens[i] for i in found), tuple(float(received[i]) for i in found),
                     len(found) / max(len(real), 1), float(received[list(found)].sum()) / total if found else 0.0)
