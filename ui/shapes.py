"""Live tensor shapes, read from a real forward pass instead of being written down by hand.

The model is built and run on PyTorch's *meta* device: every op computes its output shape (and
checks its inputs) but no memory is allocated and no arithmetic is done. So the shapes come from
the very code that trains the model — a wrong reshape in ``transformer_core`` would show up here —
yet BERT-Large with a batch of 64 × 512 tokens is as cheap as the tiny preset.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from transformer_core import BertForPreTraining, TransformerConfig

from .i18n import ARCH


class ShapeStep(NamedTuple):
    stage: str                 # what the tensor is, in the reader's language
    shape: tuple[int, ...]     # its measured shape
    note: str                  # the shape in symbols (B, T, D …) and what happened to get there


def build_meta_model(config: TransformerConfig) -> BertForPreTraining:
    """``BertForPreTraining(config)`` with shapes but no storage: instant, and safe to share read-only."""
    with torch.device("meta"):
        return BertForPreTraining(config).eval()


def model_parameter_count(model: torch.nn.Module) -> int:
    """What PyTorch itself counts; a tied tensor appears once in ``parameters()``."""
    return sum(p.numel() for p in model.parameters())


def trace_shapes(model: BertForPreTraining, batch: int, seq_len: int) -> dict[str, tuple[int, ...]]:
    """Run one recorded forward on (batch, seq_len) ids and collect the shapes of its trace.

    Raises ``ConfigError`` (e.g. seq_len > max_len) exactly as a real input would.
    """
    device = next(model.parameters()).device
    ids = torch.zeros((batch, seq_len), dtype=torch.long, device=device)
    with torch.no_grad():
        out = model(ids, attention_mask=torch.ones_like(ids), record=True)
    emb, layer = out.trace.embeddings, out.trace.layers[0]
    attn = layer.self_attn
    tensors = {"input": ids, "token": emb.token, "embed": emb.output, "qkv": attn.q,
               "scores": attn.scores, "context": attn.context, "concat": attn.concat,
               "attn_out": layer.attn_residual, "ffn": layer.ffn.activation, "layer_out": layer.output,
               "mlm": out.trace.logits, "nsp": out.nsp_logits}
    return {name: tuple(tensor.shape) for name, tensor in tensors.items()}


def shape_flow(config: TransformerConfig, batch: int, seq_len: int, lang: str = "en",
               model: BertForPreTraining | None = None) -> list[ShapeStep]:
    """(stage, shape, note) for each step of the forward pass, in order.

    Pass ``model`` (built by ``build_meta_model(config)``) to reuse a cached one.
    """
    shapes = trace_shapes(model or build_meta_model(config), batch, seq_len)
    return [ShapeStep(ARCH(f"stage_{name}", lang), shape, ARCH(f"note_{name}", lang, n=config.n_layers))
            for name, shape in shapes.items()]


def format_shape(shape: tuple[int, ...]) -> str:
    """(2, 12, 16, 64) → '2 × 12 × 16 × 64', the way shapes are written in papers."""
    return " × ".join(str(n) for n in shape)
