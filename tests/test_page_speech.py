"""The speech page in AppTest, in both languages: a held-out sample heard by the shipped model (prediction,
spectrogram, [CLS] and head attention), layer and head pickers, the page without the shipped model, and every
bad input (silence, ten minutes, not audio, stereo 96 kHz, float samples) said in the learner's language."""
from __future__ import annotations

import io
import json
import wave

import numpy as np
import pytest
from apptest import open_app_page
from plotly_data import array

from transformer_core.data import speech_digits as S
from ui import speech_view as sv
from ui.i18n import catalog


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_held_out_sample_is_heard_and_shown(lang):
    at = open_app_page("speech", lang)
    clip = S.sample_clips()[0]
    assert any(h.value.startswith(sv.TEXT("verdict", lang, digit="X", p=0.5)[:6]) for h in at.subheader)
    assert sv.TEXT("spectrogram_title", lang) in titles(at)
    assert sv.TEXT("cls_title", lang) in titles(at)
    assert sv.TEXT("attention_title", lang, layer=1, head=1) in titles(at)
    assert sv.sample_label(clip, lang) in [o for o in at.selectbox(key=f"speech_sample_w@{lang}").options]
    probs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
             if json.loads(c.proto.spec)["layout"]["title"]["text"] == sv.TEXT("probs_title", lang)][0]
    assert abs(array(probs["data"][0]["x"]).sum() - 1) < 1e-4


def test_layer_and_head_pickers_change_the_attention_map():
    at = open_app_page("speech")
    at.selectbox(key="speech_layer_w").set_value(2).run()
    at.selectbox(key="speech_head_w").set_value(3).run()
    assert not at.exception
    assert sv.TEXT("attention_title", "en", layer=3, head=4) in titles(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_the_shipped_model_the_spectrogram_and_a_message(nothing_shipped, lang):
    at = open_app_page("speech", lang)
    assert catalog(lang)["speech"]["no_model"] in [e.value for e in at.info]
    assert sv.TEXT("spectrogram_title", lang) in titles(at)


def _wav(frames: np.ndarray, rate: int, width: int = 2) -> bytes:
    frames = frames if frames.ndim == 2 else frames[:, None]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        data = (frames * 32767).astype("<i2") if width == 2 else (frames * 127 + 128).astype(np.uint8)
        w.writeframes(data.tobytes())
    return buffer.getvalue()


BAD = {"silence.wav": lambda: _wav(np.zeros(16000), 16000),
       "ten-minutes.wav": lambda: _wav(np.zeros(8000 * 600), 8000, width=1),
       "notes.wav": lambda: "这不是声音 — not a sound".encode() * 40,
       "float.wav": lambda: (lambda b: b[:20] + b"\x03\x00" + b[22:])(_wav(np.zeros(1600), 16000))}


@pytest.fixture
def bad_samples(tmp_path, monkeypatch):
    """A samples folder whose 'samples' are the bad files, plus a stereo 96 kHz one that must be heard."""
    t = np.arange(96_000 * 6 // 10) / 96_000
    tone = 0.4 * np.sin(2 * np.pi * 440 * t)
    files = {name: make() for name, make in BAD.items()}
    files["stereo-96k.wav"] = _wav(np.stack([tone, tone], 1), 96_000)
    clips = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        clips.append({"file": name, "digit": 0, "lang": "en", "accent": "en-us", "variant": name, "speed": 140,
                      "split": "voice"})
    (tmp_path / "samples.json").write_text(json.dumps(clips), encoding="utf-8")
    monkeypatch.setattr(S, "SAMPLES", tmp_path)
    return clips


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_bad_input_gets_a_message_in_the_learners_language(bad_samples, lang):
    at = open_app_page("speech", lang)
    errors = catalog(lang)["errors"]
    expected = {"silence.wav": "audio_silent", "ten-minutes.wav": "audio_too_long", "notes.wav": "audio_not_wav",
                "float.wav": "audio_not_wav"}
    for index, clip in enumerate(bad_samples):
        at.selectbox(key=f"speech_sample_w@{lang}").set_value(index).run()
        assert not at.exception, clip["file"]
        warnings = " ".join(w.value for w in at.warning)
        if clip["file"] in expected:
            start = errors[expected[clip["file"]]].split("{")[0]
            assert start and start in warnings, (clip["file"], warnings)
            assert sv.TEXT("spectrogram_title", lang) not in titles(at)
        else:                                               # stereo 96 kHz: heard, with both notes
            captions = " ".join(c.value for c in at.caption)
            assert sv.TEXT("note_mixed", lang, channels=2) in captions
            assert sv.TEXT("note_resampled", lang, rate=96_000, target=16_000) in captions
            assert not warnings
