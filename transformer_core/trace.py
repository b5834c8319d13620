"""Typed records of every intermediate tensor, returned when a forward runs with ``record=True``.

Shapes use B = batch, T = tokens (Tq queries, Tk keys), D = d_model, H = heads,
Dh = d_model / H, F = d_ff, V = vocabulary, L = layers. Every tensor is detached,
so a trace never keeps the autograd graph alive, and ``.numpy()`` hands the UI plain arrays.
Traces are returned, never stored on modules: one cached model can serve many sessions.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import Tensor


def _to_numpy(value):
    if isinstance(value, Tensor):
        return value.detach().float().cpu().numpy()
    if isinstance(value, _Trace):
        return value.numpy()
    if isinstance(value, tuple):
        return tuple(_to_numpy(v) for v in value)
    return value


class _Trace:
    """Shared helper: turn every tensor field, and every derived one, into numpy (recursively)."""

    DERIVED: tuple[str, ...] = ()   # properties computed from the stored fields (kept out of memory)

    def numpy(self) -> dict:
        names = [f.name for f in fields(self)] + list(self.DERIVED)
        return {name: _to_numpy(getattr(self, name)) for name in names}


@dataclass(frozen=True)
class EmbeddingTrace(_Trace):
    token: Tensor            # (B, T, D) word-piece vectors looked up in the embedding table
    segment: Tensor | None   # (B, T, D) sentence A/B vectors; None when the model has no segments
    position: Tensor | None  # (B, T, D) absolute position vectors; None for rotary (positions act inside attention)
    summed: Tensor           # (B, T, D) token + segment + position
    output: Tensor           # (B, T, D) after LayerNorm (BERT) or scaling (Vaswani): what layer 1 receives


@dataclass(frozen=True)
class AttentionTrace(_Trace):
    q: Tensor        # (B, H, Tq, Dh) queries per head (after rotary, when used)
    k: Tensor        # (B, H, Tk, Dh) keys per head
    v: Tensor        # (B, H, Tk, Dh) values per head
    weights: Tensor  # (B, H, Tq, Tk) softmax over keys; each row sums to 1 (0 for a head switched off)
    context: Tensor  # (B, H, Tq, Dh) weights · V: what each head hands on (from the fused kernel; equal to
                     #   weights @ v up to float rounding, so recording leaves outputs bit-identical)
    concat: Tensor   # (B, Tq, D) heads concatenated side by side
    output: Tensor   # (B, Tq, D) concat · W_O: the heads mixed back into one vector
    mask: Tensor | None = None  # additive mask, broadcastable to (B, H, Tq, Tk): 0 = allowed, very negative = not
    scale: float = 1.0          # 1 / √Dh (1.0 when the caller asked for unscaled scores)

    # The steps between Q, K and the weights are kept as recipes, not tensors: a recorded layer then
    # holds one (B, H, T, T) tensor instead of four, and a long trace needs about half the memory
    # (bench/trace_memory.py). Recomputing QKᵀ for one layer takes milliseconds.
    DERIVED = ("scores", "scaled", "masked")

    @property
    def scores(self) -> Tensor:
        """(B, H, Tq, Tk) raw dot products QKᵀ."""
        return self.q @ self.k.transpose(-2, -1)

    @property
    def scaled(self) -> Tensor:
        """(B, H, Tq, Tk) QKᵀ / √Dh."""
        return self.scores * self.scale

    @property
    def masked(self) -> Tensor:
        """(B, H, Tq, Tk) scaled + mask (a very negative number where attention is not allowed)."""
        return self.scaled if self.mask is None else self.scaled + self.mask


@dataclass(frozen=True)
class NormTrace(_Trace):
    input: Tensor    # (B, T, D) what enters LayerNorm
    mean: Tensor     # (B, T) mean over the D features of each token
    var: Tensor      # (B, T) variance over the D features of each token
    output: Tensor   # (B, T, D) (input − mean) / √(var + eps) · γ + β


@dataclass(frozen=True)
class FFNTrace(_Trace):
    pre_activation: Tensor  # (B, T, F) x · W₁ + b₁
    output: Tensor          # (B, T, D) activation · W₂ + b₂
    act: str = "gelu"       # the non-linearity: "gelu" or "relu"

    DERIVED = ("activation",)

    @property
    def activation(self) -> Tensor:
        """(B, T, F) GELU/ReLU of the pre-activation: which "neurons" fire for which token (recomputed:
        one (B, T, F) tensor less per layer)."""
        return F.gelu(self.pre_activation) if self.act == "gelu" else F.relu(self.pre_activation)


@dataclass(frozen=True)
class LayerTrace(_Trace):
    input: Tensor                     # (B, T, D) the residual stream entering the layer
    self_attn: AttentionTrace         # self-attention (causal in a decoder)
    attn_residual: Tensor             # (B, T, D) x + attention(…): the residual sum
    attn_norm: NormTrace              # LayerNorm after (post-LN) or before (pre-LN) self-attention
    cross_attn: AttentionTrace | None  # decoder only: queries from the decoder, keys/values from the encoder
    cross_residual: Tensor | None     # (B, T, D) decoder only
    cross_norm: NormTrace | None      # decoder only
    ffn: FFNTrace                     # the position-wise feed-forward net
    ffn_residual: Tensor              # (B, T, D) x + FFN(…)
    ffn_norm: NormTrace               # LayerNorm after (post-LN) or before (pre-LN) the FFN
    output: Tensor                    # (B, T, D) what the next layer receives


@dataclass(frozen=True)
class ModelTrace(_Trace):
    embeddings: EmbeddingTrace
    layers: tuple[LayerTrace, ...]   # one per layer, bottom to top
    final_norm: NormTrace | None     # pre-LN models (and the encoder-decoder) end with one more LayerNorm
    logits: Tensor | None = None     # (B, T, V) output scores when the model has a head over the vocabulary

    @property
    def attentions(self) -> Tensor:
        """(L, B, H, T, T) self-attention weights of every layer, stacked."""
        return torch.stack([layer.self_attn.weights for layer in self.layers])

    @property
    def cross_attentions(self) -> Tensor | None:
        """(L, B, H, Tq, Tk) decoder cross-attention weights, or None for an encoder."""
        if not self.layers or self.layers[0].cross_attn is None:
            return None
        return torch.stack([layer.cross_attn.weights for layer in self.layers])

    @property
    def hidden_states(self) -> tuple[Tensor, ...]:
        """Embedding output then each layer's output, like HF's ``output_hidden_states``."""
        return (self.embeddings.output,) + tuple(layer.output for layer in self.layers)


@dataclass(frozen=True)
class Seq2SeqTrace(_Trace):
    encoder: ModelTrace   # the source sentence, encoded
    decoder: ModelTrace   # the target prefix; its layers hold masked self-attention and cross-attention


@dataclass(frozen=True)
class DecodeStep(_Trace):
    step: int                          # 0-based index of the position being generated
    beams: Tensor                      # (K, t) token ids of each live prefix before this step (K = 1: greedy)
    beam_scores: Tensor                # (K,) summed log-probabilities of those prefixes
    candidates: Tensor                 # (K, C) the C most likely next tokens for each prefix
    candidate_probs: Tensor            # (K, C) their probabilities
    kept: tuple[tuple[int, int], ...]  # (prefix index, token id) of each extension kept after this step
    kept_scores: Tensor                # (len(kept),) summed log-probabilities of the kept extensions
    finished: tuple[int, ...]          # indices into ``kept`` of extensions that ended with end-of-sequence
    cross_attention: Tensor            # (K, L, H, Ts) where each prefix's newest position looked in the source
