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
from transformer_core.kinds import encoder_of

from . import colors
from .i18n import Scope

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
    return encoder_of(model).layers[layer].self_attn


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

TEXT = Scope("attention")
