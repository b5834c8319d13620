"""Next-sentence prediction: segments A and B, the [CLS] vector, and P(IsNext) from BERT's NSP head.

Pure functions (trace / model in → numbers and plotly figures out), unit-tested without Streamlit.
Shapes: T tokens, D = d_model. A trace holds a batch of one, so ``[0]`` drops B.
"""
from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.trace import ModelTrace

from . import colors
from .examples import unrelated_sentences
from .i18n import TERMS, Scope
from .layer_view import BLUE, GREY, ORANGE, tidy

MAX_DIMS = 256           # vectors wider than this are drawn as their first MAX_DIMS dimensions

TEXT = Scope("nsp")

FORMULA = (r"P(\text{IsNext}) = \mathrm{softmax}\big(W_{\text{NSP}}\,\tanh(W_{\text{pool}}\,h_{\text{[CLS]}}"
           r" + b_{\text{pool}}) + b_{\text{NSP}}\big)_0")


def random_sentence(lang: str, turn: int, avoid: str = "") -> str:
    """The built-in unrelated sentence number ``turn`` (cycling), skipping the one already in B."""
    options = unrelated_sentences(lang)
    for i in range(len(options)):
        choice = options[(turn + i) % len(options)]
        if choice.strip() != (avoid or "").strip():
            return choice
    return options[0]


def segment_figure(encoded, lang: str = "en") -> go.Figure:
    """A strip of the pieces coloured by segment (A blue, B orange), with the segment id underneath."""
    seg = encoded.type_ids
    names = [TERMS("piece", lang), TEXT("segment", lang)]
    text = [encoded.tokens, [f"{s} ({'AB'[s]})" for s in seg]]
    fig = go.Figure(go.Heatmap(z=[seg, seg], x=list(range(len(seg))), y=names, text=text, texttemplate="%{text}",
                               textfont={"size": 13 if len(seg) <= 24 else 10 if len(seg) <= 48 else 7},
                               zmin=0, zmax=1, colorscale=[[0, "#c6dbef"], [1, "#fdd0a2"]], showscale=False,
                               xgap=2, ygap=2, hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(xaxis={"showticklabels": False}, yaxis={"autorange": "reversed"}, height=150,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return tidy(fig)


def segment_vectors(trace: ModelTrace, encoded) -> torch.Tensor | None:
    """(2, D) the segment-A and segment-B embeddings that were added, or None (no segments, or no B)."""
    seg = trace.embeddings.segment
    if seg is None or 1 not in encoded.type_ids:
        return None
    a, b = encoded.type_ids.index(0), encoded.type_ids.index(1)
    return torch.stack([seg[0, a], seg[0, b]])                               # (2, D)


def vectors_figure(rows: torch.Tensor, names: list[str], lang: str = "en", limit: int = MAX_DIMS) -> go.Figure:
    """Heatmap of a few vectors (rows) over their first ``limit`` dimensions."""
    z = rows[:, :limit]                                                      # (n, ≤ limit)
    fig = go.Figure(go.Heatmap(z=z.tolist(), x=list(range(z.shape[1])), y=names, **colors.signed(z),
                               hovertemplate="%{y} · dim %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(xaxis={"title": TERMS("dimension", lang)}, yaxis={"autorange": "reversed"},
                      height=110 + 40 * len(names),
                      margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return tidy(fig)


def nsp_figure(probs: torch.Tensor, lang: str = "en") -> go.Figure:
    """Two bars: P(IsNext) (index 0) and P(NotNext) (index 1)."""
    values = probs.tolist()
    fig = go.Figure(go.Bar(x=values, y=[TEXT("is_next", lang), TEXT("not_next", lang)], orientation="h",
                           marker_color=[BLUE, ORANGE], text=[f"{v:.1%}" for v in values], textposition="auto",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_layout(xaxis={"range": [0, 1], "tickformat": ".0%"}, yaxis={"autorange": "reversed"}, height=170,
                      margin={"l": 10, "r": 10, "t": 10, "b": 30})
    return tidy(fig)


def cls_vectors(model, trace: ModelTrace) -> dict[str, torch.Tensor]:
    """The raw top-layer [CLS] vector (after the final LayerNorm in pre-LN models) and the pooled one,
    tanh(W·h + b), that the NSP head reads; plus the NSP probabilities recomputed from it."""
    top = trace.final_norm.output if trace.final_norm is not None else trace.layers[-1].output
    raw = top[0, 0]                                                          # (D,) position 0 is [CLS]
    with torch.inference_mode():
        pooled = torch.tanh(model.bert.pooler(raw))                          # (D,) between −1 and 1
        probs = model.nsp(pooled).softmax(-1)                                # (2,) IsNext, NotNext
    return {"raw": raw, "pooled": pooled, "probs": probs}


def cls_figure(raw: torch.Tensor, pooled: torch.Tensor, lang: str = "en", limit: int = 2 * MAX_DIMS) -> go.Figure:
    """Two bar charts over the dimensions: the raw [CLS] vector and the pooled vector."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(TEXT("raw", lang), TEXT("pooled", lang)))
    for row, (vec, color) in enumerate(((raw, GREY), (pooled, BLUE)), start=1):
        values = vec[:limit].tolist()
        fig.add_trace(go.Bar(x=list(range(len(values))), y=values, marker_color=color, showlegend=False,
                             hovertemplate="dim %{x}: %{y:.3f}<extra></extra>"), row, 1)
    fig.update_yaxes(range=[-1.05, 1.05], row=2, col=1)
    fig.update_xaxes(title=TERMS("dimension", lang), row=2, col=1)
    fig.update_layout(height=420, bargap=0, margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return tidy(fig)

