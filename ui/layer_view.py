"""Inside one encoder layer: the feed-forward neurons, the residual stream and LayerNorm, from a real trace.

Pure functions (trace / model in → numbers, plotly figures out), unit-tested without Streamlit.
Shapes: T tokens, D = d_model, F = d_ff, L layers. A trace holds a batch of one, so ``[0]`` drops B.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.trace import ModelTrace

from . import colors

MAX_NEURONS = 256        # the heatmap shows at most this many FFN neurons (bert-base has 3,072)
BLUE, ORANGE, GREEN, GREY = "#4C78A8", "#F58518", "#54A24B", "#9D9D9D"

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Inside a layer", "zh": "层的内部"},
    "intro": {
        "en": "Every encoder layer does two things to the vectors that flow through it: self-attention lets each "
              "token gather information from the others, then a feed-forward network (FFN) works on each token "
              "on its own. Each of the two is wrapped in a residual connection (“add”) and a LayerNorm "
              "(“norm”). Below, all numbers come from the model reading your sentence.",
        "zh": "每个编码器层对流经它的向量做两件事：自注意力让每个词元从其他词元收集信息，然后前馈网络（FFN）"
              "再单独处理每个词元。两者外面都包着残差连接（“相加”）和 LayerNorm（“归一化”）。下面所有数字都来自"
              "模型读取你的句子时的真实计算。"},
    "ffn_header": {"en": "The feed-forward network: neurons per token", "zh": "前馈网络：每个词元的神经元"},
    "ffn_caption": {
        "en": "The FFN is applied to each position separately, with the same weights W₁, W₂ for every token — it "
              "does not mix tokens (that is attention's job), and it is per position, not per head. Each row "
              "below is one token's {f} hidden “neurons” after {act}.",
        "zh": "FFN 对每个位置分别计算，所有词元共用同一组权重 W₁、W₂——它不在词元之间混合信息（那是注意力的"
              "工作），而且是按位置、不是按注意力头计算的。下图每一行是一个词元经过 {act} 后的 {f} 个隐藏“神经元”。"},
    "ffn_subset": {"en": "Showing the {n} most active of {f} neurons (by their largest activation in this sentence).",
                   "zh": "只显示 {f} 个神经元中最活跃的 {n} 个（按本句中的最大激活值）。"},
    "ffn_alone": {"en": "Check: running the FFN on “{token}” alone, without the other tokens, gives the same "
                        "{f} numbers (largest difference {diff:.1e}). Same weights, each position on its own.",
                  "zh": "验证：把“{token}”单独送入 FFN（不带其他词元），得到相同的 {f} 个数（最大差异 {diff:.1e}）。"
                        "同一组权重，每个位置各算各的。"},
    "token": {"en": "Token", "zh": "词元"},
    "neuron": {"en": "Neuron", "zh": "神经元"},
    "activation": {"en": "activation", "zh": "激活值"},
    "top_neurons": {"en": "Neurons that fire most for “{token}”", "zh": "对“{token}”激活最强的神经元"},
    "top_tokens": {"en": "Tokens that most excite neuron {n}", "zh": "最能激活第 {n} 号神经元的词元"},
    "neuron_label": {"en": "neuron {n} · {v:.2f}", "zh": "神经元 {n} · {v:.2f}"},
    "residual_header": {"en": "The residual stream", "zh": "残差流"},
    "residual_caption": {
        "en": "Each layer adds its attention and FFN results to the vectors it received (x + Sublayer(x)), so "
              "information flows up a “stream” and every layer makes a correction. Left: the length ‖x‖ of every "
              "token's vector after the embeddings and after each layer. Right: how big the updates are "
              "compared with the stream they are added to.",
        "zh": "每一层把注意力和 FFN 的结果加到它收到的向量上（x + Sublayer(x)），信息像一条“流”一样向上传递，"
              "每层只做一次修正。左图：每个词元的向量在嵌入层之后、每层之后的长度 ‖x‖。右图：这些更新"
              "相对于被加上的残差流有多大。"},
    "stream_norm": {"en": "‖x‖ per token", "zh": "每个词元的 ‖x‖"},
    "stage": {"en": "after", "zh": "位置"},
    "embeddings": {"en": "embeddings", "zh": "嵌入层"},
    "layer_n": {"en": "layer {n}", "zh": "第 {n} 层"},
    "updates": {"en": "Update sizes (mean over tokens)", "zh": "更新的大小（词元平均）"},
    "u_stream": {"en": "‖x‖ entering the layer", "zh": "进入该层的 ‖x‖"},
    "u_attn": {"en": "‖attention output‖", "zh": "‖注意力输出‖"},
    "u_ffn": {"en": "‖FFN output‖", "zh": "‖FFN 输出‖"},
    "norm_header": {"en": "LayerNorm: before and after", "zh": "LayerNorm：归一化前后"},
    "norm_caption": {
        "en": "LayerNorm rescales each token's vector on its own: subtract its mean over the D features, divide "
              "by its standard deviation, then multiply by the learned γ and add β. Before, means and variances "
              "differ from token to token; after, they are all close to the same values (exactly 0 and 1 before "
              "γ and β are applied).",
        "zh": "LayerNorm 对每个词元的向量单独缩放：减去它在 D 个特征上的均值，除以标准差，再乘以学到的 γ、加上 β。"
              "归一化前，各词元的均值和方差各不相同；归一化后都接近同样的值（在乘 γ、加 β 之前恰好是 0 和 1）。"},
    "attn_norm": {"en": "LayerNorm around attention", "zh": "注意力处的 LayerNorm"},
    "ffn_norm": {"en": "LayerNorm around the FFN", "zh": "FFN 处的 LayerNorm"},
    "mean": {"en": "mean", "zh": "均值"},
    "variance": {"en": "variance", "zh": "方差"},
    "before": {"en": "before", "zh": "之前"},
    "after": {"en": "after", "zh": "之后"},
    "ln_header": {"en": "Post-LN or pre-LN?", "zh": "后置 LN 还是前置 LN？"},
    "ln_post": {"en": "the original Transformer and BERT: add first, then normalise",
                "zh": "原始 Transformer 和 BERT：先相加，再归一化"},
    "ln_pre": {"en": "GPT-2 and many newer models: normalise the sublayer's input, add its raw output; one extra "
                     "LayerNorm after the last layer",
               "zh": "GPT-2 及许多较新的模型：先对子层输入归一化，再把子层的原始输出加回；最后一层之后还有一个 "
                     "LayerNorm"},
    "ln_uses": {"en": "This model ({model}) uses **{kind}**.", "zh": "当前模型（{model}）使用 **{kind}**。"},
    "post": {"en": "post-LN", "zh": "后置 LN"},
    "pre": {"en": "pre-LN", "zh": "前置 LN"},
    "ln_why": {"en": "Post-LN keeps the stream itself normalised (‖x‖ stays about the same from layer to layer); "
                     "pre-LN lets the stream grow, which makes deep stacks easier to train.",
               "zh": "后置 LN 让残差流本身保持归一化（‖x‖ 逐层大致不变）；前置 LN 让残差流自由增长，使很深的"
                     "网络更容易训练。"},
}


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
                               **colors.signed(z), colorbar={"title": TEXT["activation"][lang]},
                               hovertemplate="%{y}: neuron %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_layout(xaxis={"title": TEXT["neuron"][lang], "type": "category", "showticklabels": len(cols) <= 64},
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
    return getattr(model, "bert", model)


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
    return [TEXT["embeddings"][lang]] + [TEXT["layer_n"][lang].format(n=i + 1) for i in range(n_layers)]


def stream_figure(trace: ModelTrace, tokens: list[str], lang: str = "en") -> go.Figure:
    """Left: heatmap of ‖x‖ (stage × token). Right: grouped bars of the update sizes per layer."""
    norms = stream_norms(trace)                                              # (L + 1, T)
    sizes = update_sizes(trace)
    n_layers = len(trace.layers)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.12,
                        subplot_titles=(TEXT["stream_norm"][lang], TEXT["updates"][lang]))
    fig.add_trace(go.Heatmap(z=norms.tolist(), x=list(range(len(tokens))), y=stage_names(n_layers, lang),
                             **colors.positive(float(norms.max())), colorbar={"x": 0.5, "len": 0.9},
                             hovertemplate="%{y} · %{x}<br>‖x‖ = %{z:.2f}<extra></extra>"), 1, 1)
    layers = stage_names(n_layers, lang)[1:]
    for key, color in (("stream", GREY), ("attn", ORANGE), ("ffn", GREEN)):
        fig.add_trace(go.Bar(x=layers, y=sizes[key], name=TEXT[f"u_{key}"][lang], marker_color=color), 1, 2)
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
    titles = [f"{TEXT[n][lang]} · {TEXT[s][lang]}" for s in ("mean", "variance") for n in names]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, vertical_spacing=0.2, horizontal_spacing=0.08)
    x = list(range(len(tokens)))
    for row, stat in enumerate(("mean", "var"), start=1):
        for col, name in enumerate(names, start=1):
            for when, color in (("before", GREY), ("after", BLUE)):
                fig.add_trace(go.Bar(x=x, y=stats[name][f"{stat}_{when}"], name=TEXT[when][lang], marker_color=color,
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
