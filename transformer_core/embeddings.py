"""From token ids to the vectors the first layer reads: token + segment + position.

Attention by itself is blind to order (shuffle the tokens and each output is shuffled the
same way), so every model here adds position information in one of three ways:
- learned (BERT): a trainable vector per position, up to ``max_len``;
- sinusoidal (Vaswani et al.): fixed sines and cosines of geometric wavelengths,
    PE[pos, 2i] = sin(pos / base^(2i/D)),  PE[pos, 2i+1] = cos(pos / base^(2i/D)),
  so that PE[pos + k] is a rotation of PE[pos] — offsets are easy to read off;
- rotary (RoPE, relative): nothing is added here; inside attention q and k are rotated by an
  angle proportional to their position, so the score q·k depends only on the offset between them.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import TransformerConfig
from .dropout import Dropout
from .errors import Phrase
from .inputs import check_ids, check_same_shape
from .trace import EmbeddingTrace


def sinusoidal_table(n_positions: int, d_model: int, base: float = 10000.0) -> Tensor:
    """(n_positions, d_model) fixed sinusoidal encodings; even columns sine, odd columns cosine."""
    pos = torch.arange(n_positions, dtype=torch.float32)[:, None]                 # (P, 1)
    inv_freq = base ** (-torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (D/2,)
    table = torch.zeros(n_positions, d_model)
    table[:, 0::2] = torch.sin(pos * inv_freq)                                     # (P, D/2)
    table[:, 1::2] = torch.cos(pos * inv_freq)
    return table


def rotary_angles(n_positions: int, d_head: int, base: float = 10000.0, device=None) -> tuple[Tensor, Tensor]:
    """(cos, sin), each (T, Dh): the angle pos · θ_i for each pair of dimensions, repeated for both halves."""
    inv_freq = base ** (-torch.arange(0, d_head, 2, dtype=torch.float32, device=device) / d_head)
    angles = torch.arange(n_positions, dtype=torch.float32, device=device)[:, None] * inv_freq  # (T, Dh/2)
    angles = torch.cat([angles, angles], dim=-1)                                   # (T, Dh)
    return angles.cos(), angles.sin()


def apply_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotate each pair (x_i, x_{i+Dh/2}) of x (B, H, T, Dh) by its position's angle."""
    half = x.size(-1) // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)                  # (B, H, T, Dh)
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


class Embeddings(nn.Module):
    """BERT style: LayerNorm(token + segment + position), then dropout.
    Vaswani style (``vaswani=True``): token · √D + sinusoidal position, then dropout; no LayerNorm."""

    def __init__(self, config: TransformerConfig, vocab_size: int | None = None, vaswani: bool = False):
        super().__init__()
        self.config, self.vaswani = config, vaswani
        self.word = nn.Embedding(vocab_size or config.vocab_size, config.d_model)
        use_segments = config.type_vocab_size > 0 and not vaswani
        self.segment = nn.Embedding(config.type_vocab_size, config.d_model) if use_segments else None
        self.position = None
        if config.position == "learned":
            self.position = nn.Embedding(config.max_len, config.d_model)
        elif config.position == "sinusoidal":
            table = sinusoidal_table(config.max_len, config.d_model, config.rope_base)
            self.register_buffer("sinusoid", table, persistent=False)  # fixed: not a weight, not saved
        self.norm = None if vaswani else nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.dropout)

    def _positions(self, t: int, device) -> Tensor | None:
        if self.config.position == "learned":
            return self.position(torch.arange(t, device=device))[None]            # (1, T, D)
        if self.config.position == "sinusoidal":
            return self.sinusoid[None, :t]                                         # (1, T, D)
        return None                                                                # rotary: applied in attention

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None,
                record: bool = False) -> tuple[Tensor, EmbeddingTrace | None]:
        """input_ids, token_type_ids: (B, T) → (B, T, D)."""
        check_ids(input_ids, self.word.num_embeddings, "input_ids",
                  Phrase("was the text tokenized with another model's tokenizer?", "hint_other_tokenizer"))
        self.config.check_length(input_ids.size(1))
        if self.segment is not None:
            check_same_shape(token_type_ids, input_ids, "token_type_ids")
            check_ids(token_type_ids, self.segment.num_embeddings, "token_type_ids",
                      Phrase("segments are 0 for sentence A and 1 for sentence B.", "hint_segments"))
        token = self.word(input_ids)                                               # (B, T, D)
        if self.vaswani:                     # scale so token vectors are not drowned by the ±1 sinusoids
            token = token * math.sqrt(self.config.d_model)
        segment = None
        if self.segment is not None:
            ids = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
            segment = self.segment(ids)                                            # (B, T, D)
        position = self._positions(input_ids.size(1), input_ids.device)
        summed = token
        for part in (segment, position):
            if part is not None:
                summed = summed + part
        out = self.dropout(summed if self.norm is None else self.norm(summed))
        if not record:
            return out, None
        expand = (lambda p: None if p is None else p.expand_as(token).detach())
        return out, EmbeddingTrace(token=token.detach(), segment=expand(segment), position=expand(position),
                                   summed=summed.detach(), output=out.detach())
