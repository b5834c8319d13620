"""The RNN-vs-Transformer page's pure logic: which runs to train, the measured timings, and the figures
(accuracy vs length, time vs length with the crossover, path length between two positions).

No Streamlit here; the models, tasks and counts are ``transformer_core/recurrent.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core import recurrent as rec

from .i18n import Scope
from .seq2seq_view import one_thread

TEXT = Scope("rnn")
LENGTHS = {"copy": (4, 8, 16, 24), "reverse": (4, 8, 16, 24), "first": (8, 32, 64, 128)}   # L a learner may pick
DEFAULT_LENGTHS = {"copy": (4, 8, 16), "reverse": (4, 8, 16), "first": (8, 32, 64)}
TIME_LENGTHS = (16, 64, 256, 512, 1024, 2048)      # T the timing chart measures
TIME_BATCH = 4
STEP_CHOICES = (100, 200, 400)
LEARNING_RATES = {"transformer": 3e-3, "lstm": 1e-2, "gru": 1e-2}   # each the rate that trained it best here
KIND_COLORS = {"transformer": "#1f77b4", "lstm": "#d62728", "gru": "#d62728"}
MAX_RUNS = 10                                      # runs one press of the button may start


class PlanProblem(ValueError):
    """A plan the page refuses; ``key`` names the message in the [rnn] section."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def plan(task: str, lengths, rnn: str) -> list[tuple[str, int]]:
    """The runs to train: both models at every chosen length, shortest first. Raises PlanProblem."""
    if task not in LENGTHS:
        raise PlanProblem("bad_task")
    if rnn not in ("lstm", "gru"):
        raise PlanProblem("bad_rnn")
    picked = sorted({int(n) for n in lengths})
    if not picked:
        raise PlanProblem("no_lengths")
    if any(n not in LENGTHS[task] for n in picked):
        raise PlanProblem("bad_length", allowed=", ".join(map(str, LENGTHS[task])))
    runs = [(kind, n) for n in picked for kind in (rnn, "transformer")]
    if len(runs) > MAX_RUNS:
        raise PlanProblem("too_many", most=MAX_RUNS // 2)
    return runs


def configs(rnn: str, task: str, lengths) -> dict[str, rec.SeqConfig]:
    """The two models, sized to hold about as many weights, with room for the longest chosen length."""
    longest = max(rec.sequence_length(task, n) for n in lengths)
    rnn_config, tf_config = rec.matched_configs(rnn=rnn, max_len=max(longest, 8))
    return {rnn: rnn_config, "transformer": tf_config}


def train_run(config: rec.SeqConfig, task: str, length: int, steps: int, seed: int = 0, on_step=None) -> rec.RunResult:
    """One seeded run on one CPU thread (a page's training must not take every core from other sessions)."""
    settings = rec.TrainSettings(steps=steps, lr=LEARNING_RATES[config.kind], seed=seed)
    with one_thread():
        return rec.train(config, task, length, settings, on_step)


@dataclass(frozen=True)
class Timing:
    rnn: str
    lengths: tuple[int, ...]
    rnn_ms: tuple[float, ...]          # median forward + backward, one step at batch TIME_BATCH
    transformer_ms: tuple[float, ...]
    rnn_mixing: tuple[int, ...]        # counted FLOPs that mix positions, per layer (rec.mixing_flops)
    transformer_mixing: tuple[int, ...]
    measured: float | None             # T where the Transformer becomes the slower (None: not in range)
    counted: int | None                # T where attention's mixing FLOPs pass the recurrence's


def measure(rnn: str = "gru", lengths=TIME_LENGTHS, batch: int = TIME_BATCH, repeats: int = 3) -> Timing:
    """Time both models at every length, interleaved (noise hits both alike), one thread."""
    rnn_config, tf_config = rec.matched_configs(rnn=rnn, max_len=max(lengths))
    torch.manual_seed(0)
    models = {"rnn": rec.build(rnn_config), "transformer": rec.build(tf_config)}
    ms = {name: [] for name in models}
    with one_thread():
        for T in lengths:
            for name, model in models.items():
                ms[name].append(1000 * rec.step_time(model, T, batch, repeats, rnn_config.vocab_size))
    return Timing(rnn, tuple(lengths), tuple(ms["rnn"]), tuple(ms["transformer"]),
                  tuple(rec.mixing_flops(rnn_config, T) for T in lengths),
                  tuple(rec.mixing_flops(tf_config, T) for T in lengths),
                  rec.crossover(list(lengths), ms["rnn"], ms["transformer"]),
                  rec.flops_crossover(rnn_config, tf_config))


def _name(kind: str, lang: str) -> str:
    return TEXT(f"kind_{kind}", lang)


def accuracy_figure(results: list[rec.RunResult], task: str, lang: str) -> go.Figure:
    """Held-out accuracy against the task's length L, one line per model, chance dotted."""
    fig = go.Figure()
    for kind in dict.fromkeys(r.kind for r in results):
        mine = sorted((r for r in results if r.kind == kind), key=lambda r: r.length)
        fig.add_trace(go.Scatter(x=[r.length for r in mine], y=[100 * r.accuracy for r in mine], mode="lines+markers",
                                 name=_name(kind, lang), line=dict(color=KIND_COLORS[kind], width=3),
                                 hovertemplate="L = %{x}: %{y:.1f}%<extra></extra>"))
    if results:
        fig.add_hline(y=100 * results[0].chance, line=dict(color="#9e9e9e", dash="dot"),
                      annotation_text=TEXT("chance", lang), annotation_position="bottom right")
    fig.update_layout(title=TEXT("acc_title", lang, task=TEXT(f"task_{task}", lang)), height=380,
                      xaxis_title=TEXT("axis_length", lang), yaxis_title=TEXT("axis_accuracy", lang),
                      yaxis_range=[0, 105], plot_bgcolor="white", legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(type="log", tickvals=sorted({r.length for r in results}), gridcolor="#eeeeee")
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


def time_figure(timing: Timing, lang: str) -> go.Figure:
    """Left: measured ms per training step against T; right: counted mixing FLOPs. Both log-log."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(TEXT("time_measured", lang), TEXT("time_counted", lang)))
    for col, (a, b) in enumerate(((timing.rnn_ms, timing.transformer_ms),
                                  (timing.rnn_mixing, timing.transformer_mixing)), start=1):
        for kind, ys in ((timing.rnn, a), ("transformer", b)):
            fig.add_trace(go.Scatter(x=list(timing.lengths), y=list(ys), mode="lines+markers", name=_name(kind, lang),
                                     line=dict(color=KIND_COLORS[kind], width=3), showlegend=col == 1), row=1, col=col)
    for col, at in ((1, timing.measured), (2, timing.counted)):
        if at:
            fig.add_vline(x=at, line=dict(color="#616161", dash="dash"), row=1, col=col)
    fig.update_xaxes(type="log", title_text="T", gridcolor="#eeeeee")
    fig.update_yaxes(type="log", gridcolor="#eeeeee")
    fig.update_yaxes(title_text=TEXT("axis_ms", lang), row=1, col=1)
    fig.update_yaxes(title_text=TEXT("axis_flops", lang), row=1, col=2)
    fig.update_layout(height=400, plot_bgcolor="white", legend=dict(orientation="h", y=-0.25))
    return fig


def path_figure(T: int, rnn: str, lang: str) -> go.Figure:
    """Steps from the first position to each later one: 1 hop of attention, j steps of recurrence."""
    js = list(range(1, T))
    fig = go.Figure()
    for kind in (rnn, "transformer"):
        fig.add_trace(go.Scatter(x=[j + 1 for j in js], y=[rec.path_length(kind, 0, j) for j in js], mode="lines",
                                 name=_name(kind, lang), line=dict(color=KIND_COLORS[kind], width=3)))
    fig.update_layout(title=TEXT("path_title", lang), height=320, plot_bgcolor="white",
                      xaxis_title=TEXT("axis_position", lang), yaxis_title=TEXT("axis_steps", lang),
                      legend=dict(orientation="h", y=-0.3))
    fig.update_xaxes(gridcolor="#eeeeee")
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


def result_rows(results: list[rec.RunResult], lang: str) -> list[dict]:
    """A table of the runs, for the page and its download."""
    return [{TEXT("col_model", lang): _name(r.kind, lang), "L": r.length, "T": r.seq_len,
             TEXT("col_accuracy", lang): f"{100 * r.accuracy:.1f}%", TEXT("col_chance", lang): f"{100 * r.chance:.1f}%",
             TEXT("col_params", lang): f"{r.params:,}", TEXT("col_seconds", lang): f"{r.seconds:.1f}"}
            for r in sorted(results, key=lambda r: (r.length, r.kind != "transformer"))]


def timing_rows(timing: Timing, lang: str) -> list[dict]:
    return [{"T": T, _name(timing.rnn, lang) + " ms": f"{a:.1f}", _name("transformer", lang) + " ms": f"{b:.1f}",
             TEXT("col_ratio", lang): f"{b / a:.2f}"}
            for T, a, b in zip(timing.lengths, timing.rnn_ms, timing.transformer_ms, strict=True)]
