"""Forward latency (eval, inference_mode, batch 1) of transformer_core's BertForPreTraining, with and without
``record=True``, and HF BertForPreTraining returning attentions + hidden states (eager attention) for reference.

    python bench/forward_latency.py                      # small config, T = 16 64 128
    python bench/forward_latency.py --lengths 64 --repeats 300

Every repeat runs every (T, variant) once, in a rotated order, so machine noise hits all alike; the table
shows the median. Target: record / plain ≤ 1.3× at T = 64. ``--tune-malloc`` raises glibc's mmap threshold
first: at T = 128 the trace's fresh buffers otherwise pay page faults on every forward.
Writes bench/results/forward_latency.json.
"""
from __future__ import annotations

import argparse

import torch
from common import CONFIGS, hf_model, machine, median, table, timed, write_json  # puts the repo root on sys.path

from transformer_core import BertForPreTraining
from ui.st.runtime import tune_allocator

VARIANTS = ("ours_plain", "ours_record", "hf_eager_outputs", "hf_sdpa_plain")


def build(cfg, seed: int) -> dict:
    torch.manual_seed(seed)
    ours = BertForPreTraining(cfg).eval()
    hf_eager, hf_sdpa = hf_model(cfg, "eager", seed).eval(), hf_model(cfg, "sdpa", seed).eval()
    return {
        "ours_plain": lambda b: ours(**b),
        "ours_record": lambda b: ours(**b, record=True),
        "hf_eager_outputs": lambda b: hf_eager(**b, output_attentions=True, output_hidden_states=True),
        "hf_sdpa_plain": lambda b: hf_sdpa(**b),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="small", choices=list(CONFIGS))
    p.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 128])
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--repeats", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--tune-malloc", action="store_true", help="raise glibc's mmap/trim thresholds first")
    args = p.parse_args()
    if args.tune_malloc:
        tune_allocator()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = CONFIGS[args.config]
    g = torch.Generator().manual_seed(args.seed)
    inputs = {}
    for t in args.lengths:
        ids = torch.randint(5, cfg.vocab_size, (args.batch, t), generator=g)
        types = (torch.arange(t) >= t // 2).long().expand(args.batch, t).contiguous()
        inputs[t] = dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=types)
    fns = build(cfg, args.seed)
    jobs = [(t, v) for t in args.lengths for v in VARIANTS]
    times = {job: [] for job in jobs}
    with torch.inference_mode():
        for r in range(args.warmup + args.repeats):
            for i in range(len(jobs)):
                t, v = jobs[(i + r) % len(jobs)]
                dt = timed(fns[v], inputs[t])
                if r >= args.warmup:
                    times[(t, v)].append(dt)
    ms = {job: 1e3 * median(x) for job, x in times.items()}
    ratios = {"record/plain": ("ours_record", "ours_plain"),
              "record/hf_out": ("ours_record", "hf_eager_outputs"),
              "plain/hf_sdpa": ("ours_plain", "hf_sdpa_plain")}
    rows, results = [], {}
    for t in args.lengths:
        m = {v: ms[(t, v)] for v in VARIANTS}
        r = {name: m[a] / m[b] for name, (a, b) in ratios.items()}
        results[t] = dict(ms=m, ratios=r)
        rows.append([t] + [f"{m[v]:.2f}" for v in VARIANTS] + [f"{x:.2f}" for x in r.values()])
    c = cfg
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(table(["T"] + [f"{v} ms" for v in VARIANTS] + list(ratios), rows,
                f"forward latency, {args.config}: L={c.n_layers} D={c.d_model} H={c.n_heads} V={c.vocab_size}, "
                f"batch {args.batch}, median of {args.repeats} (after {args.warmup} warmup), eval + inference_mode"))
    ok = results[64]["ratios"]["record/plain"] if 64 in results else None
    if ok is not None:
        print(f"target record/plain ≤ 1.30 at T=64: {'met' if ok <= 1.3 else 'NOT met'} ({ok:.2f})")
    path = write_json("forward_latency", dict(machine=machine(), args=vars(args),
                                              results={str(t): r for t, r in results.items()}))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
