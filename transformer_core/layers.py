"""The repeating unit: attention and a feed-forward net, each wrapped in "Add & Norm".

    post-LN (BERT, Vaswani):  x = LayerNorm(x + Sublayer(x))
    pre-LN  (option):         x = x + Sublayer(LayerNorm(x))

The residual "+ x" lets each layer learn a small correction to a stream of vectors that
flows from the embeddings to the output; LayerNorm keeps that stream at a steady scale.
Pre-LN leaves the stream itself un-normalised, which makes deep stacks easier to train
(it then needs one final LayerNorm at the top).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import MultiHeadAttention
from .config import TransformerConfig
from .dropout import Dropout
from .trace import FFNTrace, LayerTrace, NormTrace


def init_weights(module: nn.Module, std: float) -> None:
    """BERT's init, which GPT-2 shares: N(0, std) weights for matrices and embedding tables, zero biases,
    LayerNorm γ = 1 and β = 0. Call it through ``model.apply``."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=std)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def layer_norm(norm: nn.LayerNorm, x: Tensor, record: bool = False) -> tuple[Tensor, NormTrace | None]:
    """LayerNorm(x) = (x − mean) / √(var + eps) · γ + β, statistics over the D features of each token."""
    if not record:
        return norm(x), None
    # The same kernel nn.LayerNorm runs, asked to hand back the statistics it used: mean and 1/√(var + eps).
    out, mean, rstd = torch.native_layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)
    var = rstd.pow(-2) - norm.eps                                    # (B, T, 1)
    return out, NormTrace(input=x.detach(), mean=mean.squeeze(-1).detach(), var=var.squeeze(-1).detach(),
                          output=out.detach())


class FeedForward(nn.Module):
    """FFN(x) = act(x·W₁ + b₁)·W₂ + b₂, applied to every position on its own (same weights for all
    positions, no mixing between tokens — that is attention's job). It is per position, not per head."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.up = nn.Linear(config.d_model, config.d_ff)                 # W₁: D → F
        self.down = nn.Linear(config.d_ff, config.d_model)               # W₂: F → D
        self.act = F.gelu if config.activation == "gelu" else F.relu
        self.activation_name = config.activation

    def forward(self, x: Tensor, record: bool = False) -> tuple[Tensor, FFNTrace | None]:
        pre = self.up(x)                                                 # (B, T, F)
        hidden = self.act(pre)                                           # (B, T, F)
        out = self.down(hidden)                                          # (B, T, D); dropout follows in the
                                                                         # residual, as in BERT and the paper
        if not record:
            return out, None
        return out, FFNTrace(pre_activation=pre.detach(), output=out.detach(), act=self.activation_name)


class TransformerLayer(nn.Module):
    """Encoder layer (self-attention → FFN) or, with ``cross=True``, decoder layer
    (masked self-attention → cross-attention over the encoder's output → FFN)."""

    def __init__(self, config: TransformerConfig, cross: bool = False):
        super().__init__()
        d, eps = config.d_model, config.layer_norm_eps
        self.norm_first = config.norm_first
        self.self_attn = MultiHeadAttention(config)
        self.attn_norm = nn.LayerNorm(d, eps=eps)
        self.cross_attn = MultiHeadAttention(config) if cross else None
        self.cross_norm = nn.LayerNorm(d, eps=eps) if cross else None
        self.ffn = FeedForward(config)
        self.ffn_norm = nn.LayerNorm(d, eps=eps)
        self.dropout = Dropout(config.dropout)

    def _add_norm(self, x: Tensor, norm: nn.LayerNorm, sublayer, record: bool):
        """One residual block. Returns (output, residual sum, norm trace, sublayer trace)."""
        if self.norm_first:                                              # pre-LN: x + f(LN(x))
            h, norm_trace = layer_norm(norm, x, record)
            y, sub_trace = sublayer(h)
            out = residual = x + self.dropout(y)
        else:                                                            # post-LN: LN(x + f(x))
            y, sub_trace = sublayer(x)
            residual = x + self.dropout(y)
            out, norm_trace = layer_norm(norm, residual, record)
        return out, residual, norm_trace, sub_trace

    def forward(self, x: Tensor, mask: Tensor | None = None, memory: Tensor | None = None,
                memory_mask: Tensor | None = None, head_mask: Tensor | None = None,
                rotary=None, record: bool = False) -> tuple[Tensor, LayerTrace | None]:
        """x: (B, T, D) → (B, T, D). ``mask`` for self-attention; ``memory``/``memory_mask`` for cross."""
        h, attn_res, attn_norm, attn = self._add_norm(
            x, self.attn_norm, lambda t: self.self_attn(t, mask=mask, head_mask=head_mask,
                                                        rotary=rotary, record=record), record)
        cross_res = cross_norm = cross = None
        if self.cross_attn is not None:
            h, cross_res, cross_norm, cross = self._add_norm(
                h, self.cross_norm, lambda t: self.cross_attn(t, memory, mask=memory_mask, record=record),
                record)
        out, ffn_res, ffn_norm, ffn = self._add_norm(h, self.ffn_norm, lambda t: self.ffn(t, record), record)
        if not record:
            return out, None
        return out, LayerTrace(
            input=x.detach(), self_attn=attn, attn_residual=attn_res.detach(), attn_norm=attn_norm,
            cross_attn=cross, cross_residual=None if cross_res is None else cross_res.detach(),
            cross_norm=cross_norm, ffn=ffn, ffn_residual=ffn_res.detach(), ffn_norm=ffn_norm,
            output=out.detach())
