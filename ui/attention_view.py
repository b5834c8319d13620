"""One attention head, step by step, with the real numbers of a recorded forward pass.

    X → Q = X·W_Q + b_Q, K, V (this head's slice) → QKᵀ → ÷ √d_k → + M → softmax → · V

Two simplified variants are computed next to the real thing:
(a) no projections, Q = K = V = X: a vector is most like itself, so every token mostly looks at itself;
(b) no ÷ √d_k: scores grow with d_k, softmax saturates towards one-hot.
Pure functions: numpy / torch in → dataclasses, tables and plotly figures out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from transformer_core.attention import additive_mask, attention_steps

from . import colors

SMALL_T = 16        # up to this many tokens a matrix is shown as a table of numbers; more → heatmap
TABLE_DIMS = 8      # dimension columns shown of a (T, d) matrix in a table (token columns are never cut)
HEAT_DIMS = 64      # columns shown of a (T, d) matrix in a heatmap
HIGHLIGHT = "#d62728"


@dataclass(frozen=True)
class HeadSteps:
    """Every step of one head for one sentence (batch of one removed)."""
    x: np.ndarray        # (T, D) what W_Q, W_K, W_V multiply: the layer input (post-LN) or its LayerNorm (pre-LN)
    q: np.ndarray        # (T, d_k) queries of this head
    k: np.ndarray        # (T, d_k) keys
    v: np.ndarray        # (T, d_k) values
    scores: np.ndarray   # (T, T) QKᵀ
    scaled: np.ndarray   # (T, T) QKᵀ / √d_k
    masked: np.ndarray   # (T, T) + M
    weights: np.ndarray  # (T, T) softmax over each row
    context: np.ndarray  # (T, d_k) weights · V

    @property
    def d_k(self) -> int:
        return self.q.shape[1]

    @property
    def allowed(self) -> np.ndarray:
        """(T, T) True where M = 0 (attention allowed), False where M is very negative."""
        return self.masked - self.scaled > -1e30


def head_steps(trace, layer: int, head: int, norm_first: bool = False) -> HeadSteps:
    """Pick one layer and head out of a ModelTrace (batch of one)."""
    lt = trace.layers[layer]
    a = lt.self_attn
    x = lt.attn_norm.output if norm_first else lt.input      # pre-LN attends over LN(x), post-LN over x

    def pick(t):                                             # (1, H, T, ·) → (T, ·)
        return t[0, head].float().numpy()
    return HeadSteps(x=x[0].float().numpy(), q=pick(a.q), k=pick(a.k), v=pick(a.v), scores=pick(a.scores),
                     scaled=pick(a.scaled), masked=pick(a.masked), weights=pick(a.weights), context=pick(a.context))


def attention_module(model, layer: int):
    """The MultiHeadAttention of one encoder layer, whatever head sits on top of the encoder."""
    return getattr(model, "bert", model).layers[layer].self_attn


def project_head(x: np.ndarray, linear: torch.nn.Linear, head: int, d_head: int) -> np.ndarray:
    """This head's slice of a projection: X·W[:, h] + b[h]. x: (T, D) → (T, d_head).
    nn.Linear stores W transposed, (out, in), so the head's rows are W[h·d_head:(h+1)·d_head]."""
    rows = slice(head * d_head, (head + 1) * d_head)
    w = linear.weight.detach()[rows].float()               # (d_head, D)
    b = linear.bias.detach()[rows].float()                 # (d_head,)
    return (torch.from_numpy(x) @ w.T + b).numpy()         # (T, d_head)


def row_sums(weights: np.ndarray) -> np.ndarray:
    """(T, T) → (T,): each row of a softmax sums to 1."""
    return weights.sum(axis=-1)


def entropy_bits(weights: np.ndarray) -> np.ndarray:
    """(T, T) → (T,) −Σ p·log₂p per row: log₂T for a uniform row, 0 for one-hot."""
    p = np.clip(weights, 1e-12, 1.0)
    return -(weights * np.log2(p)).sum(axis=-1)


def self_share(weights: np.ndarray) -> float:
    """Mean weight a token gives itself (the diagonal)."""
    return float(np.diag(weights).mean())


def _mask(allowed: np.ndarray) -> torch.Tensor | None:
    return None if allowed.all() else additive_mask(torch.from_numpy(allowed))


def unprojected(x: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Variant (a): attention with Q = K = V = X, scaled by √D as usual. x: (T, D) → weights (T, T)."""
    t = torch.from_numpy(x)                                 # (T, D)
    mask = None if allowed is None else _mask(allowed)
    return attention_steps(t, t, t, mask).weights.numpy()   # softmax(XXᵀ/√D): diagonal ‖x_i‖² wins


def unscaled(steps: HeadSteps) -> np.ndarray:
    """Variant (b): the real Q, K, V but without ÷ √d_k. → weights (T, T)."""
    q, k, v = (torch.from_numpy(a) for a in (steps.q, steps.k, steps.v))
    return attention_steps(q, k, v, _mask(steps.allowed), scale=False).weights.numpy()


def saturation_table(real: np.ndarray, variant: np.ndarray, rows: tuple[str, str],
                     cols: tuple[str, str]) -> pd.DataFrame:
    """Mean entropy (bits) and mean largest weight per row, for the real head and a variant."""
    data = [[entropy_bits(w).mean(), w.max(-1).mean()] for w in (real, variant)]
    return pd.DataFrame(data, index=list(rows), columns=list(cols)).round(3)


def variance_by_dk(dks=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), n: int = 2000, seed: int = 0) -> dict:
    """Var(q·k) for random q, k with d_k independent N(0, 1) entries: ≈ d_k raw, ≈ 1 after ÷ √d_k."""
    g = torch.Generator().manual_seed(seed)
    raw, scaled = [], []
    for d in dks:
        q, k = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)   # (n, d_k) each
        dots = (q * k).sum(-1)                                                   # (n,) one dot product per pair
        raw.append(float(dots.var()))
        scaled.append(float((dots / d ** 0.5).var()))
    return {"d_k": list(dks), "raw": raw, "scaled": scaled}


# ── tables and figures ──────────────────────────────────────────────────────────────────────────────

def labels(tokens) -> list[str]:
    """Unique row/column names: "3 cat" (the same word twice must stay two rows)."""
    return [f"{i} {tok}" for i, tok in enumerate(tokens)]


def is_small(n_tokens: int) -> bool:
    return n_tokens <= SMALL_T


def table(m: np.ndarray, rows: list[str], cols: list[str] | None = None, query: int | None = None,
          max_cols: int = TABLE_DIMS):
    """A rounded table with the query's row highlighted → pandas Styler. Columns that are tokens (``cols``
    given) are all shown: a row of weights cut short would not sum to 1. Columns that are dimensions
    (``cols`` None) are cut to the first ``max_cols``."""
    if cols is None:
        m = m[:, :max_cols]
        cols = [str(j) for j in range(m.shape[1])]
    df = pd.DataFrame(np.round(m, 3), index=rows, columns=cols)
    style = df.style.format(precision=3)
    if query is not None:
        style = style.apply(lambda r: [f"background-color: {HIGHLIGHT}33"] * len(r) if r.name == rows[query]
                            else [""] * len(r), axis=1)
    return style


def table_height(n_rows: int) -> int:
    """Pixels for st.dataframe to show every row (35 px a row plus the header) with no inner scrolling."""
    return 35 * (n_rows + 1) + 3


def heatmap(m: np.ndarray, rows: list[str], cols: list[str] | None = None, query: int | None = None,
            title: str = "", max_cols: int = HEAT_DIMS,
            zmin: float | None = None, zmax: float | None = None) -> go.Figure:
    """A heatmap with row 0 at the top and the query's row framed in red. With ``zmin`` (weights,
    probabilities) the sequential scale from ``zmin``; without, the values are signed: the diverging scale,
    white at 0 (ui/colors.py)."""
    m = m[:, :max_cols]
    m = np.where(m < -1e30, np.nan, m)                      # blocked by the mask: drawn as a gap
    dims = cols is None                                     # columns are dimensions, not tokens
    cols = (cols or [str(j) for j in range(m.shape[1])])[:max_cols]
    if zmin is not None and zmax is None:
        zmax = float(np.nanmax(m))
    scale = colors.positive(zmax, zmin) if zmin is not None else colors.signed(m)
    # z as a numpy array: plotly validates a nested list element by element (13.7 ms for 64 × 64, measured)
    # and an array at once (1.3 ms); the figure JSON then carries it base64-encoded.
    fig = go.Figure(go.Heatmap(z=np.round(m, 4), x=list(range(len(cols))), y=list(range(len(rows))),
                               **scale,
                               hovertemplate="%{y} → %{x}: %{z:.4f}<extra></extra>"))
    step = max(1, len(rows) // 40)                          # at most ~40 tick labels per axis
    fig.update_yaxes(autorange="reversed", tickvals=list(range(0, len(rows), step)), ticktext=rows[::step])
    cstep = max(1, len(cols) // (8 if dims else 40))       # dimension numbers: a few landmarks suffice
    fig.update_xaxes(tickvals=list(range(0, len(cols), cstep)), ticktext=cols[::cstep], tickangle=-60)
    if query is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=len(cols) - 0.5, y0=query - 0.5, y1=query + 0.5,
                      line={"color": HIGHLIGHT, "width": 3})
    fig.update_layout(title=title, height=min(900, 200 + 16 * len(rows)), margin=label_margin(rows, cols))
    return fig


def label_margin(rows: list[str], cols: list[str]) -> dict:
    """Room for the tick labels (left: row names; bottom: column names at −60°), in pixels."""
    width = max(len(r) for r in rows)
    height = max(len(c) for c in cols)
    return {"l": min(200, 20 + 8 * width), "b": min(160, 20 + 7 * height), "r": 10, "t": 40}


def bars(series: dict[str, np.ndarray], cols: list[str], title: str = "", y_title: str = "") -> go.Figure:
    """One or more rows of weights as (grouped) bars, e.g. the query's softmax row."""
    fig = go.Figure([go.Bar(name=name, x=cols, y=np.round(values, 4).tolist()) for name, values in series.items()])
    fig.update_layout(title=title, barmode="group", height=380, yaxis_title=y_title,
                      margin={**label_margin(["0.00"], cols), "l": 50}, legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(tickangle=-60)
    return fig


def variance_figure(sim: dict, head_dk: int, head_raw: float, head_scaled: float, names: dict) -> go.Figure:
    """Var(q·k) against d_k on log axes: the raw dot product grows like d_k, the scaled one stays ≈ 1.
    The real head's measured variances are the two markers."""
    fig = go.Figure([
        go.Scatter(x=sim["d_k"], y=sim["raw"], mode="lines+markers", name=names["raw"]),
        go.Scatter(x=sim["d_k"], y=sim["scaled"], mode="lines+markers", name=names["scaled"]),
        go.Scatter(x=[head_dk, head_dk], y=[head_raw, head_scaled], mode="markers", name=names["head"],
                   marker={"size": 14, "symbol": "star", "color": HIGHLIGHT})])
    fig.update_xaxes(type="log", title={"text": "d_k", "standoff": 6}, automargin=True)   # title below the ticks
    fig.update_yaxes(type="log", title=names["y"], automargin=True)
    fig.update_layout(height=400, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": 1.12})
    return fig


# ── the page's strings ──────────────────────────────────────────────────────────────────────────────

TEXT: dict[str, dict[str, str]] = {
    "intro": {
        "en": "Here is one attention head of the model you picked, working on the sentence in the sidebar: every "
              "number below comes from this real forward pass. A head lets each token (the *query*) score every "
              "token (the *keys*), turns the scores into weights that sum to 1, and takes the weighted average of "
              "the *values*. Pick a layer, a head and a query token, then follow the query's row (highlighted) "
              "from the input X to the head's output.",
        "zh": "这里展示你所选模型中的一个注意力头如何处理侧边栏中的句子：下面每个数字都来自这次真实的前向计算。"
              "一个头让每个词元（作为*查询* query）给所有词元（*键* key）打分，把分数变成总和为 1 的权重，"
              "再对*值* value 做加权平均。选择层、头和一个查询词元，然后沿着该查询所在的行（高亮标出）"
              "从输入 X 一直看到这个头的输出。"},
    "formula_caption": {
        "en": "Q, K, V: this head's queries, keys and values (T × d_k each); M: the mask (0 where attention is "
              "allowed). The ÷ √d_k matters: without it the softmax saturates (variant b below).",
        "zh": "Q、K、V：该头的查询、键和值（各为 T × d_k）；M：掩码（允许注意的位置为 0）。"
              "除以 √d_k 很重要：没有它 softmax 会饱和（见下方变体 b）。"},
    "query": {"en": "Query token (the row we follow)", "zh": "查询词元（我们跟踪的那一行）"},
    "shapes": {"en": "T = {T} tokens · model width D = {D} · {H} heads · each head works in d_k = D / H = {dk} "
                     "dimensions.",
               "zh": "T = {T} 个词元 · 模型宽度 D = {D} · {H} 个头 · 每个头在 d_k = D / H = {dk} 维中计算。"},
    "small_note": {"en": "Short sentence: matrices are tables of numbers, the query's row highlighted. Token × token "
                         "tables show every column; X, Q, K, V and the output show their first {n} dimensions.",
                   "zh": "句子较短：矩阵以数字表格显示，查询所在行高亮。词元 × 词元的表格显示全部列；"
                         "X、Q、K、V 和输出只显示前 {n} 维。"},
    "large_note": {"en": "Long sentence: matrices are heatmaps (at most the first {n} columns), the query's row "
                         "framed in red.",
                   "zh": "句子较长：矩阵以热力图显示（最多前 {n} 列），查询所在行用红框标出。"},
    "s1_title": {"en": "① The input X", "zh": "① 输入 X"},
    "s1_body": {"en": "X has one row per token: the vector this layer receives (T × D = {T} × {D}). ",
                "zh": "X 每个词元一行：这一层收到的向量（T × D = {T} × {D}）。"},
    "which_post": {"en": "In BERT (post-LN) that is the output of the layer below (of the embeddings, for layer 1).",
                   "zh": "在 BERT（后置 LN）中，它就是前一层的输出（第 1 层则是嵌入层的输出）。"},
    "which_pre": {"en": "This model is pre-LN, so the head reads LayerNorm(x), not x itself.",
                  "zh": "这个模型是前置 LN，所以注意力头读取的是 LayerNorm(x)，而不是 x 本身。"},
    "s2_title": {"en": "② Project: this head's Q, K, V", "zh": "② 投影：该头的 Q、K、V"},
    "s2_body": {"en": "Three learned matrices turn each row of X into a query (what am I looking for?), a key (what "
                      "do I offer?) and a value (what do I hand on?). This head uses its own slice of W_Q, W_K, W_V: "
                      "X ({T} × {D}) · W ({D} × {dk}) → ({T} × {dk}).",
                "zh": "三个学到的矩阵把 X 的每一行变成一个查询（我在找什么？）、一个键（我能提供什么？）和一个值"
                      "（我要传递什么？）。这个头使用 W_Q、W_K、W_V 中属于自己的那一部分："
                      "X（{T} × {D}）· W（{D} × {dk}）→（{T} × {dk}）。"},
    "q_check": {"en": "Check: X·W_Q + b_Q recomputed from the model's weights gives the recorded Q (largest "
                      "difference {diff:.1e}).",
                "zh": "核对：用模型权重重新计算 X·W_Q + b_Q，得到的就是记录下来的 Q（最大差 {diff:.1e}）。"},
    "rotary_note": {"en": "This model uses rotary positions: after X·W_Q and X·W_K the queries and keys are rotated "
                          "by their position, so the Q and K shown include that rotation.",
                    "zh": "该模型使用旋转位置编码：在 X·W_Q 与 X·W_K 之后，查询和键还会按位置旋转，"
                          "所以这里显示的 Q、K 已包含该旋转。"},
    "s3_title": {"en": "③ Scores: QKᵀ", "zh": "③ 打分：QKᵀ"},
    "s3_body": {"en": "Entry (i, j) is the dot product q_i · k_j: how well query i matches key j. Every query meets "
                      "every key, so this is a {T} × {T} matrix: the reason self-attention costs O(T²).",
                "zh": "第 (i, j) 项是点积 q_i · k_j：查询 i 与键 j 有多匹配。每个查询都要与每个键相乘，"
                      "所以这是一个 {T} × {T} 的矩阵：这正是自注意力的代价为 O(T²) 的原因。"},
    "s4_title": {"en": "④ Scale: ÷ √d_k", "zh": "④ 缩放：÷ √d_k"},
    "s4_body": {"en": "Every score is divided by √d_k = √{dk} ≈ {sqrt:.2f}. A dot product adds up d_k terms, so its "
                      "spread grows with d_k; dividing keeps the scores at a steady scale and the softmax out of "
                      "saturation. Here the standard deviation of the scores goes from {before:.3f} to {after:.3f}.",
                "zh": "每个分数都除以 √d_k = √{dk} ≈ {sqrt:.2f}。点积是 d_k 项之和，其离散程度随 d_k 增大；"
                      "除以 √d_k 让分数保持稳定的尺度，softmax 就不会饱和。这里分数的标准差从 {before:.3f} "
                      "变为 {after:.3f}。"},
    "s5_title": {"en": "⑤ Mask: + M", "zh": "⑤ 掩码：+ M"},
    "s5_none": {"en": "M is 0 everywhere here: one sentence has no [PAD] tokens, so every query may look at every "
                      "key. In a padded batch M is a huge negative number in the [PAD] columns, and softmax turns "
                      "those into weight 0 (a decoder blocks the future the same way).",
                "zh": "这里 M 处处为 0：单个句子没有 [PAD]，所以每个查询都可以查看所有键。在有填充的批次中，"
                      "M 在 [PAD] 列上是一个极大的负数，softmax 之后这些位置的权重就是 0"
                      "（解码器也用同样的方法屏蔽未来的位置）。"},
    "s5_some": {"en": "{n} entries are blocked (M very negative, drawn as gaps): after softmax their weight is 0.",
                "zh": "有 {n} 个位置被屏蔽（M 为极大负数，图中留空）：softmax 之后其权重为 0。"},
    "s6_title": {"en": "⑥ Softmax: scores → weights", "zh": "⑥ Softmax：分数 → 权重"},
    "s6_body": {"en": "Softmax works on each row on its own: exponentiate, then divide by the row's total. The "
                      "weights are positive and every row sums to 1: a recipe for how much the query takes from "
                      "each token.",
                "zh": "Softmax 对每一行分别计算：先取指数，再除以该行的总和。权重都是正数，且每行之和为 1："
                      "它规定了查询从每个词元取多少信息。"},
    "rows_sum": {"en": "✓ Every row sums to 1 (smallest row sum {lo:.6f}, largest {hi:.6f}).",
                 "zh": "✓ 每一行之和都为 1（最小行和 {lo:.6f}，最大 {hi:.6f}）。"},
    "rows_off": {"en": "Row sums run from {lo:.6f} to {hi:.6f}: this head is switched off, so its weights are 0.",
                 "zh": "行和从 {lo:.6f} 到 {hi:.6f}：这个头被关闭了，所以它的权重都是 0。"},
    "bar_title": {"en": "Where “{token}” looks: its row of weights", "zh": "“{token}”在看哪里：它那一行的权重"},
    "weight": {"en": "weight", "zh": "权重"},
    "s7_title": {"en": "⑦ Mix the values: weights · V", "zh": "⑦ 混合值向量：权重 · V"},
    "s7_body": {"en": "Each output row is a weighted average of the value vectors, z_i = Σ_j a_ij v_j. The result "
                      "({T} × {dk}) is this head's contribution; the multi-head page shows how all heads are "
                      "concatenated and then projected by W_O.",
                "zh": "每个输出行都是值向量的加权平均，z_i = Σ_j a_ij v_j。结果（{T} × {dk}）就是这个头的贡献；"
                      "“多头注意力”页面展示所有头如何拼接，再经 W_O 投影。"},
    "ctx_check": {"en": "Check: weights · V equals the output recorded for this head (largest difference {diff:.1e}).",
                  "zh": "核对：权重 · V 与记录下来的该头输出一致（最大差 {diff:.1e}）。"},
    "top_keys": {"en": "“{token}” takes most from: {top}.", "zh": "“{token}”主要从这些词元取信息：{top}。"},
    "variants_title": {"en": "What if…? The same head without its projections, or without ÷ √d_k",
                       "zh": "如果……会怎样？同一个头去掉投影，或不除以 √d_k"},
    "variants_intro": {"en": "Some explanations of attention leave out the projections or the scaling. Switch a "
                             "variant on to see, on this sentence, what the real head does differently.",
                       "zh": "一些对注意力的讲解省略了投影或缩放。打开下面的开关，"
                             "用这个句子看看真实的注意力头有何不同。"},
    "toggle_a": {"en": "(a) No projections: Q = K = V = X", "zh": "(a) 不做投影：Q = K = V = X"},
    "toggle_b": {"en": "(b) No scaling: softmax(QKᵀ) without ÷ √d_k", "zh": "(b) 不缩放：softmax(QKᵀ)，不除以 √d_k"},
    "a_body": {"en": "Without W_Q and W_K a token compares its own vector with all the others. x_i · x_i = ‖x_i‖² is "
                     "usually the largest dot product in its row, so each token mostly attends to itself (scaled "
                     "here by √D = √{D}, the width of X). The learned projections are what let a token look for "
                     "something other than itself: a verb for its subject, a pronoun for its noun.",
               "zh": "没有 W_Q 和 W_K 时，每个词元用自己的向量和其他所有向量比较。x_i · x_i = ‖x_i‖² 通常是这一行中"
                     "最大的点积，因此每个词元主要关注自己（这里除以 X 的宽度对应的 √D = √{D}）。"
                     "正是学到的投影让词元能去寻找与自己不同的东西：动词找主语，代词找它指代的名词。"},
    "a_diag": {"en": "Mean weight a token gives itself: real head {real:.1%}, Q = K = V = X {variant:.1%}.",
               "zh": "词元分给自己的平均权重：真实注意力头 {real:.1%}，Q = K = V = X 时 {variant:.1%}。"},
    "b_body": {"en": "Without ÷ √d_k the scores are √{dk} ≈ {sqrt:.1f} times larger. Softmax exaggerates differences, "
                     "so the rows get peakier: lower entropy, a larger top weight. In training, a saturated softmax "
                     "passes almost no gradient to the weights it squeezed to 0. For random vectors with "
                     "unit-variance entries Var(q·k) = d_k: the plot shows it growing with d_k, and staying ≈ 1 "
                     "after scaling.",
               "zh": "不除以 √d_k 时，分数放大了 √{dk} ≈ {sqrt:.1f} 倍。Softmax 会放大差异，于是每一行更加尖锐："
                     "熵更低，最大权重更大。训练时，饱和的 softmax 几乎不给被压到 0 的权重传回梯度。对于各分量"
                     "方差为 1 的随机向量，Var(q·k) = d_k：下图展示它随 d_k 增长，而缩放后始终约为 1。"},
    "real": {"en": "real head", "zh": "真实注意力头"},
    "a_name": {"en": "Q = K = V = X", "zh": "Q = K = V = X"},
    "b_name": {"en": "no ÷ √d_k", "zh": "不除以 √d_k"},
    "map_real": {"en": "real head: weights", "zh": "真实注意力头：权重"},
    "map_a": {"en": "Q = K = V = X: weights", "zh": "Q = K = V = X：权重"},
    "map_b": {"en": "no ÷ √d_k: weights", "zh": "不除以 √d_k：权重"},
    "col_entropy": {"en": "mean entropy, bits (uniform row: {u:.2f})", "zh": "平均熵，比特（均匀分布：{u:.2f}）"},
    "col_max": {"en": "mean largest weight", "zh": "平均最大权重"},
    "var_raw": {"en": "Var(q·k), random vectors", "zh": "Var(q·k)，随机向量"},
    "var_scaled": {"en": "Var(q·k / √d_k), random vectors", "zh": "Var(q·k / √d_k)，随机向量"},
    "var_head": {"en": "this head, before and after ÷ √d_k", "zh": "本注意力头，缩放前后"},
    "var_y": {"en": "variance of the scores", "zh": "分数的方差"},
    "var_caption": {"en": "The stars are this head's measured score variance before and after scaling (d_k = {dk}). "
                          "Learned vectors are not random, so the values differ, but dividing by √d_k always "
                          "divides the variance by d_k.",
                    "zh": "星号是本注意力头实测的分数方差（缩放前后，d_k = {dk}）。学到的向量并非随机，所以数值不同，"
                          "但除以 √d_k 总会让方差变为原来的 1/d_k。"},
}
