"""Where a BERT's parameters live, and how much arithmetic a token costs — by formula, from the config.

Counting by formula (instead of asking the model) is the point: a learner can check every number
by hand, e.g. a Linear D → F holds D·F weights + F biases. The tests cross-check the formulas
against ``BertForPreTraining(config)`` itself, so formula and code cannot drift apart silently.
"""
from __future__ import annotations

from dataclasses import dataclass

from transformer_core import TransformerConfig


@dataclass(frozen=True)
class ParamRow:
    """One weight group. ``part``/``component`` are i18n keys; ``total`` = ``each`` × ``repeat``."""

    part: str          # e.g. "part_layer"
    component: str     # e.g. "c_wq"
    shape: str         # weights written out, e.g. "768 × 768 + 768"
    each: int          # parameters in one copy
    repeat: int = 1    # how many copies (N for per-layer rows)

    @property
    def total(self) -> int:
        return self.each * self.repeat


def _linear(d_in: int, d_out: int) -> tuple[str, int]:
    """nn.Linear(d_in, d_out): a d_in × d_out matrix plus one bias per output."""
    return f"{d_in} × {d_out} + {d_out}", d_in * d_out + d_out


def _norm(d: int) -> tuple[str, int]:
    """nn.LayerNorm(d): a scale γ and a shift β per feature."""
    return f"2 × {d}", 2 * d


def _embedding_rows(c: TransformerConfig) -> list[ParamRow]:
    d = c.d_model
    rows = [ParamRow("part_embeddings", "c_word", f"{c.vocab_size} × {d}", c.vocab_size * d)]
    if c.type_vocab_size > 0:
        rows.append(ParamRow("part_embeddings", "c_segment", f"{c.type_vocab_size} × {d}", c.type_vocab_size * d))
    if c.position == "learned":
        rows.append(ParamRow("part_embeddings", "c_position", f"{c.max_len} × {d}", c.max_len * d))
    else:                                    # sinusoidal or rotary: position information costs no weights
        rows.append(ParamRow("part_embeddings", f"c_position_{c.position}", "—", 0))
    rows.append(ParamRow("part_embeddings", "c_emb_norm", *_norm(d)))
    return rows


def _layer_rows(c: TransformerConfig) -> list[ParamRow]:
    """One encoder layer's weights, repeated N times: attention (4 D×D maps), FFN, two LayerNorms."""
    d, n = c.d_model, c.n_layers
    rows = [ParamRow("part_layer", key, *_linear(d, d), n) for key in ("c_wq", "c_wk", "c_wv", "c_wo")]
    rows += [ParamRow("part_layer", "c_attn_norm", *_norm(d), n),
             ParamRow("part_layer", "c_ffn_w1", *_linear(d, c.d_ff), n),
             ParamRow("part_layer", "c_ffn_w2", *_linear(c.d_ff, d), n),
             ParamRow("part_layer", "c_ffn_norm", *_norm(d), n)]
    return rows


def _head_rows(c: TransformerConfig) -> list[ParamRow]:
    """Pooler, MLM head (its V × D decoder matrix IS the word-embedding table: 0 new weights), NSP."""
    d, v = c.d_model, c.vocab_size
    rows = [ParamRow("part_final_norm", "c_final_norm", *_norm(d))] if c.norm_first else []
    rows += [ParamRow("part_pooler", "c_pooler", *_linear(d, d)),
             ParamRow("part_mlm", "c_mlm_transform", *_linear(d, d)),
             ParamRow("part_mlm", "c_mlm_norm", *_norm(d)),
             ParamRow("part_mlm", "c_mlm_decoder", f"({v} × {d})", 0),
             ParamRow("part_mlm", "c_mlm_bias", f"{v}", v),
             ParamRow("part_nsp", "c_nsp", *_linear(d, 2))]
    return rows


def parameter_table(config: TransformerConfig) -> list[ParamRow]:
    """Every weight group of ``BertForPreTraining(config)``, bottom (embeddings) to top (heads)."""
    return _embedding_rows(config) + _layer_rows(config) + _head_rows(config)


def parameter_total(config: TransformerConfig) -> int:
    """Total trainable parameters, the tied MLM decoder counted once (as ``model.parameters()`` does)."""
    return sum(row.total for row in parameter_table(config))


def part_totals(config: TransformerConfig) -> dict[str, int]:
    """Parameters per part (i18n key → count), e.g. for the diagram's annotations."""
    totals: dict[str, int] = {}
    for row in parameter_table(config):
        totals[row.part] = totals.get(row.part, 0) + row.total
    return totals


@dataclass(frozen=True)
class FlopsEstimate:
    """Forward FLOPs for ONE token of a length-T sequence (a multiply-add counts as 2 FLOPs)."""

    projections: int   # per layer: x·W_Q, W_K, W_V and concat·W_O = 4 · 2D²
    attention: int     # per layer: QKᵀ and weights·V, each 2·T·D — the only part that grows with T
    ffn: int           # per layer: 2·D·F up and 2·F·D down
    n_layers: int
    mlm_head: int      # 2D² transform + 2·D·V vocabulary projection

    @property
    def per_layer(self) -> int:
        return self.projections + self.attention + self.ffn

    @property
    def forward(self) -> int:
        return self.n_layers * self.per_layer + self.mlm_head

    @property
    def training(self) -> int:
        """Backward costs about twice the forward, hence the usual ≈ 6 × params × tokens rule."""
        return 3 * self.forward


def flops_per_token(config: TransformerConfig, seq_len: int) -> FlopsEstimate:
    """Matmul FLOPs per token; embeddings (look-ups), softmax and LayerNorm are small and left out."""
    d = config.d_model
    return FlopsEstimate(projections=8 * d * d, attention=4 * seq_len * d, ffn=4 * d * config.d_ff,
                         n_layers=config.n_layers, mlm_head=2 * d * d + 2 * d * config.vocab_size)


def format_count(n: float) -> str:
    """110106428 → '110.1M': short enough for a metric, precise enough to compare with a paper."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:,.0f}"
