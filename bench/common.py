"""Small helpers shared by the benchmark scripts: configs, the HF twin of a config, tables, JSON."""
from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:                      # `python bench/x.py` from the repo root imports the project
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from transformer_core import TransformerConfig  # noqa: E402

RESULTS = ROOT / "bench" / "results"

# The two training configs of the brief (vocab 8000, max_len 128, dropout 0.1 everywhere as in training).
CONFIGS = {
    "small": TransformerConfig(vocab_size=8000, d_model=256, n_layers=4, n_heads=4, d_ff=1024, max_len=128),
    "tiny": TransformerConfig(vocab_size=8000, d_model=128, n_layers=2, n_heads=2, d_ff=512, max_len=128),
}


def hf_config(cfg: TransformerConfig):
    """The transformers.BertConfig with the same shapes, activation, dropout, eps and init."""
    from transformers import BertConfig
    return BertConfig(vocab_size=cfg.vocab_size, hidden_size=cfg.d_model, num_hidden_layers=cfg.n_layers,
                      num_attention_heads=cfg.n_heads, intermediate_size=cfg.d_ff,
                      max_position_embeddings=cfg.max_len, type_vocab_size=cfg.type_vocab_size,
                      hidden_act=cfg.activation, hidden_dropout_prob=cfg.dropout,
                      attention_probs_dropout_prob=cfg.attn_dropout, layer_norm_eps=cfg.layer_norm_eps,
                      initializer_range=cfg.init_std, pad_token_id=cfg.pad_token_id)


def hf_model(cfg: TransformerConfig, attn: str = "sdpa", seed: int = 0):
    from transformers import BertForPreTraining as HFBert
    torch.manual_seed(seed)
    return HFBert._from_config(hf_config(cfg), attn_implementation=attn)


def timed(fn, *args, **kwargs) -> float:
    """Wall time of one call, in seconds (CPU ops are synchronous, so perf_counter is exact)."""
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def median(xs) -> float:
    return statistics.median(xs)


def machine() -> dict:
    return {"torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "processor": platform.processor()}


def table(headers: list[str], rows: list[list], title: str = "") -> str:
    """Plain fixed-width table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in cells[1:]]
    return (f"\n{title}\n" if title else "") + "\n".join(lines)


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path
