"""GPT: a decoder-only Transformer that reads left to right and predicts the next token.

BERT and GPT are built from the same layer. The difference is the mask and the task:
- BERT (encoder): every token looks at every other one (bidirectional), and it learns to fill in a
  [MASK] from both sides. It cannot write text left to right.
- GPT (decoder): token t looks only at tokens ≤ t (the causal mask, a lower triangle), and it learns
  P(x_{t+1} | x_1 … x_t) at every position at once. Writing text is then a loop: predict, pick, append.

    h_0 = E[x] + P[0:T]                             token + learned position (no segments, no LayerNorm here)
    h_l = h_{l-1} + Attn(LN(h_{l-1}), causal)       pre-LN blocks (GPT-2): the residual stream is never
    h_l = h_l + FFN(LN(h_l))                        normalised in place, so deep stacks train without warm tricks
    logits = LN_f(h_L) · Eᵀ                          the LM head reuses the token table (weight tying)

The layers are the lab's own ``TransformerLayer`` (pre-LN), so ``record=True`` gives the same
``ModelTrace`` the encoder pages read. Weights save in the Hugging Face GPT-2 layout
(``GPT2LMHeadModel`` names; ``GPT2_LAYOUT`` below): a saved folder that uses ``activation="gelu"`` loads in
``transformers`` with identical logits (GPT-2 itself uses the tanh approximation of GELU, "gelu_new").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import additive_mask, causal_allowed, padding_allowed
from .config import TransformerConfig
from .embeddings import Embeddings
from .inputs import check_same_shape
from .layers import TransformerLayer, init_weights, layer_norm
from .trace import ModelTrace

IGNORE = -100   # label value for "no prediction here" (padding), as in torch's cross_entropy


@dataclass(frozen=True)
class CausalLMOutput:
    loss: Tensor | None               # mean cross-entropy of each next token (labels shifted inside), or None
    logits: Tensor                    # (B, T, V) scores for the token *after* each position
    trace: ModelTrace | None = None   # every intermediate, when record=True


class GPTLMHeadModel(nn.Module):
    """Embeddings → N pre-LN decoder layers (causal self-attention, no cross-attention) → LN_f → tied head.

    Build it from a config with ``norm_first=True`` and ``type_vocab_size=0`` (``gpt_config`` does both)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.embeddings.norm = None          # GPT-2 adds token + position and normalises inside each block
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.final_norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)   # GPT-2's ln_f
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        self.lm_head.weight = self.embeddings.word.weight            # tied: reads a token in, writes it out
        for layer in self.layers:            # GPT-2: each residual branch's last matrix scaled by 1/√(2L), so
            for proj in (layer.self_attn.out_proj, layer.ffn.down):   # the stream's variance does not grow
                nn.init.normal_(proj.weight, std=config.init_std / math.sqrt(2 * config.n_layers))  # with depth

    def _init_weights(self, module: nn.Module) -> None:
        init_weights(module, self.config.init_std)

    def causal_mask(self, input_ids: Tensor, attention_mask: Tensor | None) -> Tensor:
        """(B, 1, T, T) additive mask: position i sees positions ≤ i that are not padding."""
        allowed = causal_allowed(input_ids.size(1), input_ids.device)             # (1, 1, T, T)
        if attention_mask is not None:
            check_same_shape(attention_mask, input_ids, "attention_mask")
            allowed = allowed & padding_allowed(attention_mask)                   # (B, 1, T, T)
        return additive_mask(allowed)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, labels: Tensor | None = None,
                head_mask: Tensor | None = None, token_type_ids: Tensor | None = None,
                record: bool = False) -> CausalLMOutput:
        """input_ids (B, T); attention_mask (B, T) 1 = token, 0 = padding (at the end); labels (B, T): usually
        input_ids itself with −100 at padding — the shift by one happens here, as in HF. head_mask (L, H).
        token_type_ids is accepted and ignored (GPT has no segments), so BERT-shaped inputs run unchanged."""
        x, emb_trace = self.embeddings(input_ids, None, record)                   # (B, T, D)
        mask = self.causal_mask(input_ids, attention_mask)
        traces = []
        for i, layer in enumerate(self.layers):
            x, t = layer(x, mask=mask, head_mask=None if head_mask is None else head_mask[i], record=record)
            traces.append(t)
        x, final = layer_norm(self.final_norm, x, record)
        logits = self.lm_head(x)                                                  # (B, T, V)
        loss = None
        if labels is not None:                     # position t predicts token t+1: drop the last score
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)).float(),   # ((B·(T−1)), V)
                                   labels[:, 1:].reshape(-1), ignore_index=IGNORE)
        trace = ModelTrace(emb_trace, tuple(traces), final, logits.detach()) if record else None
        return CausalLMOutput(loss, logits, trace)


def gpt_config(**fields) -> TransformerConfig:
    """A TransformerConfig for a GPT: pre-LN, no segments, learned positions, GPT-2's LayerNorm epsilon."""
    base = {"type_vocab_size": 0, "norm_first": True, "position": "learned", "layer_norm_eps": 1e-5}
    return TransformerConfig(**{**base, **fields})


# ---- the Hugging Face GPT-2 layout ------------------------------------------------------------------
# GPT-2 keeps W_Q, W_K, W_V in one matrix (c_attn) and stores its linear layers as "Conv1D": weight (in, out),
# the transpose of nn.Linear's (out, in). Both are undone here, and nowhere else.
_SAME = (("embeddings.word.weight", "transformer.wte.weight"),
         ("embeddings.position.weight", "transformer.wpe.weight"),
         ("final_norm.weight", "transformer.ln_f.weight"), ("final_norm.bias", "transformer.ln_f.bias"))
_LAYER = (("attn_norm", "ln_1"), ("ffn_norm", "ln_2"))                    # (ours, GPT-2's), weight and bias
_CONV = (("self_attn.out_proj", "attn.c_proj"), ("ffn.up", "mlp.c_fc"), ("ffn.down", "mlp.c_proj"))
_QKV = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")
_SKIPPED = (".attn.bias", ".attn.masked_bias", "lm_head.weight")       # causal-mask buffers; the tied head


def _n_layers(names) -> int:
    found = [int(n.split(".")[1]) for n in names if n.startswith("layers.")] + \
            [int(n.split(".")[2]) for n in names if n.startswith("transformer.h.")]
    return max(found, default=-1) + 1


class GPT2Layout:
    """Our parameter names ↔ ``GPT2LMHeadModel``'s, for ``checkpoint.py`` (via the kind's ``layout``)."""

    @staticmethod
    def to_file(state: dict[str, Tensor]) -> dict[str, Tensor]:
        """Our state_dict → GPT-2's tensors (the tied head is stored once, as wte)."""
        out = {theirs: state[ours] for ours, theirs in _SAME if ours in state}
        for i in range(_n_layers(state)):
            ours, theirs = f"layers.{i}.", f"transformer.h.{i}."
            for a, b in _LAYER:
                for p in ("weight", "bias"):
                    out[f"{theirs}{b}.{p}"] = state[f"{ours}{a}.{p}"]
            for a, b in _CONV:
                out[f"{theirs}{b}.weight"] = state[f"{ours}{a}.weight"].t()               # (in, out)
                out[f"{theirs}{b}.bias"] = state[f"{ours}{a}.bias"]
            out[f"{theirs}attn.c_attn.weight"] = torch.cat([state[f"{ours}{n}.weight"] for n in _QKV]).t()  # (D, 3D)
            out[f"{theirs}attn.c_attn.bias"] = torch.cat([state[f"{ours}{n}.bias"] for n in _QKV])          # (3D,)
        return out

    @staticmethod
    def from_file(weights: dict[str, Tensor]) -> dict[str, Tensor]:
        """GPT-2's tensors → our names. Keys it does not know are passed through, so the loader's key check
        names them; the tied head is filled from wte."""
        weights = {k: v for k, v in weights.items() if not k.endswith(_SKIPPED)}
        out, used = {}, set()
        for ours, theirs in _SAME:
            if theirs in weights:
                out[ours] = weights[theirs]
                used.add(theirs)
        for i in range(_n_layers(weights)):
            ours, theirs = f"layers.{i}.", f"transformer.h.{i}."
            pairs = [(f"{ours}{a}.{p}", f"{theirs}{b}.{p}", False) for a, b in _LAYER for p in ("weight", "bias")]
            pairs += [(f"{ours}{a}.weight", f"{theirs}{b}.weight", True) for a, b in _CONV]
            pairs += [(f"{ours}{a}.bias", f"{theirs}{b}.bias", False) for a, b in _CONV]
            for mine, key, transpose in pairs:
                if key in weights:
                    out[mine] = weights[key].t() if transpose else weights[key]
                    used.add(key)
            qkv_w, qkv_b = f"{theirs}attn.c_attn.weight", f"{theirs}attn.c_attn.bias"
            if qkv_w in weights and qkv_b in weights and weights[qkv_w].dim() == 2:
                for name, w, b in zip(_QKV, weights[qkv_w].t().chunk(3), weights[qkv_b].chunk(3), strict=True):
                    out[f"{ours}{name}.weight"], out[f"{ours}{name}.bias"] = w, b            # (D, D), (D,)
                used.update((qkv_w, qkv_b))
        out.update({k: v for k, v in weights.items() if k not in used})
        if "embeddings.word.weight" in out:
            out["lm_head.weight"] = out["embeddings.word.weight"]
        return {k: v.contiguous() for k, v in out.items()}

    @staticmethod
    def config_json(config: TransformerConfig, architecture: str) -> dict:
        """GPT-2's config.json keys, so ``transformers`` can read the folder; ours in full under "attention_lab"
        (which is what this lab reads back)."""
        return {"architectures": [architecture], "attention_lab": config.to_dict(),
                "model_type": "gpt2", "vocab_size": config.vocab_size, "n_embd": config.d_model,
                "n_layer": config.n_layers, "n_head": config.n_heads, "n_inner": config.d_ff,
                "n_positions": config.max_len, "activation_function": config.activation,
                "layer_norm_epsilon": config.layer_norm_eps, "initializer_range": config.init_std,
                "resid_pdrop": config.dropout, "embd_pdrop": config.dropout, "attn_pdrop": config.attn_dropout,
                "pad_token_id": config.pad_token_id, "tie_word_embeddings": True}


GPT2_LAYOUT = GPT2Layout()
