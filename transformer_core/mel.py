"""From samples to the "sentence" a speech Transformer reads: a log-mel spectrogram.

    1. STFT: cut the sound into overlapping 25 ms windows every 10 ms, Hann-weight each, and take its Fourier
       transform. |X[t, k]|² is the energy of frame t at frequency k · rate / n_fft.
    2. Mel filterbank: ears (and speech) care about low frequencies in fine steps and high ones in coarse
       steps. mel(f) = 2595 · log10(1 + f / 700) is that scale; n_mels triangular filters, equally spaced in
       mel, sum the energy of the bins under each: M[t, m] = Σ_k |X[t, k]|² · W[m, k].
    3. Log: loudness is heard in ratios, so dB = 10 · log10(M), counted below the clip's loudest bin (so a
       quiet and a loud recording of one word look alike), floored at ``floor_db``, scaled to [-1, 1].
    4. Window: the model reads a fixed ``frames`` frames (1 s); the speech inside a longer recording is found by
       its energy and centred, a shorter one is padded with the floor (silence).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor

VOICED_DB = 35.0   # a frame counts as speech when its energy is within this many dB of the loudest frame


@dataclass(frozen=True)
class Features:
    sample_rate: int = 16_000   # samples per second the front end reads (recordings are resampled to it)
    n_fft: int = 400            # samples per STFT window: 25 ms (one pitch period or more of a voice)
    hop: int = 160              # samples between windows: 10 ms, so 100 frames a second
    n_mels: int = 40            # triangular mel filters: the height of the spectrogram
    f_min: float = 20.0         # lowest frequency the filters cover, Hz
    f_max: float = 8_000.0      # highest, Hz (the Nyquist frequency at 16 kHz)
    floor_db: float = 80.0      # dB below the loudest bin that are kept; quieter is the floor (-1)
    frames: int = 100           # frames the model reads: 1.0 s
    patch: int = 4              # frames per token: a token is 40 ms of sound, 25 tokens a second

    @property
    def tokens(self) -> int:
        """Patches per window (the [CLS] token comes on top)."""
        return self.frames // self.patch

    def to_dict(self) -> dict:
        return asdict(self)


FEATURES = Features()   # the lab's one front end (every default below)


def hz_to_mel(hz: Tensor) -> Tensor:
    return 2595.0 * torch.log10(1.0 + hz / 700.0)


def mel_to_hz(mel: Tensor) -> Tensor:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(features: Features = FEATURES) -> Tensor:
    """(n_mels, n_fft/2 + 1) triangles: filter m rises from edge m to its centre m+1 and falls to edge m+2,
    the n_mels + 2 edges equally spaced in mel between f_min and f_max. Each row's peak is 1."""
    f = features
    bins = torch.linspace(0, f.sample_rate / 2, f.n_fft // 2 + 1, dtype=torch.float64)        # (K,) Hz of each bin
    edges = mel_to_hz(torch.linspace(hz_to_mel(torch.tensor(f.f_min)), hz_to_mel(torch.tensor(f.f_max)),
                                     f.n_mels + 2, dtype=torch.float64))                        # (n_mels + 2,)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]                    # (n_mels, 1)
    rising = (bins - low) / (centre - low)                                                       # (n_mels, K)
    falling = (high - bins) / (high - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0).float()


def power_spectrogram(samples: Tensor, features: Features = FEATURES) -> Tensor:
    """(N,) → (T, n_fft/2 + 1) energies |X[t, k]|², T = N // hop + 1 (windows centred on every hop)."""
    window = torch.hann_window(features.n_fft, dtype=torch.float64)
    spec = torch.stft(samples.double(), features.n_fft, features.hop, window=window, center=True,
                      pad_mode="constant", return_complex=True)                                  # (K, T)
    return spec.abs().pow(2).T.float()                                                           # (T, K)


def mel_energies(samples: Tensor, features: Features = FEATURES) -> Tensor:
    """(N,) → (T, n_mels) M[t, m] = Σ_k |X[t, k]|² · W[m, k]."""
    return power_spectrogram(samples, features) @ mel_filterbank(features).T                    # (T, n_mels)


def log_mel(samples: Tensor, features: Features = FEATURES) -> Tensor:
    """(N,) → (T, n_mels) in [-1, 1]: dB below the loudest bin, floored at -floor_db, then / (floor_db / 2) + 1."""
    db = 10.0 * torch.log10(mel_energies(samples, features).clamp(min=1e-12))                  # (T, n_mels)
    db = (db - db.max()).clamp(min=-features.floor_db)                                          # 0 … -floor
    return db / (features.floor_db / 2) + 1.0


def speech_window(logmel: Tensor, features: Features = FEATURES) -> tuple[Tensor, int]:
    """(T, n_mels) → ((frames, n_mels), first): the model's fixed window. The voiced span (frames within
    VOICED_DB of the loudest) is centred in it; a span longer than the window gives the window with the most
    energy. ``first`` is the recording's frame at the window's left edge (negative: padding before it)."""
    T, n = logmel.shape
    energy = logmel.mean(dim=1)                                                                  # (T,) in [-1, 1]
    voiced = (energy >= energy.max() - VOICED_DB / (features.floor_db / 2)).nonzero().flatten()
    start, stop = int(voiced[0]), int(voiced[-1]) + 1
    if stop - start > features.frames:                             # longer than a window: its loudest second
        sums = torch.nn.functional.avg_pool1d((energy + 1)[None, None, start:stop], features.frames, 1)[0, 0]
        start = start + int(sums.argmax())
        stop = start + features.frames
    first = start - (features.frames - (stop - start)) // 2          # centre the span
    out = torch.full((features.frames, n), -1.0)
    lo, hi = max(first, 0), min(first + features.frames, T)
    out[lo - first:hi - first] = logmel[lo:hi]
    return out, first


def features_of(samples: Tensor, features: Features = FEATURES) -> tuple[Tensor, int]:
    """Samples at ``features.sample_rate`` → (the model's (frames, n_mels) window, its first frame)."""
    return speech_window(log_mel(samples, features), features)
