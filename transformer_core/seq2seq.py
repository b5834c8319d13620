"""The original encoder-decoder Transformer (Vaswani et al., 2017).

The encoder reads the whole source at once. The decoder writes the target one token at a time:
its self-attention is *masked* (causal) so position t sees only tokens < t+1 of what it has
written, and its cross-attention lets every target position look at every source position —
that is where the alignment between, say, "thirty-two" and "三十二" shows up.
Layers follow ``torch.nn.Transformer``: post-LN, ReLU, and one final LayerNorm on each stack.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from .attention import additive_mask, causal_allowed, padding_allowed
from .config import TransformerConfig
from .embeddings import Embeddings, rotary_angles
from .layers import TransformerLayer, layer_norm
from .trace import ModelTrace, Seq2SeqTrace


@dataclass(frozen=True)
class Seq2SeqOutput:
    loss: Tensor | None              # mean cross-entropy over non-pad target tokens, when labels are given
    logits: Tensor                   # (B, Tt, V_tgt) next-token scores at each target position
    trace: Seq2SeqTrace | None = None


class Seq2SeqTransformer(nn.Module):
    """Encoder (n_layers) + decoder (n_decoder_layers, or n_layers when 0) + a linear generator."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        d, eps = config.d_model, config.layer_norm_eps
        self.src_embed = Embeddings(config, config.vocab_size, vaswani=True)
        self.tgt_embed = Embeddings(config, config.target_vocab_size, vaswani=True)
        self.encoder = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.decoder = nn.ModuleList(TransformerLayer(config, cross=True)
                                     for _ in range(config.n_decoder_layers or config.n_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.generator = nn.Linear(d, config.target_vocab_size)   # decoder vector → next-token scores
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)                        # as in the original paper's code

    def _rotary(self, t: int, device):
        if self.config.position != "rotary":
            return None
        return rotary_angles(t, self.config.d_head, self.config.rope_base, device)

    def source_mask(self, src_ids: Tensor) -> Tensor:
        """(B, 1, 1, Ts) additive mask hiding source padding (used by encoder and cross-attention)."""
        return additive_mask(padding_allowed(src_ids != self.config.pad_token_id))

    def encode(self, src_ids: Tensor, record: bool = False) -> tuple[Tensor, ModelTrace | None]:
        """src_ids (B, Ts) → memory (B, Ts, D)."""
        x, emb = self.src_embed(src_ids, record=record)
        mask, rotary, traces = self.source_mask(src_ids), self._rotary(src_ids.size(1), src_ids.device), []
        for layer in self.encoder:
            x, t = layer(x, mask=mask, rotary=rotary, record=record)
            traces.append(t)
        x, final = layer_norm(self.encoder_norm, x, record)
        return x, (ModelTrace(emb, tuple(traces), final) if record else None)

    def decode(self, tgt_ids: Tensor, memory: Tensor, src_ids: Tensor,
               record: bool = False) -> tuple[Tensor, ModelTrace | None]:
        """tgt_ids (B, Tt) — the prefix written so far, starting with BOS — → logits (B, Tt, V_tgt)."""
        y, emb = self.tgt_embed(tgt_ids, record=record)
        T = tgt_ids.size(1)
        allowed = causal_allowed(T, tgt_ids.device) & padding_allowed(tgt_ids != self.config.pad_token_id)
        mask, memory_mask = additive_mask(allowed), self.source_mask(src_ids)    # (B, 1, Tt, Tt), (B, 1, 1, Ts)
        rotary, traces = self._rotary(T, tgt_ids.device), []
        for layer in self.decoder:
            y, t = layer(y, mask=mask, memory=memory, memory_mask=memory_mask, rotary=rotary, record=record)
            traces.append(t)
        y, final = layer_norm(self.decoder_norm, y, record)
        logits = self.generator(y)                                               # (B, Tt, V_tgt)
        trace = ModelTrace(emb, tuple(traces), final, logits.detach()) if record else None
        return logits, trace

    def forward(self, src_ids: Tensor, tgt_ids: Tensor, labels: Tensor | None = None,
                record: bool = False) -> Seq2SeqOutput:
        """Teacher forcing: tgt_ids is the target shifted right (BOS y1 y2 …), labels is (y1 y2 … EOS),
        padded with pad_token_id, which the loss ignores."""
        memory, enc_trace = self.encode(src_ids, record)
        logits, dec_trace = self.decode(tgt_ids, memory, src_ids, record)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels.reshape(-1),
                                   ignore_index=self.config.pad_token_id)
        trace = Seq2SeqTrace(enc_trace, dec_trace) if record else None
        return Seq2SeqOutput(loss, logits, trace)
