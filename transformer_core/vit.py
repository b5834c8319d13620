"""Vision Transformer (ViT, Dosovitskiy et al. 2020): an image read as a sentence of patches.

    image (B, 1, S, S) → cut into N = (S / P)² square patches of P × P pixels, row by row
    patch vector  x_n = W · flatten(patch_n) + b        (a linear map: the "word embedding" of a patch)
    tokens        [CLS], x_1 … x_N,  + a learned position vector each
    → the same pre-LN encoder layers as everywhere in this lab → LayerNorm → classifier on [CLS]

Nothing in attention knows that the tokens came from a picture: the only hint that patch 5 sits below
patch 1 is what the learned position vectors pick up during training (the vision page shows it).

Weights are named as in Hugging Face's ``ViTForImageClassification`` (``vit.embeddings.patch_embeddings.
projection.weight``, ``vit.encoder.layer.0.attention.attention.query.weight``, …; the table is ``VIT_NAMES``),
so a saved folder loads in ``transformers`` with identical logits. HF computes the patch map as a
Conv2d with stride P; a convolution whose stride equals its kernel is exactly this linear map, so the
weight is kept in the convolution's (D, C, P, P) layout and flattened when used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import TransformerConfig
from .dropout import Dropout
from .errors import ConfigError, DataError
from .layers import TransformerLayer, layer_norm
from .trace import EmbeddingTrace, ModelTrace

CHANNELS = 1    # grey images: one value per pixel (HF's num_channels)


def check_vit_config(config: TransformerConfig) -> None:
    """A ViT needs an image size that its patch size divides, and pre-LN layers (ViT's layout)."""
    size, patch = config.image_size, config.patch_size
    if size < 1 or patch < 1 or size % patch:
        raise ConfigError(f"A Vision Transformer cuts the image into square patches: image_size ({size}) must be "
                          f"a whole multiple of patch_size ({patch}), both at least 1.", "vit_patch_divides",
                          image_size=size, patch_size=patch)
    if not config.norm_first:
        raise ConfigError("A Vision Transformer uses pre-LN layers: set norm_first = true.", "vit_pre_ln")


def patchify(images: Tensor, patch: int) -> Tensor:
    """(B, C, S, S) → (B, N, C·P·P): patches row by row (left to right, top to bottom), each flattened
    channel-first, in the order a Conv2d kernel of shape (C, P, P) reads it."""
    B, C, S, _ = images.shape
    g = S // patch                                                       # patches per side
    x = images.reshape(B, C, g, patch, g, patch)                         # (B, C, gy, P, gx, P)
    return x.permute(0, 2, 4, 1, 3, 5).reshape(B, g * g, C * patch * patch)   # (B, N, C·P·P)


class PatchEmbeddings(nn.Module):
    """patch → vector (W·p + b), [CLS] in front, + learned positions, dropout (no LayerNorm: ViT has none here)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        check_vit_config(config)
        d, p = config.d_model, config.patch_size
        self.patch = p
        self.n_patches = (config.image_size // p) ** 2
        self.projection = nn.Parameter(torch.empty(d, CHANNELS, p, p))   # W: (D, C, P, P), used as (D, C·P·P)
        self.projection_bias = nn.Parameter(torch.zeros(d))              # b: (D,)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))              # the [CLS] vector, learned
        self.position = nn.Parameter(torch.zeros(1, self.n_patches + 1, d))  # one vector per token, [CLS] first
        self.dropout = Dropout(config.dropout)

    def forward(self, images: Tensor, record: bool = False) -> tuple[Tensor, EmbeddingTrace | None]:
        patches = patchify(images, self.patch)                           # (B, N, C·P·P)
        tokens = F.linear(patches, self.projection.flatten(1), self.projection_bias)   # (B, N, D)
        cls = self.cls_token.expand(tokens.size(0), -1, -1)              # (B, 1, D)
        tokens = torch.cat([cls, tokens], dim=1)                         # (B, T = N + 1, D)
        position = self.position.expand(tokens.size(0), -1, -1)          # (B, T, D)
        summed = tokens + position
        out = self.dropout(summed)
        if not record:
            return out, None
        return out, EmbeddingTrace(token=tokens.detach(), segment=None, position=position.detach(),
                                   summed=summed.detach(), output=out.detach())


class ViTModel(nn.Module):
    """Patch embeddings → N pre-LN encoder layers (layers.py, traces included) → final LayerNorm."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embeddings = PatchEmbeddings(config)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.final_norm = nn.LayerNorm(config.d_model, eps=config.layer_norm_eps)

    def forward(self, images: Tensor, head_mask: Tensor | None = None,
                record: bool = False) -> tuple[Tensor, ModelTrace | None]:
        x, emb = self.embeddings(images, record)                         # (B, T, D)
        layer_traces = []
        for i, layer in enumerate(self.layers):
            x, trace = layer(x, head_mask=None if head_mask is None else head_mask[i], record=record)
            layer_traces.append(trace)
        x, norm = layer_norm(self.final_norm, x, record)                 # (B, T, D)
        if not record:
            return x, None
        return x, ModelTrace(embeddings=emb, layers=tuple(layer_traces), final_norm=norm)


@dataclass(frozen=True)
class ImageClassifierOutput:
    loss: Tensor | None                # cross-entropy against labels, when given
    logits: Tensor                     # (B, n_labels)
    last_hidden_state: Tensor          # (B, T, D) after the final LayerNorm; row 0 is [CLS]
    trace: ModelTrace | None = None    # every intermediate, when record=True (trace.logits: None)


class ViTForImageClassification(nn.Module):
    """A ViT with a linear classifier on the final [CLS] vector (HF's layout: no pooler)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.vit = ViTModel(config)
        self.classifier = nn.Linear(config.d_model, config.n_labels)
        self.apply(self._init_weights)
        for p in (self.vit.embeddings.projection, self.vit.embeddings.position, self.vit.embeddings.cls_token):
            nn.init.trunc_normal_(p, std=config.init_std)               # HF ViT: truncated normal

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.trunc_normal_(module.weight, std=self.config.init_std)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def forward(self, pixel_values: Tensor, labels: Tensor | None = None, head_mask: Tensor | None = None,
                record: bool = False) -> ImageClassifierOutput:
        """pixel_values: (B, 1, S, S) or (B, S, S), values as trained (the shipped model: 0 … 1)."""
        images = check_images(pixel_values, self.config)                # (B, 1, S, S)
        hidden, trace = self.vit(images, head_mask=head_mask, record=record)
        logits = self.classifier(hidden[:, 0])                           # (B, n_labels) from [CLS]
        loss = None if labels is None else F.cross_entropy(logits, labels)
        return ImageClassifierOutput(loss=loss, logits=logits, last_hidden_state=hidden, trace=trace)


def check_images(pixel_values: Tensor, config: TransformerConfig) -> Tensor:
    """(B, S, S) or (B, 1, S, S) floats of the model's size → (B, 1, S, S); else a DataError in words."""
    x = pixel_values if pixel_values.dim() != 3 else pixel_values.unsqueeze(1)
    size = config.image_size
    if x.dim() != 4 or tuple(x.shape[1:]) != (CHANNELS, size, size) or not x.is_floating_point():
        shape = tuple(pixel_values.shape)
        raise DataError(f"This model reads grey images of {size} × {size} pixels as floats; got a tensor of "
                        f"shape {shape}.", "vit_image_shape", size=size, shape=shape)
    return x


# ---- weight names: ours ↔ HF ViTForImageClassification --------------------------------------
VIT_NAMES: tuple[tuple[str, str], ...] = (
    ("vit.embeddings.projection", "vit.embeddings.patch_embeddings.projection.weight"),
    ("vit.embeddings.projection_bias", "vit.embeddings.patch_embeddings.projection.bias"),
    ("vit.embeddings.cls_token", "vit.embeddings.cls_token"),
    ("vit.embeddings.position", "vit.embeddings.position_embeddings"),
    ("vit.layers.{i}.attn_norm.{p}", "vit.encoder.layer.{i}.layernorm_before.{p}"),
    ("vit.layers.{i}.self_attn.q_proj.{p}", "vit.encoder.layer.{i}.attention.attention.query.{p}"),
    ("vit.layers.{i}.self_attn.k_proj.{p}", "vit.encoder.layer.{i}.attention.attention.key.{p}"),
    ("vit.layers.{i}.self_attn.v_proj.{p}", "vit.encoder.layer.{i}.attention.attention.value.{p}"),
    ("vit.layers.{i}.self_attn.out_proj.{p}", "vit.encoder.layer.{i}.attention.output.dense.{p}"),
    ("vit.layers.{i}.ffn_norm.{p}", "vit.encoder.layer.{i}.layernorm_after.{p}"),
    ("vit.layers.{i}.ffn.up.{p}", "vit.encoder.layer.{i}.intermediate.dense.{p}"),
    ("vit.layers.{i}.ffn.down.{p}", "vit.encoder.layer.{i}.output.dense.{p}"),
    ("vit.final_norm.{p}", "vit.layernorm.{p}"),
    ("classifier.{p}", "classifier.{p}"),
)


def _pattern(template: str) -> re.Pattern:
    escaped = re.escape(template).replace(r"\{i\}", r"(?P<i>\d+)").replace(r"\{p\}", r"(?P<p>weight|bias)")
    return re.compile(f"^{escaped}$")


_TO_FILE = tuple((_pattern(ours), theirs) for ours, theirs in VIT_NAMES)


def vit_file_name(our_name: str) -> str:
    """``vit.layers.0.ffn.up.weight`` → ``vit.encoder.layer.0.intermediate.dense.weight``."""
    for pattern, theirs in _TO_FILE:
        match = pattern.match(our_name)
        if match:
            return theirs.format(**match.groupdict())
    raise KeyError(f"No Hugging Face ViT name for parameter {our_name!r}: add a row to VIT_NAMES.")


def vit_config_json(config: TransformerConfig, architecture: str) -> dict:
    """config.json that HF's ViTConfig reads (model_type "vit"), with our whole config under "attention_lab"."""
    labels = {str(i): str(i) for i in range(config.n_labels)}
    return {"architectures": [architecture], "model_type": "vit", "hidden_size": config.d_model,
            "num_hidden_layers": config.n_layers, "num_attention_heads": config.n_heads,
            "intermediate_size": config.d_ff, "hidden_act": config.activation,
            "hidden_dropout_prob": config.dropout, "attention_probs_dropout_prob": config.attn_dropout,
            "initializer_range": config.init_std, "layer_norm_eps": config.layer_norm_eps,
            "image_size": config.image_size, "patch_size": config.patch_size, "num_channels": CHANNELS,
            "qkv_bias": True, "id2label": labels, "label2id": {v: int(k) for k, v in labels.items()},
            "attention_lab": config.to_dict()}
