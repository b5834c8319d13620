"""Training throughput of transformer_core's BertForPreTraining against HF transformers, same run, same data.

    python bench/train_speed.py                           # small + tiny, the four default variants
    python bench/train_speed.py --configs tiny --warmup 2 --steps 5
    python bench/train_speed.py --compile                 # also torch.compile(ours), fp32 and bf16, masked
    python bench/train_speed.py --profile ours_bf16_masked   # torch.profiler table of a few steps
    python bench/train_speed.py --loss-check              # our fast path vs HF's plain fp32 loss curve (200 steps)
    python bench/train_speed.py --configs small --variants ours_fp32_masked ours_fp32_masked+fused_qkv
                                                          # "+name" applies a bench/patches.py candidate

One step = zero_grad, forward with loss (MLM + NSP), backward, AdamW step. tokens/s = batch·seq / median
step time ("best" = the fastest step, less sensitive to other load on a shared machine). The variants run
round-robin, one step each, the order rotated every round, so that machine noise hits all of them alike.
Writes bench/results/train_speed.json (or loss_check.json).
"""
from __future__ import annotations

import argparse
import copy
import tempfile
import time

import torch
from common import CONFIGS, hf_model, machine, median, table, timed, write_json  # puts the repo root on sys.path
from patches import PATCHES, apply
from transformers import BertForPreTraining as HFBertForPreTraining

from transformer_core import BertForPreTraining, save_pretrained

IGNORE, MASK_ID = -100, 4
VARIANTS = {   # name: (library, masked_logits_only, bf16 autocast, torch.compile)
    "hf_fp32": ("hf", False, False, False),
    "hf_bf16": ("hf", False, True, False),
    "ours_fp32_full": ("ours", False, False, False),
    "ours_fp32_masked": ("ours", True, False, False),
    "ours_bf16_masked": ("ours", True, True, False),
    "ours_fp32_full_compiled": ("ours", False, False, True),
    "ours_fp32_masked_compiled": ("ours", True, False, True),
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
        base, *patches = name.split("+")
        lib, masked, self.bf16, compiled = VARIANTS[base]
        if model is None:
            torch.manual_seed(seed)
            model = hf_model(cfg, "sdpa", seed) if lib == "hf" else BertForPreTraining(cfg)
        apply(model, patches)
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


def matmul_peak(shapes: dict, reps: int = 15) -> dict:
    """GFLOP/s of plain matmuls, fp32 and bf16, all shapes interleaved: {name: (median, best)}."""
    ops = {f"{dt}_{name}": (torch.randn(m, k).to(getattr(torch, dt)), torch.randn(k, n).to(getattr(torch, dt)))
           for dt in ("float32", "bfloat16") for name, (m, k, n) in shapes.items()}
    times = {key: [] for key in ops}
    for r in range(reps + 3):
        for key, (a, b) in ops.items():
            dt = timed(torch.matmul, a, b)
            if r >= 3:
                times[key].append(dt)
    flops = {key: 2 * a.size(0) * a.size(1) * b.size(1) for key, (a, b) in ops.items()}
    return {key: (flops[key] / median(t) / 1e9, flops[key] / min(t) / 1e9) for key, t in times.items()}


def bench_config(cname: str, args) -> dict:
    cfg, B, T = CONFIGS[cname], args.batch, args.seq
    g = torch.Generator().manual_seed(args.seed)
    batches = [random_batch(cfg, B, T, g) for _ in range(4)]
    runners = [Runner(v, cfg, args.lr, args.seed) for v in args.variants]
    for r in range(args.warmup + args.steps):                # round-robin, order rotated each round
        for i in range(len(runners)):
            run = runners[(i + r) % len(runners)]
            run.times.append(timed(run.step, batches[r % len(batches)]))
    n_pred = (batches[0]["labels"] != IGNORE).sum().item()
    timed_steps = {run.name: run.times[args.warmup:] for run in runners}
    base, base_best = median(timed_steps[args.variants[0]]), min(timed_steps[args.variants[0]])
    out = {}
    for run in runners:
        t, best = median(timed_steps[run.name]), min(timed_steps[run.name])
        flops = train_flops(cfg, B, T, n_pred if VARIANTS[run.name.split("+")[0]][1] else B * T)
        out[run.name] = dict(step_ms=1e3 * t, tokens_per_s=B * T / t, ratio_vs_first=base / t, best_step_ms=1e3 * best,
                             ratio_best_vs_first=base_best / best, gflops=flops / t / 1e9, gflop_per_step=flops / 1e9,
                             first_step_s=run.times[0], all_step_s=run.times)
    return out


def profile(cname: str, name: str, args) -> None:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as prof
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


def smooth(xs: list[float], w: int) -> list[float]:
    """Trailing moving average over w steps (shorter at the start)."""
    return [sum(xs[max(0, i - w + 1):i + 1]) / (i + 1 - max(0, i - w + 1)) for i in range(len(xs))]


def twins(cfg, seed: int):
    """Our model and HF's, holding identical initial weights (exported through save_pretrained)."""
    torch.manual_seed(seed)
    ours = BertForPreTraining(cfg)
    with tempfile.TemporaryDirectory() as folder:
        save_pretrained(ours, folder)
        return ours, HFBertForPreTraining.from_pretrained(folder, attn_implementation="sdpa")


def loss_check(args) -> None:
    cfg = CONFIGS[args.loss_config]
    g = torch.Generator().manual_seed(args.seed)
    data = motif_batches(cfg, args.loss_batches, args.batch, args.seq, g)
    init, hf_init = twins(cfg, args.seed)
    quiet = cfg.replace(dropout=0.0, attn_dropout=0.0)
    init_nodrop, hf_nodrop = twins(quiet, args.seed)
    # Our default training path (fp32, MLM logits only at masked positions, our dropout sampler) against
    # the plain fp32 path of HF transformers from identical weights on identical batches. With dropout the
    # masks differ, so "ours_other_dropout_seed" shows how far dropout noise alone moves a curve; without
    # dropout ("*_nodrop") nothing random is left and the two curves must coincide.
    runs = [("ours_default", "ours_fp32_masked", init, args.seed), ("hf_fp32_plain", "hf_fp32", hf_init, args.seed),
            ("ours_bf16", "ours_bf16_masked", init, args.seed),
            ("ours_other_dropout_seed", "ours_fp32_masked", init, args.seed + 1),
            ("ours_default_nodrop", "ours_fp32_masked", init_nodrop, args.seed),
            ("hf_fp32_plain_nodrop", "hf_fp32", hf_nodrop, args.seed)]
    curves, secs = {}, {}
    for label, variant, model, seed in runs:
        run = Runner(variant, cfg, args.loss_lr, args.seed, model=copy.deepcopy(model))
        torch.manual_seed(seed)                              # dropout masks: same stream for fp32 and bf16
        start = time.perf_counter()
        curves[label] = [run.step(data[i % len(data)]) for i in range(args.loss_steps)]
        secs[label] = time.perf_counter() - start
    sm = {k: smooth(v, args.smooth) for k, v in curves.items()}
    last = lambda k: sum(curves[k][-args.smooth:]) / args.smooth  # noqa: E731
    rows, summary = [], {}
    pairs = [("ours_default", o) for o in ("hf_fp32_plain", "ours_bf16", "ours_other_dropout_seed")]
    for a_name, other in pairs + [("ours_default_nodrop", "hf_fp32_plain_nodrop")]:
        d = [abs(a - b) for a, b in zip(sm[a_name], sm[other], strict=True)]
        summary[f"{a_name} vs {other}"] = dict(max_abs_diff=max(d), mean_abs_diff=sum(d) / len(d),
                                               final_a=last(a_name), final_b=last(other))
        rows.append([f"{a_name} vs {other}"]
                    + [f"{x:.4f}" for x in (max(d), sum(d) / len(d), last(a_name), last(other))])
    print(table(["comparison", "max |Δ smoothed|", "mean |Δ smoothed|", "final a", "final b"], rows,
                f"loss check: {args.loss_config}, B={args.batch} T={args.seq}, {args.loss_steps} steps, "
                f"lr {args.loss_lr}, smoothing window {args.smooth}; final = mean of last {args.smooth} raw"))
    marks = [i for i in (0, 50, 100, 150) if i < args.loss_steps] + [args.loss_steps - 1]
    print(f"raw loss at steps {marks}: " + "; ".join(
        f"{k}: " + " ".join(f"{v[i]:.3f}" for i in marks) for k, v in curves.items()))
    print("run time s: " + ", ".join(f"{k} {v:.1f}" for k, v in secs.items()))
    path = write_json("loss_check", dict(machine=machine(), config=args.loss_config, batch=args.batch,
                                         seq=args.seq, lr=args.loss_lr, steps=args.loss_steps, smooth=args.smooth,
                                         summary=summary, seconds=secs, curves=curves))
    print(f"wrote {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", nargs="+", default=["small", "tiny"], choices=list(CONFIGS))
    p.add_argument("--variants", nargs="+", default=DEFAULT, metavar="VARIANT",
                   help=f"the first is the ratio baseline; one of {list(VARIANTS)}, optionally followed by "
                        f"+patch for patches in {list(PATCHES)} (ours only)")
    p.add_argument("--compile", action="store_true", help="add ours_{fp32,bf16}_masked_compiled")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--peak-size", type=int, default=2048, help="n of the n×n×n peak matmul")
    p.add_argument("--profile", metavar="VARIANT", help="profile this variant (same syntax), then exit")
    p.add_argument("--loss-check", action="store_true", help="fp32 vs bf16 loss curves instead of speed")
    p.add_argument("--loss-config", default="tiny", choices=list(CONFIGS))
    p.add_argument("--loss-steps", type=int, default=200)
    p.add_argument("--loss-batches", type=int, default=16, help="fixed batches, cycled")
    p.add_argument("--loss-lr", type=float, default=5e-4)
    p.add_argument("--smooth", type=int, default=10)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    for v in args.variants + [args.profile or "hf_fp32"]:
        base, *patches = v.split("+")
        if base not in VARIANTS or any(x not in PATCHES for x in patches) or (patches and base.startswith("hf")):
            p.error(f"unknown variant {v!r}")
    if args.compile:
        extra = ("ours_fp32_masked_compiled", "ours_bf16_masked_compiled")
        args.variants += [v for v in extra if v not in args.variants]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}")
    if args.loss_check:
        return loss_check(args)
    if args.profile:
        return profile(args.configs[0], args.profile, args)
    n, (m, k, f) = args.peak_size, (args.batch * args.seq, CONFIGS["small"].d_model, CONFIGS["small"].d_ff)
    peaks = matmul_peak({f"{n}^3": (n, n, n), f"{m}x{k}x{f}": (m, k, f)})
    print(table(["matmul", "GFLOP/s median", "GFLOP/s best"],
                [[name, f"{a:.1f}", f"{b:.1f}"] for name, (a, b) in peaks.items()],
                "matmul peak (\"of peak\" below = a variant's GFLOP/s over the best n^3 matmul of its dtype)"))
    results = {}
    for cname in args.configs:
        res = results[cname] = bench_config(cname, args)
        rows = []
        for v, r in res.items():
            dtype = "bfloat16" if VARIANTS[v.split("+")[0]][2] else "float32"
            r["of_peak"] = r["gflops"] / peaks[f"{dtype}_{n}^3"][1]
            rows.append([v, f"{r['step_ms']:.0f}", f"{r['tokens_per_s']:.0f}", f"{r['ratio_vs_first']:.2f}",
                         f"{r['best_step_ms']:.0f}", f"{r['ratio_best_vs_first']:.2f}", f"{r['gflop_per_step']:.1f}",
                         f"{r['gflops']:.1f}", f"{100 * r['of_peak']:.0f}%", f"{r['first_step_s']:.2f}"])
        c = CONFIGS[cname]
        print(table(["variant", "step ms", "tokens/s", f"× {args.variants[0]}", "best ms", "× (best)", "GFLOP/step",
                     "GFLOP/s", "of peak", "1st step s"], rows,
                    f"{cname}: L={c.n_layers} D={c.d_model} H={c.n_heads} F={c.d_ff} V={c.vocab_size}, "
                    f"B={args.batch} T={args.seq}, median of {args.steps} steps after {args.warmup} warmup"))
    path = write_json("train_speed", dict(machine=machine(), args=vars(args), matmul_gflops_median_best=peaks,
                                          results=results))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
