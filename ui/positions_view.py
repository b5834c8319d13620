"""The positional-encoding page's pure logic: sinusoidal, learned and rotary positions, as numbers and figures.

Attention compares every token with every other one and ignores their order, so order has to be put in:
- sinusoidal (Vaswani et al.): PE[pos, 2i] = sin(pos·ω_i), PE[pos, 2i+1] = cos(pos·ω_i), ω_i = 1/10000^(2i/d).
  Moving k positions turns every (sin, cos) pair by the angle k·ω_i, the same for every start position, so
  PE[pos]·PE[pos+k] = Σ_i cos(k·ω_i) depends only on the offset k;
- learned (BERT): one trained vector per position, no formula;
- rotary (RoPE): q and k are rotated by their positions inside attention, so q_m·k_n depends only on n − m.
No Streamlit here.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.embeddings import apply_rotary, rotary_angles, sinusoidal_table

from . import colors
from .i18n import tr

MAX_COLUMNS = 128          # dimensions drawn in a heatmap (pairs sampled evenly beyond this)
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"]

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Positional encoding: where is each word?", "zh": "位置编码：每个词在哪里？"},
    "intro": {
        "en": "Self-attention compares every token with every other token, but by itself it has no idea of "
              "order: shuffle the words and each output is shuffled the same way. So position has to be put in. "
              "The original Transformer **adds fixed sines and cosines**; BERT **learns** one vector per "
              "position; many newer models **rotate** queries and keys inside attention (RoPE).",
        "zh": "自注意力把每个词元和其他所有词元比较，但它本身不知道顺序：把词打乱，输出也只是同样地被打乱。所以必须"
              "把位置信息加进去。最初的 Transformer **加上固定的正弦和余弦**；BERT 为每个位置**学习**一个向量；许多"
              "新模型则在注意力内部**旋转**查询和键（RoPE）。"},
    "uses": {"en": "The picked model ({model}) uses **{kind}** positions: d_model = {d}, at most {n} positions.",
             "zh": "当前模型（{model}）使用 **{kind}** 位置编码：d_model = {d}，最多 {n} 个位置。"},
    "kind_learned": {"en": "learned", "zh": "可学习"},
    "kind_sinusoidal": {"en": "sinusoidal", "zh": "正弦"},
    "kind_rotary": {"en": "rotary", "zh": "旋转"},
    "sin_header": {"en": "Sinusoidal positions", "zh": "正弦位置编码"},
    "sin_caption": {
        "en": "Each pair of dimensions (2i, 2i+1) is a clock hand turning at its own speed ω_i: the first pairs "
              "turn once every few positions, the last ones barely move over thousands. No weights are learned.",
        "zh": "每一对维度 (2i, 2i+1) 像一根以自己速度 ω_i 转动的指针：前面的维度几个位置就转一圈，最后的维度在几千个"
              "位置内几乎不动。这里没有需要学习的权重。"},
    "n_positions": {"en": "Positions shown", "zh": "显示的位置数"},
    "dims": {"en": "Dimensions to plot", "zh": "要画的维度"},
    "curve_name": {"en": "dim {dim} ({kind}, one turn every {wave} positions)",
                   "zh": "维度 {dim}（{kind}，每 {wave} 个位置转一圈）"},
    "position": {"en": "position", "zh": "位置"},
    "dim": {"en": "dimension", "zh": "维度"},
    "table_caption": {"en": "The whole table: position down, dimension across ({shown} of {d} dimensions shown).",
                      "zh": "整张表：纵轴为位置，横轴为维度（显示 {d} 个维度中的 {shown} 个）。"},
    "rel_header": {"en": "Why sinusoids encode relative position", "zh": "为什么正弦编码能表示相对位置"},
    "rel_intro": {
        "en": "Moving k positions turns every (sin, cos) pair by the angle k·ω_i, whatever the start: PE(pos+k) is a "
              "**rotation** of PE(pos) by a matrix R(k) that depends only on k. So the dot product "
              "PE(p)·PE(p+k) = Σ cos(k·ω_i) depends only on the offset k: the diagonals of the similarity matrix "
              "are constant, and the curves for different start positions lie exactly on top of each other.",
        "zh": "向后移动 k 个位置，会把每一对 (sin, cos) 旋转角度 k·ω_i，与起点无关：PE(pos+k) 是 PE(pos) 经过一个只"
              "取决于 k 的矩阵 R(k) 的**旋转**。因此点积 PE(p)·PE(p+k) = Σ cos(k·ω_i) 只取决于偏移 k：相似度矩阵的"
              "每条对角线都是常数，不同起点的曲线完全重合。"},
    "rotation_metric": {"en": "Rotation check: largest error", "zh": "旋转检验：最大误差"},
    "rotation_help": {"en": "max |R(k)·PE(pos) − PE(pos+k)| over every position shown and every offset k ≤ {k}: "
                            "zero up to float rounding.",
                      "zh": "遍历所有显示的位置和所有偏移 k ≤ {k} 的 max |R(k)·PE(pos) − PE(pos+k)|：除浮点舍入误差外"
                            "为零。"},
    "closed_metric": {"en": "Σ cos({k}·ω_i)", "zh": "Σ cos({k}·ω_i)"},
    "sim_dot": {"en": "PE(p) · PE(q)", "zh": "PE(p) · PE(q)"},
    "sim_cos": {"en": "cosine(P(p), P(q))", "zh": "余弦(P(p), P(q))"},
    "offset_dot": {"en": "PE(p) · PE(p+k) against the offset k", "zh": "PE(p) · PE(p+k) 随偏移 k 的变化"},
    "offset_cos": {"en": "cosine(P(p), P(p+k)) against the offset k", "zh": "余弦(P(p), P(p+k)) 随偏移 k 的变化"},
    "offset": {"en": "offset k", "zh": "偏移 k"},
    "start": {"en": "start p = {p}", "zh": "起点 p = {p}"},
    "learned_header": {"en": "Learned positions (BERT)", "zh": "可学习的位置编码（BERT）"},
    "learned_intro": {
        "en": "BERT has no formula: its position table is a weight matrix (max_len × d_model) trained with "
              "everything else, so it can only encode positions it saw in training (at most max_len). A long "
              "training on many long sentences tends to make the table smooth, neighbouring positions similar; a "
              "short one leaves much of it noise. Nothing forces the offset curves to coincide. Cosine similarity "
              "is used because learned vectors differ in length; the line under the table measures this model's.",
        "zh": "BERT 没有公式：它的位置表是一个权重矩阵（max_len × d_model），与其他参数一起训练，因此只能表示训练中"
              "见过的位置（最多 max_len 个）。在大量长句上长时间训练，位置表往往会变得平滑，相邻位置彼此相似；"
              "训练较短时，表的大部分仍是噪声。没有什么强制不同起点的偏移曲线重合。这里用余弦相似度，因为学到的"
              "向量长度各不相同；表格下面的一行给出了当前模型的实测结果。"},
    "smooth_measured": {
        "en": "Measured on this model's first {n} positions: neighbouring positions have mean cosine similarity "
              "{near:.2f}, positions at least {gap} apart {far:.2f}. {verdict}",
        "zh": "在当前模型的前 {n} 个位置上实测：相邻位置的平均余弦相似度为 {near:.2f}，相距至少 {gap} 的位置为 "
              "{far:.2f}。{verdict}"},
    "verdict_smooth": {"en": "The table is smooth: neighbours are far more alike than distant positions.",
                       "zh": "这张表是平滑的：相邻位置远比相距较远的位置相似。"},
    "verdict_partly": {"en": "Only partly smooth: neighbours are somewhat more alike, but most of what you see is "
                             "still noise (this model trained briefly).",
                       "zh": "只是部分平滑：相邻位置稍微更相似，但看到的大部分仍是噪声（这个模型训练时间较短）。"},
    "verdict_noise": {"en": "No smoothness: neighbours are no more alike than distant positions; the table is noise.",
                      "zh": "没有平滑性：相邻位置并不比相距较远的位置更相似；这张表就是噪声。"},
    "learned_random": {"en": "This model has random weights, so its position table is noise: no smooth pattern, and "
                             "only a position with itself is similar.",
                       "zh": "该模型是随机权重，位置表只是噪声：没有平滑的规律，只有位置与自身相似。"},
    "learned_none": {"en": "The picked model has no learned position table (it uses {kind} positions).",
                     "zh": "当前模型没有可学习的位置表（它使用{kind}位置编码）。"},
    "rope_header": {"en": "Rotary positions (RoPE): relative by construction",
                    "zh": "旋转位置编码（RoPE）：天生表示相对位置"},
    "rope_intro": {
        "en": "RoPE adds nothing to the embeddings. Inside attention it rotates each query and key by an angle "
              "proportional to its own position. Rotations compose, R(m)ᵀR(n) = R(n − m), so the score between a "
              "query at m and a key at n depends only on n − m. Below, one query vector q and one key vector k "
              "are placed at two different absolute positions: with rotation the score-against-offset curves "
              "coincide; with sinusoids added to q and k instead, they do not.",
        "zh": "RoPE 不往嵌入上加任何东西。它在注意力内部把每个查询和键按其位置成比例的角度旋转。旋转可以合并："
              "R(m)ᵀR(n) = R(n − m)，所以位置 m 的查询和位置 n 的键之间的分数只取决于 n − m。"
              "下面把同一个查询向量 q 和键向量 k 放在两个不同的绝对位置：使用旋转时，分数随偏移变化的曲线完全重合；"
              "如果改为把正弦编码加到 q 和 k 上，曲线就不重合。"},
    "rope_m1": {"en": "Curve 1: the query sits at position m =", "zh": "曲线 1：查询位于位置 m ="},
    "rope_m2": {"en": "Curve 2: the query sits at position m =", "zh": "曲线 2：查询位于位置 m ="},
    "rope_rotary": {"en": "rotary: R(m)q · R(m+k)k", "zh": "旋转：R(m)q · R(m+k)k"},
    "rope_added": {"en": "added: (q+PE(m)) · (k+PE(m+k))", "zh": "相加：(q+PE(m)) · (k+PE(m+k))"},
    "rope_start": {"en": "query at m = {m}", "zh": "查询位于 m = {m}"},
    "rope_caption": {"en": "d_head = {d} (this model's head width), random q and k, offsets 0 … {k}.",
                     "zh": "d_head = {d}（该模型每个头的宽度），q 和 k 为随机向量，偏移 0 … {k}。"},
}


def sinusoids(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """(P, D) the fixed table, from transformer_core (the same one the model adds)."""
    return sinusoidal_table(n_positions, d_model, base).numpy()


def wavelength(dim: int, d_model: int, base: float = 10000.0) -> float:
    """Positions per full turn of dimension ``dim``: 2π / ω_i with i = dim // 2 (2π for the first pair,
    up to 2π·base for the last)."""
    return 2 * math.pi * base ** (2 * (dim // 2) / d_model)


def dim_sample(d_model: int, limit: int = MAX_COLUMNS) -> list[int]:
    """At most ``limit`` dimensions spread over all of them, keeping each (sin, cos) pair together."""
    pairs = d_model // 2
    step = max(1, math.ceil(pairs / (limit // 2)))
    dims = [d for i in range(0, pairs, step) for d in (2 * i, 2 * i + 1)]
    return dims + ([d_model - 1] if d_model % 2 and len(dims) < limit else [])


def rotate(pe: np.ndarray, k: int, base: float = 10000.0) -> np.ndarray:
    """R(k)·PE[pos] for rows pe (…, D): turn each (sin, cos) pair by k·ω_i. R(k) does not depend on pos:
    sin(a + b) = sin a cos b + cos a sin b,  cos(a + b) = cos a cos b − sin a sin b."""
    d_model = pe.shape[-1]
    omega = base ** (-np.arange(0, d_model, 2) / d_model)                              # (D/2,)
    s, c = pe[..., 0::2], pe[..., 1::2]                                                 # (…, D/2) each
    out = np.empty_like(pe)
    out[..., 0::2] = s * np.cos(k * omega) + c * np.sin(k * omega)
    out[..., 1::2] = c * np.cos(k * omega) - s * np.sin(k * omega)
    return out


def rotation_error(table: np.ndarray, max_offset: int, base: float = 10000.0) -> float:
    """max over pos, k of |R(k)·PE[pos] − PE[pos + k]|: ≈ 0 (float rounding) for the sinusoidal table."""
    n = table.shape[0]
    return max(float(np.abs(rotate(table[:n - k], k, base) - table[k:]).max())
               for k in range(1, min(max_offset, n - 1) + 1))


def dot_similarity(table: np.ndarray) -> np.ndarray:
    """(P, P) PE[p]·PE[q] for every pair of positions."""
    return table @ table.T


def cosine_similarity(table: np.ndarray) -> np.ndarray:
    """(P, P) cosine of the angle between position vectors (learned vectors differ in length)."""
    unit = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def smoothness(sim: np.ndarray) -> tuple[float, float, int, str]:
    """(mean cosine of neighbouring positions, mean cosine of positions ≥ gap apart, gap, verdict key) for a
    (P, P) cosine table: how smooth a learned position table really is, measured, not assumed."""
    n = sim.shape[0]
    gap = max(4, n // 4)
    near = float(np.diag(sim, 1).mean()) if n > 1 else 1.0
    far_values = np.concatenate([np.diag(sim, k) for k in range(gap, n)]) if n > gap else np.array([near])
    far = float(far_values.mean())
    verdict = "verdict_smooth" if near - far >= 0.5 else "verdict_partly" if near - far >= 0.15 else "verdict_noise"
    return near, far, gap, verdict


def offset_curves(sim: np.ndarray, starts: list[int], max_offset: int) -> dict[int, list[float]]:
    """{start p: [sim[p, p + k] for k = 0 … max_offset]}, cut where p + k runs off the table."""
    n = sim.shape[0]
    return {p: [float(sim[p, p + k]) for k in range(0, min(max_offset, n - 1 - p) + 1)] for p in starts if p < n}


def closed_form(k: int, d_model: int, base: float = 10000.0) -> float:
    """PE[pos]·PE[pos + k] = Σ_i cos(k·ω_i), with no pos in it."""
    return float(np.cos(k * base ** (-np.arange(0, d_model, 2) / d_model)).sum())


def rope_scores(d_head: int, starts: list[int], max_offset: int, base: float = 10000.0, seed: int = 0
                ) -> dict[str, dict[int, list[float]]]:
    """Scores of one query vector q and one key vector k placed at positions m and m + offset.

    "rotary": rotate q by m and k by m + offset (transformer_core's rotary_angles / apply_rotary), then q·k.
    "added": add sinusoids instead, (q + PE[m])·(k + PE[m + offset]): its cross terms depend on m itself."""
    g = torch.Generator().manual_seed(seed)
    q, k = torch.randn(2, d_head, generator=g)                                          # (Dh,) each
    n = max(starts) + max_offset + 1
    cos, sin = rotary_angles(n, d_head, base)                                           # (n, Dh) each
    q_rot = apply_rotary(q.expand(1, 1, n, d_head), cos, sin)[0, 0]                     # (n, Dh): q at every position
    k_rot = apply_rotary(k.expand(1, 1, n, d_head), cos, sin)[0, 0]
    pe = sinusoidal_table(n, d_head, base)                                              # (n, Dh)
    out: dict[str, dict[int, list[float]]] = {"rotary": {}, "added": {}}
    for m in starts:
        ends = range(m, m + max_offset + 1)
        out["rotary"][m] = [float(q_rot[m] @ k_rot[e]) for e in ends]
        out["added"][m] = [float((q + pe[m]) @ (k + pe[e])) for e in ends]
    return out


def tidy(fig: go.Figure) -> go.Figure:
    """Room for every axis label: plotly grows the margins to fit the tick labels."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig

# ── figures ──────────────────────────────────────────────────────────────────────────────────────────

def curves_figure(table: np.ndarray, dims: list[int], lang: str = "en", base: float = 10000.0) -> go.Figure:
    """PE[pos, dim] against pos for the chosen dimensions: low dimensions turn fast, high ones slowly."""
    n, d = table.shape
    fig = go.Figure()
    for j, dim in enumerate(dims):
        kind = "sin" if dim % 2 == 0 else "cos"
        name = tr(TEXT, "curve_name", lang, dim=dim, kind=kind, wave=f"{wavelength(dim, d, base):,.1f}")
        fig.add_trace(go.Scatter(x=list(range(n)), y=np.round(table[:, dim], 4).tolist(), mode="lines", name=name,
                                 line={"color": COLOURS[j % len(COLOURS)]}))
    fig.update_layout(height=340, xaxis_title=tr(TEXT, "position", lang), yaxis_title="PE",
                      margin={"l": 10, "r": 10, "t": 20, "b": 10}, legend={"orientation": "h", "y": -0.25})
    fig.update_yaxes(automargin=True)
    return tidy(fig)


def table_figure(table: np.ndarray, lang: str = "en") -> go.Figure:
    """Positions down, dimensions across (sampled to MAX_COLUMNS), values from −1 (blue) to +1 (red)."""
    dims = dim_sample(table.shape[1])
    limit = float(np.percentile(np.abs(table), 99)) or 1.0       # robust: outlier dimensions do not wash it out
    names = [str(d) for d in dims]                           # one column per shown dimension, named by it
    fig = go.Figure(go.Heatmap(z=np.round(table[:, dims], 3).tolist(), x=names, y=list(range(table.shape[0])),
                               **colors.signed(None, limit),
                               hovertemplate="pos %{y} · dim %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_xaxes(type="category", tickvals=names[::max(1, len(names) // 12)], title_text=tr(TEXT, "dim", lang))
    fig.update_yaxes(autorange="reversed", title_text=tr(TEXT, "position", lang), automargin=True)
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return tidy(fig)


def similarity_figure(sim: np.ndarray, lang: str = "en", key: str = "dot") -> go.Figure:
    """Position × position similarity; for sinusoids every diagonal is constant (it depends on p − q)."""
    fig = go.Figure(go.Heatmap(z=np.round(sim, 3).tolist(), **colors.signed(sim),
                               hovertemplate="p %{y} · q %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="p", automargin=True)
    fig.update_xaxes(title_text="q")
    fig.update_layout(height=420, title=tr(TEXT, f"sim_{key}", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return tidy(fig)


def offset_figure(curves: dict[int, list[float]], lang: str = "en", key: str = "dot") -> go.Figure:
    """Similarity against offset k, one line per start position: identical lines = depends on k only."""
    fig = go.Figure()
    for j, (start, values) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=[round(v, 4) for v in values], mode="lines",
                                 name=tr(TEXT, "start", lang, p=start),
                                 line={"color": COLOURS[j % len(COLOURS)], "width": 5 - 1.3 * j}))
    fig.update_layout(height=420, title=tr(TEXT, f"offset_{key}", lang), xaxis_title=tr(TEXT, "offset", lang),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(automargin=True)
    return tidy(fig)


def rope_figure(scores: dict[str, dict[int, list[float]]], lang: str = "en") -> go.Figure:
    """Left: rotary scores against offset, one line per absolute start (they coincide).
    Right: the same q, k with sinusoids added instead (they do not)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[tr(TEXT, "rope_rotary", lang), tr(TEXT, "rope_added", lang)])
    for col, kind in enumerate(("rotary", "added"), start=1):
        for j, (start, values) in enumerate(scores[kind].items()):
            fig.add_trace(go.Scatter(x=list(range(len(values))), y=[round(v, 4) for v in values], mode="lines",
                                     name=tr(TEXT, "rope_start", lang, m=start), legendgroup=str(start),
                                     showlegend=col == 1, line={"color": COLOURS[j % len(COLOURS)],
                                                                "width": 5 - 2 * j}), row=1, col=col)
    fig.update_xaxes(title_text=tr(TEXT, "offset", lang))
    fig.update_yaxes(title_text="q·k", automargin=True, col=1)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25})
    return tidy(fig)


def learned_table(model) -> np.ndarray | None:
    """The model's trained position table (max_len, D), or None when it does not learn positions."""
    embeddings = model.bert.embeddings if hasattr(model, "bert") else model.embeddings
    if embeddings.position is None:
        return None
    return embeddings.position.weight.detach().float().numpy()
