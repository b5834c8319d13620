"""Spoken digits: the synthetic corpus the speech model learns from, its held-out split, and how it is stored.

Every clip is one digit word ("seven", or 七 said in Mandarin as qi1) spoken by espeak-ng with one
accent (its language voice), one voice variant (m1, f3, klatt2, …: a timbre), one speed and one pitch,
with noise added. ``tools/build_speech.py`` makes them; this module only reads them.

The split is by who speaks and how fast, never by random clip: a clip is held out when its variant or its
accent is in HELD_VARIANTS / HELD_ACCENTS ("unseen voice") or its speed is in HELD_SPEEDS ("unseen speed").
A model that scores well on those has learned the words, not the voices.

Storage (uint8, 4 kB a clip): the (frames, n_mels) log-mel windows in [-1, 1] quantised to 0…255, in a
safetensors file, plus a JSON list of each clip's digit, language, accent, variant, speed, pitch and SNR.
"""
from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from ..errors import DataError

DIGITS = tuple(range(10))
WORDS = {"en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
         "zh": ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")}   # pinyin, tone numbers
HANZI = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
ACCENTS = {"en": ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc", "en-029"),
           "zh": ("cmn-latn-pinyin",)}                       # espeak-ng language voices
VARIANTS = ("m1", "m2", "m4", "m5", "m7", "m8", "f1", "f3", "f4", "klatt", "klatt2", "klatt4", "croak", "Alex",
            "Annie", "Jacky", "adam", "anika", "aunty", "ed",
            "m3", "m6", "f2", "f5", "klatt3", "steph")         # timbres (espeak-ng's voices/!v)
SPEEDS = (100, 120, 140, 180, 210, 240)                       # words per minute (espeak-ng -s; 175 is its default)
PITCHES = (20, 35, 50, 65, 80)                                # 0-99 (espeak-ng -p; 50 is its default)
HELD_VARIANTS = ("m3", "m6", "f2", "f5", "klatt3", "steph")  # never heard in training
HELD_ACCENTS = ("en-029",)                                   # Caribbean English: never heard in training
HELD_SPEEDS = (120, 210)                                     # never heard in training (between trained speeds)
SPLITS = ("train", "voice", "speed", "both")                 # both = an unseen voice at an unseen speed

CORPUS_ENV = "ATTENTION_LAB_CORPORA"
ROOT = Path(__file__).resolve().parents[2]
SLICE = ROOT / "assets" / "speech" / "slice.safetensors.gz"  # the committed slice (tests, the page's samples)
SAMPLES = ROOT / "assets" / "speech" / "samples"             # a few held-out clips as 16 kHz WAV, with samples.json


def corpus_folder() -> Path:
    base = os.environ.get(CORPUS_ENV) or Path.home() / ".cache" / "attention-lab" / "corpora"
    return Path(base) / "speech-digits"


def split_of(clip: dict) -> str:
    """train, voice (unseen variant or accent), speed (unseen speed) or both."""
    new_voice = clip["variant"] in HELD_VARIANTS or clip["accent"] in HELD_ACCENTS
    new_speed = clip["speed"] in HELD_SPEEDS
    return {(False, False): "train", (True, False): "voice", (False, True): "speed", (True, True): "both"}[
        (new_voice, new_speed)]


def quantise(windows: torch.Tensor) -> torch.Tensor:
    """(N, frames, n_mels) in [-1, 1] → uint8: 256 levels, 0.6 dB a level at an 80 dB range."""
    return ((windows.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def dequantise(stored: torch.Tensor) -> torch.Tensor:
    return stored.float() / 127.5 - 1.0


@dataclass(frozen=True)
class SpeechSet:
    windows: torch.Tensor    # (N, frames, n_mels) float32 log-mel windows in [-1, 1]
    labels: torch.Tensor     # (N,) digit 0-9
    clips: tuple[dict, ...]  # per clip: digit, lang, accent, variant, speed, pitch, snr_db, split

    def where(self, *splits: str) -> SpeechSet:
        keep = [i for i, clip in enumerate(self.clips) if clip["split"] in splits]
        index = torch.tensor(keep, dtype=torch.long)
        return SpeechSet(self.windows[index], self.labels[index], tuple(self.clips[i] for i in keep))

    def __len__(self) -> int:
        return len(self.clips)


def pack(windows: torch.Tensor, clips: list[dict]) -> bytes:
    """A set → the bytes of its safetensors file (uint8 windows; the clip list in the metadata)."""
    return save_bytes({"windows": quantise(windows).contiguous()}, metadata={"clips": json.dumps(clips)})


def unpack(data: bytes, name: str) -> SpeechSet:
    try:
        tensors = load_bytes(data)
        header_len = int.from_bytes(data[:8], "little")              # safetensors: 8-byte length, JSON header
        clips = json.loads(json.loads(data[8:8 + header_len])["__metadata__"]["clips"])
    except Exception as err:  # noqa: BLE001 - any corruption: one message naming the file
        raise DataError(f"{name} is not a speech-digits set ({err}); rebuild it with tools/build_speech.py.",
                        "speech_set_corrupt", name=name, err=err) from err
    for clip in clips:
        clip["split"] = split_of(clip)
    labels = torch.tensor([clip["digit"] for clip in clips], dtype=torch.long)
    return SpeechSet(dequantise(tensors["windows"]), labels, tuple(clips))


def load_corpus(folder: Path | None = None) -> SpeechSet:
    """The whole built corpus (tools/build_speech.py build)."""
    path = (folder or corpus_folder()) / "clips.safetensors"
    if not path.is_file():
        raise DataError(f"No speech-digits corpus at {path}: build it with `python tools/build_speech.py build` "
                        "(needs espeak-ng).", "speech_corpus_missing", path=path)
    return unpack(path.read_bytes(), str(path))


def load_slice(path: Path = SLICE) -> SpeechSet:
    """The committed slice: a few hundred clips from every split, enough for tests and a short training run."""
    return unpack(gzip.decompress(path.read_bytes()), path.name)


def sample_clips(folder: Path = SAMPLES) -> list[dict]:
    """The page's samples: [{file, digit, lang, accent, variant, speed, pitch, split}], WAV files beside."""
    path = folder / "samples.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
