"""Forward + backward time of a GRU/LSTM and a Transformer of about the same size (transformer_core/recurrent.py)
at growing sequence length T, on one CPU thread, and the length where the Transformer becomes the slower one.

    python bench/rnn_vs_transformer.py                         # T = 16 … 2048, batch 4, GRU
    python bench/rnn_vs_transformer.py --rnn lstm --lengths 64 256 1024 --repeats 9

Every repeat runs both models at every T in a rotated order, so machine noise hits both alike; the table shows
medians. Also printed: the counted FLOPs of the part of a layer that mixes positions
(attention's 4·T²·D, the recurrence's 2·g·T·H²) and the length where attention's becomes the larger.
Writes bench/results/rnn_vs_transformer.json.
"""
from __future__ import annotations

import argparse
import os

import torch
from common import machine, median, table, write_json  # puts the repo root on sys.path

from transformer_core import recurrent as rec


def cpu_name() -> str:
    """The processor's model name (platform.processor() is empty on Linux)."""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return "unknown CPU"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256, 512, 1024, 2048])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--rnn", default="gru", choices=["gru", "lstm"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rnn_config, tf_config = rec.matched_configs(rnn=args.rnn, max_len=max(args.lengths))
    torch.manual_seed(0)
    models = {"rnn": rec.build(rnn_config).to(args.device), "transformer": rec.build(tf_config).to(args.device)}
    times = {(name, T): [] for name in models for T in args.lengths}
    for r in range(args.repeats):
        for i, T in enumerate(args.lengths[r % len(args.lengths):] + args.lengths[:r % len(args.lengths)]):
            for name in (list(models) if (r + i) % 2 == 0 else list(models)[::-1]):
                times[name, T].append(rec.step_time(models[name], T, args.batch, repeats=1,
                                                    vocab=rnn_config.vocab_size, device=args.device))
    rnn_ms = [1000 * median(times["rnn", T]) for T in args.lengths]
    tf_ms = [1000 * median(times["transformer", T]) for T in args.lengths]
    flops_rnn = [rec.mixing_flops(rnn_config, T) for T in args.lengths]
    flops_tf = [rec.mixing_flops(tf_config, T) for T in args.lengths]
    rows = [[T, f"{a:.2f}", f"{b:.2f}", f"{b / a:.2f}", f"{fa / 1e6:.1f}", f"{fb / 1e6:.1f}"]
            for T, a, b, fa, fb in zip(args.lengths, rnn_ms, tf_ms, flops_rnn, flops_tf, strict=True)]
    info = {**machine(), "cpu": cpu_name(), "cores": os.cpu_count(), "load_average": os.getloadavg()[0]}
    if args.device != "cpu":
        info["gpu"] = torch.cuda.get_device_name(0)
    print(f"CPU: {info['cpu']} ({info['cpu_capability']}, {info['cores']} cores, load average "
          f"{info['load_average']:.1f}){', GPU: ' + info['gpu'] if 'gpu' in info else ''}, torch {info['torch']}, "
          f"{args.threads} thread(s), device {args.device}, batch {args.batch}, median of {args.repeats}")
    print(f"{args.rnn.upper()}: hidden {rnn_config.hidden}, {rec.parameters(models['rnn']):,} weights; "
          f"Transformer: D {tf_config.d_model}, {tf_config.n_layers} layers, "
          f"{rec.parameters(models['transformer']) - tf_config.max_len * tf_config.d_model:,} weights "
          "(+ the position table)")
    print(table(["T", f"{args.rnn} ms", "transformer ms", "ratio", f"{args.rnn} mixing MFLOP",
                 "attention mixing MFLOP"], rows, "forward + backward, one step"))
    measured = rec.crossover(args.lengths, rnn_ms, tf_ms)
    counted = rec.flops_crossover(rnn_config, tf_config)
    print(f"\nmeasured crossover (the Transformer becomes slower): "
          f"{'none in range' if measured is None else f'T ≈ {measured:.0f}'}")
    print(f"counted crossover (attention's 4·T²·D passes the {args.rnn}'s hidden-to-hidden 2·g·T·H², "
          f"per layer): T ≈ {counted}")
    path = write_json("rnn_vs_transformer" + ("" if args.device == "cpu" else f"_{args.device.split(':')[0]}"), {
        "machine": info, "args": vars(args), "lengths": args.lengths, "rnn_ms": rnn_ms, "transformer_ms": tf_ms,
        "rnn_mixing_flops": flops_rnn, "transformer_mixing_flops": flops_tf,
        "measured_crossover": measured, "counted_crossover": counted})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
