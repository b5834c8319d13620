"""Distillation against labels alone, measured: the same small student trained twice on the same data for the
same steps, once with minilm-mlm-en's soft targets, and the held-out masked-token accuracy of each.

    nice -n 19 env OMP_NUM_THREADS=1 python tools/distill_compare.py --steps 300 --out assets/eval/distillation_en.json

The JSON holds the numbers, the settings, the machine and this command; the compression page shows it as a
stored measurement (and re-runs a tiny version live).
"""
from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transformer_core.train.distill import STUDENT, compare  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teacher", default="assets/models/minilm-mlm-en")
    parser.add_argument("--corpus", default="en")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--eval-batches", type=int, default=40)
    parser.add_argument("--out", default="assets/eval/distillation_en.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = compare(args.teacher, args.corpus, args.steps, args.batch_size, args.max_len, STUDENT, args.lr,
                     args.alpha, args.temperature, args.eval_batches,
                     on_step=lambda arm, m: m.step % 50 == 0 and print(arm, m.step, f"{m.loss:.3f}", flush=True))
    record = {"what": "held-out masked-token accuracy of one small student trained from the labels alone and "
                      "with the teacher's soft targets (same initial weights, data, masking and steps)",
              "teacher": Path(args.teacher).name, "corpus": args.corpus, "student": STUDENT,
              "settings": {k: v for k, v in vars(args).items() if k not in ("teacher", "out", "corpus")},
              **result, "wall_seconds": round(time.perf_counter() - start, 1),
              "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
                         f"{torch.get_num_threads()} thread(s)",
              "command": "OMP_NUM_THREADS=1 python tools/distill_compare.py " + shlex.join(argv or sys.argv[1:])}
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    for arm in ("labels_only", "distilled"):
        print(f"{arm:<12} held-out top-1 {result[arm]['mlm_top1']:.4f}  top-5 {result[arm]['mlm_top5']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
