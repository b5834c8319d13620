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
from transformer_core.kinds import encoder_of

from . import colors
from .i18n import TERMS, Scope

MAX_COLUMNS = 128          # dimensions drawn in a heatmap (pairs sampled evenly beyond this)
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"]

TEXT = Scope("positions")


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
        name = TEXT("curve_name", lang, dim=dim, kind=kind, wave=f"{wavelength(dim, d, base):,.1f}")
        fig.add_trace(go.Scatter(x=list(range(n)), y=np.round(table[:, dim], 4).tolist(), mode="lines", name=name,
                                 line={"color": COLOURS[j % len(COLOURS)]}))
    fig.update_layout(height=340, xaxis_title=TERMS("position", lang), yaxis_title="PE",
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
    fig.update_xaxes(type="category", tickvals=names[::max(1, len(names) // 12)], title_text=TERMS("dimension", lang))
    fig.update_yaxes(autorange="reversed", title_text=TERMS("position", lang), automargin=True)
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return tidy(fig)


def similarity_figure(sim: np.ndarray, lang: str = "en", key: str = "dot") -> go.Figure:
    """Position × position similarity; for sinusoids every diagonal is constant (it depends on p − q)."""
    fig = go.Figure(go.Heatmap(z=np.round(sim, 3).tolist(), **colors.signed(sim),
                               hovertemplate="p %{y} · q %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="p", automargin=True)
    fig.update_xaxes(title_text="q")
    fig.update_layout(height=420, title=TEXT(f"sim_{key}", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return tidy(fig)


def offset_figure(curves: dict[int, list[float]], lang: str = "en", key: str = "dot") -> go.Figure:
    """Similarity against offset k, one line per start position: identical lines = depends on k only."""
    fig = go.Figure()
    for j, (start, values) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=[round(v, 4) for v in values], mode="lines",
                                 name=TEXT("start", lang, p=start),
                                 line={"color": COLOURS[j % len(COLOURS)], "width": 5 - 1.3 * j}))
    fig.update_layout(height=420, title=TEXT(f"offset_{key}", lang), xaxis_title=TEXT("offset", lang),
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(automargin=True)
    return tidy(fig)


def rope_figure(scores: dict[str, dict[int, list[float]]], lang: str = "en") -> go.Figure:
    """Left: rotary scores against offset, one line per absolute start (they coincide).
    Right: the same q, k with sinusoids added instead (they do not)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[TEXT("rope_rotary", lang), TEXT("rope_added", lang)])
    for col, kind in enumerate(("rotary", "added"), start=1):
        for j, (start, values) in enumerate(scores[kind].items()):
            fig.add_trace(go.Scatter(x=list(range(len(values))), y=[round(v, 4) for v in values], mode="lines",
                                     name=TEXT("rope_start", lang, m=start), legendgroup=str(start),
                                     showlegend=col == 1, line={"color": COLOURS[j % len(COLOURS)],
                                                                "width": 5 - 2 * j}), row=1, col=col)
    fig.update_xaxes(title_text=TEXT("offset", lang))
    fig.update_yaxes(title_text="q·k", automargin=True, col=1)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25})
    return tidy(fig)


def learned_table(model) -> np.ndarray | None:
    """The model's trained position table (max_len, D), or None when it does not learn positions."""
    embeddings = encoder_of(model).embeddings
    if embeddings.position is None:
        return None
    return embeddings.position.weight.detach().float().numpy()
