"""Training-studio figures: the live curves, progress, the masking view and the vocabulary.

The learner trains a small model in the browser and watches it learn; these builders turn the
trainer's per-step log (``history``, one dict per step) and held-out scores (``evaluations``) into
plotly figures and short sentences, in English and 中文. Pure functions, no Streamlit: the page
calls them every two seconds, so they stay cheap (at most ~1,000 points per line).
The figures about what the model learned live in ``figures_more.py`` and are re-exported here.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.i18n import TERMS
from ui.studio.figures_more import (  # noqa: F401
    UIREVISION,
    alignment_score,
    before_after,
    confusion_figure,
    cross_attention_timelapse,
    embedding_drift,
    kind_label,
    probabilities_bar,
    style,
    vocab_figure,
    vocab_kinds,
    vocab_rows,
    vocab_table,
)
from ui.studio.figures_text import TEXT

MAX_POINTS = 1000              # per line: a 5,000-step run is thinned to every 5th step (plus the last)
RECENT = 20                    # steps the speed and the time-left estimate are measured over
BLUES, ORANGES = ("#1f77b4", "#0b3c5d"), ("#ff7f0e", "#a64b00")    # (line, held-out marker) colours


# ── live training curves ──────────────────────────────────────────────────────────────────────

# one panel = (title, y-axis kind, per-step series [(path in a history row, name)], held-out [(key, name)])
PANELS = {
    "pretrain": [("t_loss_pre", "loss", [("parts.mlm", "s_mlm"), ("parts.nsp", "s_nsp")],
                  [("mlm_loss", "e_mlm"), ("nsp_loss", "e_nsp")]),
                 ("t_mlm_acc", "acc", [("metrics.mlm_accuracy", "s_mlm_acc")],
                  [("mlm_top1", "e_top1"), ("mlm_top5", "e_top5")]),
                 ("t_nsp_acc", "acc", [("metrics.nsp_accuracy", "s_nsp_acc")], [("nsp_accuracy", "e_nsp_acc")]),
                 ("t_lr", "lr", [("lr", "s_lr")], [])],
    "finetune": [("t_loss", "loss", [("loss", "s_loss")], [("loss", "e_loss")]),
                 ("t_acc", "acc", [("metrics.accuracy", "s_acc")], [("accuracy", "e_acc")]),
                 ("t_lr", "lr", [("lr", "s_lr")], []),
                 ("t_grad", "grad", [("grad_norm", "s_grad")], [])],
    "seq2seq": [("t_loss", "loss", [("loss", "s_loss")], [("loss", "e_loss")]),
                ("t_tok_acc", "acc", [("metrics.token_accuracy", "s_tok_acc")],
                 [("token_accuracy", "e_tok_acc"), ("exact_match", "e_exact")]),
                ("t_lr", "lr", [("lr", "s_lr")], []),
                ("t_grad", "grad", [("grad_norm", "s_grad")], [])],
}
PANELS["vision"] = PANELS["finetune"]          # a ViT on the digits: a classifier's loss and accuracy
Y_AXES = {"loss": {"rangemode": "tozero"}, "acc": {"range": [0, 1.02], "tickformat": ".0%"},
          "lr": {"exponentformat": "e", "rangemode": "tozero"}, "grad": {"rangemode": "tozero"}}


def column(rows, path: str) -> np.ndarray:
    """(len(rows),) floats read at ``path`` ("loss", "parts.mlm", …); NaN where a row lacks the value."""
    out = np.full(len(rows), np.nan)
    for i, row in enumerate(rows):
        value = row
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            out[i] = float(value)
    return out


def smooth(values, alpha: float = 0.1) -> np.ndarray:
    """Exponential moving average, the bold line: ema ← α·value + (1 − α)·ema.

    A NaN (say, a batch with no masked token) is skipped: the average carries on unchanged
    through it. Before the first real number the output is NaN."""
    out = np.full(len(values), np.nan)
    ema = math.nan
    for i, value in enumerate(np.asarray(values, dtype=float)):
        if not math.isnan(value):
            ema = value if math.isnan(ema) else alpha * value + (1 - alpha) * ema
        out[i] = ema
    return out


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices 0, k, 2k, … (k chosen so at most ~limit remain) plus always the last one, n − 1.

    A fixed stride keeps the same points from one rebuild to the next, so the line does not shimmer."""
    stride = max(1, math.ceil(n / limit))
    idx = np.arange(0, n, stride)
    return np.append(idx, n - 1) if n and idx[-1] != n - 1 else idx


def _series_traces(steps, values, name: str, colour: str, exact: bool = False) -> list[go.Scatter]:
    """The raw per-step values as a faint line and their moving average as the bold one, both thinned.
    ``exact``: a value that is not noisy (the learning-rate schedule) is drawn as it is, one bold line."""
    keep = thin(len(values))
    x = steps[keep]
    if exact:
        return [go.Scatter(x=x, y=values[keep], mode="lines", name=name, line={"color": colour, "width": 3},
                           hovertemplate="%{x}: %{y:.4g}<extra>" + name + "</extra>")]
    raw = go.Scatter(x=x, y=values[keep], mode="lines", name=name, legendgroup=name, showlegend=False,
                     line={"color": colour, "width": 1}, opacity=0.3, hovertemplate="%{x}: %{y:.4g}<extra></extra>")
    ema = go.Scatter(x=x, y=smooth(values)[keep], mode="lines", name=name, legendgroup=name,
                     line={"color": colour, "width": 3}, hovertemplate="%{x}: %{y:.4g}<extra>" + name + "</extra>")
    return [raw, ema]


def _held_out_trace(evaluations, key: str, name: str, colour: str, symbol: str) -> go.Scatter | None:
    """Held-out scores as big markers, or None when no evaluation reported ``key``."""
    rows = [e for e in evaluations if e.get(key) is not None]
    if not rows:
        return None
    return go.Scatter(x=column(rows, "step"), y=column(rows, key), mode="markers", name=name, cliponaxis=False,
                      marker={"color": colour, "size": 11, "symbol": symbol, "line": {"color": "white", "width": 1}},
                      hovertemplate="%{x}: %{y:.4g}<extra>" + name + "</extra>")


def curves(history, evaluations, task: str, lang: str = "en") -> go.Figure:
    """A 2 × 2 grid of live training curves for task "pretrain", "finetune", "seq2seq" or "vision".

    Each per-step quantity: faint raw line + bold moving average; held-out evaluations: markers.
    An empty history gives the four titled, empty panels, so the page can show them before step 1."""
    if task not in PANELS:
        raise ValueError(f"task must be one of {sorted(PANELS)}, got {task!r}.")
    history, evaluations = list(history or []), list(evaluations or [])
    panels = PANELS[task]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[TEXT(p[0], lang) for p in panels],
                        vertical_spacing=0.16, horizontal_spacing=0.13)
    steps = column(history, "step")                                          # (S,)
    for n, (_, kind, series, held_out) in enumerate(panels):
        row, col = divmod(n, 2)
        for (path, name), colours in zip(series, (BLUES, ORANGES), strict=False):
            for trace in _series_traces(steps, column(history, path), TEXT(name, lang), colours[0],
                                        exact=kind == "lr"):
                fig.add_trace(trace, row=row + 1, col=col + 1)
        for (key, name), colours, symbol in zip(held_out, (BLUES, ORANGES), ("diamond", "circle"), strict=False):
            trace = _held_out_trace(evaluations, key, TEXT(name, lang), colours[1], symbol)
            if trace is not None:
                fig.add_trace(trace, row=row + 1, col=col + 1)
        fig.update_yaxes(title=TEXT(f"y_{kind}", lang), **Y_AXES[kind], row=row + 1, col=col + 1)
        fig.update_xaxes(title=TERMS("step", lang), rangemode="tozero", row=row + 1, col=col + 1)
    fig.update_layout(legend={"orientation": "h", "y": -0.14, "x": 0}, hovermode="x unified")
    return style(fig, TEXT(f"curves_{task}", lang), 680)


# ── progress ──────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Progress:
    step: int                  # steps done so far
    total: int                 # steps planned
    tokens_seen: int           # real (non-padding) tokens read, all steps
    tokens_per_s: float        # speed over the last RECENT steps
    eta_s: float | None        # seconds left; None before the first step
    elapsed_s: float           # training time so far (sum of the step times)


WALL_STEPS = 50


def progress(history, total_steps: int, times=None) -> Progress:
    """Where the run stands. Speed = tokens / seconds summed over the last 20 steps; time left = steps
    left × the wall time per step over the last 50 (``times``: perf_counter at each step's end), else the
    mean step time. (The median step time was 2–3× too hopeful: checkpoints and evaluations take time too.)"""
    history = list(history or [])
    if not history:
        return Progress(0, total_steps, 0, 0.0, None, 0.0)
    recent = history[-RECENT:]
    seconds = sum(float(r["seconds"]) for r in recent)
    rate = sum(float(r["tokens"]) for r in recent) / seconds if seconds > 0 else 0.0
    step = int(history[-1]["step"])
    per_step = statistics.fmean(float(r["seconds"]) for r in recent)
    times = list(times or [])
    if len(times) > WALL_STEPS:                   # wall clock between step ends: saves, evaluations and the
        per_step = (times[-1] - times[-WALL_STEPS - 1]) / WALL_STEPS       # rest of the machine included
    return Progress(step=step, total=total_steps, tokens_seen=int(sum(int(r["tokens"]) for r in history)),
                    tokens_per_s=rate, eta_s=max(total_steps - step, 0) * per_step,
                    elapsed_s=sum(float(r["seconds"]) for r in history))


def format_duration(seconds, lang: str = "en") -> str:
    """42 → "42 s", 65 → "1 min 05 s", 7380 → "2 h 03 min", 0.3 → "< 1 s" (中文: 秒, 分, 小时); None → "—"."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 1:
        return TEXT("d_under", lang)
    whole = int(round(seconds))
    if whole < 60:
        return TEXT("d_s", lang, s=whole)
    if whole < 3600:
        return TEXT("d_ms", lang, m=whole // 60, s=whole % 60)
    hours, minutes = divmod(int(round(seconds / 60)), 60)
    return TEXT("d_hm", lang, h=hours, m=minutes)


def _about(seconds: float, lang: str) -> str:
    """A time left, rounded as a person would say it: seconds below a minute, whole minutes above."""
    if 60 <= seconds < 3570:
        return TEXT("d_m", lang, m=int(round(seconds / 60)))
    return format_duration(seconds, lang)


def _two_digits(x: float) -> str:
    """A noisy speed to 2 significant digits: 7,084 → "7,100"."""
    if x < 100:
        return f"{x:,.0f}"
    return f"{round(x, 1 - int(math.floor(math.log10(x)))):,.0f}"


def progress_line(p: Progress, lang: str = "en", status: str = "running") -> str:
    """ "step 120 / 500 · 7,100 tokens/s · 43,000 tokens seen · about 1 min left"; a run that is not
    training (paused, stopped, failed) says so instead of a time left that is not running down."""
    if p.step >= p.total > 0:
        left = TEXT("done", lang)
    elif status in ("paused", "stopped", "error"):
        left = TEXT(f"st_{status}", lang)
    elif p.eta_s is None:
        left = TEXT("estimating", lang)
    elif p.eta_s < 1:
        left = TEXT("almost", lang)
    else:
        left = TEXT("left", lang, t=_about(p.eta_s, lang))
    return TEXT("line", lang, step=p.step, total=p.total, rate=_two_digits(p.tokens_per_s),
              seen=p.tokens_seen, left=left)


# ── the masking view ──────────────────────────────────────────────────────────────────────────

FATES = ("special", "", "mask", "random", "kept")
FATE_COLOURS = {"special": "#d9d9d9", "": "#ffffff", "mask": "#ffbb78", "random": "#ff9896", "kept": "#98df8a"}
SEGMENT_COLOURS = ("#1f77b4", "#9467bd")     # sentence A, sentence B
PER_ROW, ROW_H = 12, 1.5                     # boxes per row; a row is 1 unit tall plus 0.5 of gap


def masking_counts(fate: list[str]) -> dict:
    """How many tokens met each fate, plus "chosen" and "chosen_share" = chosen / non-special (≈ 0.15).

    Keys: special, not_chosen (the fate ""), mask, random, kept, chosen, chosen_share."""
    counts = {"special": 0, "not_chosen": 0, "mask": 0, "random": 0, "kept": 0}
    for f in fate:
        counts["not_chosen" if f == "" else f] += 1
    counts["chosen"] = counts["mask"] + counts["random"] + counts["kept"]
    ordinary = len(fate) - counts["special"]
    counts["chosen_share"] = counts["chosen"] / ordinary if ordinary else 0.0
    return counts


def _box(i: int) -> tuple[float, float, float, float]:
    """Token i's box (x0, x1, y0, y1): left to right, PER_ROW to a row, rows going down."""
    row, col = divmod(i, PER_ROW)
    top = -row * ROW_H
    return col + 0.04, col + 0.96, top - 1, top


def masking_figure(pieces: list[str], shown: list[str], fate: list[str], segments: list[int],
                   is_next: bool, lang: str = "en") -> go.Figure:
    """One NSP pair as coloured boxes: the original piece on top, what the model reads below,
    the colour saying what masking did to it, a line underneath marking sentence A or B."""
    if not len(pieces) == len(shown) == len(fate) == len(segments):
        raise ValueError(f"pieces, shown, fate and segments must have one entry per token; got lengths "
                         f"{len(pieces)}, {len(shown)}, {len(fate)}, {len(segments)}.")
    shapes = []                                      # built as dicts, set once: add_shape per token is O(T²)
    for i, f in enumerate(fate):
        x0, x1, y0, y1 = _box(i)
        shapes.append({"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "name": f"token {i}",
                       "fillcolor": FATE_COLOURS[f], "line": {"color": "#7f7f7f", "width": 1}, "layer": "below"})
        shapes.append({"type": "line", "x0": x0, "x1": x1, "y0": y0 - 0.12, "y1": y0 - 0.12, "name": f"segment {i}",
                       "line": {"color": SEGMENT_COLOURS[min(int(segments[i]), 1)], "width": 4}})
    fig = go.Figure(layout={"shapes": shapes})
    centres = np.array([(b[0] + b[1]) / 2 for b in map(_box, range(len(pieces)))])      # (T,)
    tops = np.array([_box(i)[3] for i in range(len(pieces))])                           # (T,)
    hover = [TEXT("hover", lang, piece=p, shown=s, fate=TEXT(f"fate_{f or 'none'}", lang))
             for p, s, f in zip(pieces, shown, fate, strict=True)]
    fig.add_scatter(x=centres, y=tops - 0.3, text=list(pieces), mode="text", showlegend=False, hoverinfo="skip",
                    textfont={"size": 13, "color": "#333333"})
    fig.add_scatter(x=centres, y=tops - 0.7, text=[f"<b>{s}</b>" for s in shown], mode="text", showlegend=False,
                    hovertext=hover, hoverinfo="text", textfont={"size": 15, "color": "black"})
    for f in FATES:                                  # legend only: one coloured square per fate
        fig.add_scatter(x=[None], y=[None], mode="markers", name=TEXT(f"fate_{f or 'none'}", lang),
                        marker={"symbol": "square", "size": 16, "color": FATE_COLOURS[f],
                                "line": {"color": "#7f7f7f", "width": 1}})
    for seg, colour in enumerate(SEGMENT_COLOURS):
        fig.add_scatter(x=[None], y=[None], mode="lines", name=TEXT(f"segment_{seg}", lang),
                        line={"color": colour, "width": 4})
    rows = max(1, math.ceil(len(pieces) / PER_ROW))
    fig.update_xaxes(visible=False, range=[-0.05, PER_ROW + 0.05])
    fig.update_yaxes(visible=False, range=[-(rows - 1) * ROW_H - 1.3, 0.1])
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top"}, hovermode="closest")
    style(fig, TEXT("is_next" if is_next else "not_next", lang), 170 + 85 * rows)
    fig.update_layout(title_subtitle_text=TEXT("masking_subtitle", lang))
    return fig
