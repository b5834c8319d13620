"""How much memory one recorded forward keeps: bert-base shapes at T = 512, one sentence.

    python bench/trace_memory.py

A recorded attention layer used to keep four (B, H, T, T) tensors (scores, scaled, masked, weights);
it now keeps scores and weights and derives the other two on demand (``AttentionTrace.scaled`` /
``.masked``). The script counts the bytes of every tensor reachable from the trace and prints them
by kind, so the saving is measured, not estimated. Random weights: sizes do not depend on them.
"""
from __future__ import annotations

import argparse
from dataclasses import fields, is_dataclass

import torch
from common import ROOT  # noqa: F401  (puts the project on sys.path)

from transformer_core import BertForPreTraining, TransformerConfig  # noqa: E402

BERT_BASE = TransformerConfig(vocab_size=30522, d_model=768, n_layers=12, n_heads=12, d_ff=3072, max_len=512)


def tensor_bytes(obj, seen=None, derived=False) -> dict[str, int]:
    """Bytes per field name, over every tensor reachable from ``obj`` (each tensor counted once).
    ``derived=True`` counts instead what the recomputed properties (``DERIVED``) would take if stored."""
    seen = set() if seen is None else seen
    out: dict[str, int] = {}
    names = [f.name for f in fields(obj)] if is_dataclass(obj) else []
    items = [(n, getattr(obj, n)) for n in (getattr(obj, "DERIVED", ()) if derived else ())]
    items += [(n, getattr(obj, n)) for n in names if not isinstance(getattr(obj, n), torch.Tensor) or not derived]
    for name, value in items:
        values = value if isinstance(value, (tuple, list)) else [value]
        for v in values:
            if isinstance(v, torch.Tensor) and (derived or id(v) not in seen):
                seen.add(id(v))     # derived tensors are fresh on every access: never shared, never deduplicated
                out[name] = out.get(name, 0) + v.numel() * v.element_size()
            elif is_dataclass(v):
                for k, n in tensor_bytes(v, seen, derived).items():
                    out[k] = out.get(k, 0) + n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=512)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = BertForPreTraining(BERT_BASE).eval()
    ids = torch.randint(1000, 30000, (1, args.tokens))
    with torch.inference_mode():
        trace = model(ids, torch.ones_like(ids), record=True).trace
    sizes = tensor_bytes(trace)
    total = sum(sizes.values())
    recomputed = tensor_bytes(trace, derived=True)     # scores, scaled, masked, FFN activation: stored before
    old_total = total + sum(recomputed.values())
    print(f"bert-base shapes, 1 sentence of {args.tokens} tokens, {BERT_BASE.n_layers} layers × "
          f"{BERT_BASE.n_heads} heads")
    for name, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:<16} {n / 2**20:8.1f} MiB")
    print(f"trace now        {total / 2**20:8.1f} MiB")
    listed = ", ".join(f"{k} {n / 2**20:.0f} MiB" for k, n in recomputed.items())
    print(f"recomputed on demand (stored before): {listed}")
    print(f"trace before     {old_total / 2**20:8.1f} MiB   ratio now / before {total / old_total:.2f}")


if __name__ == "__main__":
    main()
