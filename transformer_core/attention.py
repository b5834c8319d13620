"""Scaled dot-product attention and multi-head attention.

    Attention(Q, K, V) = softmax(QKᵀ / √d_k + M) · V

Each query asks "which keys look like me?" (the dot products QKᵀ); softmax turns the
answers into weights that sum to 1; the output is the weighted average of the values.
Why divide by √d_k: if q and k have d_k independent entries of variance 1, q·k has variance
d_k. Large scores push softmax into a corner where one weight is ~1 and the gradients of the
rest vanish; dividing by √d_k brings the variance back to 1. M is 0 where attention is
allowed and a very negative number where it is not (padding, or the future in a decoder).

Multi-head attention runs H such attentions side by side on d_model / H dimensions each,
concatenates the H results and mixes them with W_O. The heads are concatenated, not summed,
and the total cost is about that of one full-width head: heads add views, not savings.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import TransformerConfig
from .dropout import dropout as drop
from .embeddings import apply_rotary
from .trace import AttentionTrace


class AttentionSteps(NamedTuple):
    """Each step of the formula, kept for the trace (shapes as in ``attention_steps``)."""
    scores: Tensor    # QKᵀ
    scaled: Tensor    # QKᵀ / √d_k
    masked: Tensor    # + M
    weights: Tensor   # softmax
    context: Tensor   # weights · V


def attention_steps(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, scale: bool = True,
                    dropout: float = 0.0) -> AttentionSteps:
    """softmax(QKᵀ/√d_k + M)·V, written out so every step can be seen.

    q: (..., Tq, Dk), k: (..., Tk, Dk), v: (..., Tk, Dv); mask M broadcasts to (..., Tq, Tk).
    ``scale=False`` shows what goes wrong without √d_k: the softmax saturates.
    """
    scores = q @ k.transpose(-2, -1)                 # (..., Tq, Tk) similarity of every query to every key
    scaled = scores / math.sqrt(q.size(-1)) if scale else scores
    masked = scaled if mask is None else scaled + mask  # very negative where not allowed → weight 0
    weights = masked.softmax(dim=-1)                 # (..., Tq, Tk) each row sums to 1
    if dropout:
        weights = drop(weights, dropout)
    return AttentionSteps(scores, scaled, masked, weights, weights @ v)  # context: (..., Tq, Dv)


def additive_mask(allowed: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """Turn a boolean 'may attend' mask into the additive M of the formula (0 or a very negative number)."""
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill(
        ~allowed, torch.finfo(dtype).min)


def padding_allowed(attention_mask: Tensor) -> Tensor:
    """(B, T) 1 = real token, 0 = [PAD]  →  (B, 1, 1, T) booleans: every query may look at real keys only."""
    return attention_mask.bool()[:, None, None, :]


def causal_allowed(t: int, device=None) -> Tensor:
    """(1, 1, T, T) lower-triangular booleans: position i may look at positions ≤ i, never the future."""
    return torch.ones(t, t, dtype=torch.bool, device=device).tril()[None, None]


class MultiHeadAttention(nn.Module):
    """W_Q, W_K, W_V project the input, H heads attend in parallel, W_O mixes their concatenation.

    Self-attention when ``memory`` is None (queries, keys and values all come from x);
    cross-attention otherwise (queries from the decoder, keys and values from the encoder's memory).
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        d = config.d_model
        self.n_heads, self.d_head = config.n_heads, config.d_head
        self.q_proj, self.k_proj, self.v_proj = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)              # W_O
        self.attn_dropout = config.attn_dropout

    def _split(self, x: Tensor) -> Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, self.d_head).transpose(1, 2)  # (B, H, T, Dh)

    def forward(self, x: Tensor, memory: Tensor | None = None, mask: Tensor | None = None,
                head_mask: Tensor | None = None, rotary: tuple[Tensor, Tensor] | None = None,
                record: bool = False) -> tuple[Tensor, AttentionTrace | None]:
        """x: (B, Tq, D); memory: (B, Tk, D) or None; mask: additive, broadcastable to (B, H, Tq, Tk);
        head_mask: (H,) with 1 = keep, 0 = switch the head off; rotary: (cos, sin) each (T, Dh)."""
        source = x if memory is None else memory
        q = self._split(self.q_proj(x))              # (B, H, Tq, Dh)
        k = self._split(self.k_proj(source))         # (B, H, Tk, Dh)
        v = self._split(self.v_proj(source))         # (B, H, Tk, Dh)
        if rotary is not None:                       # RoPE: rotate q and k by their positions, so q·k
            q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)  # depends only on the offset
        p = self.attn_dropout if self.training else 0.0
        explicit = p > 0 and (record or q.is_cpu)   # with dropout on a CPU the fused kernel falls back to
        steps = None                                 # this same written-out maths anyway
        if record or explicit:
            steps = attention_steps(q, k, v, mask, dropout=p)
        if explicit:
            context = steps.context
        else:                                        # fast path: fused kernel, weights never materialised;
            context = F.scaled_dot_product_attention(  # with record=True the output still comes from
                q, k, v, attn_mask=None if mask is None else mask.to(q.dtype), dropout_p=p)  # here: identical
        if head_mask is not None:                    # switching a head off zeroes its weights, hence its context
            context = context * head_mask.view(1, -1, 1, 1).to(context.dtype)
        B, H, Tq, Dh = context.shape
        concat = context.transpose(1, 2).reshape(B, Tq, H * Dh)  # (B, Tq, D) heads side by side
        out = self.out_proj(concat)                  # (B, Tq, D)
        if not record:
            return out, None
        weights = steps.weights if head_mask is None else steps.weights * head_mask.view(1, -1, 1, 1)
        trace = AttentionTrace(
            q=q.detach(), k=k.detach(), v=v.detach(), weights=weights.detach(),
            context=context.detach(), concat=concat.detach(), output=out.detach(),
            mask=None if mask is None else mask.detach(), scale=1 / math.sqrt(self.d_head))
        return out, trace
