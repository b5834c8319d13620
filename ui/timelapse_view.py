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
from .i18n import tr

TEXT = {
    "title": {"en": "Heads forming: attention over training", "zh": "注意力头的形成：训练过程中的注意力"},
    "intro": {"en": "At the start of pretraining every head spreads its attention almost evenly: the weights are "
                    "random. While the model learns to fill in masked words, heads specialise — some look at the "
                    "previous or next piece, some at [SEP] (a 'no-op' when there is nothing useful to read), some "
                    "at related words. These are the attention weights of the same probe sentences, saved at every "
                    "checkpoint while the shipped model was trained. Press ▶ to play.",
              "zh": "预训练刚开始时，权重是随机的，每个注意力头几乎平均地分配注意力。在模型学习填补被遮盖的词的过程中，"
                    "各个头逐渐分工——有的看前一个或后一个词元，有的看 [SEP]（没有有用信息可读时的“空操作”），"
                    "有的看相关的词。下面是训练这个模型时，在每个检查点保存的同一组探针句子的注意力权重。按 ▶ 播放。"},
    "none": {"en": "None of the installed models has attention snapshots (they are recorded while a model is "
                   "pretrained with this project's trainer).",
             "zh": "已安装的模型都没有注意力快照（快照是在用本项目的训练器预训练模型时记录的）。"},
    "model": {"en": "Model", "zh": "模型"},
    "probe": {"en": "Probe sentence", "zh": "探针句子"},
    "step": {"en": "step", "zh": "训练步"},
    "query": {"en": "query (attending)", "zh": "查询（发出注意力）"},
    "key": {"en": "key (attended to)", "zh": "键（被关注）"},
    "entropy": {"en": "Average entropy of each head's attention rows (bits): high = spread out, low = focused",
                "zh": "每个头注意力行的平均熵（比特）：高 = 分散，低 = 集中"},
    "curve": {"en": "Training curve (masked-LM accuracy on training batches)",
              "zh": "训练曲线（训练批次上的 MLM 准确率）"},
    "bits": {"en": "entropy (bits)", "zh": "熵（比特）"},
    "each_head": {"en": "each head (hover for its name)", "zh": "每个头（悬停可见名称）"},
    "this_head": {"en": "the head picked above: layer {layer}, head {head}",
                  "zh": "上面选中的头：第 {layer} 层，第 {head} 个头"},
    "loss": {"en": "loss", "zh": "损失"},
    "accuracy": {"en": "accuracy (right axis, 0–1)", "zh": "准确率（右轴，0–1）"},
}


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
    label = tr(TEXT, "step", lang)
    fig.update_layout(      # keys along the top: their title stays clear of the tick labels and of the slider
        height=600, margin={"l": 10, "r": 10, "t": 110, "b": 10},
        xaxis={**axis, "side": "top", "tickangle": -45, "title": {"text": tr(TEXT, "key", lang), "standoff": 8}},
        yaxis={**axis, "autorange": "reversed", "title": tr(TEXT, "query", lang)},
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
            fig.add_scatter(x=steps, y=ent[:, layer, head].tolist(), mode="lines", name=tr(TEXT, "each_head", lang),
                            line={"color": "rgba(120,120,120,0.45)", "width": 1}, legendgroup="all",
                            showlegend=layer == head == 0,
                            hovertemplate=f"L{layer + 1} H{head + 1}: %{{y:.2f}}<extra></extra>")
    layer, head = selected
    fig.add_scatter(x=steps, y=ent[:, layer, head].tolist(), mode="lines", line={"color": HIGHLIGHT, "width": 3},
                    name=tr(TEXT, "this_head", lang, layer=layer + 1, head=head + 1))
    fig.update_layout(height=380, title=tr(TEXT, "entropy", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    fig.update_xaxes(title_text=tr(TEXT, "step", lang), automargin=True)
    fig.update_yaxes(title_text=tr(TEXT, "bits", lang), automargin=True, rangemode="tozero")
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
    fig.add_scatter(x=[p["step"] for p in points], y=[p["loss"] for p in points], name=tr(TEXT, "loss", lang))
    if key:
        fig.add_scatter(x=[p["step"] for p in points], y=[p[key] for p in points], name=tr(TEXT, "accuracy", lang),
                        yaxis="y2")
    fig.update_layout(height=340, title=tr(TEXT, "curve", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.3, "x": 0},
                      xaxis={"title": {"text": tr(TEXT, "step", lang)}, "automargin": True},
                      yaxis={"title": {"text": tr(TEXT, "loss", lang)}, "automargin": True},
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "automargin": True,
                              "tickmode": "linear", "tick0": 0, "dtick": 0.2, "showgrid": False,
                              "title": {"text": tr(TEXT, "accuracy", lang)}})
    return fig
