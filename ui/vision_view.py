"""The vision page's pure logic: a digit as pixels → patches as tokens → where [CLS] looks → the answer.

    image (8 × 8) → N = (8 / P)² patches, each one token, [CLS] in front (token 0)
    attention of [CLS] to patch n, per layer and head:  a^(l,h)_{0,n}
    rollout (Abnar & Zuidema 2020): R = Â_L ⋯ Â_1, Â_l = ½(mean over heads of A_l) + ½ I, rows renormalised;
        R[0, n] is how much of patch n reaches [CLS] through every layer, the residual path included
    position similarity: cos(p_m, p_n) of the learned position vectors of patches m and n

No Streamlit here; every figure and number is unit-tested (tests/test_vision_view.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from . import colors
from .i18n import TERMS, Scope

TEXT = Scope("vision")
SIDE = 8                   # pixels per side of a digit
MAX_INK = 16               # a cell's darkest value (the data's ink count)
GREY = [[0.0, "#ffffff"], [1.0, "#111111"]]   # the digit itself: paper white, ink black (not a data scale)


@dataclass(frozen=True)
class VisionRun:
    image: np.ndarray          # (8, 8) 0 … 1, as the model read it
    probs: np.ndarray          # (10,) softmax over the digits
    attentions: np.ndarray     # (L, H, T, T) self-attention of every layer and head; token 0 is [CLS]
    positions: np.ndarray      # (T, D) the learned position vectors, [CLS]'s first
    patch: int                 # patch side in pixels

    @property
    def grid(self) -> int:
        """Patches per side."""
        return SIDE // self.patch


def cells_to_image(cells) -> np.ndarray:
    """64 cell values 0 … 16 (row by row, as the cell grid and the data file hold them) → (8, 8) in 0 … 1."""
    values = np.clip(np.asarray(cells, dtype=float).reshape(SIDE, SIDE), 0, MAX_INK)
    return values / MAX_INK


def input_problem(image: np.ndarray) -> str | None:
    """The catalog key of what is wrong with a drawing, or None: nothing drawn, or everything inked (an
    all-black square has no shape to read; the model would still answer, with confidence, about nothing)."""
    if float(image.max()) <= 0:
        return "blank"
    if float(image.min()) >= 0.95:
        return "all_ink"
    return None


def run(model, image: np.ndarray) -> VisionRun:
    """One recorded forward of a ViTForImageClassification on one (8, 8) image."""
    x = torch.as_tensor(image, dtype=torch.float32).view(1, 1, SIDE, SIDE)
    with torch.inference_mode():
        out = model(x, record=True)
    attentions = out.trace.attentions[:, 0].float().numpy()                     # (L, H, T, T)
    positions = model.vit.embeddings.position[0].detach().float().numpy()       # (T, D)
    return VisionRun(image=np.asarray(image, dtype=float), probs=out.logits[0].softmax(-1).numpy(),
                     attentions=attentions, positions=positions, patch=model.config.patch_size)


def patch_of(row: int, col: int, patch: int) -> int:
    """The token number (1-based, [CLS] is 0) of the patch holding pixel (row, col)."""
    return (row // patch) * (SIDE // patch) + col // patch + 1


def to_pixels(per_patch: np.ndarray, patch: int) -> np.ndarray:
    """(N,) one value per patch → (8, 8): each patch's value on all of its pixels (for overlays)."""
    grid = SIDE // patch
    return np.kron(np.asarray(per_patch, dtype=float).reshape(grid, grid), np.ones((patch, patch)))


def cls_attention(run: VisionRun, layer: int, head: int) -> np.ndarray:
    """(N,) the weights [CLS] gives the patches in one layer and head (its weight on itself left out)."""
    return run.attentions[layer, head, 0, 1:]


def rollout(attentions: np.ndarray) -> np.ndarray:
    """(T, T) attention rollout through all layers: heads averaged, the residual as ½ I, rows summing to 1."""
    T = attentions.shape[-1]
    result = np.eye(T)
    for layer in attentions:                                    # (H, T, T), bottom layer first
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(T)      # (T, T)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


def neighbour_similarity(positions: np.ndarray, grid: int) -> tuple[float, float]:
    """Mean cosine similarity of the position vectors of patches that touch (share a side) and of those that do
    not: the learned answer to "do neighbouring patches look alike?"."""
    sim = cosine(positions[1:])                                 # (N, N), [CLS] left out
    near, far = [], []
    for m in range(grid * grid):
        for n in range(m + 1, grid * grid):
            (rm, cm), (rn, cn) = divmod(m, grid), divmod(n, grid)
            (near if abs(rm - rn) + abs(cm - cn) == 1 else far).append(sim[m, n])
    return float(np.mean(near)), float(np.mean(far))


def cosine(table: np.ndarray) -> np.ndarray:
    """(N, N) cosine similarity of the rows of ``table`` (N, D)."""
    unit = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


# ---- figures ---------------------------------------------------------------------------------------
def _pixels_trace(image: np.ndarray, **kwargs) -> go.Heatmap:
    return go.Heatmap(z=image, colorscale=GREY, zmin=0, zmax=1, showscale=False, hoverinfo="skip", **kwargs)


def square(fig: go.Figure, row: int | None = None, col: int | None = None) -> None:
    where = {} if row is None else {"row": row, "col": col}
    fig.update_yaxes(autorange="reversed", scaleanchor="x" if row is None else None, showticklabels=False,
                     showgrid=False, zeroline=False, **where)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **where)


def digit_figure(image: np.ndarray) -> go.Figure:
    """The digit alone, ink dark on white, as the model reads it."""
    fig = go.Figure(_pixels_trace(image))
    square(fig)
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10))
    return fig


def patches_figure(image: np.ndarray, patch: int, lang: str) -> go.Figure:
    """The digit with its patch grid drawn and each patch's token number written in it."""
    grid = SIDE // patch
    fig = go.Figure(_pixels_trace(image))
    for k in range(1, grid):
        edge = k * patch - 0.5
        fig.add_shape(type="line", x0=edge, x1=edge, y0=-0.5, y1=SIDE - 0.5, line=dict(color="#dc2626", width=2))
        fig.add_shape(type="line", y0=edge, y1=edge, x0=-0.5, x1=SIDE - 0.5, line=dict(color="#dc2626", width=2))
    for n in range(grid * grid):
        r, c = divmod(n, grid)
        fig.add_annotation(x=c * patch + patch / 2 - 0.5, y=r * patch + patch / 2 - 0.5, text=str(n + 1),
                           showarrow=False, font=dict(color="#dc2626", size=14), bgcolor="rgba(255,255,255,0.7)")
    square(fig)
    fig.update_layout(title=TEXT("patches_title", lang, n=grid * grid, p=patch), height=360,
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def sequence_figure(image: np.ndarray, patch: int, lang: str) -> go.Figure:
    """The same patches laid out as a sentence: [CLS], 1, 2, … N, each a tiny picture, in reading order."""
    grid, gap = SIDE // patch, 1
    n = grid * grid
    strip = np.full((patch, (n + 1) * (patch + gap)), np.nan)  # (P, (N+1)(P+1)); NaN = the gaps
    for k in range(n):
        r, c = divmod(k, grid)
        left = (k + 1) * (patch + gap)
        strip[:, left:left + patch] = image[r * patch:(r + 1) * patch, c * patch:(c + 1) * patch]
    fig = go.Figure(go.Heatmap(z=strip, colorscale=GREY, zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    ticks = [k * (patch + gap) + (patch - 1) / 2 for k in range(n + 1)]
    fig.update_xaxes(tickvals=ticks, ticktext=["[CLS]"] + [str(k + 1) for k in range(n)], showgrid=False,
                     zeroline=False, title=TEXT("sequence_axis", lang))
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False, zeroline=False,
                     scaleanchor="x")
    fig.update_layout(title=TEXT("sequence_title", lang), height=200, margin=dict(l=10, r=10, t=50, b=40),
                      plot_bgcolor="#f1f5f9")
    return fig


def overlay(fig: go.Figure, image: np.ndarray, values: np.ndarray, zmax: float, row=None, col=None,
             coloraxis: str | None = None, hover: str = "") -> None:
    """Attention (sequential scale) with the digit's outline drawn over it."""
    where = {} if row is None else {"row": row, "col": col}
    heat = dict(coloraxis=coloraxis) if coloraxis else dict(**colors.positive(zmax), showscale=True)
    fig.add_trace(go.Heatmap(z=values, hovertemplate=hover + "%{z:.3f}<extra></extra>", **heat), **where)
    fig.add_trace(go.Contour(z=image, contours=dict(start=0.45, end=0.45, coloring="none"), showscale=False,
                             line=dict(color="#111111", width=2), hoverinfo="skip"), **where)


def head_grid_figure(run: VisionRun, lang: str) -> go.Figure:
    """One small panel per layer (rows) and head (columns): where [CLS] looks, over the digit's outline."""
    L, H = run.attentions.shape[:2]
    titles = [TEXT("panel", lang, layer=TERMS("layer", lang), l=i + 1, head=TERMS("head", lang), h=h + 1)
              for i in range(L) for h in range(H)]
    fig = make_subplots(rows=L, cols=H, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.06)
    zmax = float(run.attentions[:, :, 0, 1:].max()) or 1.0
    for i in range(L):                                                 # layer i is drawn as layer i + 1
        for h in range(H):
            values = to_pixels(cls_attention(run, i, h), run.patch)
            overlay(fig, run.image, values, zmax, row=i + 1, col=h + 1, coloraxis="coloraxis")
            square(fig, i + 1, h + 1)
    fig.update_layout(coloraxis=dict(**{k: v for k, v in colors.positive(zmax).items() if k == "colorscale"},
                                     cmin=0, cmax=zmax), height=180 * L + 60, margin=dict(l=10, r=10, t=60, b=10),
                      title=TEXT("heads_title", lang), showlegend=False)
    fig.update_annotations(font_size=11)
    return fig


def rollout_figure(run: VisionRun, lang: str) -> go.Figure:
    """[CLS]'s row of the rollout on the patches, over the digit's outline."""
    values = rollout(run.attentions)[0, 1:]
    fig = go.Figure()
    overlay(fig, run.image, to_pixels(values, run.patch), float(values.max()) or 1.0)
    square(fig)
    fig.update_layout(title=TEXT("rollout_title", lang), height=360, margin=dict(l=10, r=10, t=50, b=10),
                      showlegend=False)
    return fig


def probability_figure(probs: np.ndarray, lang: str) -> go.Figure:
    """Bars for the ten digits, coloured on the app's probability scale (white → dark blue)."""
    digits = [str(d) for d in range(len(probs))]
    fig = go.Figure(go.Bar(x=digits, y=probs, marker=dict(color=probs, cmin=0, cmax=1,
                                                          colorscale=colors.SEQUENTIAL, line=dict(color="#94a3b8")),
                           text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs], textposition="outside",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(title=TEXT("probs_title", lang), height=320, margin=dict(l=60, r=10, t=50, b=40),
                      xaxis=dict(type="category", title=TEXT("digit", lang)),
                      yaxis=dict(range=[0, 1.1], title=TERMS("probability", lang)))
    return fig


def position_figure(run: VisionRun, picked: int, lang: str) -> go.Figure:
    """Left: cos similarity of every patch's position vector with patch ``picked`` (1-based), laid out on the
    image grid. Right: the whole (N, N) similarity matrix. Signed values: the diverging scale."""
    sim = cosine(run.positions[1:])                              # (N, N)
    grid = run.grid
    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6],
                        subplot_titles=(TEXT("pos_one", lang, n=picked), TEXT("pos_all", lang)))
    one = sim[picked - 1].reshape(grid, grid)
    numbers = (np.arange(grid * grid) + 1).reshape(grid, grid)
    fig.add_trace(go.Heatmap(z=one, text=numbers, texttemplate="%{text}", coloraxis="coloraxis",
                             hovertemplate="%{text}: %{z:.2f}<extra></extra>"), row=1, col=1)
    labels = [str(k + 1) for k in range(grid * grid)]
    fig.add_trace(go.Heatmap(z=sim, x=labels, y=labels, coloraxis="coloraxis",
                             hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>"), row=1, col=2)
    square(fig, 1, 1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(coloraxis=colors.signed_axis(1.0), height=420, margin=dict(l=10, r=10, t=60, b=10))
    return fig
