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
from .i18n import Scope

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

def mosaic(weights: np.ndarray, gap: int = 1) -> np.ndarray:
    """(L, H, t, t) → one (L·(t+gap)−gap, H·(t+gap)−gap) image: head h of layer i in block (i, h), NaN in the
    gaps between blocks (drawn empty). One heatmap is one image in the browser; L × H small subplots cost the
    browser L × H sets of axes (72 for a 6 × 12 model) and the server as many traces to build."""
    n_layers, n_heads, t, _ = weights.shape
    padded = np.pad(weights.astype(np.float32), ((0, 0), (0, 0), (0, gap), (0, gap)), constant_values=np.nan)
    rows = padded.transpose(0, 2, 1, 3).reshape(n_layers * (t + gap), n_heads * (t + gap))  # (L·s, H·s)
    return rows[:-gap, :-gap] if gap else rows


def grid_figure(weights: np.ndarray, selected: tuple[int, int], layer_name: str, head_name: str,
                names: list[str] | None = None) -> go.Figure:
    """Layers × heads small maps in one heatmap (rows: layers, counted from 1 like everywhere in the app), the
    selected head framed; hovering a cell names its layer, query, key and head ("Layer 2: 3 cat → 1 the (Head 5)").
    Long sentences are pooled into ≤ GRID_T blocks with ``aggregate`` so the grid stays light."""
    n_layers, n_heads, t, _ = weights.shape
    names = list(names) if names else [str(i) for i in range(t)]
    if t > GRID_T:
        groups = block_groups(t, GRID_T)
        weights = aggregate(weights, groups)                                # (L, H, GRID_T, GRID_T)
        names = [f"{names[g[0]]} … {names[g[-1]]}" if len(g) > 1 else names[g[0]] for g in groups]
        t = weights.shape[-1]
    s = t + 1                                                               # one block and its gap
    gap = ["\u200b" * (n + 1) for n in range(max(n_layers, n_heads))]      # the gaps' labels: unique, invisible
    # hover reads "Layer 3: 4 on → 7 because (Head 7): 0.003" — a query of a layer, a key of one of its heads
    x = [v for h in range(n_heads) for v in [f"{k} ({head_name} {h + 1})" for k in names] + [gap[h]]][:-1]
    y = [v for i in range(n_layers) for v in [f"{layer_name} {i + 1}: {q}" for q in names] + [gap[i]]][:-1]
    fig = go.Figure(go.Heatmap(z=np.round(mosaic(weights), 3), x=x, y=y, coloraxis="coloraxis", hoverongaps=False,
                               hovertemplate="%{y} → %{x}: %{z:.3f}<extra></extra>"))
    layer, head = selected
    fig.add_shape(type="rect", x0=head * s - 0.5, x1=head * s + t - 0.5, y0=layer * s - 0.5,
                  y1=layer * s + t - 0.5, line={"color": HIGHLIGHT, "width": 3})
    titles = [{"x": h * s + (t - 1) / 2, "y": 1.0, "yref": "paper", "yanchor": "bottom", "text": f"{head_name} {h + 1}"}
              for h in range(n_heads)]
    titles += [{"x": 1.0, "xref": "paper", "xanchor": "left", "y": i * s + (t - 1) / 2, "textangle": 90,
                "text": f"{layer_name} {i + 1}"} for i in range(n_layers)]
    fig.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False, autorange="reversed")
    fig.update_layout(coloraxis={"colorscale": colors.SEQUENTIAL, "cmin": 0.0, "cmax": float(weights.max()),
                                 "colorbar": {"x": 1.04}},
                      annotations=[{**a, "showarrow": False} for a in titles], plot_bgcolor="white",
                      height=60 + n_layers * max(60, min(140, 900 // n_heads)),
                      margin={"l": 10, "r": 40, "t": 40, "b": 10}, font_size=10)
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

TEXT = Scope("multihead")
