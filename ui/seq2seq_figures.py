"""Plotly figures for the encoder-decoder page: attention heatmaps (with the causal mask drawn) and bars.

Tokens go on the axes by position (0, 1, 2 …) with the characters as tick labels, so a character that
occurs twice ("n" in "nine hundred") keeps two separate rows/columns. Figures get plain Python lists.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .i18n import TERMS, Scope

MASK_GREY = "#d0d0d0"
TEXT_CELLS = 22           # write the weight into each cell when both sides have at most this many tokens

LABELS = Scope("seq2seq_figures")


def _ticks(fig: go.Figure, rows: list[str], cols: list[str]) -> None:
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(cols))), ticktext=cols, side="top")
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(rows))), ticktext=rows, autorange="reversed")


def attention_heatmap(weights: np.ndarray, rows: list[str], cols: list[str], title: str, lang: str,
                      causal: bool = False, highlight_row: int | None = None,
                      axis_titles: tuple[str, str] = ("query", "key")) -> go.Figure:
    """weights (Tq, Tk), each row summing to 1. ``causal``: cells above the diagonal are drawn grey with
    −∞, the additive mask M that made their weights 0."""
    tq, tk = weights.shape
    future = np.triu(np.ones((tq, tk), dtype=bool), k=1) if causal else np.zeros((tq, tk), dtype=bool)
    shown = np.where(future, np.nan, weights)                                         # (Tq, Tk) NaN = masked
    z = np.where(np.isnan(shown), None, shown.astype(float)).tolist()                     # NaN → None (a gap)
    small = tq <= TEXT_CELLS and tk <= TEXT_CELLS
    # (Tq, Tk, 2) the row's and the column's token for each cell's hover, as one numpy array: plotly checks a
    # nested list cell by cell (128 × 128 characters: 0.2 s of every rerun), an array at once
    names = np.stack(np.broadcast_arrays(np.array(rows, dtype=str)[:, None], np.array(cols, dtype=str)[None, :]), -1)
    fig = go.Figure(go.Heatmap(z=z, x=list(range(tk)), y=list(range(tq)), colorscale="Blues", zmin=0, zmax=1,
                               customdata=names,
                               texttemplate="%{z:.2f}" if small else None, textfont=dict(size=10),
                               colorbar=dict(title=TERMS("weight", lang), thickness=12),
                               hovertemplate="%{customdata[0]} → %{customdata[1]}: %{z:.3f}<extra></extra>"))
    if causal:
        grey = [[1 if f else None for f in row] for row in future]
        fig.add_trace(go.Heatmap(z=grey, x=list(range(tk)), y=list(range(tq)), showscale=False, hoverinfo="text",
                                 colorscale=[[0, MASK_GREY], [1, MASK_GREY]], zmin=0, zmax=1,
                                 text=[["−∞" if f else "" for f in row] for row in future],
                                 texttemplate="%{text}" if small else None, textfont=dict(color="#555"),
                                 hovertext=[[LABELS("masked", lang) if f else "" for f in row] for row in future]))
    if highlight_row is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=tk - 0.5, y0=highlight_row - 0.5, y1=highlight_row + 0.5,
                      line=dict(color="#e65100", width=3))
    _ticks(fig, rows, cols)
    fig.update_layout(title=dict(text=title, y=0.98), height=min(720, 170 + 28 * max(tq, 4)),
                      margin=dict(l=10, r=10, t=90, b=10), plot_bgcolor="white",
                      xaxis_title=LABELS(axis_titles[1], lang), yaxis_title=LABELS(axis_titles[0], lang))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def candidates_figure(candidates: list[tuple[str, float]], step: int, lang: str) -> go.Figure:
    """The next-token distribution at one step: the chosen (argmax) token in orange."""
    tokens = [t for t, _ in candidates]
    probs = [float(p) for _, p in candidates]
    fig = go.Figure(go.Bar(x=probs, y=list(range(len(tokens))), orientation="h",
                           marker_color=["#e65100"] + ["#9e9e9e"] * (len(tokens) - 1),
                           text=[f"{p:.1%}" for p in probs], textposition="auto",
                           customdata=tokens, hovertemplate="%{customdata}: %{x:.3f}<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(tokens))), ticktext=tokens, autorange="reversed",
                     tickfont=dict(size=16))
    fig.update_layout(title=LABELS("cands", lang, step=step + 1, n=len(tokens)), height=90 + 36 * len(tokens),
                      margin=dict(l=10, r=10, t=50, b=30),
                      xaxis=dict(range=[0, 1], tickformat=".0%", title=TERMS("probability", lang)))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def cross_bar(cross: np.ndarray, source: list[str], step: int, token: str, layer: int, head: int,
              lang: str) -> go.Figure:
    """cross (H, Tt, Ts) of one layer: the chosen head's row at ``step`` as bars, the mean of heads as dots."""
    row = cross[head, step]                                                            # (Ts,)
    mean = cross[:, step].mean(0)                                                      # (Ts,)
    x = list(range(len(source)))
    fig = go.Figure([go.Bar(x=x, y=row.tolist(), name=TERMS("head_n", lang, n=head + 1), marker_color="#1f77b4",
                            customdata=source, hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"),
                     go.Scatter(x=x, y=mean.tolist(), name=LABELS("mean", lang), mode="markers",
                                marker=dict(symbol="diamond", size=9, color="#e65100"), customdata=source,
                                hovertemplate="%{customdata}: %{y:.3f}<extra></extra>")])
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=source, tickfont=dict(size=14))
    fig.update_layout(title=LABELS("cross_bar", lang, step=step + 1, token=token, layer=layer + 1), height=360,
                      margin=dict(l=10, r=10, t=80, b=10), yaxis=dict(title=TERMS("weight", lang)),
                      legend=dict(orientation="h", y=1.0, x=1, xanchor="right", yanchor="bottom"))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig
