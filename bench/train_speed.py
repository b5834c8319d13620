"""Training throughput of transformer_core's BertForPreTraining against HF transformers, same run, same data.

    python bench/train_speed.py                           # small + tiny, the four default variants
    python bench/train_speed.py --configs tiny --warmup 2 --steps 5
    python bench/train_speed.py --compile                 # also torch.compile(ours), bf16 + masked logits
    python bench/train_speed.py --profile ours_bf16_masked   # torch.profiler table of a few steps
    python bench/train_speed.py --loss-check              # fp32 vs bf16-autocast loss curves (200 steps)

One step = zero_grad, forward with loss (MLM + NSP), backward, AdamW step. tokens/s = batch·seq / median
step time. The variants run round-robin, one step each, the order rotated every round, so that machine
noise hits all of them alike. Writes bench/results/train_speed.json (or loss_check.json).
"""
from __future__ import annotations

import argparse
import copy
import time

from common import CONFIGS, hf_model, machine, median, table, timed, write_json

import torch

from transformer_core import BertForPreTraining

IGNORE, MASK_ID = -100, 4
VARIANTS = {   # name: (library, masked_logits_only, bf16 autocast, torch.compile)
    "hf_fp32": ("hf", False, False, False),
    "hf_bf16": ("hf", False, True, False),
    "ours_fp32_full": ("ours", False, False, False),
    "ours_fp32_masked": ("ours", True, False, False),
    "ours_bf16_masked": ("ours", True, True, False),
    "ours_bf16_masked_compiled": ("ours", True, True, True),
}
DEFAULT = ["hf_fp32", "ours_fp32_full", "ours_fp32_masked", "ours_bf16_masked"]


def train_flops(cfg, batch: int, seq: int, n_pred: int) -> float:
    """Analytic FLOPs of one training step: 2 FLOPs per multiply-add, backward = 2 × forward, so 6 per
    weight per token. Per step, with N = B·T tokens, L layers, width D, FFN width F, vocabulary V:
        encoder matmuls  6 · N · L · (4·D² + 2·D·F)      W_Q, W_K, W_V, W_O and the two FFN matrices
        attention        12 · B · L · T² · D             QKᵀ and A·V: 2 · 2·T²·D forward per layer, × 3
        MLM head         6 · n_pred · (D² + D·V)         transform + tied decoder; n_pred = N for full logits,
                                                         the number of labelled tokens for masked-only
        pooler + NSP     6 · B · (D² + 2·D)
    Not counted: embedding lookups, LayerNorm, softmax, GELU, dropout, AdamW (memory-bound, few FLOPs)."""
    L, D, F_, V, N = cfg.n_layers, cfg.d_model, cfg.d_ff, cfg.vocab_size, batch * seq
    return (6 * N * L * (4 * D * D + 2 * D * F_) + 12 * batch * L * seq * seq * D
            + 6 * n_pred * (D * D + D * V) + 6 * batch * (D * D + 2 * D))


def random_batch(cfg, batch: int, seq: int, g: torch.Generator) -> dict:
    """Random ids; exactly round(15% · T) labelled positions per sequence (a constant count keeps the
    masked-only FLOPs constant and avoids recompiles), −100 elsewhere; segment A/B halves; random NSP."""
    ids = torch.randint(5, cfg.vocab_size, (batch, seq), generator=g)
    pos = torch.rand(batch, seq, generator=g).argsort(-1)[:, :round(0.15 * seq)]
    labels = torch.full_like(ids, IGNORE).scatter_(1, pos, ids.gather(1, pos))
    types = (torch.arange(seq) >= seq // 2).long().expand(batch, seq).contiguous()
    return dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=types, labels=labels,
                next_sentence_label=torch.randint(0, 2, (batch,), generator=g))


class Runner:
    """One model + its AdamW; ``step`` is one full training step and returns the loss."""

    def __init__(self, name: str, cfg, lr: float, seed: int, model=None):
        self.name = name
        lib, masked, self.bf16, compiled = VARIANTS[name]
        if model is None:
            torch.manual_seed(seed)
            model = hf_model(cfg, "sdpa", seed) if lib == "hf" else BertForPreTraining(cfg)
        self.model = model.train()
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=lr)
        self.forward = torch.compile(self.model) if compiled else self.model
        self.kwargs = {"masked_logits_only": True} if masked else {}
        self.times: list[float] = []

    def step(self, batch: dict) -> float:
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            loss = self.forward(**batch, **self.kwargs).loss
        loss.backward()
        self.opt.step()
        return loss.item()


def matmul_gflops(m: int, k: int, n: int, dtype, reps: int = 10) -> float:
    a, b = torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)
    for _ in range(3):
        a @ b
    return 2 * m * k * n / median([timed(lambda: a @ b) for _ in range(reps)]) / 1e9


def bench_config(cname: str, args) -> dict:
    cfg, B, T = CONFIGS[cname], args.batch, args.seq
    g = torch.Generator().manual_seed(args.seed)
    batches = [random_batch(cfg, B, T, g) for _ in range(4)]
    runners = [Runner(v, cfg, args.lr, args.seed) for v in args.variants]
    for r in range(args.warmup + args.steps):                # round-robin, order rotated each round
        for i in range(len(runners)):
            run = runners[(i + r) % len(runners)]
            run.times.append(timed(lambda: run.step(batches[r % len(batches)])))
    n_pred = (batches[0]["labels"] != IGNORE).sum().item()
    base = median(runners[0].times[args.warmup:])
    out = {}
    for run in runners:
        t = median(run.times[args.warmup:])
        lib, masked, bf16, _ = VARIANTS[run.name]
        flops = train_flops(cfg, B, T, n_pred if masked else B * T)
        out[run.name] = dict(step_ms=1e3 * t, tokens_per_s=B * T / t, ratio_vs_first=base / t,
                             gflops=flops / t / 1e9, gflop_per_step=flops / 1e9,
                             first_step_s=run.times[0], all_step_s=run.times)
    return out


def profile(cname: str, name: str, args) -> None:
    from torch.profiler import ProfilerActivity, profile as prof
    cfg = CONFIGS[cname]
    g = torch.Generator().manual_seed(args.seed)
    batch, run = random_batch(cfg, args.batch, args.seq, g), Runner(name, cfg, args.lr, args.seed)
    for _ in range(2):
        run.step(batch)
    with prof(activities=[ProfilerActivity.CPU]) as p:
        for _ in range(3):
            run.step(batch)
    print(f"\nprofile: {name} on {cname} (3 steps)")
    print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


# ---------------------------------------------------------------------------------------- loss check
def motif_batches(cfg, n: int, batch: int, seq: int, g: torch.Generator, period: int = 8) -> list[dict]:
    """A learnable toy corpus: each segment repeats a random `period`-token motif, so a masked token can be
    copied from `period` positions away. Segment B repeats A's motif (NSP 0 = IsNext) or another (1)."""
    out = []
    for _ in range(n):
        a, b = (torch.randint(5, cfg.vocab_size, (batch, period), generator=g) for _ in range(2))
        nsp = torch.randint(0, 2, (batch,), generator=g)
        b = torch.where(nsp[:, None].bool(), b, a)
        half = seq // 2
        ids = torch.cat([a.repeat(1, half // period + 1)[:, :half], b.repeat(1, half // period + 1)[:, :seq - half]], 1)
        chosen = torch.rand(batch, seq, generator=g) < 0.15
        labels = torch.where(chosen, ids, IGNORE)
        types = (torch.arange(seq) >= half).long().expand(batch, seq).contiguous()
        out.append(dict(input_ids=ids.masked_fill(chosen, MASK_ID), attention_mask=torch.ones_like(ids),
                        token_type_ids=types, labels=labels, next_sentence_label=nsp))
    return out


def smooth(xs: list[float], w: int) -> torch.Tensor:
    """Trailing moving average over w steps (shorter at the start)."""
    x = torch.tensor(xs, dtype=torch.float64)
    c = torch.cat([torch.zeros(1, dtype=x.dtype), x.cumsum(0)])
    idx = torch.arange(1, len(x) + 1)
    return (c[idx] - c[(idx - w).clamp(min=0)]) / (idx - (idx - w).clamp(min=0))


def loss_check(args) -> None:
    cfg = CONFIGS[args.loss_config]
    g = torch.Generator().manual_seed(args.seed)
    data = motif_batches(cfg, args.loss_batches, args.batch, args.seq, g)
    torch.manual_seed(args.seed)
    init = BertForPreTraining(cfg)
    # The third run changes only the dropout seed: the fp32-vs-bf16 gap means little unless it is compared
    # with the gap that dropout noise alone produces.
    runs = [("fp32", "ours_fp32_masked", args.seed), ("bf16", "ours_bf16_masked", args.seed),
            ("fp32_other_dropout_seed", "ours_fp32_masked", args.seed + 1)]
    curves, secs = {}, {}
    for label, variant, seed in runs:
        run = Runner(variant, cfg, args.loss_lr, args.seed, model=copy.deepcopy(init))
        torch.manual_seed(seed)                              # dropout masks: same stream for fp32 and bf16
        start = time.perf_counter()
        curves[label] = [run.step(data[i % len(data)]) for i in range(args.loss_steps)]
        secs[label] = time.perf_counter() - start
    sm = {k: smooth(v, args.smooth) for k, v in curves.items()}
    last = lambda k: sum(curves[k][-args.smooth:]) / args.smooth  # noqa: E731
    rows, summary = [], {}
    for other in ("bf16", "fp32_other_dropout_seed"):
        d = (sm["fp32"] - sm[other]).abs()
        summary[other] = dict(max_abs_diff=d.max().item(), mean_abs_diff=d.mean().item(),
                              final_fp32=last("fp32"), final_other=last(other))
        rows.append([f"fp32 vs {other}", f"{d.max():.4f}", f"{d.mean():.4f}", f"{last('fp32'):.4f}",
                     f"{last(other):.4f}"])
    print(table(["comparison", "max |Δ smoothed|", "mean |Δ smoothed|", "final fp32", "final other"], rows,
                f"loss check: {args.loss_config}, B={args.batch} T={args.seq}, {args.loss_steps} steps, "
                f"lr {args.loss_lr}, smoothing window {args.smooth}; final = mean of last {args.smooth} raw"))
    print("loss at steps 0/50/100/150/last: " + "; ".join(
        f"{k}: " + " ".join(f"{v[i]:.3f}" for i in (0, 50, 100, 150, -1) if abs(i) < len(v)) for k, v in curves.items()))
    print("run time s: " + ", ".join(f"{k} {v:.1f}" for k, v in secs.items()))
    path = write_json("loss_check", dict(machine=machine(), config=args.loss_config, batch=args.batch, seq=args.seq,
                                         lr=args.loss_lr, steps=args.loss_steps, smooth=args.smooth,
                                         summary=summary, seconds=secs, curves=curves))
    print(f"wrote {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", nargs="+", default=["small", "tiny"], choices=list(CONFIGS))
    p.add_argument("--variants", nargs="+", default=DEFAULT, choices=list(VARIANTS),
                   help="the first one is the baseline of the ratio column")
    p.add_argument("--compile", action="store_true", help="add ours_bf16_masked_compiled")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--peak-size", type=int, default=2048, help="n of the n×n×n peak matmul")
    p.add_argument("--profile", metavar="VARIANT", choices=list(VARIANTS), help="profile this variant, then exit")
    p.add_argument("--loss-check", action="store_true", help="fp32 vs bf16 loss curves instead of speed")
    p.add_argument("--loss-config", default="tiny", choices=list(CONFIGS))
    p.add_argument("--loss-steps", type=int, default=200)
    p.add_argument("--loss-batches", type=int, default=16, help="fixed batches, cycled")
    p.add_argument("--loss-lr", type=float, default=5e-4)
    p.add_argument("--smooth", type=int, default=10)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.compile and "ours_bf16_masked_compiled" not in args.variants:
        args.variants.append("ours_bf16_masked_compiled")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}")
    if args.loss_check:
        return loss_check(args)
    if args.profile:
        return profile(args.configs[0], args.profile, args)
    n, (m, k, f) = args.peak_size, (args.batch * args.seq, CONFIGS["small"].d_model, CONFIGS["small"].d_ff)
    peak = {f"{dt}_{shape}": matmul_gflops(*dims, getattr(torch, dt))
            for dt in ("float32", "bfloat16") for shape, dims in ((f"{n}^3", (n, n, n)), (f"{m}x{k}x{f}", (m, k, f)))}
    print(table(["matmul", "GFLOP/s (median)"], [[k_, f"{v:.1f}"] for k_, v in peak.items()], "matmul peak"))
    results = {}
    for cname in args.configs:
        res = results[cname] = bench_config(cname, args)
        base = args.variants[0]
        rows = [[v, f"{r['step_ms']:.0f}", f"{r['tokens_per_s']:.0f}", f"{r['ratio_vs_first']:.2f}",
                 f"{r['gflop_per_step']:.1f}", f"{r['gflops']:.1f}",
                 f"{100 * r['gflops'] / peak[('bfloat16' if VARIANTS[v][2] else 'float32') + f'_{n}^3']:.0f}%",
                 f"{r['first_step_s']:.2f}"] for v, r in res.items()]
        c = CONFIGS[cname]
        print(table(["variant", "step ms", "tokens/s", f"× {base}", "GFLOP/step", "GFLOP/s", "of peak",
                     "1st step s"], rows,
                    f"{cname}: L={c.n_layers} D={c.d_model} H={c.n_heads} F={c.d_ff} V={c.vocab_size}, "
                    f"B={args.batch} T={args.seq}, median of {args.steps} steps after {args.warmup} warmup"))
    path = write_json("train_speed", dict(machine=machine(), args={k: v for k, v in vars(args).items()},
                                          matmul_peak_gflops=peak, results=results))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
