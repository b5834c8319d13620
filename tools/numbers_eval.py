"""Exact-match scores of a number translator (task number-zh) with greedy decoding, on two sets:

- typed numbers: assets/eval/numbers_typed.tsv (every number 0–100, round numbers, 50 years), the
  numbers a learner types first; most of them are in training on purpose (see ``MUST_LEARN``);
- random held-out: random numbers of every digit length whose English is not in the training split.

    python tools/numbers_eval.py assets/models/seq2seq-numbers [--update-evaluation]

``--update-evaluation`` adds both results to the folder's evaluation.json (no machine paths in it).
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core import greedy_decode, load_seq2seq  # noqa: E402
from transformer_core.data.batches import pad_rows  # noqa: E402
from transformer_core.data.seq2seq_tasks import (  # noqa: E402
    chinese_numeral,
    english_words,
    held_out_numbers,
    make_pairs,
    split_pairs,
)

ROOT = Path(__file__).resolve().parents[1]
TYPED_FILE = ROOT / "assets" / "eval" / "numbers_typed.tsv"
N_RANDOM = 2000


def read_typed(path: Path = TYPED_FILE) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "english\tchinese", f"{path} must start with the header english<TAB>chinese"
    return [tuple(line.split("\t")) for line in lines[1:] if line]


@torch.inference_mode()
def translate(model, source, target, texts: list[str], batch_size: int = 64) -> list[str]:
    """Greedy decoding of many sources, in batches of similar length (padding changes no number)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[str] = [""] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        src = pad_rows([source.encode(texts[i], add_eos=True) for i in chunk], source.pad_id)   # (B, Ts)
        limit = min(model.config.max_len - 1, 40)                                 # 中文 numerals are ≤ 23 chars
        result = greedy_decode(model, src, target.bos_id, target.eos_id, limit)
        for row, i in zip(result.tokens.tolist(), chunk, strict=True):
            out[i] = target.decode(row)
    return out


def score(model, source, target, pairs: list[tuple[str, str]]) -> dict:
    guesses = translate(model, source, target, [s for s, _ in pairs])
    failures = [(s, t, g) for (s, t), g in zip(pairs, guesses, strict=True) if g != t]
    return {"pairs": len(pairs), "exact_match": 1 - len(failures) / max(1, len(pairs)),
            "failures": [list(f) for f in failures]}


def training_sources(folder: Path) -> set[str]:
    settings = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))["config"]
    pairs = make_pairs(settings["seq2seq_task"], settings["n_pairs"], settings["seed"])
    return {s for s, _ in split_pairs(pairs)[0]}


def evaluate_numbers(folder, n_random: int = N_RANDOM) -> dict:
    """{"typed_numbers": …, "random_held_out": …}: exact match, counts and every failure (computed once
    per folder and process: the card and evaluation.json show the same numbers)."""
    return _evaluate(str(Path(folder).resolve()), n_random)


@functools.lru_cache(maxsize=4)
def _evaluate(folder: str, n_random: int) -> dict:
    folder = Path(folder)
    model, source, target = load_seq2seq(folder)
    train = training_sources(folder)
    typed = read_typed()
    numbers = held_out_numbers(n_random, train)
    held = [(english_words(x), chinese_numeral(x)) for x in numbers]
    typed_result = score(model, source, target, typed)
    typed_result["in_training"] = sum(s in train for s, _ in typed)
    typed_result["groups"] = _typed_groups(model, source, target, typed, typed_result["failures"])
    random_result = score(model, source, target, held)
    random_result["digit_lengths"] = dict(sorted(Counter(len(str(x)) for x in numbers).items()))
    return {"typed_numbers": typed_result, "random_held_out": random_result}


def _typed_groups(model, source, target, typed, failures) -> dict:
    """Exact match per part of the typed set: 0–100, round numbers, years (the file's order)."""
    wrong = {f[0] for f in failures}
    parts = {"0-100": typed[:101], "round": typed[101:-50], "years": typed[-50:]}
    return {name: {"pairs": len(p), "exact_match": 1 - sum(s in wrong for s, _ in p) / len(p)}
            for name, p in parts.items()}


SHOWCASE = ("seventeen", "sixteen", "one thousand", "two million", "two thousand and twenty-four", "ten",
            "one hundred thousand")


def card_section(folder) -> list[str]:
    """Markdown for MODEL_CARD.md: both scores, then 10 examples — typed ones a learner tries first, held-out
    random ones, and up to 3 failures — chosen without looking at success, except that failures are shown."""
    result = evaluate_numbers(folder)
    typed, held = result["typed_numbers"], result["random_held_out"]
    groups = ", ".join(f"{k} {v['exact_match']:.1%} of {v['pairs']}" for k, v in typed["groups"].items())
    lengths = ", ".join(f"{k}: {v}" for k, v in held["digit_lengths"].items())
    lines = ["## Numbers people type, and random numbers never seen (fp16, greedy decoding)", "",
             "| set | pairs | exact match | notes |", "|---|---|---|---|",
             f"| typed numbers (`assets/eval/numbers_typed.tsv`) | {typed['pairs']} | {typed['exact_match']:.2%} | "
             f"{groups}; {typed['in_training']} of {typed['pairs']} sources are in the training split |",
             f"| random held-out (not in training) | {held['pairs']} | {held['exact_match']:.2%} | "
             f"numbers per digit length: {lengths} |", "",
             "Reproduce: `python tools/numbers_eval.py assets/models/seq2seq-numbers`", ""]
    model, source, target = load_seq2seq(Path(folder))
    typed_pairs = dict(read_typed())
    shown = [("typed", s, typed_pairs[s]) for s in SHOWCASE if s in typed_pairs]
    failures = [("typed", *f[:2]) for f in typed["failures"]] + [("random", *f[:2]) for f in held["failures"]]
    held_pairs = [(english_words(x), chinese_numeral(x)) for x in held_out_numbers(N_RANDOM, training_sources(
        Path(folder)))]
    picked = failures[:3]
    rest = shown + [("random", s, t) for s, t in held_pairs[:10]]
    picked = [row for row in rest if row not in picked][:10 - len(picked)] + picked
    outputs = translate(model, source, target, [s for _, s, _ in picked])
    rows = [f"| {name} | {s} | {t} | {g} | {'✓' if g == t else '✗'} |"
            for (name, s, t), g in zip(picked, outputs, strict=True)]
    return [*lines, "## 10 example predictions (typed and random held-out; failures last)", "",
            "| set | input | expected | greedy output | exact? |", "|---|---|---|---|---|", *rows]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--random", type=int, default=N_RANDOM, help="held-out random numbers to score")
    parser.add_argument("--update-evaluation", action="store_true", help="add the results to evaluation.json")
    args = parser.parse_args(argv)
    result = evaluate_numbers(args.folder, args.random)
    for name, part in result.items():
        print(f"{name}: {part['exact_match']:.2%} exact of {part['pairs']}", {k: v for k, v in part.items()
                                                                              if k not in ("failures",)})
        for failure in part["failures"][:20]:
            print("   ✗", " | ".join(failure))
    if args.update_evaluation:
        path = args.folder / "evaluation.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update({f"{k} (fp16, greedy)": v for k, v in result.items()})
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
