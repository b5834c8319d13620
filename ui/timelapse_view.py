"""Heads forming over training: attention snapshots recorded at each checkpoint, played back.

The trainer saves the attention of a few fixed probe sentences at every checkpoint
(``transformer_core/train/snapshots.py``). Here they become a plotly animation (frames + slider + play
button, all in the browser, so playing costs the server nothing) and a strip of one head at a few steps.
"""
from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.train.snapshots import META, read

from . import colors
from .attention_view import HIGHLIGHT
from .i18n import TERMS, Scope

TEXT = Scope("timelapse")


def has_snapshots(folder: str | None) -> bool:
    return bool(folder) and (Path(folder) / META).is_file()


def load(folder: str) -> tuple[dict, dict[int, torch.Tensor]]:
    """(meta, {step: [one (L, H, T, T) float32 tensor per probe]})."""
    meta, tensors = read(folder)
    by_step = {}
    for step in meta["steps"]:
        by_step[step] = [tensors[f"step{step:08d}/probe{i}"].float() for i in range(len(meta["probes"]))]
    return meta, by_step


def head_entropy(weights: torch.Tensor) -> torch.Tensor:
    """(L, H, T, T) → (L, H) mean entropy (bits) of the attention rows: log2(T) when uniform."""
    p = weights.clamp_min(1e-12)
    return -(p * p.log2()).sum(-1).mean(-1)


def animation(meta: dict, by_step: dict, probe: int, layer: int, head: int, lang: str) -> go.Figure:
    """One heatmap per checkpoint, with a slider and a play button (client-side frames).

    Cells sit at positions 0…T−1 and the tokens are only tick labels: a sentence with "the" twice must
    keep two rows, which plotly would merge if the token strings were the coordinates."""
    tokens = meta["probes"][probe]["tokens"]
    where = list(range(len(tokens)))
    steps = sorted(by_step)
    hover = [[f"{q} → {k}" for k in tokens] for q in tokens]
    # colours up to the largest weight this head ever reaches, but at least 3/T: early in training every
    # weight is ≈ 1/T, which on a 0…1 scale is a blank map — and on a 0…max scale a uniformly dark one
    top = max(3 / len(tokens), max(float(by_step[s][probe][layer, head].max()) for s in steps))
    frames = [go.Frame(name=str(s), data=[go.Heatmap(z=by_step[s][probe][layer, head].tolist(), x=where, y=where,
                                                     zmin=0, zmax=top, colorscale=colors.SEQUENTIAL, customdata=hover,
                                                     hovertemplate="%{customdata}: %{z:.2f}<extra></extra>")])
              for s in steps]
    fig = go.Figure(data=frames[-1].data, frames=frames)
    axis = {"tickmode": "array", "tickvals": where, "ticktext": tokens, "automargin": True}
    label = TERMS("step", lang)
    fig.update_layout(      # keys along the top: their title stays clear of the tick labels and of the slider
        height=600, margin={"l": 10, "r": 10, "t": 110, "b": 10},
        xaxis={**axis, "side": "top", "tickangle": -45, "title": {"text": TERMS("key_axis", lang), "standoff": 8}},
        yaxis={**axis, "autorange": "reversed", "title": TERMS("query_axis", lang)},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
                      "pad": {"t": 48}, "showactive": False, "buttons": [
            {"label": "▶", "method": "animate", "args": [None, {"frame": {"duration": 500, "redraw": True},
                                                               "fromcurrent": True}]},
            {"label": "❚❚", "method": "animate", "args": [[None], {"mode": "immediate",
                                                                 "frame": {"duration": 0, "redraw": False}}]}]}],
        sliders=[{"active": len(steps) - 1, "currentvalue": {"prefix": f"{label} "}, "pad": {"t": 40},
                  "x": 0.14, "len": 0.86,
                  "steps": [{"label": str(s), "method": "animate",
                             "args": [[str(s)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}]}
                            for s in steps]}])
    return fig


def entropy_figure(by_step: dict, probe: int, lang: str, selected: tuple[int, int] = (0, 0)) -> go.Figure:
    """How focused each head became, step by step: every head a thin grey line (named on hover, not in a
    legend of L × H entries), the head picked above drawn thick in the highlight colour."""
    steps = sorted(by_step)
    ent = torch.stack([head_entropy(by_step[s][probe]) for s in steps])          # (S, L, H)
    fig = go.Figure()
    for layer in range(ent.shape[1]):
        for head in range(ent.shape[2]):
            fig.add_scatter(x=steps, y=ent[:, layer, head].tolist(), mode="lines", name=TEXT("each_head", lang),
                            line={"color": "rgba(120,120,120,0.45)", "width": 1}, legendgroup="all",
                            showlegend=layer == head == 0,
                            hovertemplate=f"L{layer + 1} H{head + 1}: %{{y:.2f}}<extra></extra>")
    layer, head = selected
    fig.add_scatter(x=steps, y=ent[:, layer, head].tolist(), mode="lines", line={"color": HIGHLIGHT, "width": 3},
                    name=TEXT("this_head", lang, layer=layer + 1, head=head + 1))
    fig.update_layout(height=380, title=TEXT("entropy", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    fig.update_xaxes(title_text=TERMS("step", lang), automargin=True)
    fig.update_yaxes(title_text=TEXT("bits", lang), automargin=True, rangemode="tozero")
    return fig


def strip(by_step: dict, tokens: list, probe: int, layer: int, head: int, n: int = 4) -> go.Figure:
    """The same head at n checkpoints spread over training, side by side."""
    steps = sorted(by_step)
    picks = sorted({steps[round(i * (len(steps) - 1) / (n - 1))] for i in range(n)})
    fig = make_subplots(rows=1, cols=len(picks), subplot_titles=[str(s) for s in picks], horizontal_spacing=0.02)
    for col, s in enumerate(picks, 1):
        fig.add_heatmap(z=by_step[s][probe][layer, head].tolist(), x=tokens, y=tokens, zmin=0, zmax=1,
                        colorscale=colors.SEQUENTIAL, showscale=False, row=1, col=col)
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, automargin=True, row=1, col=col)
    fig.update_xaxes(automargin=True)                       # rotated token labels keep their room (projector type)
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def curve(folder: str, lang: str) -> go.Figure | None:
    """Loss (left axis) and accuracy (right axis, 0–1), both axes titled."""
    path = Path(folder) / "training_log.json"
    if not path.is_file():
        return None
    points = json.loads(path.read_text(encoding="utf-8"))["curve"]
    key = next((k for k in ("mlm_accuracy", "accuracy", "token_accuracy") if k in points[0]), None)
    fig = go.Figure()
    fig.add_scatter(x=[p["step"] for p in points], y=[p["loss"] for p in points], name=TERMS("loss", lang))
    if key:
        fig.add_scatter(x=[p["step"] for p in points], y=[p[key] for p in points], name=TEXT("accuracy", lang),
                        yaxis="y2")
    fig.update_layout(height=340, title=TEXT("curve", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.3, "x": 0},
                      xaxis={"title": {"text": TERMS("step", lang)}, "automargin": True},
                      yaxis={"title": {"text": TERMS("loss", lang)}, "automargin": True},
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "automargin": True,
                              "tickmode": "linear", "tick0": 0, "dtick": 0.2, "showgrid": False,
                              "title": {"text": TEXT("accuracy", lang)}})
    return fig
