"""Sound in: a WAV file's bytes → one channel of samples at the rate the speech model reads.

Everything happens in memory (stdlib ``wave`` over a ``BytesIO``): an upload is never written to disk.
Every way a file can be unusable is a keyed ``DataError`` (too big, too long, not a WAV, float samples,
an odd sample rate, silence), so the page says it in the learner's language.

    audio = decode_wav(data)                 # Audio(samples (N,) float32 in [-1, 1], rate, channels, …)
    mono16k = resample(audio.samples, audio.rate, 16_000)
"""
from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass

import torch
from torch import Tensor

from .errors import DataError

MAX_BYTES = 8 * 1024 * 1024     # an upload larger than this is refused before it is parsed
#                                 (10 s of 96 kHz stereo 24-bit: 5.8 MB)
MAX_SECONDS = 10.0              # one spoken digit takes about a second; ten leave room for silence around it
MIN_SECONDS = 0.1               # shorter than a syllable
MIN_RATE, MAX_RATE = 4_000, 192_000   # sample rates a recording may have (telephone to studio)
SILENT_DB = -50.0               # a loudest sample quieter than this (dB below full scale) is silence
EXTENSIBLE, PCM = b"\xfe\xff", b"\x01\x00"   # WAVE_FORMAT_EXTENSIBLE and plain PCM format tags


@dataclass(frozen=True)
class Audio:
    samples: Tensor     # (N,) float32 in [-1, 1]; several channels are averaged into one
    rate: int           # samples per second, as the file said
    channels: int       # channels the file had (1 = mono, 2 = stereo, …)
    sample_bytes: int   # bytes per sample in the file (1, 2, 3 or 4)

    @property
    def seconds(self) -> float:
        return self.samples.numel() / self.rate


def _plain_pcm(data: bytes) -> bytes:
    """Python 3.11's ``wave`` refuses WAVE_FORMAT_EXTENSIBLE, which many recorders write for plain integer PCM:
    when its sub-format is PCM, the same bytes with the plain PCM tag (a copy; the upload is untouched)."""
    if data[12:16] == b"fmt " and data[20:22] == EXTENSIBLE and data[44:46] == PCM:
        return data[:20] + PCM + data[22:]
    return data


def _samples(raw: bytes, width: int) -> Tensor:
    """Interleaved little-endian integers of ``width`` bytes → floats in [-1, 1]."""
    if width == 1:                                                   # 8-bit WAV is unsigned, centred on 128
        return (torch.frombuffer(bytearray(raw), dtype=torch.uint8).float() - 128.0) / 128.0
    if width == 3:                                                   # 24-bit: pad each sample to 32 bits
        b = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(-1, 3).to(torch.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = torch.where(value >= 2**23, value - 2**24, value)
        return value.float() / 2**23
    dtype = torch.int16 if width == 2 else torch.int32
    return torch.frombuffer(bytearray(raw), dtype=dtype).float() / float(2 ** (8 * width - 1))


def decode_wav(data: bytes, max_bytes: int = MAX_BYTES, max_seconds: float = MAX_SECONDS) -> Audio:
    """A WAV file's bytes → ``Audio`` (channels averaged into one), checked: size, format, rate, length, silence."""
    check_size(len(data), max_bytes)
    try:
        with wave.open(io.BytesIO(_plain_pcm(data)), "rb") as wav:
            channels, width, rate, n = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            if _header_fits(rate, n, max_seconds):                   # else the error below, outside this try
                raw = wav.readframes(n)
    except (wave.Error, EOFError, ValueError) as err:
        raise DataError(f"This file is not a WAV recording this page can read ({err}). Record with the "
                        "microphone, or upload a .wav file with 16-bit PCM samples.", "audio_not_wav",
                        err=err) from err
    _check_header(rate, n, max_seconds)
    if width not in (1, 2, 3, 4) or channels < 1:
        raise DataError(f"This WAV file has {width}-byte samples; 1 to 4 bytes are read.", "audio_width",
                        width=width)
    frames = len(raw) // (width * channels)
    samples = _samples(raw[:frames * width * channels], width).view(frames, channels).mean(dim=1)   # (N,)
    audio = Audio(samples, rate, channels, width)
    if audio.seconds < MIN_SECONDS:
        raise DataError(f"The recording lasts {audio.seconds * 1000:.0f} ms; a spoken digit needs at least "
                        f"{MIN_SECONDS * 1000:.0f} ms.", "audio_too_short", ms=audio.seconds * 1000,
                        least=MIN_SECONDS * 1000)
    check_not_silent(audio.samples)
    return audio


def check_size(n_bytes: int, max_bytes: int = MAX_BYTES) -> None:
    """An upload larger than ``max_bytes`` is refused (before its bytes are copied, when the caller knows its size)."""
    if n_bytes > max_bytes:
        raise DataError(f"The file holds {n_bytes / 1e6:.1f} MB; at most {max_bytes / 1e6:.0f} MB is read.",
                        "audio_too_big", mb=n_bytes / 1e6, most=max_bytes / 1e6)


def _header_fits(rate: int, n: int, max_seconds: float) -> bool:
    """Rate and length, from the header alone: False when they are out of bounds (nothing is read then)."""
    return MIN_RATE <= rate <= MAX_RATE and n / rate <= max_seconds


def _check_header(rate: int, n: int, max_seconds: float) -> None:
    """Rate and length from the header alone, before the samples are read."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise DataError(f"The sample rate is {rate:,} Hz; recordings between {MIN_RATE:,} and {MAX_RATE:,} Hz are "
                        "read.", "audio_rate", rate=rate, low=MIN_RATE, high=MAX_RATE)
    if n / rate > max_seconds:
        raise DataError(f"The recording lasts {n / rate:,.0f} s; this page reads at most {max_seconds:.0f} s "
                        "(one spoken digit takes about a second).", "audio_too_long", seconds=n / rate,
                        most=max_seconds)


def peak_db(samples: Tensor) -> float:
    """The loudest sample in dB below full scale: 20·log10(max |x|) (0 dB = the loudest a file can hold)."""
    peak = float(samples.abs().max()) if samples.numel() else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def check_not_silent(samples: Tensor) -> None:
    """Silence (or a microphone that recorded nothing) is refused: its spectrogram is only noise."""
    loudest = peak_db(samples)
    if loudest < SILENT_DB:
        shown = max(loudest, -200.0)                               # -inf (all zeros) shown as a number
        raise DataError(f"The recording is silent: its loudest sample is {shown:.0f} dB below full scale. Speak "
                        "closer to the microphone, or pick a sample.", "audio_silent", db=shown)


def resample(samples: Tensor, rate: int, target: int) -> Tensor:
    """(N,) at ``rate`` → (M,) at ``target``, M = round(N · target / rate), by the Fourier method: keep the
    spectrum below both Nyquist frequencies and transform back. That is an ideal low-pass filter, so going
    down from 96 kHz leaves no aliases of the sounds above 8 kHz in the result."""
    if rate == target:
        return samples
    n = samples.numel()
    m = max(1, round(n * target / rate))
    spectrum = torch.fft.rfft(samples.double())                      # (N/2 + 1,)
    keep = min(spectrum.numel(), m // 2 + 1)
    out = torch.zeros(m // 2 + 1, dtype=spectrum.dtype)
    out[:keep] = spectrum[:keep]
    return (torch.fft.irfft(out, n=m) * (m / n)).float()            # (M,); × M/N keeps the amplitude


def to_wav(samples: Tensor, rate: int) -> bytes:
    """(N,) floats in [-1, 1] → the bytes of a 16-bit mono WAV file (for playing a sample in the browser)."""
    ints = (samples.clamp(-1, 1) * 32767).round().to(torch.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(ints.numpy().tobytes())
    return buffer.getvalue()
