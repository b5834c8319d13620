"""The speech page's pure parts: a recording's bytes → what the model hears, and the figures that show it.

A recording is read in memory (transformer_core.audio), resampled to 16 kHz, turned into a log-mel window
(transformer_core.mel) and cut into 25 tokens of 40 ms: the spectrogram is the "sentence", its time slices
are the "words". The figures put time on the x-axis everywhere, so the spectrogram, the attention of
[CLS] and the attention map line up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from transformer_core.audio import Audio, decode_wav, resample, to_wav
from transformer_core.data import speech_digits as spoken
from transformer_core.mel import FEATURES, Features, features_of

from . import colors
from .i18n import TERMS, Scope

TEXT = Scope("speech")
CLS = "[CLS]"


@dataclass(frozen=True)
class Heard:
    audio: Audio            # the file as decoded (rate, channels, length)
    samples: torch.Tensor   # (N,) mono at features.sample_rate: what the model hears
    window: torch.Tensor    # (frames, n_mels) the log-mel window the model reads, in [-1, 1]
    first: int              # the recording's frame at the window's left edge (negative: silence added before)
    features: Features

    def wav(self) -> bytes:
        """The 16 kHz mono sound as a WAV file, for the page's player."""
        return to_wav(self.samples, self.features.sample_rate)

    def seconds_at(self, frame: int) -> float:
        return frame * self.features.hop / self.features.sample_rate


def hear(data: bytes, features: Features = FEATURES) -> Heard:
    """A WAV file's bytes → ``Heard``; a bad file raises the core's keyed DataError."""
    audio = decode_wav(data)
    samples = resample(audio.samples, audio.rate, features.sample_rate)
    window, first = features_of(samples, features)
    return Heard(audio, samples, window, first, features)


def notes(heard: Heard) -> list[tuple[str, dict]]:
    """What was done to the recording before the model heard it: (catalog key, values) each."""
    out = []
    if heard.audio.channels > 1:
        out.append(("note_mixed", {"channels": heard.audio.channels}))
    if heard.audio.rate != heard.features.sample_rate:
        out.append(("note_resampled", {"rate": heard.audio.rate, "target": heard.features.sample_rate}))
    start = heard.seconds_at(heard.first)
    out.append(("note_window", {"start": start, "end": start + heard.seconds_at(heard.features.frames),
                                "length": heard.audio.seconds}))
    return out


def token_labels(heard: Heard) -> list[str]:
    """[CLS], then each token's start time in the recording: "0.42 s"."""
    f = heard.features
    return [CLS] + [f"{heard.seconds_at(heard.first + i * f.patch):.2f} s" for i in range(f.tokens)]


def digit_name(digit: int) -> str:
    return f"{digit} · {spoken.WORDS['en'][digit]} · {spoken.HANZI[digit]}"


def sample_label(clip: dict, lang: str) -> str:
    said = spoken.HANZI[clip["digit"]] if clip["lang"] == "zh" else spoken.WORDS["en"][clip["digit"]]
    return TEXT("sample_label", lang, said=said, voice=f"{clip['accent']}+{clip['variant']}", speed=clip["speed"],
                split=TEXT(f"split_{clip['split']}", lang))


def spectrogram_figure(heard: Heard, lang: str) -> go.Figure:
    """The log-mel window as a heatmap: time across (seconds in the recording), mel bins up; dotted lines
    where one token (40 ms) ends and the next begins."""
    f = heard.features
    times = [heard.seconds_at(heard.first + i) for i in range(f.frames)]
    z = ((heard.window.T.numpy() - 1.0) * f.floor_db / 2)                           # (n_mels, frames) dB ≤ 0
    fig = go.Figure(go.Heatmap(z=z, x=times, y=list(range(1, f.n_mels + 1)), zmin=-f.floor_db, zmax=0,
                               colorscale=colors.SEQUENTIAL, colorbar={"title": "dB"},   # loud = dark
                               hovertemplate="%{x:.2f} s, mel %{y}: %{z:.0f} dB<extra></extra>"))
    for i in range(1, f.tokens):
        fig.add_vline(x=heard.seconds_at(heard.first + i * f.patch) - 0.005, line_width=0.5, line_dash="dot",
                      line_color="#888")
    fig.update_layout(title=TEXT("spectrogram_title", lang), height=300, margin={"t": 50, "b": 40},
                      xaxis_title=TEXT("time_axis", lang), yaxis_title=TEXT("mel_axis", lang))
    return fig


def attention_figure(weights: np.ndarray, labels: list[str], layer: int, head: int, lang: str) -> go.Figure:
    """One head's (T, T) weights: each row (a query token) sums to 1 over the key tokens."""
    where = list(range(len(labels)))
    hover = [[f"{q} → {k}" for k in labels] for q in labels]
    fig = go.Figure(go.Heatmap(z=weights, x=where, y=where, customdata=hover, **colors.positive(float(weights.max())),
                               hovertemplate="%{customdata}: %{z:.2f}<extra></extra>"))
    ticks = {"tickmode": "array", "tickvals": where[::2], "ticktext": labels[::2]}
    fig.update_layout(title=TEXT("attention_title", lang, layer=layer + 1, head=head + 1), height=520,
                      xaxis={**ticks, "title": TERMS("key_axis", lang)},
                      yaxis={**ticks, "title": TERMS("query_axis", lang), "autorange": "reversed"})
    return fig


def cls_reads(attentions: np.ndarray) -> np.ndarray:
    """(L, H, T, T) → (L·H, T): the row of [CLS] (query 0) in every layer and head, layer by layer."""
    L, H, T, _ = attentions.shape
    return attentions[:, :, 0, :].reshape(L * H, T)


def cls_figure(attentions: np.ndarray, labels: list[str], lang: str) -> go.Figure:
    """Which time slices [CLS] reads: one row per layer and head, one column per token."""
    L, H = attentions.shape[:2]
    rows = [f"{TERMS('layer', lang)} {layer + 1} · {TERMS('head', lang)} {head + 1}"
            for layer in range(L) for head in range(H)]
    z = cls_reads(attentions)
    fig = go.Figure(go.Heatmap(z=z, x=list(range(len(labels))), y=rows, **colors.positive(float(z.max())),
                               customdata=[labels] * len(rows),
                               hovertemplate="%{y}, [CLS] → %{customdata}: %{z:.2f}<extra></extra>"))
    fig.update_layout(title=TEXT("cls_title", lang), height=120 + 22 * len(rows),
                      xaxis={"tickmode": "array", "tickvals": list(range(0, len(labels), 2)),
                             "ticktext": labels[::2], "title": TERMS("key_axis", lang)},
                      yaxis={"autorange": "reversed"})
    return fig


def probabilities_figure(probs: np.ndarray, lang: str) -> go.Figure:
    """P(digit) for the ten digits, the most likely one darkest."""
    names = [digit_name(d) for d in range(len(probs))]
    fig = go.Figure(go.Bar(x=probs, y=names, orientation="h", marker={"color": probs, **_bar_scale()},
                           hovertemplate="%{y}: %{x:.1%}<extra></extra>", text=[f"{p:.1%}" for p in probs],
                           textposition="outside"))
    fig.update_layout(title=TEXT("probs_title", lang), height=360, xaxis={"range": [0, 1.15], "tickformat": ".0%",
                      "title": TERMS("probability", lang)}, yaxis={"autorange": "reversed"})
    return fig


def _bar_scale() -> dict:
    scale = colors.positive(1.0)
    return {"colorscale": scale["colorscale"], "cmin": scale["zmin"], "cmax": scale["zmax"]}


def verdict(probs: np.ndarray, lang: str) -> str:
    best = int(np.argmax(probs))
    return TEXT("verdict", lang, digit=digit_name(best), p=float(probs[best]))
