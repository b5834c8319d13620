"""Inside one encoder layer: the feed-forward neurons, the residual stream and LayerNorm, from a real trace.

Pure functions (trace / model in → numbers, plotly figures out), unit-tested without Streamlit.
Shapes: T tokens, D = d_model, F = d_ff, L layers. A trace holds a batch of one, so ``[0]`` drops B.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.kinds import encoder_of
from transformer_core.trace import ModelTrace

from . import colors
from .i18n import Scope

MAX_NEURONS = 256        # the heatmap shows at most this many FFN neurons (bert-base has 3,072)
BLUE, ORANGE, GREEN, GREY = "#4C78A8", "#F58518", "#54A24B", "#9D9D9D"

TEXT = Scope("layer")


def tidy(fig: go.Figure) -> go.Figure:
    """Room for the axis labels (token names on the left would otherwise be cut off)."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def tick_labels(tokens: list[str]) -> list[str]:
    """Unique axis labels: the same piece can appear twice in a sentence ("the … the")."""
    return [f"{i} {tok}" for i, tok in enumerate(tokens)]


# ── the feed-forward network ─────────────────────────────────────────────────────────────────────────

def ffn_formula(activation: str) -> str:
    """The FFN written for one position i; the same W₁, b₁, W₂, b₂ for i = 1 … T."""
    return (r"\mathrm{FFN}(x_i) = \mathrm{" + activation.upper() + r"}(x_i W_1 + b_1)\,W_2 + b_2,"
            r"\qquad i = 1, \dots, T")


def ffn_activations(trace: ModelTrace, layer: int) -> torch.Tensor:
    """(T, F) act(x·W₁ + b₁) of one layer: row = token, column = neuron."""
    return trace.layers[layer].ffn.activation[0]


def shown_neurons(act: torch.Tensor, limit: int = MAX_NEURONS) -> list[int]:
    """All neurons when F ≤ limit, else the ``limit`` with the largest activation anywhere, in index order."""
    f = act.shape[1]
    if f <= limit:
        return list(range(f))
    strongest = act.max(dim=0).values.topk(limit).indices                      # (limit,)
    return sorted(strongest.tolist())


def ffn_heatmap(act: torch.Tensor, tokens: list[str], lang: str = "en") -> go.Figure:
    """Tokens × neurons heatmap of the FFN's hidden activations (a subset of columns for wide FFNs)."""
    cols = shown_neurons(act)
    z = act[:, cols]                                                           # (T, n shown)
    fig = go.Figure(go.Heatmap(z=np.asarray(z), x=[str(c) for c in cols], y=list(range(len(tokens))),   # array: fast
                               **colors.signed(z), colorbar={"title": TEXT("activation", lang)},
                               hovertemplate="%{y}: neuron %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_layout(xaxis={"title": TEXT("neuron", lang), "type": "category", "showticklabels": len(cols) <= 64},
                      yaxis={"tickvals": list(range(len(tokens))), "ticktext": tick_labels(tokens),
                             "autorange": "reversed"},
                      height=max(260, 22 * len(tokens) + 120), margin={"l": 10, "r": 10, "t": 30, "b": 40})
    return tidy(fig)


def top_neurons(act: torch.Tensor, position: int, k: int = 10) -> list[tuple[int, float]]:
    """The k neurons with the largest activation for one token: [(neuron, value)], strongest first."""
    values, index = act[position].topk(min(k, act.shape[1]))
    return list(zip(index.tolist(), values.tolist(), strict=True))


def top_tokens(act: torch.Tensor, neuron: int, k: int = 10) -> list[tuple[int, float]]:
    """The k token positions that excite one neuron most: [(position, value)], strongest first."""
    values, index = act[:, neuron].topk(min(k, act.shape[0]))
    return list(zip(index.tolist(), values.tolist(), strict=True))


def ranked_bars(labels: list[str], values: list[float], title: str, color: str = BLUE) -> go.Figure:
    """Horizontal bars, the first item on top."""
    fig = go.Figure(go.Bar(x=list(values), y=list(labels), orientation="h", marker_color=color,
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(title=title, yaxis={"autorange": "reversed", "type": "category"},
                      height=max(220, 26 * len(labels) + 80), margin={"l": 10, "r": 10, "t": 40, "b": 30})
    return tidy(fig)


def encoder(model):
    """The BertModel inside any of our BERT classes (a plain BertModel is its own encoder)."""
    return encoder_of(model)


def ffn_input(trace: ModelTrace, layer: int, norm_first: bool) -> torch.Tensor:
    """(T, D) what entered the FFN: post-LN → the attention LayerNorm's output; pre-LN → the FFN LayerNorm's."""
    t = trace.layers[layer]
    return (t.ffn_norm.output if norm_first else t.attn_norm.output)[0]


def ffn_alone_difference(model, trace: ModelTrace, layer: int, position: int) -> float:
    """Run the layer's FFN on one token's vector alone and compare with the full run: 0 (up to rounding)
    shows the FFN never looks at the other tokens."""
    x = ffn_input(trace, layer, model.config.norm_first)[position:position + 1]   # (1, D): one token, no others
    with torch.inference_mode():
        _, alone = encoder(model).layers[layer].ffn(x[None], record=True)            # (1, 1, F)
    full = trace.layers[layer].ffn.activation[0, position]                       # (F,)
    return float((alone.activation[0, 0] - full).abs().max())


# ── the residual stream ──────────────────────────────────────────────────────────────────────────────

def stream_norms(trace: ModelTrace) -> torch.Tensor:
    """(L + 1, T) ‖x‖ of every token after the embeddings and after each layer."""
    return torch.stack([h[0].norm(dim=-1) for h in trace.hidden_states])


def update_sizes(trace: ModelTrace) -> dict[str, list[float]]:
    """Per layer, the mean over tokens of ‖stream entering‖, ‖attention output‖ and ‖FFN output‖: the
    two updates that are added to the stream (x + Sublayer(x)) next to the stream itself."""
    def mean_norm(x):                                                        # (1, T, D) → a number
        return float(x[0].norm(dim=-1).mean())
    return {"stream": [mean_norm(t.input) for t in trace.layers],
            "attn": [mean_norm(t.self_attn.output) for t in trace.layers],
            "ffn": [mean_norm(t.ffn.output) for t in trace.layers]}


def stage_names(n_layers: int, lang: str = "en") -> list[str]:
    return [TEXT("embeddings", lang)] + [TEXT("layer_n", lang).format(n=i + 1) for i in range(n_layers)]


def stream_figure(trace: ModelTrace, tokens: list[str], lang: str = "en") -> go.Figure:
    """Left: heatmap of ‖x‖ (stage × token). Right: grouped bars of the update sizes per layer."""
    norms = stream_norms(trace)                                              # (L + 1, T)
    sizes = update_sizes(trace)
    n_layers = len(trace.layers)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.12,
                        subplot_titles=(TEXT("stream_norm", lang), TEXT("updates", lang)))
    fig.add_trace(go.Heatmap(z=norms.tolist(), x=list(range(len(tokens))), y=stage_names(n_layers, lang),
                             **colors.positive(float(norms.max())), colorbar={"x": 0.5, "len": 0.9},
                             hovertemplate="%{y} · %{x}<br>‖x‖ = %{z:.2f}<extra></extra>"), 1, 1)
    layers = stage_names(n_layers, lang)[1:]
    for key, color in (("stream", GREY), ("attn", ORANGE), ("ffn", GREEN)):
        fig.add_trace(go.Bar(x=layers, y=sizes[key], name=TEXT(f"u_{key}", lang), marker_color=color), 1, 2)
    fig.update_xaxes(tickvals=list(range(len(tokens))), ticktext=tick_labels(tokens), tickangle=-60, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(barmode="group", height=max(340, 30 * (n_layers + 1) + 200),
                      legend={"orientation": "h", "y": -0.35}, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return tidy(fig)


# ── LayerNorm ────────────────────────────────────────────────────────────────────────────────────────

def norm_stats(trace: ModelTrace, layer: int) -> dict[str, dict[str, list[float]]]:
    """For the attention and the FFN LayerNorm of one layer: each token's mean and variance over its D
    features before (from the kernel's own statistics) and after (measured on the output)."""
    t = trace.layers[layer]
    out = {}
    for name, norm in (("attn_norm", t.attn_norm), ("ffn_norm", t.ffn_norm)):
        after = norm.output[0]                                               # (T, D)
        out[name] = {"mean_before": norm.mean[0].tolist(), "var_before": norm.var[0].tolist(),
                     "mean_after": after.mean(-1).tolist(), "var_after": after.var(-1, unbiased=False).tolist()}
    return out


def norm_figure(trace: ModelTrace, layer: int, tokens: list[str], lang: str = "en") -> go.Figure:
    """2 × 2 grid: rows mean / variance, columns attention norm / FFN norm; before vs after per token."""
    stats = norm_stats(trace, layer)
    names = ("attn_norm", "ffn_norm")
    titles = [f"{TEXT(n, lang)} · {TEXT(s, lang)}" for s in ("mean", "variance") for n in names]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, vertical_spacing=0.2, horizontal_spacing=0.08)
    x = list(range(len(tokens)))
    for row, stat in enumerate(("mean", "var"), start=1):
        for col, name in enumerate(names, start=1):
            for when, color in (("before", GREY), ("after", BLUE)):
                fig.add_trace(go.Bar(x=x, y=stats[name][f"{stat}_{when}"], name=TEXT(when, lang), marker_color=color,
                                     legendgroup=when, showlegend=row == 1 and col == 1), row, col)
    fig.update_xaxes(tickvals=x, ticktext=tick_labels(tokens), tickangle=-60)
    fig.update_layout(barmode="group", height=560, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": 1.12})
    return tidy(fig)


POST_LN = r"x \leftarrow \mathrm{LayerNorm}\big(x + \mathrm{Sublayer}(x)\big)"
PRE_LN = r"x \leftarrow x + \mathrm{Sublayer}\big(\mathrm{LayerNorm}(x)\big)"


def placement(config) -> str:
    """"pre" or "post": where this model puts LayerNorm (config.norm_first)."""
    return "pre" if config.norm_first else "post"
