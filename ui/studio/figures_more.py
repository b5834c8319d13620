"""Training-studio figures, part 2: the vocabulary, and what the trained model learned.

The vocabulary by kind of piece, embedding drift (word vectors settling into their final layout),
the confusion matrix and class probabilities of a fine-tuned classifier, attention before vs after
training, and the cross-attention of an encoder-decoder forming over training. Pure functions: arrays in, plotly
figures out, every string in English and 中文. ``figures.py`` re-exports all of it and shares
``style`` and ``animation_controls`` from here, so imports run one way only.
"""
from __future__ import annotations

import unicodedata
from collections import Counter

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.i18n import TERMS
from ui.studio.figures_text import MORE_TEXT as TEXT

UIREVISION = "studio"          # a constant: zoom and pan survive the once-a-second rebuilds
FONT = {"size": 15}            # readable from the back of a lecture room



# ── shared look ───────────────────────────────────────────────────────────────────────────────

def style(fig: go.Figure, title: str, height: int) -> go.Figure:
    """The studio look: white template, large font, a title, and a uirevision so zoom survives updates."""
    fig.update_layout(template="plotly_white", title={"text": title, "x": 0.01}, height=height, font=FONT,
                      uirevision=UIREVISION, margin={"l": 60, "r": 20, "t": 80, "b": 60})
    return fig


def animation_controls(fig: go.Figure, steps: list, label: str, redraw: bool) -> go.Figure:
    """Play/pause buttons and a slider labelled by training step, for a figure that has frames named str(step).

    Scatter plots animate smoothly with ``redraw=False`` (points glide); heatmaps need ``redraw=True``."""
    play = {"frame": {"duration": 700, "redraw": redraw}, "transition": {"duration": 400}, "fromcurrent": True}
    pause = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    fig.update_layout(
        updatemenus=[{"type": "buttons", "x": 0, "y": -0.08, "xanchor": "left", "yanchor": "top",
                      "direction": "left", "showactive": False, "pad": {"t": 40},
                      "buttons": [{"label": "▶", "method": "animate", "args": [None, play]},
                                  {"label": "❚❚", "method": "animate", "args": [[None], pause]}]}],
        sliders=[{"active": len(steps) - 1, "x": 0.12, "len": 0.88, "y": -0.08, "pad": {"t": 30},
                  "currentvalue": {"prefix": f"{label} ", "xanchor": "right"},      # clear of the buttons
                  "steps": [{"label": str(s), "method": "animate",
                             "args": [[str(s)], {"mode": "immediate", "frame": {"duration": 0, "redraw": redraw},
                                                 "transition": {"duration": 0}}]} for s in steps]}])
    return fig


def _token_ticks(axis: dict, tokens: list[str]) -> dict:
    """Tick positions 0..T-1 labelled by token: a repeated token ("the" twice) must not merge two columns."""
    return {**axis, "tickmode": "array", "tickvals": list(range(len(tokens))), "ticktext": list(tokens)}


# ── the vocabulary ────────────────────────────────────────────────────────────────────────────

SPECIALS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
KINDS = ("special", "char", "cjk", "word", "continuation")
KIND_COLOURS = dict(zip(KINDS, ("#7f7f7f", "#17becf", "#d62728", "#1f77b4", "#ff7f0e"), strict=True))


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (the Unicode blocks BERT's tokenizer splits into single characters)."""
    return unicodedata.category(ch) == "Lo" and "CJK" in unicodedata.name(ch, "")


def piece_kind(piece: str) -> str:
    """The kind of one piece: [CLS] → special, a → char, 你 → cjk, ##ing → continuation, hello → word.

    Besides the five BERT specials, any "[LETTERS]" piece (e.g. [unused3], [BOS]) counts as special."""
    if piece in SPECIALS or (len(piece) > 2 and piece[0] == "[" and piece[-1] == "]" and piece[1:-1].isalnum()):
        return "special"
    if piece.startswith("##") and len(piece) > 2:
        return "continuation"
    if len(piece) == 1:
        return "cjk" if is_cjk(piece) else "char"
    return "word"


def vocab_kinds(vocab: dict[str, int]) -> dict[str, str]:
    """{piece: kind} for every piece of the vocabulary."""
    return {piece: piece_kind(piece) for piece in vocab}


def _length(piece: str) -> int:
    """Characters a piece spells, not counting the ## that marks a continuation."""
    return len(piece[2:]) if piece.startswith("##") and len(piece) > 2 else len(piece)


def vocab_rows(vocab: dict[str, int], query: str = "", kind: str = "all") -> list[dict]:
    """Table rows {id, piece, kind, length} sorted by id; ``query`` filters by substring (ignoring case),
    ``kind`` by one of KINDS ("all" keeps every kind)."""
    if kind != "all" and kind not in KINDS:
        raise ValueError(f"kind must be 'all' or one of {KINDS}, got {kind!r}.")
    needle = query.casefold()
    rows = [{"id": int(i), "piece": p, "kind": piece_kind(p), "length": _length(p)}
            for p, i in vocab.items() if needle in p.casefold()]
    return sorted((r for r in rows if kind in ("all", r["kind"])), key=lambda r: r["id"])


def vocab_table(vocab: dict[str, int], query: str = "", kind: str = "all", lang: str = "en") -> list[dict]:
    """``vocab_rows`` for the screen: column names and kinds in the learner's language."""
    names = [TEXT(f"col_{c}", lang) for c in ("id", "piece", "kind", "length")]
    return [dict(zip(names, (r["id"], r["piece"], TEXT(f"kind_{r['kind']}", lang), r["length"]), strict=True))
            for r in vocab_rows(vocab, query, kind)]


def kind_label(kind: str, lang: str = "en") -> str:
    """The name of a kind for a select box ("all" included)."""
    return TEXT("kind_all" if kind == "all" else f"kind_{kind}", lang)


def vocab_figure(vocab: dict[str, int], lang: str = "en") -> go.Figure:
    """Left: how many pieces of each kind. Right: piece lengths (characters, without ##), stacked by kind,
    in the same colours — a WordPiece vocabulary is mostly single characters plus short word parts."""
    kinds = vocab_kinds(vocab)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[TEXT("v_counts", lang), TEXT("v_lengths", lang)],
                        horizontal_spacing=0.1)
    for kind in KINDS:
        lengths = np.array([_length(p) for p, k in kinds.items() if k == kind], dtype=int)    # (pieces of kind,)
        name, colour = TEXT(f"kind_{kind}", lang), KIND_COLOURS[kind]
        fig.add_bar(x=[len(lengths)], y=[name], orientation="h", name=name, legendgroup=kind, marker_color=colour,
                    text=[f"{len(lengths):,}"], textposition="outside", cliponaxis=False, row=1, col=1)
        per_length = np.bincount(lengths) if len(lengths) else np.zeros(1, dtype=int)        # (max length + 1,)
        fig.add_bar(x=np.arange(1, len(per_length)), y=per_length[1:], name=name, legendgroup=kind,
                    marker_color=colour, showlegend=False, row=1, col=2)
    fig.update_layout(barmode="stack", showlegend=False)          # the left panel names each colour
    most = max(list(Counter(kinds.values()).values()) or [1])
    fig.update_xaxes(title=TEXT("v_count_axis", lang), range=[0, most * 1.3], row=1, col=1)   # room for "2,614"
    fig.update_yaxes(autorange="reversed", type="category", row=1, col=1)          # KINDS order, top down
    fig.update_xaxes(title=TEXT("v_length_axis", lang), dtick=1, row=1, col=2)
    fig.update_yaxes(title=TEXT("v_count_axis", lang), row=1, col=2)
    return style(fig, TEXT("v_title", lang, n=len(vocab)), 480)


# ── embedding drift ───────────────────────────────────────────────────────────────────────────

def final_axes(last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) → the 2 principal directions (D, 2) of the centred rows and the variance share of each.

    Signs are fixed (the largest coordinate on each axis is positive) so a rerun does not flip the picture."""
    centred = last - last.mean(axis=0)
    _, sing, vt = np.linalg.svd(centred, full_matrices=False)                 # vt: (min(N, D), D)
    axes = np.zeros((last.shape[1], 2))
    k = min(2, vt.shape[0])
    axes[:, :k] = vt[:k].T
    coords = centred @ axes                                                   # (N, 2)
    flip = np.sign(coords[np.abs(coords).argmax(axis=0), [0, 1]])
    axes *= np.where(flip == 0, 1.0, flip)
    variance = sing ** 2
    share = np.zeros(2)
    share[:k] = variance[:k] / variance.sum() if variance.sum() > 0 else 0.0
    return axes, share


def embedding_drift(frames: list, tokens: list[str], lang: str = "en", labelled: int = 40) -> go.Figure:
    """Every checkpoint's (N, D) embedding rows projected on the principal axes of the LAST checkpoint.
    Only the first ``labelled`` tokens (the most frequent, as the studio passes them) carry a text label,
    so that the labels stay readable; every point names its token on hover.

    Each frame is centred by its own mean; using one fixed pair of axes makes the animation converge
    to the final layout instead of jumping between unrelated projections."""
    if len(frames) < 1:
        raise ValueError("embedding_drift needs at least one (step, embeddings) frame.")
    steps = [step for step, _ in frames]
    mats = [np.asarray(m, dtype=float) for _, m in frames]                    # each (N, D)
    if any(m.ndim != 2 or m.shape != mats[-1].shape for m in mats) or mats[-1].shape[0] != len(tokens):
        raise ValueError(f"Every frame must be ({len(tokens)}, D), one row per token; "
                         f"got {[m.shape for m in mats]}.")
    axes, share = final_axes(mats[-1])
    points = [(m - m.mean(axis=0)) @ axes for m in mats]                      # each (N, 2)
    everything = np.concatenate(points)                                       # (F·N, 2)
    pad = 0.08 * np.maximum(np.ptp(everything, axis=0), 1e-9)
    shown = [t if i < labelled else "" for i, t in enumerate(tokens)]
    low, high = everything.min(axis=0) - pad, everything.max(axis=0) + pad

    def scatter(xy: np.ndarray) -> go.Scatter:
        return go.Scatter(x=xy[:, 0], y=xy[:, 1], text=shown, customdata=list(tokens), mode="markers+text",
                          textposition="top center", marker={"size": 9, "color": "#1f77b4", "opacity": 0.7},
                          hovertemplate="%{customdata}<extra></extra>")

    fig = go.Figure(data=[scatter(points[-1])],
                    frames=[go.Frame(name=str(s), data=[scatter(p)]) for s, p in zip(steps, points, strict=True)])
    animation_controls(fig, steps, TERMS("step", lang), redraw=False)
    fig.update_layout(xaxis={"range": [low[0], high[0]], "autorange": False, "zeroline": False,
                             "title": TEXT("pc", lang, i=1, share=share[0])},
                      yaxis={"range": [low[1], high[1]], "autorange": False, "zeroline": False,
                             "title": TEXT("pc", lang, i=2, share=share[1])})
    return style(fig, TEXT("drift_title", lang), 620)


# ── classifier: confusion matrix and probabilities ────────────────────────────────────────────

CELL_TEXT_CLASSES = 12         # up to this many classes each confusion cell is labelled; above, hover only
MAX_FIGURE_HEIGHT = 900        # px: a 50-class matrix at 60 px a row would be 3,200 px tall


def confusion_figure(matrix, label_names: list[str], lang: str = "en") -> go.Figure:
    """(C, C) counts, rows = true label, columns = predicted. Colour = share of the row, so a rare class
    is as readable as a common one. A small matrix shows each cell's count and share as text; a large one
    only colours (C² text labels are unreadable and made the figure heavy) and says them on hover."""
    counts = np.asarray(matrix, dtype=float)                                  # (C, C)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(label_names):
        raise ValueError(f"matrix must be ({len(label_names)}, {len(label_names)}), got {counts.shape}.")
    rows = counts.sum(axis=1, keepdims=True)                                  # (C, 1)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    total, right = int(counts.sum()), int(np.trace(counts))
    acc = f"{right / total:.1%}" if total else "—"
    names = list(label_names)
    small = len(names) <= CELL_TEXT_CLASSES
    if small:
        cells = {"text": [[f"{int(c):,}<br>{s:.0%}" for c, s in zip(cr, sr, strict=True)]
                          for cr, sr in zip(counts, share, strict=True)],
                 "texttemplate": "%{text}", "textfont": {"size": 16},
                 "hovertemplate": "%{y} → %{x}<br>%{text}<extra></extra>"}
    else:                                                                     # counts ride along as numbers
        cells = {"customdata": counts, "hovertemplate": "%{y} → %{x}<br>%{customdata:,}<br>%{z:.0%}<extra></extra>"}
    fig = go.Figure(go.Heatmap(z=share, x=names, y=names, zmin=0, zmax=1, colorscale="Blues",
                               colorbar={"title": TEXT("row_share", lang), "tickformat": ".0%"}, **cells))
    fig.update_layout(xaxis={"title": TEXT("predicted", lang), "side": "bottom", "type": "category"},
                      yaxis={"title": TERMS("true_label", lang), "autorange": "reversed", "type": "category"})
    title = TEXT("confusion_title", lang, acc=acc, right=right, total=total)
    return style(fig, title, min(MAX_FIGURE_HEIGHT, 200 + (60 if small else 16) * len(names)))


def probabilities_bar(probs, label_names: list[str], lang: str = "en") -> go.Figure:
    """(C,) probabilities as horizontal bars from 0 to 100 %; the most likely label stands out."""
    p = 100 * np.asarray(probs, dtype=float).reshape(-1)                      # (C,)
    if len(p) != len(label_names):
        raise ValueError(f"{len(p)} probabilities for {len(label_names)} labels.")
    colours = ["#1f77b4" if i == p.argmax() else "#aec7e8" for i in range(len(p))]
    fig = go.Figure(go.Bar(x=p, y=list(label_names), orientation="h", marker_color=colours,
                           text=[f"{v:.1f}%" for v in p], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    fig.update_layout(xaxis={"range": [0, 100], "title": TEXT("probability", lang)},
                      yaxis={"autorange": "reversed", "type": "category"})
    return style(fig, TEXT("probs_title", lang), min(MAX_FIGURE_HEIGHT, 160 + 50 * len(p)))


# ── attention: before vs after, and cross-attention over training ─────────────────────────────

def _pair_text(rows: list[str], cols: list[str], arrow: str = "→") -> list[list[str]]:
    """Hover labels "query → key" for every cell of a (len(rows), len(cols)) heatmap."""
    return [[f"{r} {arrow} {c}" for c in cols] for r in rows]


def before_after(before, after, tokens: list[str], lang: str = "en",
                 title_before: str | None = None, title_after: str | None = None) -> go.Figure:
    """Two (T, T) attention maps, their difference (red = gained weight, blue = lost), and the [CLS] row
    (row 0) before vs after as bars — the row a [CLS]-pooled classifier reads its sentence vector from.
    A 2 × 2 grid, not 1 × 3: three maps side by side left each too narrow for its token labels."""
    a, b = np.asarray(before, dtype=float), np.asarray(after, dtype=float)   # (T, T) each
    t = len(tokens)
    if a.shape != (t, t) or b.shape != (t, t):
        raise ValueError(f"before and after must both be ({t}, {t}); got {a.shape} and {b.shape}.")
    diff = b - a
    reach = float(np.abs(diff).max()) or 1e-9                                 # symmetric colour range, centred on 0
    names = [title_before or TEXT("before", lang), title_after or TEXT("after", lang)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[*names, TEXT("difference", lang),
                                                         TEXT("cls_row", lang, token=tokens[0])],
                        horizontal_spacing=0.14, vertical_spacing=0.2)
    hover = _pair_text(tokens, tokens)
    for (row, col), z, axis in zip(((1, 1), (1, 2), (2, 1)), (a, b, diff), ("coloraxis", "coloraxis", "coloraxis2"),
                                   strict=True):
        fig.add_trace(go.Heatmap(z=z, coloraxis=axis, text=hover, hovertemplate="%{text}: %{z:.2f}<extra></extra>"),
                      row=row, col=col)
        fig.update_xaxes(_token_ticks({"title": TERMS("key_axis", lang), "tickangle": -60}, tokens), row=row, col=col)
        fig.update_yaxes(_token_ticks({"autorange": "reversed", "showticklabels": col == 1,
                                       "title": TERMS("query_axis", lang) if col == 1 else None}, tokens),
                         row=row, col=col)
    for name, values, colour in zip(names, (a[0], b[0]), ("#9ecae1", "#08519c"), strict=True):
        fig.add_bar(x=list(range(t)), y=values, name=name, marker_color=colour, row=2, col=2,
                    hovertemplate="%{y:.2f}<extra>" + name + "</extra>")
    fig.update_xaxes(_token_ticks({"tickangle": -60}, tokens), row=2, col=2)
    fig.update_yaxes(title=TEXT("weight", lang), rangemode="tozero", row=2, col=2)
    fig.update_layout(coloraxis={"colorscale": "Blues", "cmin": 0, "cmax": 1,
                                 "colorbar": {"x": 1.02, "y": 0.8, "len": 0.4, "thickness": 14}},
                      coloraxis2={"colorscale": "RdBu_r", "cmin": -reach, "cmax": reach, "cmid": 0,
                                  "colorbar": {"x": 0.43, "y": 0.2, "len": 0.4, "thickness": 14}},
                      barmode="group", legend={"orientation": "h", "x": 0.57, "y": -0.12})
    return style(fig, TEXT("ba_title", lang), 900)


def cross_attention_timelapse(frames: list, src_tokens: list[str], tgt_tokens: list[str],
                              lang: str = "en") -> go.Figure:
    """One (T_tgt, T_src) cross-attention map per checkpoint, played as an animation (slider + play).

    Row i is the decoder writing output token i; column j is source token j. A good copy model
    draws a diagonal, a good reverse model an anti-diagonal."""
    if len(frames) < 1:
        raise ValueError("cross_attention_timelapse needs at least one (step, weights) frame.")
    steps = [step for step, _ in frames]
    shape = (len(tgt_tokens), len(src_tokens))
    mats = [np.asarray(w, dtype=float) for _, w in frames]                    # each (T_tgt, T_src)
    if any(m.shape != shape for m in mats):
        raise ValueError(f"Every frame must be {shape} (target × source); got {[m.shape for m in mats]}.")
    hover = _pair_text(tgt_tokens, src_tokens, "←")

    def heatmap(z: np.ndarray) -> go.Heatmap:
        return go.Heatmap(z=z, zmin=0, zmax=1, colorscale="Blues", text=hover,
                          hovertemplate="%{text}: %{z:.2f}<extra></extra>")

    fig = go.Figure(data=[heatmap(mats[-1])],
                    frames=[go.Frame(name=str(s), data=[heatmap(m)]) for s, m in zip(steps, mats, strict=True)])
    animation_controls(fig, steps, TERMS("step", lang), redraw=True)
    fig.update_layout(xaxis=_token_ticks({"title": TEXT("source", lang)}, src_tokens),
                      yaxis=_token_ticks({"title": TEXT("target", lang), "autorange": "reversed"}, tgt_tokens))
    return style(fig, TEXT("cross_title", lang), 560)


def alignment_score(weights, task: str) -> float | None:
    """How much attention sits where the task says it should: 1.0 = perfectly aligned, 1/T_src = uniform.

    weights: (T_tgt, T_src) cross-attention; row i writes output character i. The source ends with
    [EOS] (``CharVocab.encode(text, add_eos=True)``), so for a string of n = T_src − 1 characters:
      copy:     output i is source i                 → mean of weights[i, i],        i < min(T_tgt, T_src)
                (the row writing [EOS] looks at the source [EOS]: the diagonal includes it)
      reverse:  output i is source n − 1 − i = T_src − 2 − i → mean of weights[i, T_src − 2 − i],
                i < min(T_tgt, T_src − 1) (the [EOS] row has no mirrored character and is left out)
    Other tasks (sort, numbers, dates) have no fixed alignment: None."""
    w = np.asarray(weights, dtype=float)                                      # (T_tgt, T_src)
    t_tgt, t_src = w.shape
    if task == "copy":
        rows = np.arange(min(t_tgt, t_src))
        return float(w[rows, rows].mean()) if len(rows) else None
    if task == "reverse":
        rows = np.arange(min(t_tgt, t_src - 1))
        return float(w[rows, t_src - 2 - rows].mean()) if len(rows) else None
    return None
