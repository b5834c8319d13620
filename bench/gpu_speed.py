"""Our training and recorded forward against HF transformers on one GPU (issue 17: ≥ 1.5× HF training tokens/s).

    bash bench/gpu.sh                                    # what a lent GPU runs: small + bert-base, T = 128
    python bench/gpu_speed.py --device cpu --configs tiny --batch 2 --steps 2 --warmup 1 --no-compile
                                                         # the same code on a CPU, tiny sizes (a check, no numbers)

Training: one step = zero_grad, forward with MLM + NSP loss under bf16 autocast, backward, AdamW (fused where
torch has it). Ours runs its default training path (MLM logits only at the masked positions, fused SDPA
attention on CUDA); HF ``BertForPreTraining`` runs with ``attn_implementation="sdpa"`` (flash / memory-
efficient kernels). Each variant is also run under ``torch.compile``. Variants run one after another (so each
one's peak memory is its own): warm-up steps, then the median of the timed steps, synchronised.
Recorded forward: eval, batch 1, T = 128, ours with ``record=True`` (every intermediate kept) against our plain
forward and HF eager with attentions + hidden states. Writes bench/results/gpu_speed.json.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time

import torch
from common import CONFIGS, hf_model, machine, median, table, write_json  # puts the repo root on sys.path

from transformer_core import PRESETS, BertForPreTraining

CONFIG_CHOICES = {**CONFIGS, "bert-base": PRESETS["bert-base"]}
IGNORE = -100
TARGET = 1.5         # ours / HF training tokens/s, same GPU, same precision, each with and without compile


def random_batch(cfg, batch: int, seq: int, device) -> dict:
    """Random ids, exactly 15% labelled positions per row, segment halves, random NSP labels."""
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, cfg.vocab_size, (batch, seq), generator=g)
    pos = torch.rand(batch, seq, generator=g).argsort(-1)[:, :round(0.15 * seq)]
    labels = torch.full_like(ids, IGNORE).scatter_(1, pos, ids.gather(1, pos))
    types = (torch.arange(seq) >= seq // 2).long().expand(batch, seq).contiguous()
    out = dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=types, labels=labels,
               next_sentence_label=torch.randint(0, 2, (batch,), generator=g))
    return {k: v.to(device) for k, v in out.items()}


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def reset_peak(device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_mib(device) -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None


def timed_steps(step, warmup: int, steps: int, device) -> tuple[list[float], float]:
    """Seconds of each timed step (after ``warmup`` untimed ones) and the seconds of the first step
    (for a compiled variant: mostly compilation)."""
    start = time.perf_counter()
    step()
    sync(device)
    first = time.perf_counter() - start
    for _ in range(warmup - 1):
        step()
    sync(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        sync(device)
        times.append(time.perf_counter() - start)
    return times, first


def train_variant(lib: str, compiled: bool, cfg, args, device) -> dict:
    reset_peak(device)
    torch.manual_seed(0)
    model = (hf_model(cfg, "sdpa") if lib == "hf" else BertForPreTraining(cfg)).to(device).train()
    fused = {"fused": True} if device.type == "cuda" else {}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, **fused)
    forward = torch.compile(model) if compiled else model
    extra = {"masked_logits_only": True} if lib == "ours" else {}
    batch = random_batch(cfg, args.batch, args.seq, device)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            loss = forward(**batch, **extra).loss
        loss.backward()
        opt.step()

    times, first = timed_steps(step, args.warmup, args.steps, device)
    result = dict(step_ms=1e3 * median(times), tokens_per_s=args.batch * args.seq / median(times),
                  first_step_s=first, peak_mib=peak_mib(device))

    return result


def forward_latency(cfg, args, device) -> dict:
    """Batch 1, eval, inference_mode: ours plain and recorded, HF eager returning attentions + hidden states."""
    torch.manual_seed(0)
    ours = BertForPreTraining(cfg).to(device).eval()
    hf = hf_model(cfg, "eager").to(device).eval()
    batch = {k: v[:1] for k, v in random_batch(cfg, 1, args.seq, device).items()
             if k in ("input_ids", "attention_mask", "token_type_ids")}
    runs = {"ours_plain": lambda: ours(**batch), "ours_record": lambda: ours(**batch, record=True),
            "hf_eager_attentions": lambda: hf(**batch, output_attentions=True, output_hidden_states=True)}
    out = {}
    with torch.inference_mode():
        for name, run in runs.items():
            reset_peak(device)
            times, _ = timed_steps(run, max(args.warmup, 2), args.forward_repeats, device)
            out[name] = dict(ms=1e3 * median(times), peak_mib=peak_mib(device))
    return out


def bench_config(name: str, args, device) -> dict:
    cfg = CONFIG_CHOICES[name].replace(max_len=max(args.seq, 128))
    variants = [(lib, c) for c in ([False] if args.no_compile else [False, True]) for lib in ("hf", "ours")]
    train = {}
    for lib, compiled in variants:
        key = f"{lib}_bf16" + ("_compiled" if compiled else "")
        train[key] = train_variant(lib, compiled, cfg, args, device)
        print(f"  {name} {key}: {train[key]['tokens_per_s']:.0f} tokens/s, peak {train[key]['peak_mib']} MiB, "
              f"first step {train[key]['first_step_s']:.1f} s", flush=True)
    ratios = {f"ours/hf{s}": train[f"ours_bf16{s}"]["tokens_per_s"] / train[f"hf_bf16{s}"]["tokens_per_s"]
              for s in ([""] if args.no_compile else ["", "_compiled"])}
    if not args.no_compile:
        ratios["ours_compiled/hf_compiled_best"] = train["ours_bf16_compiled"]["tokens_per_s"] / max(
            train["hf_bf16"]["tokens_per_s"], train["hf_bf16_compiled"]["tokens_per_s"])
    return dict(train=train, ratios=ratios, forward=forward_latency(cfg, args, device))


def report(results: dict, args) -> None:
    for name, res in results.items():
        rows = [[k, f"{r['step_ms']:.1f}", f"{r['tokens_per_s']:.0f}", f"{r['first_step_s']:.1f}",
                 "-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"] for k, r in res["train"].items()]
        print(table(["variant", "step ms", "tokens/s", "1st step s", "peak MiB"], rows,
                    f"{name}: training, B={args.batch} T={args.seq}, bf16 autocast, median of {args.steps}"))
        for k, v in res["ratios"].items():
            print(f"  {k}: {v:.2f}x  (target >= {TARGET}x: {'holds' if v >= TARGET else 'missed'})")
        rows = [[k, f"{r['ms']:.2f}", "-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"]
                for k, r in res["forward"].items()]
        f = res["forward"]
        print(table(["forward, batch 1", "ms", "peak MiB"], rows,
                    f"{name}: forward at T={args.seq}; record / plain "
                    f"{f['ours_record']['ms'] / f['ours_plain']['ms']:.2f}x, record / HF eager with attentions "
                    f"{f['ours_record']['ms'] / f['hf_eager_attentions']['ms']:.2f}x"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda", help="cuda (default), or cpu to check the script itself")
    p.add_argument("--configs", nargs="+", default=["small", "bert-base"], choices=list(CONFIG_CHOICES))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--forward-repeats", type=int, default=30)
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile variants")
    args = p.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("gpu_speed: no CUDA GPU visible to torch here: skipped (check the script on a CPU with "
              "--device cpu --configs tiny --batch 2 --steps 2 --warmup 1 --no-compile)")
        return 0
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, bf16 supported "
              f"{torch.cuda.is_bf16_supported()}")
    results = {}
    for name in args.configs:
        results[name] = bench_config(name, args, device)
    report(results, args)
    gpu = torch.cuda.get_device_name() if device.type == "cuda" else None
    path = write_json("gpu_speed" if device.type == "cuda" else "gpu_speed_cpu_check",
                      dict(machine=machine(), gpu=gpu, args=vars(args), results=results))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
