"""Candidate speed-ups for transformer_core's training fast path, as patches applied to one model instance.

They exist to *measure* a proposal before anyone edits transformer_core (``train_speed.py --patches``);
none of them changes the library. Each takes a transformer_core BertForPreTraining and patches it in place.
Measured on 2 CPU cores (small config) and not adopted: fused_qkv 0.94–0.98×, no_pad_mask 0.98–0.99×;
no_attn_dropout 1.16× but changes BERT's training recipe. (A cheaper dropout sampler, measured here
first, was adopted: transformer_core/dropout.py.)
"""
from __future__ import annotations

import types

import torch
import torch.nn.functional as F
from torch import nn

from transformer_core.attention import MultiHeadAttention


def _fused_forward(self, x, memory=None, mask=None, head_mask=None, rotary=None, record=False):
    if memory is not None or rotary is not None or record or head_mask is not None:
        return MultiHeadAttention.forward(self, x, memory, mask, head_mask, rotary, record)
    B, T, D = x.shape
    qkv = self.qkv(x).view(B, T, 3, self.n_heads, self.d_head).permute(2, 0, 3, 1, 4)  # (3, B, H, T, Dh)
    p = self.attn_dropout if self.training else 0.0
    ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2],
                                         attn_mask=None if mask is None else mask.to(x.dtype), dropout_p=p)
    return self.out_proj(ctx.transpose(1, 2).reshape(B, T, D)), None


def fused_qkv(model) -> None:
    """One D→3D Linear instead of three D→D ones (weights copied, so the function is unchanged).
    The separate q/k/v Linears stay on the module for record=True and are simply not trained here."""
    for m in model.modules():
        if isinstance(m, MultiHeadAttention):
            m.qkv = nn.Linear(m.q_proj.in_features, 3 * m.q_proj.out_features)
            with torch.no_grad():
                m.qkv.weight.copy_(torch.cat([m.q_proj.weight, m.k_proj.weight, m.v_proj.weight]))
                m.qkv.bias.copy_(torch.cat([m.q_proj.bias, m.k_proj.bias, m.v_proj.bias]))
            m.forward = types.MethodType(_fused_forward, m)


def no_pad_mask(model) -> None:
    """Skip the additive mask when nothing is padded (every attention_mask entry is 1): SDPA gets None."""
    enc = model.bert
    original = enc.forward

    def forward(input_ids, attention_mask=None, token_type_ids=None, head_mask=None, record=False):
        if record:
            return original(input_ids, attention_mask, token_type_ids, head_mask, record)
        from transformer_core.bert import EncoderOutput
        x, _ = enc.embeddings(input_ids, token_type_ids)
        padded = attention_mask is not None and not bool(attention_mask.all())
        mask = None
        if padded:
            from transformer_core.attention import additive_mask, padding_allowed
            mask = additive_mask(padding_allowed(attention_mask))
        for i, layer in enumerate(enc.layers):
            x, _ = layer(x, mask=mask, head_mask=None if head_mask is None else head_mask[i])
        if enc.final_norm is not None:
            x = enc.final_norm(x)
        pooled = torch.tanh(enc.pooler(x[:, 0])) if enc.pooler is not None else None
        return EncoderOutput(last_hidden_state=x, pooler_output=pooled)
    enc.forward = forward


def no_attn_dropout(model) -> None:
    """attn_dropout 0 (hidden dropout stays): lets CPU SDPA take its fused kernel in training too,
    instead of the math fallback that materialises the B×H×T×T weights to drop some of them."""
    for m in model.modules():
        if isinstance(m, MultiHeadAttention):
            m.attn_dropout = 0.0


PATCHES = {f.__name__: f for f in (fused_qkv, no_pad_mask, no_attn_dropout)}


def apply(model, names: list[str]):
    for name in names:
        PATCHES[name](model)
    return model
