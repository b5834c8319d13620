"""Multi-head attention: every head of every layer at once, heads concatenated and mixed by W_O,
attention between whole words instead of word pieces, and top-k lines for long inputs.

    MultiHead(X) = Concat(head_1, …, head_H) · W_O,   head_h = Attention(X·W_Q^h, X·W_K^h, X·W_V^h)

Pure functions: traces / numpy in → numbers and plotly figures out.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from transformer_core.tokenizer import word_pieces

from . import colors
from .attention_view import HIGHLIGHT

GRID_T = 24          # a grid cell shows at most this many rows/columns; longer sentences are pooled into blocks
LONG_T = 40          # above this many tokens, draw the top-k lines per query instead of every line
HEAD_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf")


def all_weights(trace) -> np.ndarray:
    """ModelTrace (batch of one) → (L, H, T, T) attention weights of every layer and head."""
    return trace.attentions[:, 0].float().numpy()


# ── grouping positions: words, or blocks of a long sentence ───────────────────────────────────────

def aggregate(weights: np.ndarray, groups: list[tuple[int, ...]]) -> np.ndarray:
    """(…, T, T) → (…, G, G): attention between groups of positions.
    Keys: SUM the weights over a group's pieces (the word receives all that its pieces received).
    Queries: AVERAGE the rows of a group's pieces. Each row summed to 1, so every new row still does."""
    keys = np.stack([weights[..., list(g)].sum(axis=-1) for g in groups], axis=-1)          # (…, T, G)
    return np.stack([keys[..., list(g), :].mean(axis=-2) for g in groups], axis=-2)         # (…, G, G)


def word_groups(tokenizer, encoded) -> tuple[list[tuple[int, ...]], list[str]]:
    """Positions of each word (from tokenizer.word_pieces), [CLS]/[SEP] as words of their own, in order."""
    spans = {span.piece_indices[0]: span for span in word_pieces(tokenizer, encoded.text, encoded.pair)}
    inside = {i for span in spans.values() for i in span.piece_indices}
    groups, names = [], []
    for i, piece in enumerate(encoded.pieces):
        if i in spans:
            groups.append(spans[i].piece_indices)
            names.append(spans[i].text)
        elif i not in inside:                                  # a special token
            groups.append((i,))
            names.append(piece.token)
    if sorted(i for g in groups for i in g) != list(range(len(encoded.pieces))):   # alignment mismatch:
        groups = [(i,) for i in range(len(encoded.pieces))]                       # stay with pieces
        names = list(encoded.tokens)
    return groups, names


def block_groups(n_tokens: int, n_blocks: int) -> list[tuple[int, ...]]:
    """Split 0…T−1 into at most n_blocks runs of neighbouring positions, all of the same size but the last
    (a key block sums its tokens' weights, so equal sizes keep the blocks comparable)."""
    size = -(-n_tokens // n_blocks)                                          # ceil(T / n_blocks)
    return [tuple(range(start, min(start + size, n_tokens))) for start in range(0, n_tokens, size)]


# ── figures ─────────────────────────────────────────────────────────────────────────────────────────

def grid_figure(weights: np.ndarray, selected: tuple[int, int], layer_name: str, head_name: str,
                names: list[str] | None = None) -> go.Figure:
    """Layers × heads small heatmaps (rows: layers, counted from 1 like everywhere in the app), the selected
    head framed; hovering a cell names its query and key tokens (``names``, unique, e.g. "3 cat").
    Long sentences are pooled into ≤ GRID_T blocks with ``aggregate`` so the grid stays light."""
    n_layers, n_heads, t, _ = weights.shape
    names = list(names) if names else [str(i) for i in range(t)]
    if t > GRID_T:
        groups = block_groups(t, GRID_T)
        weights = aggregate(weights, groups)                                # (L, H, GRID_T, GRID_T)
        names = [f"{names[g[0]]} … {names[g[-1]]}" if len(g) > 1 else names[g[0]] for g in groups]
        t = weights.shape[-1]
    fig = make_subplots(rows=n_layers, cols=n_heads, horizontal_spacing=0.008, vertical_spacing=0.012,
                        column_titles=[f"{head_name} {h + 1}" for h in range(n_heads)],
                        row_titles=[f"{layer_name} {i + 1}" for i in range(n_layers)])
    for i in range(n_layers):
        for h in range(n_heads):
            # z as an array: fast to validate
            fig.add_trace(go.Heatmap(z=np.round(weights[i, h], 3), x=names, y=names, coloraxis="coloraxis",
                                     hovertemplate=f"{layer_name} {i + 1} · {head_name} {h + 1}<br>"
                                                   "%{y} → %{x}: %{z:.3f}<extra></extra>"), row=i + 1, col=h + 1)
    layer, head = selected
    fig.add_shape(type="rect", x0=-0.5, x1=t - 0.5, y0=-0.5, y1=t - 0.5, row=layer + 1, col=head + 1,
                  line={"color": HIGHLIGHT, "width": 3})
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False, autorange="reversed")
    fig.update_layout(coloraxis={"colorscale": colors.SEQUENTIAL, "cmin": 0.0, "cmax": float(weights.max())},
                      height=60 + n_layers * max(60, min(140, 900 // n_heads)),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, font_size=10)
    return fig


def top_k_edges(weights: np.ndarray, k: int) -> list[tuple[int, int, float]]:
    """(T, T) → the k largest weights of every row as (query, key, weight)."""
    k = max(1, min(k, weights.shape[-1]))
    best = np.argsort(-weights, axis=-1)[:, :k]                             # (T, k) key indices, largest first
    return [(int(q), int(j), float(weights[q, j])) for q in range(weights.shape[0]) for j in best[q]]


def top_k_share(weights: np.ndarray, k: int) -> float:
    """Mean over queries of the weight that their k strongest keys receive (1.0 = the lines show everything)."""
    return float(np.sort(weights, axis=-1)[:, ::-1][:, :k].sum(-1).mean())


def edges_figure(edges: list[tuple[int, int, float]], names: list[str], titles: tuple[str, str],
                 buckets: int = 4) -> go.Figure:
    """Queries on the left, keys on the right, one line per kept edge; darker and thicker = heavier.
    Lines are grouped into a few weight buckets, one trace each (thousands of lines stay fast)."""
    t = len(names)
    fig = go.Figure()
    edges_by = [[] for _ in range(buckets)]
    for q, j, w in edges:
        edges_by[min(buckets - 1, int(w * buckets))].append((q, j))
    for b, kept in enumerate(edges_by):
        if not kept:
            continue
        xs = [v for _ in kept for v in (0, 1, None)]
        ys = [v for q, j in kept for v in (q, j, None)]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                 line={"color": f"rgba(31,119,180,{0.25 + 0.75 * (b + 1) / buckets:.2f})",
                                       "width": 1 + 2 * b}))
    for x, pos in ((0, "middle left"), (1, "middle right")):
        fig.add_trace(go.Scatter(x=[x] * t, y=list(range(t)), mode="markers+text", text=names, textposition=pos,
                                 marker={"size": 4, "color": "#444"}, hoverinfo="text", showlegend=False))
    fig.update_xaxes(visible=False, range=[-0.6, 1.6])
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(height=min(4000, 80 + 16 * t), margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      annotations=[{"x": 0, "y": 1.0, "xref": "x", "yref": "paper", "text": titles[0],
                                    "showarrow": False, "yanchor": "bottom"},
                                   {"x": 1, "y": 1.0, "xref": "x", "yref": "paper", "text": titles[1],
                                    "showarrow": False, "yanchor": "bottom"}])
    return fig


# ── concatenation and W_O ────────────────────────────────────────────────────────────────────────────

def concat_heads(context: np.ndarray) -> np.ndarray:
    """(H, T, d_k) per-head outputs → (T, H·d_k = D): head 1's d_k numbers, then head 2's, … side by side."""
    return np.concatenate(list(context), axis=-1)                           # (T, D)


def project_out(concat: np.ndarray, out_proj) -> np.ndarray:
    """(T, D) · W_O + b_O → (T, D). nn.Linear keeps W_O as (out, in), hence the transpose."""
    w = out_proj.weight.detach().float().numpy()                            # (D, D)
    b = out_proj.bias.detach().float().numpy()                              # (D,)
    return concat @ w.T + b                                                 # (T, D)


def concat_figure(concat_row: np.ndarray, output_row: np.ndarray, n_heads: int, titles: dict) -> go.Figure:
    """One token's concatenated vector, coloured by the head each stretch came from, and the same token after W_O."""
    d = concat_row.shape[0]
    d_k = d // n_heads
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(titles["concat"], titles["output"]))
    for h in range(n_heads):
        dims = list(range(h * d_k, (h + 1) * d_k))
        fig.add_trace(go.Bar(x=dims, y=np.round(concat_row[dims], 4).tolist(), name=f"{titles['head']} {h + 1}",
                             marker_color=HEAD_COLORS[h % len(HEAD_COLORS)]), row=1, col=1)
    fig.add_trace(go.Bar(x=list(range(d)), y=np.round(output_row, 4).tolist(), name="· W_O",
                         marker_color="#444"), row=2, col=1)
    fig.update_layout(height=500, bargap=0, margin={"l": 60, "r": 10, "t": 40, "b": 90},
                      legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(title_text=titles["dims"], row=2, col=1)
    return fig


def shape_rows(n_tokens: int, d_model: int, n_heads: int) -> list[tuple[str, str]]:
    """(step, shape) from the heads' outputs to the layer's attention output."""
    d_k = d_model // n_heads
    return [("head_1 … head_H", f"{n_heads} × ({n_tokens}, {d_k})"),
            ("Concat(head_1, …, head_H)", f"({n_tokens}, {n_heads}·{d_k} = {d_model})"),
            ("W_O", f"({d_model}, {d_model})"),
            ("Concat(…) · W_O + b_O", f"({n_tokens}, {d_model})")]


# ── the page's strings ──────────────────────────────────────────────────────────────────────────────

TEXT: dict[str, dict[str, str]] = {
    "intro": {
        "en": "A layer does not run one attention but H of them side by side, each on its own d_k = D / H "
              "dimensions with its own W_Q, W_K, W_V. Different heads learn to look for different things: the "
              "next word, the previous word, the [SEP] token, a verb's object. Their outputs are concatenated "
              "into one vector per token and mixed by W_O. Below: every head of every layer on your sentence, "
              "one head up close, the same attention as lines (bertviz), and the concatenation with W_O.",
        "zh": "一层里并不是只做一次注意力，而是并排做 H 次，每个头都在自己的 d_k = D / H 维上计算，"
              "并有自己的 W_Q、W_K、W_V。不同的头学会关注不同的东西：下一个词、上一个词、[SEP]、动词的宾语。"
              "各头的输出拼接成每个词元的一个向量，再由 W_O 混合。下面依次展示：你的句子在每一层每个头上的注意力、"
              "一个头的放大图、用连线表示的同一注意力（bertviz），以及拼接与 W_O。"},
    "formula_caption": {
        "en": "The heads are concatenated, not summed or averaged, and W_O (D × D) mixes them. Together they cost "
              "about as much as one head of full width D: more heads give more views, not savings.",
        "zh": "各头是拼接起来的，而不是相加或取平均，再由 W_O（D × D）混合。它们的总计算量与一个宽度为 D 的"
              "单头注意力大致相同：更多的头带来更多视角，而不是更省计算。"},
    "use_pair": {"en": "Add the second sentence (sentence B)", "zh": "加入第二个句子（句子 B）"},
    "grid_title": {"en": "Every head of every layer", "zh": "每一层的每一个头"},
    "grid_body": {"en": "{L} layers × {H} heads = {n} attention maps. In each map row i is query token i and "
                        "column j key token j; bright = much attention. Hover over a map to read its tokens. The "
                        "head picked above is framed in red and drawn large, with its tokens, below. Layers and "
                        "heads are counted from 1 everywhere in this app, the bertviz views included.",
                  "zh": "{L} 层 × {H} 个头 = {n} 张注意力图。每张图中第 i 行是查询词元 i，第 j 列是键词元 j；"
                        "越亮表示注意力越大。把鼠标移到图上可以看到对应的词元。上面选中的头用红框标出，"
                        "并在下方放大显示（带词元标签）。本应用中层和头都从 1 开始编号，bertviz 视图也一样。"},
    "grid_pooled": {"en": "The sentence has {T} tokens, so each small map groups neighbouring tokens into {n} "
                          "blocks (weights summed over key blocks and averaged over query blocks, so rows still "
                          "sum to 1).",
                    "zh": "句子有 {T} 个词元，所以每张小图把相邻词元合并成 {n} 块（键方向求和、查询方向取平均，"
                          "因此每行之和仍为 1）。"},
    "rows_sum": {"en": "✓ Every row of every map sums to 1 (from {lo:.6f} to {hi:.6f}).",
                 "zh": "✓ 每张图的每一行之和都为 1（从 {lo:.6f} 到 {hi:.6f}）。"},
    "head_title": {"en": "Layer {layer}, head {head} up close", "zh": "第 {layer} 层第 {head} 个头的放大图"},
    "by_words": {"en": "Whole words instead of word pieces", "zh": "按整词而不是词元显示"},
    "words_body": {"en": "The {pieces} pieces are grouped into {words} words. A key word receives the SUM of what "
                         "its pieces received; a query word's row is the AVERAGE of its pieces' rows. Every row "
                         "still sums to 1.",
                   "zh": "{pieces} 个词元被合并为 {words} 个词。作为键的词得到其各词元所获权重的“总和”；"
                         "作为查询的词，其一行是各词元行的“平均”。每行之和仍为 1。"},
    "lines_title": {"en": "The same attention as lines (bertviz)", "zh": "用连线表示同一注意力（bertviz）"},
    "view": {"en": "View", "zh": "视图"},
    "view_head": {"en": "head view", "zh": "头视图"},
    "view_model": {"en": "model view", "zh": "模型视图"},
    "head_view_help": {"en": "Left: queries, right: keys. Hover over a token to see only its lines; click a colour "
                             "square to switch heads on or off (double-click: only that head). The layer menu is "
                             "inside the view; its layers are numbered from 1, as everywhere in the app.",
                       "zh": "左边是查询，右边是键。把鼠标移到一个词元上只看它的连线；点击彩色方块开关对应的头"
                             "（双击：只看这个头）。层的选择菜单在视图内部；层号从 1 开始，与本应用其他地方一致。"},
    "model_view_help": {"en": "Every layer (rows) × head (columns) as a thumbnail; click one to enlarge it.",
                        "zh": "每一层（行）× 每个头（列）一张缩略图；点击一张即可放大。"},
    "long_mode": {"en": "The input has {T} tokens: drawing all {lines:,} lines of one head would be a blur, so "
                        "each query keeps only its k strongest lines.",
                  "zh": "输入有 {T} 个词元：把一个头的全部 {lines:,} 条连线都画出来只会一片模糊，"
                        "所以每个查询只保留权重最大的 k 条连线。"},
    "k": {"en": "k: lines kept per query", "zh": "k：每个查询保留的连线数"},
    "queries": {"en": "queries", "zh": "查询"},
    "keys": {"en": "keys", "zh": "键"},
    "k_share": {"en": "On average the {k} strongest keys of a query hold {share:.0%} of its attention.",
                "zh": "平均而言，一个查询权重最大的 {k} 个键占了它 {share:.0%} 的注意力。"},
    "concat_title": {"en": "Concatenate the heads, then W_O", "zh": "拼接各头，再乘 W_O"},
    "concat_body": {"en": "Each head hands on a ({T} × {dk}) matrix. They are put side by side, so every token gets "
                          "one vector of {H} × {dk} = {D} numbers, and W_O ({D} × {D}) mixes the heads' findings "
                          "into layer {layer}'s attention output, which then goes through the residual and LayerNorm. "
                          "Summing the heads instead would give only {dk} numbers per token and mix up which head "
                          "found what.",
                    "zh": "每个头输出一个（{T} × {dk}）矩阵。它们被并排拼在一起，于是每个词元得到一个 {H} × {dk} = "
                          "{D} 维的向量，再由 W_O（{D} × {D}）把各头的发现混合成第 {layer} 层的注意力输出，"
                          "随后再经过残差连接和 LayerNorm。如果把各头相加，每个词元只剩 {dk} 个数，"
                          "也分不清哪个头发现了什么。"},
    "col_step": {"en": "step", "zh": "步骤"},
    "col_shape": {"en": "shape", "zh": "形状"},
    "token": {"en": "Token to show", "zh": "要显示的词元"},
    "concat_plot": {"en": "“{token}”: the heads' outputs concatenated ({D} numbers)",
                    "zh": "“{token}”：各头输出拼接后的向量（{D} 个数）"},
    "output_plot": {"en": "after · W_O + b_O ({D} numbers)", "zh": "乘以 W_O 再加 b_O 之后（{D} 个数）"},
    "dims": {"en": "dimension", "zh": "维度"},
    "concat_check": {"en": "Check against the recorded forward pass: concatenation differs by at most {a:.1e}, the "
                           "output after W_O by at most {b:.1e}.",
                     "zh": "与记录的前向计算核对：拼接结果最大差 {a:.1e}，乘以 W_O 后的输出最大差 {b:.1e}。"},
    "cost": {"en": "Cost: each head computes a {T} × {T} score matrix from {dk}-dimensional vectors, so the {H} heads "
                   "together do about {H} × {T}² × {dk} = {T}² × {D} multiply-adds for the scores: the same as one "
                   "head {D} wide. The T² is why long inputs are expensive; splitting into heads does not change it.",
             "zh": "计算量：每个头用 {dk} 维向量算出一个 {T} × {T} 的分数矩阵，所以 {H} 个头合计约 "
                   "{H} × {T}² × {dk} = {T}² × {D} 次乘加，与一个 {D} 维宽的单头相同。T² 正是长输入代价高的原因；"
                   "拆分成多个头并不会改变它。"},
}
