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


def cpu_name() -> str:
    """The CPU's model name (Linux), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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
           "hardware": f"{cpu_name()}, 1 thread (OMP_NUM_THREADS=1), niced, on a machine shared with other jobs",
           "curve": [{"step": s, "loss": round(loss, 4), "lr": lr} for s, loss, lr, _ in history[::k]]}
    (out / "training_log.json").write_text(json.dumps(log, indent=1), encoding="utf-8")
    return results


# Digits drawn the way a learner clicks them on the page's 8 × 8 grid ('#' = an inked cell).
DRAWN = {
    "1": ["...##...", "..###...", "...##...", "...##...", "...##...", "...##...", "...##...", "..####.."],
    "7": [".######.", ".....##.", "....##..", "...##...", "..##....", "..##....", "..##....", "..##...."],
    "0": ["..####..", ".##..##.", ".##..##.", ".##..##.", ".##..##.", ".##..##.", ".##..##.", "..####.."],
}


def drawn_image(rows: list[str]) -> torch.Tensor:
    return torch.tensor([[1.0 if c == "#" else 0.0 for c in row] for row in rows]).view(1, 1, 8, 8)


def art(image: torch.Tensor) -> str:
    """An 8 × 8 image as text: ' ' paper, '.' light, '+' mid, '#' dark."""
    return "\n".join("".join(" .+#"[min(3, int(v * 4))] for v in row) for row in image.view(8, 8).tolist())


def write_card(model, out: Path, results: dict, log: dict, test) -> None:
    config = model.config
    fp16 = results["fp16"]
    lines = [f"# {LABEL}", "", NOTES.read_text(encoding="utf-8").strip(), "", "## Recipe", "",
             "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in (("patch size", f"{config.patch_size} × {config.patch_size} pixels"),
                                           ("tokens", f"{(8 // config.patch_size) ** 2} patches + [CLS]"),
                                           ("d_model / layers / heads / d_ff",
                                            f"{config.d_model} / {config.n_layers} / {config.n_heads} / {config.d_ff}"),
                                           ("parameters", f"{sum(p.numel() for p in model.parameters()):,}"),
                                           ("dropout", config.dropout))]
    lines += [f"| {k} | {v} |" for k, v in log["recipe"].items()]
    lines += ["", "## Training", "", f"- Command: `{log['command']}`",
              f"- Hardware: {log['hardware']}",
              f"- CPU time: {log['cpu_seconds'] / 60:.1f} CPU-minutes for {log['steps']} steps "
              f"(wall {log['train_seconds_wall'] / 60:.1f} min on a shared machine)",
              "", "## Results (held-out test split, 359 images)", "",
              f"- Accuracy: **{fp16['accuracy']:.1%}** with the shipped float16 weights "
              f"(float32 before export: {results['fp32']['accuracy']:.1%}); chance is 10%.",
              "- Per digit: " + ", ".join(f"{d}: {a:.0%}" for d, a in fp16["per_digit"].items()), "",
              "## Examples", "", "Digits drawn on the Vision page's cell grid (all-or-nothing ink):", ""]
    with torch.inference_mode():
        for name, rows in DRAWN.items():
            probs = model(drawn_image(rows)).logits.softmax(-1)[0]
            top = probs.argsort(descending=True)[:2].tolist()
            lines += [f"- drawn {name} → **{top[0]}** ({probs[top[0]]:.0%}; next {top[1]} {probs[top[1]]:.0%})",
                      "", "```", art(drawn_image(rows)), "```", ""]
    lines += [f"Every test image it gets wrong ({len(fp16['failures'])} of {fp16['images']}; row = line of the "
              "data file):", ""]
    rows = {int(r): i for i, r in enumerate(test.index.tolist())}
    for f in fp16["failures"]:
        lines += [f"- row {f['row']}: a {f['digit']} read as **{f['predicted']}** ({f['p']:.0%})", "", "```",
                  art(test.images[rows[f["row"]]]), "```", ""]
    (out / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=VisionRecipe.steps)
    parser.add_argument("--lr", type=float, default=VisionRecipe.lr)
    parser.add_argument("--seed", type=int, default=VisionRecipe.seed)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    recipe = VisionRecipe(steps=args.steps, lr=args.lr, seed=args.seed)
    train, test = split()
    start = time.process_time()
    model, history = train_vit(digits_config(), train, recipe,
                               callback=lambda s, loss, lr: print(s, round(loss, 3), flush=True) if s % 500 == 0
                               else None)
    cpu = time.process_time() - start
    command = "OMP_NUM_THREADS=1 nice -n 19 python tools/train_vit_digits.py " + " ".join(sys.argv[1:])
    results = ship(model, history, recipe, test, args.out, cpu, command.strip())
    log = json.loads((args.out / "training_log.json").read_text(encoding="utf-8"))
    write_card(model, args.out, results, log, test)
    print(f"cpu {cpu:.0f} s; test accuracy fp32 {results['fp32']['accuracy']:.4f}, "
          f"fp16 {results['fp16']['accuracy']:.4f}")
    print("train accuracy", round(accuracy(model, train), 4))


if __name__ == "__main__":
    main()
