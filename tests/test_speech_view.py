"""The speech page's pure builders: what a recording becomes, the notes about it, and the figures' data."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest
import torch

from transformer_core.audio import to_wav
from transformer_core.mel import Features
from ui import speech_view as sv

F = Features()


def chirp(seconds: float = 0.6, rate: int = 16_000) -> torch.Tensor:
    t = torch.arange(int(seconds * rate), dtype=torch.float64) / rate
    return (0.4 * torch.sin(2 * np.pi * (300 + 800 * t) * t)).float()


def stereo_96k() -> bytes:
    left = chirp(0.6, 96_000).numpy()
    frames = np.stack([left, left], 1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(96_000)
        w.writeframes((frames * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def test_a_mono_16k_file_needs_no_mixing_or_resampling():
    heard = sv.hear(to_wav(chirp(), 16_000))
    assert heard.window.shape == (F.frames, F.n_mels)
    keys = [key for key, _ in sv.notes(heard)]
    assert keys == ["note_window"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_stereo_96k_file_is_mixed_and_resampled_with_a_note(lang):
    heard = sv.hear(stereo_96k())
    notes = dict(sv.notes(heard))
    assert notes["note_mixed"] == {"channels": 2}
    assert notes["note_resampled"] == {"rate": 96_000, "target": 16_000}
    text = sv.TEXT("note_resampled", lang, **notes["note_resampled"])
    assert "96,000" in text
    assert heard.samples.numel() == round(0.6 * 16_000)
    assert sv.hear(stereo_96k()).wav()[:4] == b"RIFF"


def test_token_labels_are_cls_then_times():
    heard = sv.hear(to_wav(chirp(), 16_000))
    labels = sv.token_labels(heard)
    assert labels[0] == sv.CLS and len(labels) == F.tokens + 1
    assert all(label.endswith(" s") for label in labels[1:])
    first, second = (float(label[:-2]) for label in labels[1:3])
    assert second - first == pytest.approx(F.patch * F.hop / F.sample_rate, abs=0.011)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_hold_the_numbers_they_show(lang):
    heard = sv.hear(to_wav(chirp(), 16_000))
    spec = sv.spectrogram_figure(heard, lang)
    assert np.asarray(spec.data[0].z).shape == (F.n_mels, F.frames)
    assert np.asarray(spec.data[0].z).max() <= 0                                 # dB below the loudest point
    L, H, T = 2, 3, F.tokens + 1
    rng = np.random.default_rng(0)
    attentions = rng.random((L, H, T, T))
    attentions /= attentions.sum(-1, keepdims=True)
    labels = sv.token_labels(heard)
    assert sv.cls_reads(attentions).shape == (L * H, T)
    np.testing.assert_allclose(sv.cls_reads(attentions)[H + 1], attentions[1, 1, 0])
    cls = sv.cls_figure(attentions, labels, lang)
    assert len(cls.data[0].y) == L * H and "1" in cls.data[0].y[0]
    heat = sv.attention_figure(attentions[1, 2], labels, 1, 2, lang)
    assert np.asarray(heat.data[0].z).shape == (T, T) and "2" in heat.layout.title.text
    probs = np.full(10, 0.05)
    probs[7] = 0.55
    bars = sv.probabilities_figure(probs, lang)
    assert list(bars.data[0].x) == list(probs) and bars.data[0].y[7] == "7 · seven · 七"
    assert "55.0%" in sv.verdict(probs, lang) and "7 · seven · 七" in sv.verdict(probs, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_labels_say_what_was_held_out(lang):
    clip = {"digit": 7, "lang": "zh", "accent": "cmn-latn-pinyin", "variant": "f2", "speed": 120, "split": "both"}
    label = sv.sample_label(clip, lang)
    assert "七" in label and "f2" in label and sv.TEXT("split_both", lang) in label
