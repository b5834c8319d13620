"""BERT: a stack of encoder layers (no decoder — BERT is encoder-only) and the heads that train it.

Pretraining has two tasks. Masked LM: hide ~15% of the word pieces and predict them from both
sides at once (that is the "bidirectional" in BERT). Next-sentence prediction: given segments
A and B, was B the real continuation of A? Fine-tuning then swaps the heads for a classifier.
Argument and output names follow HF ``BertForPreTraining`` so HF users feel at home.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import additive_mask, padding_allowed
from .config import TransformerConfig
from .dropout import Dropout
from .embeddings import Embeddings, rotary_angles
from .inputs import check_same_shape
from .layers import TransformerLayer, init_weights, layer_norm
from .trace import ModelTrace

IGNORE = -100   # label value for "no prediction here" (HF and torch's cross_entropy convention)


@dataclass(frozen=True)
class EncoderOutput:
    last_hidden_state: Tensor          # (B, T, D) top layer's vector for each token
    pooler_output: Tensor | None       # (B, D) tanh(W·h_[CLS]), when the model has a pooler
    trace: ModelTrace | None = None    # every intermediate, when record=True


@dataclass(frozen=True)
class PreTrainingOutput:
    loss: Tensor | None                # mlm_loss + nsp_loss (whichever labels were given)
    mlm_loss: Tensor | None
    nsp_loss: Tensor | None
    logits: Tensor                     # (B, T, V) scores over the vocabulary; (N, V) with masked_logits_only
    nsp_logits: Tensor | None          # (B, 2) index 0 = "B follows A" (IsNext), 1 = random (NotNext)
    last_hidden_state: Tensor          # (B, T, D)
    trace: ModelTrace | None = None


@dataclass(frozen=True)
class ClassifierOutput:
    loss: Tensor | None
    logits: Tensor                     # (B, n_labels)
    sentence_vector: Tensor            # (B, D) what the classifier saw: pooled [CLS] or mean over tokens
    last_hidden_state: Tensor
    trace: ModelTrace | None = None


class BertModel(nn.Module):
    """Embeddings → N encoder layers (→ final LayerNorm for pre-LN) → optional [CLS] pooler."""

    def __init__(self, config: TransformerConfig, add_pooler: bool = True):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.final_norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps) if config.norm_first else None
        self.pooler = nn.Linear(config.d_model, config.d_model) if add_pooler else None
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        """BERT's init: N(0, 0.02) weights, zero biases, LayerNorm γ=1 β=0."""
        init_weights(module, self.config.init_std)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, head_mask: Tensor | None = None,
                record: bool = False) -> EncoderOutput:
        """input_ids (B, T); attention_mask (B, T) 1 = token, 0 = [PAD]; head_mask (L, H) 1 = keep."""
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        check_same_shape(attention_mask, input_ids, "attention_mask")
        x, emb_trace = self.embeddings(input_ids, token_type_ids, record)       # (B, T, D)
        mask = additive_mask(padding_allowed(attention_mask))                   # (B, 1, 1, T)
        rotary = None
        if self.config.position == "rotary":
            rotary = rotary_angles(input_ids.size(1), self.config.d_head, self.config.rope_base, x.device)
        layer_traces = []
        for i, layer in enumerate(self.layers):
            x, t = layer(x, mask=mask, head_mask=None if head_mask is None else head_mask[i],
                         rotary=rotary, record=record)
            layer_traces.append(t)
        final_trace = None
        if self.final_norm is not None:
            x, final_trace = layer_norm(self.final_norm, x, record)
        pooled = torch.tanh(self.pooler(x[:, 0])) if self.pooler is not None else None  # (B, D)
        trace = ModelTrace(emb_trace, tuple(layer_traces), final_trace) if record else None
        return EncoderOutput(last_hidden_state=x, pooler_output=pooled, trace=trace)


class MLMHead(nn.Module):
    """h → GELU(W·h + b) → LayerNorm → · Eᵀ + bias. The decoder reuses the word-embedding matrix E
    (weight tying): the vector that *reads* a word in is the one that *writes* it out."""

    def __init__(self, config: TransformerConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.transform = nn.Linear(config.d_model, config.d_model)
        self.norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.d_model, config.vocab_size)
        self.decoder.weight = word_embeddings.weight                            # tied, one tensor
        self.act = F.gelu if config.activation == "gelu" else F.relu
        nn.init.normal_(self.transform.weight, std=config.init_std)             # BERT's init; the tied
        nn.init.zeros_(self.transform.bias)                                     # matrix keeps the
        nn.init.zeros_(self.decoder.bias)                                       # embeddings' init

    def forward(self, h: Tensor) -> Tensor:
        return self.decoder(self.norm(self.act(self.transform(h))))            # (..., V)


def mlm_logits(model, hidden: Tensor, labels: Tensor | None, masked_only: bool) -> Tensor:
    """Vocabulary scores for all positions, or — the fast training path — only where a label exists.
    The vocabulary projection is the most expensive matmul of a small BERT; 85% of it is wasted on
    positions that carry no label."""
    if masked_only and labels is not None:
        return model.mlm(hidden[labels != IGNORE])                               # (N, V)
    return model.mlm(hidden)                                                     # (B, T, V)


def mlm_loss(logits: Tensor, labels: Tensor, masked_only: bool) -> Tensor:
    targets = labels[labels != IGNORE] if masked_only else labels.reshape(-1)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets, ignore_index=IGNORE)


class BertForPreTraining(nn.Module):
    """BERT with both pretraining heads: masked LM and next-sentence prediction."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooler=True)
        self.mlm = MLMHead(config, self.bert.embeddings.word)
        self.nsp = nn.Linear(config.d_model, 2)
        self.nsp.apply(self.bert._init_weights)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, labels: Tensor | None = None,
                next_sentence_label: Tensor | None = None, head_mask: Tensor | None = None,
                masked_logits_only: bool = False, record: bool = False) -> PreTrainingOutput:
        """labels (B, T): the original id at chosen positions, −100 elsewhere; next_sentence_label (B,):
        0 = IsNext, 1 = NotNext. ``masked_logits_only`` returns logits (N, V) for the N labelled tokens."""
        enc = self.bert(input_ids, attention_mask, token_type_ids, head_mask, record)
        masked_only = masked_logits_only and not record
        logits = mlm_logits(self, enc.last_hidden_state, labels, masked_only)
        nsp_logits = self.nsp(enc.pooler_output)                                 # (B, 2)
        lm = mlm_loss(logits, labels, masked_only) if labels is not None else None
        ns = nsp_loss(nsp_logits, next_sentence_label) if next_sentence_label is not None else None
        parts = [p for p in (lm, ns) if p is not None]
        trace = _with_logits(enc.trace, logits)
        return PreTrainingOutput(sum(parts) if parts else None, lm, ns, logits, nsp_logits,
                                 enc.last_hidden_state, trace)


def nsp_loss(nsp_logits: Tensor, labels: Tensor) -> Tensor:
    """Cross-entropy over the rows that have an NSP label (−100 = a lone sentence, masked LM only).
    A batch with no labelled row gives 0 (still part of the graph), not cross_entropy's NaN (0 / 0)."""
    labelled = labels != -100                                                    # (B,)
    if not labelled.any():
        return nsp_logits.float().sum() * 0.0
    return F.cross_entropy(nsp_logits.float()[labelled], labels[labelled])


class BertForMaskedLM(nn.Module):
    """BERT with the masked-LM head only (HF ``BertForMaskedLM``: no pooler, no NSP)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooler=False)
        self.mlm = MLMHead(config, self.bert.embeddings.word)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, labels: Tensor | None = None,
                head_mask: Tensor | None = None, masked_logits_only: bool = False,
                record: bool = False) -> PreTrainingOutput:
        enc = self.bert(input_ids, attention_mask, token_type_ids, head_mask, record)
        masked_only = masked_logits_only and not record
        logits = mlm_logits(self, enc.last_hidden_state, labels, masked_only)
        lm = mlm_loss(logits, labels, masked_only) if labels is not None else None
        return PreTrainingOutput(lm, lm, None, logits, None, enc.last_hidden_state, _with_logits(enc.trace, logits))


class BertForSequenceClassification(nn.Module):
    """BERT + a linear classifier on one sentence vector: the pooled [CLS] (``pooling="cls"``)
    or the average of the token vectors, padding excluded (``pooling="mean"``)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooler=config.pooling == "cls")
        self.dropout = Dropout(config.dropout)
        self.classifier = nn.Linear(config.d_model, config.n_labels)
        self.classifier.apply(self.bert._init_weights)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                token_type_ids: Tensor | None = None, labels: Tensor | None = None,
                head_mask: Tensor | None = None, record: bool = False) -> ClassifierOutput:
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        enc = self.bert(input_ids, attention_mask, token_type_ids, head_mask, record)
        if self.config.pooling == "cls":
            vector = enc.pooler_output                                           # (B, D)
        else:
            keep = attention_mask[..., None].to(enc.last_hidden_state.dtype)     # (B, T, 1)
            vector = (enc.last_hidden_state * keep).sum(1) / keep.sum(1).clamp(min=1)  # (B, D)
        logits = self.classifier(self.dropout(vector))                           # (B, n_labels)
        loss = F.cross_entropy(logits.float(), labels) if labels is not None else None
        return ClassifierOutput(loss, logits, vector, enc.last_hidden_state, _with_logits(enc.trace, logits))


def _with_logits(trace: ModelTrace | None, logits: Tensor) -> ModelTrace | None:
    if trace is None:
        return None
    return ModelTrace(trace.embeddings, trace.layers, trace.final_norm, logits.detach())
