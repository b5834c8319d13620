"""The speech half of issue 15 in the core: WAV decoding and its refusals, resampling, the STFT + mel filterbank
against a direct computation, the speech window, the model's shapes, trace and checkpoint, and a short training
run on the committed slice that beats chance by a wide margin."""
from __future__ import annotations

import io
import math
import struct
import wave

import numpy as np
import pytest
import torch

from transformer_core import load_pretrained, save_pretrained
from transformer_core.audio import MAX_BYTES, decode_wav, resample, to_wav
from transformer_core.data import speech_digits as S
from transformer_core.errors import CheckpointError, ConfigError, DataError
from transformer_core.kinds import CLASSIFY_SPEECH, kind_of
from transformer_core.mel import Features, features_of, hz_to_mel, mel_energies, mel_filterbank, mel_to_hz
from transformer_core.speech import SpeechTransformer, load_speech, save_features, speech_config
from transformer_core.train.speech import SpeechTrainConfig, accuracy, augment, train
from ui.i18n import error_text

F = Features()


def tone(hz: float, seconds: float = 0.5, rate: int = 16_000, amplitude: float = 0.5) -> torch.Tensor:
    t = torch.arange(int(seconds * rate), dtype=torch.float64) / rate
    return (amplitude * torch.sin(2 * math.pi * hz * t)).float()


def wav_bytes(samples: np.ndarray, rate: int, width: int = 2) -> bytes:
    """(N,) or (N, C) floats in [-1, 1] → a PCM WAV file's bytes."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            w.writeframes((frames * 32767).astype("<i2").tobytes())
        else:
            w.writeframes(((frames * 127) + 128).astype(np.uint8).tobytes())
    return buffer.getvalue()


# ── the front end ────────────────────────────────────────────────────────────────────────────────────

def test_mel_scale_round_trips_and_the_filters_are_triangles_on_it():
    hz = torch.tensor([20.0, 700.0, 1000.0, 8000.0])
    assert torch.allclose(mel_to_hz(hz_to_mel(hz)), hz, rtol=1e-5)
    assert abs(float(hz_to_mel(torch.tensor(1000.0))) - 999.99) < 0.1      # 1000 Hz ≈ 1000 mel by design
    bank = mel_filterbank(F)
    assert bank.shape == (F.n_mels, F.n_fft // 2 + 1)
    assert bank.min() >= 0 and bank.max() <= 1
    peaks = bank.argmax(dim=1)
    assert (peaks[1:] >= peaks[:-1]).all()                                    # centres rise with the filter index


def test_mel_energies_equal_a_direct_dft_and_triangle_sum():
    """One frame in the middle, computed with no library: Hann window, DFT as a sum of cosines and sines,
    triangles from the mel definition, each bin's weight from its own frequency."""
    gen = torch.Generator().manual_seed(0)
    samples = torch.randn(4000, generator=gen) * 0.1 + tone(440.0, 0.25)
    ours = mel_energies(samples, F).double().numpy()
    t = 10                                                                    # frame t is centred on t · hop
    x = samples.double().numpy()[t * F.hop - F.n_fft // 2: t * F.hop + F.n_fft // 2]
    n = np.arange(F.n_fft)
    windowed = x * (0.5 - 0.5 * np.cos(2 * np.pi * n / F.n_fft))            # periodic Hann
    k = np.arange(F.n_fft // 2 + 1)[:, None]
    power = (windowed * np.cos(2 * np.pi * k * n / F.n_fft)).sum(1) ** 2 + \
            (windowed * np.sin(2 * np.pi * k * n / F.n_fft)).sum(1) ** 2     # |X_k|²
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    edges = 700 * (10 ** (np.linspace(mel(F.f_min), mel(F.f_max), F.n_mels + 2) / 2595) - 1)
    direct = []
    for m in range(F.n_mels):
        total = 0.0
        for kk in range(F.n_fft // 2 + 1):
            f = kk * F.sample_rate / F.n_fft
            if edges[m] < f < edges[m + 2]:
                up = (f - edges[m]) / (edges[m + 1] - edges[m])
                down = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1])
                total += power[kk] * min(up, down)
        direct.append(total)
    np.testing.assert_allclose(ours[t], direct, rtol=1e-4, atol=1e-9)


def test_a_tone_lands_in_the_band_whose_centre_is_nearest():
    bank = mel_filterbank(F)
    centres = mel_to_hz(torch.linspace(hz_to_mel(torch.tensor(F.f_min)), hz_to_mel(torch.tensor(F.f_max)),
                                       F.n_mels + 2))[1:-1]
    for hz in (300.0, 1000.0, 3000.0):
        loudest = int(mel_energies(tone(hz), F).mean(0).argmax())
        assert abs(loudest - int((centres - hz).abs().argmin())) <= 1
    assert bank.sum() > 0


def test_resample_keeps_pitch_and_loudness_and_removes_what_the_new_rate_cannot_hold():
    down = resample(tone(1000.0, 0.5, 96_000), 96_000, 16_000)
    assert down.numel() == 8000
    spectrum = torch.fft.rfft(down).abs()
    assert int(spectrum.argmax()) == 1000 * 8000 // 16_000                    # 1 kHz stays 1 kHz
    assert abs(float(down.abs().max()) - 0.5) < 0.02
    alias = resample(tone(12_000.0, 0.5, 96_000), 96_000, 16_000)            # above 8 kHz: gone, not folded
    assert float(alias.abs().max()) < 1e-3


def test_the_window_centres_the_sound_and_pads_with_silence():
    samples = torch.cat([torch.zeros(8000), tone(500.0, 0.3), torch.zeros(16000)])   # 0.5 s quiet, 0.3 s tone
    window, first = features_of(samples + 1e-6 * torch.randn(samples.numel()), F)
    assert window.shape == (F.frames, F.n_mels)
    assert window.min() >= -1 and window.max() <= 1
    middle = first + F.frames // 2
    assert 50 <= middle <= 80                                                 # the tone runs from frame 50 to 80


# ── decoding, every bad input ─────────────────────────────────────────────────────────────────────────

def test_a_stereo_96_khz_file_is_read_as_one_channel():
    left = tone(440.0, 0.5, 96_000).numpy()
    audio = decode_wav(wav_bytes(np.stack([left, left * 0.5], 1), 96_000))
    assert (audio.channels, audio.rate) == (2, 96_000)
    assert abs(float(audio.samples.abs().max()) - 0.375) < 0.01             # the average of the two channels


def test_8_bit_and_extensible_pcm_files_are_read():
    assert decode_wav(wav_bytes(tone(300.0).numpy(), 16_000, width=1)).sample_bytes == 1
    pcm = (tone(300.0).numpy() * 32767).astype("<i2").tobytes()
    guid = bytes.fromhex("0100000000001000800000aa00389b71")                # KSDATAFORMAT_SUBTYPE_PCM
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16_000, 32_000, 2, 16, 22, 16, 4) + guid
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    extensible = b"RIFF" + struct.pack("<I", len(body)) + body
    audio = decode_wav(extensible)
    assert audio.rate == 16_000 and abs(float(audio.samples.abs().max()) - 0.5) < 0.01


@pytest.mark.parametrize("case, key", [
    ("silence", "audio_silent"), ("ten_minutes", "audio_too_long"), ("not_audio", "audio_not_wav"),
    ("too_big", "audio_too_big"), ("too_short", "audio_too_short"), ("odd_rate", "audio_rate"),
    ("float_wav", "audio_not_wav"), ("truncated", "audio_not_wav")])
def test_every_bad_input_is_a_keyed_message_in_both_languages(case, key):
    data = {
        "silence": lambda: wav_bytes(np.zeros(16000), 16_000),
        "ten_minutes": lambda: wav_bytes(np.zeros(8000 * 600), 8000, width=1),
        "not_audio": lambda: b"%PDF-1.4 this is not a sound" * 10,
        "too_big": lambda: b"RIFF" + b"\0" * (MAX_BYTES + 1),
        "too_short": lambda: wav_bytes(tone(440.0, 0.05).numpy(), 16_000),
        "odd_rate": lambda: wav_bytes(tone(440.0).numpy(), 1000),
        "float_wav": lambda: wav_bytes(tone(440.0).numpy(), 16_000)[:20] + b"\x03\x00" +
        wav_bytes(tone(440.0).numpy(), 16_000)[22:],
        "truncated": lambda: wav_bytes(tone(440.0).numpy(), 16_000)[:30],
    }[case]()
    with pytest.raises(DataError) as caught:
        decode_wav(data)
    assert caught.value.key == key
    en, zh = error_text(caught.value, "en"), error_text(caught.value, "zh")
    assert en and zh and en != zh and "{" not in en + zh


def test_to_wav_round_trips():
    samples = tone(440.0)
    back = decode_wav(to_wav(samples, 16_000))
    assert back.rate == 16_000 and torch.allclose(back.samples, samples, atol=1e-4)


# ── the model ─────────────────────────────────────────────────────────────────────────────────────────

def test_shapes_and_trace_and_recording_changes_nothing():
    torch.manual_seed(0)
    model = SpeechTransformer(speech_config(d_model=32, n_layers=2, n_heads=4, d_ff=64)).eval()
    mel = torch.rand(3, F.frames, F.n_mels) * 2 - 1
    plain, traced = model(mel), model(mel, record=True)
    T = F.tokens + 1
    assert plain.logits.shape == (3, 10)
    torch.testing.assert_close(plain.logits, traced.logits)
    trace = traced.trace
    assert trace.attentions.shape == (2, 3, 4, T, T)
    assert torch.allclose(trace.attentions.sum(-1), torch.ones(2, 3, 4, T))
    assert trace.embeddings.token.shape == (3, T, 32) and trace.embeddings.segment is None
    assert model.patches(mel).shape == (3, F.tokens, F.patch * F.n_mels)
    with pytest.raises(ConfigError) as caught:
        model(torch.zeros(1, 50, F.n_mels))
    assert caught.value.key == "speech_shape"


def test_the_kind_saves_and_loads_with_its_front_end(tmp_path):
    torch.manual_seed(0)
    model = SpeechTransformer(speech_config(d_model=32, n_layers=1, n_heads=2, d_ff=64)).eval()
    assert kind_of(model).can(CLASSIFY_SPEECH) and kind_of(model).encoder is None
    save_pretrained(model, tmp_path)
    with pytest.raises(CheckpointError) as caught:
        load_speech(tmp_path)
    assert caught.value.key == "speech_no_features"
    save_features(tmp_path, F)
    loaded, features = load_speech(tmp_path)
    mel = torch.rand(2, F.frames, F.n_mels) * 2 - 1
    torch.testing.assert_close(loaded(mel).logits, model(mel).logits)
    assert type(load_pretrained(tmp_path)[0]) is SpeechTransformer and features == F


def test_augmentation_keeps_shapes_and_range():
    x = torch.rand(8, F.frames, F.n_mels) * 2 - 1
    out = augment(x, SpeechTrainConfig(), torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1 and not torch.equal(out, x)


# ── the data and a short training run ────────────────────────────────────────────────────────────────

def test_the_split_is_by_voice_and_speed():
    clip = {"variant": "m1", "accent": "en-us", "speed": 140}
    assert S.split_of(clip) == "train"
    assert S.split_of({**clip, "variant": S.HELD_VARIANTS[0]}) == "voice"
    assert S.split_of({**clip, "accent": S.HELD_ACCENTS[0]}) == "voice"
    assert S.split_of({**clip, "speed": S.HELD_SPEEDS[0]}) == "speed"
    assert S.split_of({**clip, "variant": S.HELD_VARIANTS[0], "speed": S.HELD_SPEEDS[0]}) == "both"


def test_the_committed_slice_holds_every_split_and_digit():
    data = S.load_slice()
    assert {c["split"] for c in data.clips} == set(S.SPLITS)
    assert set(data.labels.tolist()) == set(S.DIGITS)
    assert data.windows.shape[1:] == (F.frames, F.n_mels)
    assert S.SLICE.stat().st_size + sum(p.stat().st_size for p in S.SAMPLES.iterdir()) <= 1_000_000


def test_a_short_training_run_beats_chance_by_a_wide_margin():
    """170 training clips of the slice, 250 steps of a small model: ≥ 30% on unseen voices and speeds
    (chance: 10%)."""
    torch.manual_seed(0)
    data = S.load_slice()
    trainset, held = data.where("train"), data.where("voice", "speed", "both")
    model = SpeechTransformer(speech_config(d_model=48, n_layers=2, n_heads=4, d_ff=96, dropout=0.0))
    train(model, trainset.windows, trainset.labels, SpeechTrainConfig(steps=250, batch_size=32, warmup=25))
    assert accuracy(model, held.windows, held.labels) >= 0.3                  # 3 × chance; 38.9% measured


def test_the_shipped_model_loads_fits_its_budget_and_hears_the_held_out_slice():
    folder = S.ROOT / "assets" / "models" / "speech-digits"
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size <= 2_000_000 and (folder / "MODEL_CARD.md").is_file() and (folder / "evaluation.json").is_file()
    model, _ = load_speech(folder)
    held = S.load_slice().where("voice", "speed", "both")
    assert accuracy(model, held.windows, held.labels) >= 0.85                 # a floor well below the card's
