"""A speech Transformer for keyword spotting: which digit was said?

Frames are tokens. The log-mel window (frames × n_mels, mel.py) is cut into patches of ``patch`` frames
(40 ms each); each patch, flattened, goes through one linear map to a d_model vector — the speech version
of looking a word up in the embedding table. Then as in BERT: a [CLS] vector in front, learned positions
added, LayerNorm, the same encoder layers (layers.TransformerLayer), and a classifier on [CLS]'s output.

    (B, frames, n_mels) → patches (B, T, patch·n_mels) → tokens (B, 1 + T, D) → encoder → [CLS] → (B, 10)

``record=True`` returns the same typed trace as BERT (trace.ModelTrace): the pages read attention over time
frames exactly as they read attention over words.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import TransformerConfig
from .dropout import Dropout
from .errors import CheckpointError, ConfigError
from .layers import TransformerLayer, layer_norm
from .mel import FEATURES, Features
from .trace import EmbeddingTrace, ModelTrace

FEATURES_FILE = "features.json"   # beside config.json: the front end the model was trained on


@dataclass(frozen=True)
class SpeechOutput:
    loss: Tensor | None              # cross-entropy against labels, when given
    logits: Tensor                   # (B, n_labels) class scores from [CLS]
    trace: ModelTrace | None = None  # every intermediate, with record=True


def speech_config(d_model: int = 64, n_layers: int = 3, n_heads: int = 4, d_ff: int = 128, dropout: float = 0.1,
                  features: Features = FEATURES, n_labels: int = 10) -> TransformerConfig:
    """A TransformerConfig for frames: no word vocabulary (vocab_size 1, unused), no segments, positions for
    [CLS] + every patch."""
    return TransformerConfig(vocab_size=1, d_model=d_model, n_layers=n_layers, n_heads=n_heads, d_ff=d_ff,
                             max_len=features.tokens + 1, type_vocab_size=0, dropout=dropout,
                             attn_dropout=dropout, n_labels=n_labels)


class SpeechTransformer(nn.Module):
    def __init__(self, config: TransformerConfig, features: Features = FEATURES):
        super().__init__()
        self.config, self.features = config, features
        d = config.d_model
        self.patch_proj = nn.Linear(features.patch * features.n_mels, d)    # a patch of frames → one token
        self.cls = nn.Parameter(torch.zeros(1, 1, d))                       # the [CLS] token's vector
        self.position = nn.Embedding(config.max_len, d)                     # learned, as in BERT
        self.norm = nn.LayerNorm(d, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.dropout)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.n_layers))
        self.final_norm = nn.LayerNorm(d, eps=config.layer_norm_eps) if config.norm_first else None
        self.classifier = nn.Linear(d, config.n_labels)                     # [CLS]'s output → class scores
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=config.init_std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)
        nn.init.normal_(self.cls, std=config.init_std)

    def patches(self, mel: Tensor) -> Tensor:
        """(B, frames, n_mels) → (B, T, patch · n_mels): consecutive frames side by side, T = frames / patch."""
        f = self.features
        if mel.dim() != 3 or tuple(mel.shape[1:]) != (f.frames, f.n_mels):
            raise ConfigError(f"The speech model reads (batch, {f.frames}, {f.n_mels}) log-mel windows, got "
                              f"{tuple(mel.shape)}.", "speech_shape", frames=f.frames, n_mels=f.n_mels,
                              shape=tuple(mel.shape))
        B = mel.size(0)
        return mel[:, :f.tokens * f.patch].reshape(B, f.tokens, f.patch * f.n_mels)   # (B, T, P·M)

    def embed(self, mel: Tensor, record: bool = False) -> tuple[Tensor, EmbeddingTrace | None]:
        """(B, frames, n_mels) → (B, 1 + T, D): LayerNorm([CLS]; patches · W + b) + positions), then dropout."""
        tokens = self.patch_proj(self.patches(mel))                               # (B, T, D)
        tokens = torch.cat([self.cls.expand(tokens.size(0), -1, -1), tokens], 1)  # (B, 1 + T, D)
        position = self.position(torch.arange(tokens.size(1), device=mel.device))[None]   # (1, 1 + T, D)
        summed = tokens + position
        out = self.dropout(self.norm(summed))
        if not record:
            return out, None
        return out, EmbeddingTrace(token=tokens.detach(), segment=None, position=position.expand_as(tokens).detach(),
                                   summed=summed.detach(), output=out.detach())

    def forward(self, mel: Tensor, labels: Tensor | None = None, record: bool = False) -> SpeechOutput:
        x, emb = self.embed(mel, record)
        traces = []
        for layer in self.layers:                                                 # no mask: no padding tokens
            x, trace = layer(x, record=record)                                    # (B, 1 + T, D)
            traces.append(trace)
        final = None
        if self.final_norm is not None:
            x, final = layer_norm(self.final_norm, x, record)
        logits = self.classifier(x[:, 0])                                         # (B, n_labels) from [CLS]
        loss = None if labels is None else F.cross_entropy(logits.float(), labels)
        trace = ModelTrace(emb, tuple(traces), final, logits.detach()[:, None]) if record else None
        return SpeechOutput(loss, logits, trace)


def save_features(folder, features: Features) -> None:
    (Path(folder) / FEATURES_FILE).write_text(json.dumps(features.to_dict(), indent=1), encoding="utf-8")


def load_speech(folder) -> tuple[SpeechTransformer, Features]:
    """A saved speech model → (model in eval mode, its front end). The lab has one front end (mel.Features()):
    a folder trained on another is refused by name instead of giving nonsense."""
    from .checkpoint import load_pretrained  # checkpoint imports kinds, which imports us
    from .model_folder import read_json
    folder = Path(folder)
    path = folder / FEATURES_FILE
    if not path.is_file():
        raise CheckpointError(f"{folder} has no {FEATURES_FILE}: it is not a speech model folder.",
                              "speech_no_features", folder=folder, name=FEATURES_FILE)
    stored = read_json(path)
    if stored != Features().to_dict():
        raise CheckpointError(f"{path} describes another front end than this lab's.",
                              "speech_features_differ", path=path)
    model, _ = load_pretrained(folder, model_class="SpeechTransformer")
    return model, Features()
