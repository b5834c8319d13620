"""Train and ship ``vit-digits``: a small Vision Transformer on the 8 × 8 handwritten digits.

    OMP_NUM_THREADS=1 nice -n 19 python tools/train_vit_digits.py            # → assets/models/vit-digits/

Writes config.json (HF ViT keys + ours + the picker's card), model.safetensors in float16 (HF ViT names),
training_log.json, evaluation.json (test accuracy of the fp32 and the fp16 weights, per digit, every
failure) and MODEL_CARD.md (tools/cards/vit-digits.md + the measured parts).
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core.checkpoint import load_pretrained, save_pretrained  # noqa: E402
from transformer_core.data.digits import split  # noqa: E402
from transformer_core.train.vision import VisionRecipe, accuracy, digits_config, train_vit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "models" / "vit-digits"
NOTES = ROOT / "tools" / "cards" / "vit-digits.md"
LABEL = "vit-digits · 8 × 8 handwritten digits"


def evaluate(model, test) -> dict:
    """Accuracy, per digit, and every test image it gets wrong (file row, true digit, answer, confidence)."""
    with torch.inference_mode():
        probs = model(test.images).logits.softmax(-1)                     # (N, 10)
    guess = probs.argmax(-1)
    right = guess == test.labels
    per_digit = {str(d): round(float(right[test.labels == d].float().mean()), 4) for d in range(10)}
    failures = [{"row": int(test.index[i]), "digit": int(test.labels[i]), "predicted": int(guess[i]),
                 "p": round(float(probs[i, guess[i]]), 3)} for i in (~right).nonzero().squeeze(1).tolist()]
    return {"split": "test", "images": len(test.labels), "accuracy": round(float(right.float().mean()), 4),
            "per_digit": per_digit, "failures": failures}


def ship(model, history, recipe, test, out: Path, cpu_seconds: float, command: str) -> dict:
    if out.exists():
        shutil.rmtree(out)
    save_pretrained(model, out, dtype=torch.float16)
    data = json.loads((out / "config.json").read_text(encoding="utf-8"))
    data["attention_lab_card"] = {"label": LABEL, "language": "", "order": 100}
    (out / "config.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    shipped, _ = load_pretrained(out)
    results = {"fp32": evaluate(model, test), "fp16": evaluate(shipped, test)}
    (out / "evaluation.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    k = max(1, len(history) // 400)
    log = {"steps": len(history), "train_seconds_wall": round(sum(h[3] for h in history), 1),
           "cpu_seconds": round(cpu_seconds, 1), "recipe": asdict(recipe), "command": command,
           "hardware": f"{platform.processor() or platform.machine()}, 1 thread (OMP_NUM_THREADS=1), nice 19",
           "curve": [{"step": s, "loss": round(loss, 4), "lr": lr} for s, loss, lr, _ in history[::k]]}
    (out / "training_log.json").write_text(json.dumps(log, indent=1), encoding="utf-8")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=VisionRecipe.steps)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    recipe = VisionRecipe(steps=args.steps)
    train, test = split()
    start = time.process_time()
    model, history = train_vit(digits_config(), train, recipe,
                               callback=lambda s, loss, lr: print(s, round(loss, 3), flush=True) if s % 500 == 0
                               else None)
    cpu = time.process_time() - start
    command = "OMP_NUM_THREADS=1 nice -n 19 python tools/train_vit_digits.py " + " ".join(sys.argv[1:])
    results = ship(model, history, recipe, test, args.out, cpu, command.strip())
    print(f"cpu {cpu:.0f} s; test accuracy fp32 {results['fp32']['accuracy']:.4f}, fp16 {results['fp16']['accuracy']:.4f}")
    print("train accuracy", round(accuracy(model, train), 4))


if __name__ == "__main__":
    main()
