"""The embeddings page's pure logic: the vectors the first layer reads, LayerNorm, and the vocabulary map.

Each id picks a row of the token table; BERT adds a segment vector (sentence A or B) and a position
vector, then LayerNorm rescales every token's vector to mean 0 and variance 1 (then γ, β per dimension):
    x_i = LayerNorm(E_token[id_i] + E_segment[type_i] + E_position[i]).
The token table itself is a map of the vocabulary: pieces used alike end up with similar rows, which
the 2-D/3-D PCA picture and the cosine nearest neighbours show. No Streamlit here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.kinds import encoder_of
from transformer_core.tokenizer import pieces

from . import colors
from .i18n import TERMS, Scope

PARTS = ("token", "segment", "position", "summed")
WINDOW = 64                 # dimensions shown at once in a heatmap
MAP_LIMIT = 3000            # vocabulary points in the PCA picture

TEXT = Scope("embeddings", shared={"part_token": "glossary.token"})      # the parts are named by PARTS


def tidy(fig: go.Figure) -> go.Figure:
    """Room for every axis label: plotly grows the margins to fit the tick labels."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig

# ── the four vectors and their sum ────────────────────────────────────────────────────────────────────

def parts(emb_trace) -> dict[str, np.ndarray | None]:
    """token / segment / position / summed / output as (T, D) arrays of the first (only) sentence;
    None for a part the model does not have (no segments; rotary positions act inside attention)."""
    pick = (lambda x: None if x is None else x[0].float().numpy())                # (1, T, D) → (T, D)
    names = PARTS + ("output",)
    return {name: pick(getattr(emb_trace, name)) for name in names}


def windows(d_model: int, width: int = WINDOW) -> list[tuple[int, int]]:
    """[start, end) ranges of dimensions that cover d_model, ``width`` at a time."""
    return [(start, min(start + width, d_model)) for start in range(0, d_model, width)]


def colour_limit(values: np.ndarray) -> float:
    """The 99th percentile of |values|: a few outlier dimensions (real BERTs have some) would otherwise
    wash every other cell out to white. Cells beyond it show the end colour."""
    return float(np.percentile(np.abs(values), 99)) or 1.0


def _token_axis(fig, tokens: list[str], row: int = 1, col: int = 1) -> None:
    """Tokens down the y axis by position (repeated tokens stay separate rows), thinned when long."""
    every = max(1, math.ceil(len(tokens) / 40))
    ticks = list(range(0, len(tokens), every))
    fig.update_yaxes(tickvals=ticks, ticktext=[f"{i} {tokens[i]}" for i in ticks], autorange="reversed",
                     automargin=True, row=row, col=col)


def _height(n_tokens: int) -> int:
    return min(900, 140 + 18 * n_tokens)


def _heat(values: np.ndarray, tokens: list[str], start: int, axis: str) -> go.Heatmap:
    dims = list(range(start, start + values.shape[1]))
    return go.Heatmap(z=np.round(values, 4).tolist(), x=dims, y=list(range(len(tokens))), coloraxis=axis,
                      customdata=[[tok] * len(dims) for tok in tokens],
                      hovertemplate="%{customdata} · dim %{x}<br>%{z:.4f}<extra></extra>")


def parts_figure(vectors: dict, tokens: list[str], window: tuple[int, int], lang: str = "en") -> go.Figure:
    """token + segment + position = sum, as four heatmaps (tokens × dimensions in ``window``) on one
    colour scale centred at 0; a part the model lacks is an empty panel saying why."""
    start, end = window
    titles = [TEXT(f"part_{name}", lang) for name in PARTS]
    fig = make_subplots(rows=1, cols=4, shared_yaxes=True, subplot_titles=titles, horizontal_spacing=0.03)
    present = [vectors[name][:, start:end] for name in PARTS if vectors[name] is not None]
    limit = colour_limit(np.concatenate(present))
    for col, name in enumerate(PARTS, start=1):
        if vectors[name] is None:
            why = "none_rotary" if name == "position" else "none_segment"
            fig.add_annotation(text=TEXT(why, lang), showarrow=False, xref=f"x{col} domain",
                               yref=f"y{col} domain", x=0.5, y=0.5)
            continue
        fig.add_trace(_heat(vectors[name][:, start:end], tokens, start, "coloraxis"), row=1, col=col)
    _token_axis(fig, tokens)
    fig.update_layout(coloraxis=colors.signed_axis(limit),
                      height=_height(len(tokens)), margin={"l": 10, "r": 10, "t": 40, "b": 30})
    fig.update_xaxes(title_text=TERMS("dimension", lang))
    return tidy(fig)


# ── LayerNorm before / after ──────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class NormStats:
    mean_before: list[float]   # (T,) mean over the D numbers of each token, before LayerNorm
    std_before: list[float]    # (T,) standard deviation (1/D, as LayerNorm uses), before
    mean_after: list[float]    # (T,) after LayerNorm (γ, β included)
    std_after: list[float]


def norm_stats(summed: np.ndarray, output: np.ndarray) -> NormStats:
    """Per-token mean and std over the feature dimension, before (summed) and after (output) LayerNorm."""
    return NormStats(summed.mean(1).tolist(), summed.std(1).tolist(),                 # (T, D) → (T,)
                     output.mean(1).tolist(), output.std(1).tolist())


def norm_figure(summed: np.ndarray, output: np.ndarray, tokens: list[str], window: tuple[int, int],
                lang: str = "en") -> go.Figure:
    """Before and after LayerNorm side by side, each on its own colour scale (they differ a lot)."""
    start, end = window
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.08,
                        subplot_titles=[TEXT("ln_before", lang), TEXT("ln_after", lang)])
    for col, (values, axis) in enumerate(((summed, "coloraxis"), (output, "coloraxis2")), start=1):
        fig.add_trace(_heat(values[:, start:end], tokens, start, axis), row=1, col=col)
    limits = [colour_limit(v[:, start:end]) for v in (summed, output)]
    bar = {"thickness": 12, "len": 0.9}
    fig.update_layout(coloraxis={**colors.signed_axis(limits[0]), "colorbar": {**bar, "x": 0.46}},
                      coloraxis2={**colors.signed_axis(limits[1]), "colorbar": {**bar, "x": 1.0}},
                      height=_height(len(tokens)), margin={"l": 10, "r": 10, "t": 40, "b": 30})
    _token_axis(fig, tokens)
    fig.update_xaxes(title_text=TERMS("dimension", lang))
    return tidy(fig)


def stats_figure(stats: NormStats, tokens: list[str], lang: str = "en") -> go.Figure:
    """Mean and std of each token before and after: LayerNorm pulls every token to the same scale."""
    labels = [f"{i} {tok}" for i, tok in enumerate(tokens)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=[TEXT("mean", lang), TEXT("std", lang)])
    for col, (before, after) in enumerate(((stats.mean_before, stats.mean_after),
                                           (stats.std_before, stats.std_after)), start=1):
        for values, name, colour in ((before, "ln_before", "#94a3b8"), (after, "ln_after", "#2563eb")):
            fig.add_trace(go.Bar(x=labels, y=[round(v, 5) for v in values], name=TEXT(name, lang),
                                 marker_color=colour, showlegend=col == 1, legendgroup=name), row=1, col=col)
    fig.update_yaxes(type="log", automargin=True, row=1, col=2)      # before ≈ 0.03, after ≈ 1: both visible
    fig.update_yaxes(automargin=True, row=1, col=1)
    fig.update_layout(barmode="group", height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.35})
    return tidy(fig)


# ── the vocabulary as a map ──────────────────────────────────────────────────────────────────────────

def is_special(token: str) -> bool:
    """[PAD], [CLS], [unused17]…: bracketed tokens never written in text."""
    return token.startswith("[") and token.endswith("]")


def _wordlike(token: str) -> bool:
    """A whole word (not a ##continuation, not one Latin letter or sign); a single 汉字 counts."""
    return not token.startswith("##") and (len(token) > 1 or "\u3400" <= token <= "\u9fff")


def map_ids(vocab: dict[str, int], limit: int = MAP_LIMIT) -> list[int]:
    """Ids for the map: the lowest word-like ids after the specials (WordPiece vocabularies list words
    roughly by frequency), then other pieces if the vocabulary is small."""
    ordered = sorted((i, tok) for tok, i in vocab.items() if not is_special(tok))
    first = [i for i, tok in ordered if _wordlike(tok)]
    rest = [i for i, tok in ordered if not _wordlike(tok)]
    return (first + rest)[:limit]


@dataclass(frozen=True)
class Pca:
    mean: np.ndarray         # (D,) the centre of the sampled rows
    components: np.ndarray   # (k, D) directions of largest variance, unit length
    explained: list[float]   # (k,) share of the sample's variance along each direction


def fit_pca(rows: torch.Tensor, k: int = 3) -> Pca:
    """PCA by SVD of the centred rows (N, D): X − μ = U S Vᵀ, the top-k rows of Vᵀ are the directions."""
    x = rows.float()
    mean = x.mean(0)                                                                   # (D,)
    _, s, vt = torch.linalg.svd(x - mean, full_matrices=False)                         # vt: (min(N,D), D)
    comps = vt[:k]                                                                     # (k, D)
    signs = torch.sign(comps.gather(1, comps.abs().argmax(1, keepdim=True)))           # (k, 1) fixed sign
    variance = s ** 2
    return Pca(mean.numpy(), (comps * signs).numpy(), (variance[:k] / variance.sum()).tolist())


def project(pca: Pca, rows: np.ndarray) -> np.ndarray:
    """(N, D) → (N, k) coordinates along the principal directions."""
    return (np.asarray(rows, dtype=np.float32) - pca.mean) @ pca.components.T


def nearest(table: torch.Tensor, token_id: int, skip: set[int], k: int = 10) -> list[tuple[int, float]]:
    """The k rows with the highest cosine similarity to row ``token_id`` (itself and ``skip`` left out):
    cos(a, b) = a·b / (‖a‖ ‖b‖)."""
    unit = table / table.norm(dim=1, keepdim=True).clamp_min(1e-12)                    # (V, D)
    cos = unit @ unit[token_id]                                                        # (V,)
    cos[[token_id, *skip]] = -2.0
    values, ids = cos.topk(min(k, len(cos) - len(skip) - 1))
    return [(int(i), float(v)) for i, v in zip(ids, values, strict=True)]


def lookup(tokenizer, text: str) -> tuple[int | None, list[str]]:
    """A vocabulary piece typed by the learner → its id (trying lower case too), or None and the pieces
    the tokenizer would split the text into instead."""
    text = text.strip()
    for candidate in (text, text.lower()):
        found = tokenizer.token_to_id(candidate) if candidate else None
        if found is not None:
            return found, [candidate]
    return None, [p.token for p in pieces(tokenizer, text) if not p.is_special] if text else []


@dataclass(frozen=True)
class VocabSample:
    ids: list[int]             # the sampled ids drawn as the grey cloud
    coords: np.ndarray         # (N, 3) their PCA coordinates
    pca: Pca
    names: dict[int, str]      # id → piece, for the whole vocabulary
    skip: set[int]             # ids never offered as neighbours ([PAD], [unused3]…)


def vocab_sample(table: torch.Tensor, vocab: dict[str, int]) -> VocabSample:
    """PCA of the sampled rows of the token table (V, D) — the slow part, done once per model."""
    vocab = {tok: i for tok, i in vocab.items() if i < table.shape[0]}
    ids = map_ids(vocab)
    pca = fit_pca(table[ids])
    return VocabSample(ids, project(pca, table[ids].numpy()), pca, {i: tok for tok, i in vocab.items()},
                       {i for tok, i in vocab.items() if is_special(tok)})


def map_figures(table: torch.Tensor, sample: VocabSample, own: list[int], query: int | None, dims: int,
                lang: str = "en") -> tuple[go.Figure, go.Figure | None]:
    """The map with the sentence's pieces (and the query with its 10 nearest pieces) on top, and the
    neighbours' bar chart (None without a query)."""
    names = sample.names
    groups = [(TEXT("sentence", lang), own)]
    found = nearest(table, query, sample.skip, k=10) if query is not None else []
    if found:
        groups.append((TEXT("neighbours", lang, token=names[query]), [query] + [i for i, _ in found]))
    marked = [(name, project(sample.pca, table[ids].numpy())[:, :dims], [names[i] for i in ids])
              for name, ids in groups]
    cloud = vocab_figure(sample.coords[:, :dims], [names[i] for i in sample.ids], marked, sample.pca, lang)
    bars = neighbour_figure([(names[i], v) for i, v in found], names[query], lang) if found else None
    return cloud, bars


def vocab_figure(coords: np.ndarray, labels: list[str], marked: list[tuple[str, np.ndarray, list[str]]],
                 pca: Pca, lang: str = "en") -> go.Figure:
    """The sampled vocabulary as grey points (2-D or 3-D, by the width of ``coords``) with labelled
    groups on top: ``marked`` is [(group name, (n, k) coordinates, labels)]."""
    three = coords.shape[1] == 3
    kind = go.Scatter3d if three else go.Scatter
    axes = ("x", "y", "z")[:coords.shape[1]]

    def points(xyz, names, **style):
        values = {a: np.round(xyz[:, i], 4).tolist() for i, a in enumerate(axes)}
        return kind(**values, text=names, hovertemplate="%{text}<extra></extra>", **style)
    fig = go.Figure(points(coords, labels, mode="markers", name=TEXT("vocab", lang),
                           marker={"size": 3 if three else 5, "color": "#cbd5e1"}))
    colours = ("#dc2626", "#2563eb", "#16a34a")
    for (name, xyz, names), colour in zip(marked, colours, strict=False):
        fig.add_trace(points(xyz, names, mode="markers+text", name=name, textposition="top center",
                             marker={"size": 6 if three else 9, "color": colour}, textfont={"color": colour}))
    titles = [f"PC{i + 1} ({share:.1%})" for i, share in enumerate(pca.explained[:len(axes)])]
    if three:
        fig.update_layout(scene={f"{a}axis": {"title": {"text": t}} for a, t in zip(axes, titles, strict=True)})
    else:
        fig.update_xaxes(title_text=titles[0], automargin=True)
        fig.update_yaxes(title_text=titles[1], automargin=True)
    fig.update_layout(height=560, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": 1.06})
    return tidy(fig)


def neighbour_figure(found: list[tuple[str, float]], query: str, lang: str = "en") -> go.Figure:
    """Horizontal bars: cosine similarity of the nearest pieces, the closest on top."""
    fig = go.Figure(go.Bar(x=[round(v, 4) for _, v in found], y=[tok for tok, _ in found], orientation="h",
                           marker_color="#2563eb", hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    fig.update_layout(title=TEXT("nn_title", lang, token=query), height=80 + 28 * len(found),
                      xaxis_title=TEXT("cosine", lang), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return tidy(fig)


def embeddings_module(model):
    """The Embeddings block of any model with a BERT-style encoder (transformer_core.kinds)."""
    return encoder_of(model).embeddings
