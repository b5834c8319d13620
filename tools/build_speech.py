"""Build the spoken-digits corpus with espeak-ng (needed only to rebuild; the app and the tests never call it).

    python tools/build_speech.py build            # every accent × variant × speed × digit → the corpus folder
    python tools/build_speech.py build --shard 0/2 & python tools/build_speech.py build --shard 1/2; \
        python tools/build_speech.py merge        # the same corpus, built by two processes
    python tools/build_speech.py slice            # the committed slice + the page's samples, from the corpus

``build`` writes ~/.cache/attention-lab/corpora/speech-digits/ (or under $ATTENTION_LAB_CORPORA):
clips.safetensors (uint8 log-mel windows + the clip list) and README.md. Each clip: espeak-ng speaks the digit
word at one speed and a pitch drawn for it, the 22,050 Hz output is resampled to 16 kHz, noise is added at an
SNR drawn for it (white or brown; or none), and the log-mel window is computed exactly as the page does for a
recording (transformer_core/mel.py). Every draw is seeded by the clip's name, so a rebuild gives the same corpus.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core.audio import decode_wav, resample, to_wav  # noqa: E402
from transformer_core.data import speech_digits as S  # noqa: E402
from transformer_core.mel import Features, features_of, log_mel  # noqa: E402

FEATURES = Features()
SNRS = (None, 30.0, 20.0, 15.0, 10.0)        # dB of speech over noise; None = clean
SLICE_PER_SPLIT = {"train": 170, "voice": 30, "speed": 30, "both": 30}
SAMPLE_PICKS = 12                             # WAV samples for the page (held-out voices and speeds)


def clip_name(lang: str, accent: str, variant: str, speed: int, digit: int) -> str:
    return f"{lang}-{accent}-{variant}-{speed}-{digit}"


def speak(word: str, accent: str, variant: str, speed: int, pitch: int, folder: Path) -> torch.Tensor:
    """espeak-ng's rendering of ``word`` → (N,) samples at 16 kHz."""
    path = folder / "clip.wav"
    subprocess.run(["espeak-ng", "-v", f"{accent}+{variant}", "-s", str(speed), "-p", str(pitch), "-w", str(path),
                    word], check=True, capture_output=True)
    audio = decode_wav(path.read_bytes())
    return resample(audio.samples, audio.rate, FEATURES.sample_rate)


def add_noise(samples: torch.Tensor, snr_db: float | None, brown: bool, seed: int) -> torch.Tensor:
    """samples + noise scaled so that RMS(speech) / RMS(noise) = 10^(snr/20); brown noise (a running sum of
    white noise) is low-pitched like a room's rumble, white noise hisses."""
    if snr_db is None:
        return samples
    gen = torch.Generator().manual_seed(seed)
    noise = torch.randn(samples.numel(), generator=gen)
    if brown:
        noise = torch.cumsum(noise, 0)
        noise = noise - torch.linspace(float(noise[0]), float(noise[-1]), noise.numel())   # no drift
    loud = samples[samples.abs() > 0.1 * samples.abs().max()]                              # the speech part
    scale = loud.pow(2).mean().sqrt() / (noise.pow(2).mean().sqrt() * 10 ** (snr_db / 20))
    out = samples + scale * noise
    return out / max(1.0, float(out.abs().max()))                                          # no clipping


def render(lang: str, accent: str, variant: str, speed: int, digit: int, folder: Path) -> tuple[torch.Tensor, dict]:
    name = clip_name(lang, accent, variant, speed, digit)
    rng = random.Random(zlib.crc32(name.encode()))
    pitch, snr, brown = rng.choice(S.PITCHES), rng.choice(SNRS), rng.random() < 0.5
    samples = add_noise(speak(S.WORDS[lang][digit], accent, variant, speed, pitch, folder), snr, brown,
                        zlib.crc32(name.encode()))
    clip = {"digit": digit, "lang": lang, "accent": accent, "variant": variant, "speed": speed, "pitch": pitch,
            "snr_db": snr, "noise": None if snr is None else ("brown" if brown else "white")}
    return samples, clip


def combos():
    for lang, accents in S.ACCENTS.items():
        for accent in accents:
            for variant in S.VARIANTS:
                for speed in S.SPEEDS:
                    for digit in S.DIGITS:
                        yield lang, accent, variant, speed, digit


def build(out: Path, limit: int | None, shard: tuple[int, int] = (0, 1)) -> None:
    """Every combination (or the first ``limit``); ``shard`` (i, n): only every n-th from the i-th, written to
    clips-i.safetensors for ``merge`` (n processes share the work)."""
    out.mkdir(parents=True, exist_ok=True)
    windows, clips, started = [], [], time.time()
    todo = list(combos())[:limit][shard[0]::shard[1]]
    with tempfile.TemporaryDirectory() as tmp:
        for i, combo in enumerate(todo):
            samples, clip = render(*combo, Path(tmp))
            windows.append(features_of(samples, FEATURES)[0])
            clips.append(clip)
            if i % 500 == 0:
                print(f"{i}/{len(todo)} clips, {time.time() - started:.0f} s", flush=True)
    name = "clips.safetensors" if shard[1] == 1 else f"clips-{shard[0]}.safetensors"
    (out / name).write_bytes(S.pack(torch.stack(windows), clips))
    if shard[1] == 1:
        (out / "README.md").write_text(readme(len(clips), time.time() - started), encoding="utf-8")
    print(f"wrote {len(clips)} clips to {out / name} in {time.time() - started:.0f} s")


def merge(out: Path) -> None:
    """clips-*.safetensors (the shards) → clips.safetensors, in the order of ``combos()``."""
    parts = [S.unpack(path.read_bytes(), path.name) for path in sorted(out.glob("clips-*.safetensors"))]
    key = (lambda c: (c["lang"], c["accent"], c["variant"], c["speed"], c["digit"]))
    order = {key(dict(zip(("lang", "accent", "variant", "speed", "digit"), combo, strict=True))): i
             for i, combo in enumerate(combos())}
    rows = sorted(((order[key(c)], part.windows[i], {k: v for k, v in c.items() if k != "split"})
                   for part in parts for i, c in enumerate(part.clips)), key=lambda row: row[0])
    (out / "clips.safetensors").write_bytes(S.pack(torch.stack([r[1] for r in rows]), [r[2] for r in rows]))
    (out / "README.md").write_text(readme(len(rows), 0.0), encoding="utf-8")
    for path in out.glob("clips-*.safetensors"):
        path.unlink()
    print(f"merged {len(parts)} shards: {len(rows)} clips")


def readme(n: int, seconds: float) -> str:
    took = f" in {seconds:.0f} s" if seconds else " (in shards, then merge)"
    return (f"# speech-digits\n\n{n} synthetic spoken digits (English words and Mandarin pinyin), made by "
            f"`python tools/build_speech.py build`{took} with espeak-ng "
            f"({espeak_version()}; GPL-3.0-or-later; its voices are part of the espeak-ng data, same licence).\n"
            f"Accents: {S.ACCENTS}. Variants: {S.VARIANTS}. Speeds: {S.SPEEDS}. Pitches: {S.PITCHES}. "
            f"SNRs: {SNRS}.\nHeld out: variants {S.HELD_VARIANTS}, accents {S.HELD_ACCENTS}, speeds {S.HELD_SPEEDS}.\n"
            f"Features: {FEATURES.to_dict()}.\n")


def espeak_version() -> str:
    done = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    return done.stdout.strip().split(" Data")[0]


def make_slice(corpus: Path) -> None:
    """The committed slice (every split, seeded) and the page's WAV samples (re-spoken, trimmed)."""
    data = S.load_corpus(corpus)
    rng, picked = random.Random(0), []
    for split, n in SLICE_PER_SPLIT.items():
        index = [i for i, clip in enumerate(data.clips) if clip["split"] == split]
        picked += sorted(rng.sample(index, min(n, len(index))))
    clips = [{k: v for k, v in data.clips[i].items() if k != "split"} for i in picked]
    S.SLICE.parent.mkdir(parents=True, exist_ok=True)
    S.SLICE.write_bytes(gzip.compress(S.pack(data.windows[picked], clips), 9, mtime=0))
    print(f"slice: {len(picked)} clips, {S.SLICE.stat().st_size / 1e3:.0f} kB")
    write_samples(rng)


def write_samples(rng: random.Random) -> None:
    """SAMPLE_PICKS held-out clips (unseen voice or speed, both languages, different digits) as 16 kHz WAV."""
    held = [c for c in combos() if S.split_of({"variant": c[2], "accent": c[1], "speed": c[3]}) != "train"]
    en = [c for c in held if c[0] == "en"]
    zh = [c for c in held if c[0] == "zh"]
    chosen = rng.sample(en, SAMPLE_PICKS - 3) + rng.sample(zh, 3)
    for old in S.SAMPLES.glob("*.wav"):
        old.unlink()
    S.SAMPLES.mkdir(parents=True, exist_ok=True)
    listed = []
    with tempfile.TemporaryDirectory() as tmp:
        for combo in chosen:
            samples, clip = render(*combo, Path(tmp))
            samples = trimmed(samples)
            name = clip_name(*combo) + ".wav"
            (S.SAMPLES / name).write_bytes(to_wav(samples, FEATURES.sample_rate))
            clip.update(file=name, split=S.split_of(clip))
            listed.append(clip)
    (S.SAMPLES / "samples.json").write_text(json.dumps(listed, indent=1, ensure_ascii=False), encoding="utf-8")
    size = sum(p.stat().st_size for p in S.SAMPLES.iterdir())
    print(f"samples: {len(listed)} files, {size / 1e3:.0f} kB")


def trimmed(samples: torch.Tensor, margin_s: float = 0.1) -> torch.Tensor:
    """The voiced span (mel.VOICED_DB of the loudest frame) with ``margin_s`` of sound on each side."""
    energy = log_mel(samples, FEATURES).mean(dim=1)
    voiced = (energy >= energy.max() - 35.0 / (FEATURES.floor_db / 2)).nonzero().flatten()
    margin = int(margin_s * FEATURES.sample_rate)
    lo = max(0, int(voiced[0]) * FEATURES.hop - margin)
    hi = min(samples.numel(), (int(voiced[-1]) + 1) * FEATURES.hop + margin)
    return samples[lo:hi]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build", "merge", "slice"))
    parser.add_argument("--shard", default="0/1", help="i/n: build every n-th combination from the i-th")
    parser.add_argument("--out", type=Path, default=None, help="corpus folder (default: the cache's speech-digits)")
    parser.add_argument("--limit", type=int, default=None, help="build only the first N clips (a quick try)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.command == "build":
        i, n = (int(part) for part in args.shard.split("/"))
        build(args.out or S.corpus_folder(), args.limit, (i, n))
    elif args.command == "merge":
        merge(args.out or S.corpus_folder())
    else:
        make_slice(args.out or S.corpus_folder())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
