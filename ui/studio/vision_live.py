"""The "Train a Vision Transformer, live" page's logic: settings → a validated TrainConfig (the core's
``vision`` task), where [CLS] looks on a few test digits at every checkpoint, per-digit results, and the
shipped vit-digits to compare with.

Pure functions, no Streamlit (tests/test_studio_vision.py). Strings: the ``[train_vision]`` catalog section.

Why [CLS]'s attention: the answer is read from the [CLS] token alone, so the patches [CLS] attends to are
where the model gathers its evidence. At step 0 (random weights) it is spread evenly over the digit; as the
model learns, it gathers on the strokes that tell one digit from another.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.data.digits import SIDE, split
from transformer_core.model_folder import side_json
from transformer_core.train.config import TrainConfig
from transformer_core.train.metrics import dense_confusion
from transformer_core.train.vision import vision_model_config, vision_problems
from transformer_core.vit import ViTForImageClassification
from ui import colors
from ui.models import MODELS_ROOT
from ui.vision_view import overlay, square, to_pixels

from ..i18n import TERMS, Scope, error_text

TEXT = Scope("train_vision", shared={"steps": "glossary.steps", "batch_size": "glossary.batch_size"})
PATCHES = (2, 4, 8)                  # patch sides offered: 16, 4 or 1 patch(es) of an 8 × 8 digit
HEADS = (1, 2, 4)
LRS = (3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2)
LIMITS = {"layers": (1, 4), "d_model": (16, 128), "steps": (50, 5000), "batch_size": (8, 256)}
CHECKPOINTS = 12                     # frames of the attention time-lapse, besides step 0
PROBE_DIGITS = (0, 3, 4, 7, 8)       # the first test image of each: the digits whose attention is watched
#                                      (not the first 2: an odd one, which even the shipped model gets at only 46%)
SHIPPED = "vit-digits"
MEAN = -1                            # the head picker's "mean of the heads"


@dataclass(frozen=True)
class Settings:
    """What the learner chose. The defaults were measured (1 thread, a 2-core machine under load 3–4): 62%
    held-out after 125 steps (3 s), 81% after 375, 93% after 1,000, 94.2% after 1,500 (55 s; 64 s in the app).
    Dropout is off: in runs this short it only slowed learning (95% either way after 2,000 steps, but 57%
    instead of 66% after 250)."""
    patch: int = 2
    layers: int = 2
    heads: int = 4
    d_model: int = 64
    steps: int = 1500
    batch_size: int = 64
    lr: float = 3e-3
    device: str = "cpu"
    seed: int = 0


DEFAULTS = asdict(Settings())


def model_fields(settings: Settings) -> dict:
    return {"patch_size": settings.patch, "n_layers": settings.layers, "n_heads": settings.heads,
            "d_model": settings.d_model, "d_ff": 2 * settings.d_model, "dropout": 0.0}


def validate(settings: Settings, lang: str = "en", devices=("cpu",)) -> list[str]:
    """Every problem with the settings in the learner's language (the core's keyed errors); empty = fine."""
    problems = [] if settings.device in devices else [TEXT("device_unknown", lang, value=settings.device)]
    return problems + [error_text(err, lang) for err in vision_problems(model_fields(settings), settings.batch_size)]


def train_config(settings: Settings) -> TrainConfig:
    """The TrainConfig of a run (validate first): cosine decay, every test image held out."""
    _, test = test_split()
    return TrainConfig(task="vision", model=model_fields(settings), steps=settings.steps,
                       batch_size=settings.batch_size, lr=settings.lr, decay="cosine", weight_decay=0.05,
                       eval_batches=math.ceil(len(test.labels) / settings.batch_size), device=settings.device,
                       seed=settings.seed)


def parameter_count(settings: Settings) -> int:
    """Parameters of the ViT these settings build, counted on PyTorch's "meta" device (shapes, no memory)."""
    config = vision_model_config(train_config(settings))      # reads the digits: not on the meta device
    with torch.device("meta"):
        model = ViTForImageClassification(config)
        return sum(p.numel() for p in model.parameters())


def tokens(patch: int) -> int:
    """Patches per image (+ [CLS] makes the sequence)."""
    return (SIDE // patch) ** 2


@lru_cache(maxsize=1)
def test_split():
    return split()


@lru_cache(maxsize=1)
def probe_images() -> tuple[torch.Tensor, list[int]]:
    """(K, 1, 8, 8) the first test image of each PROBE_DIGITS digit, and the digits."""
    _, test = test_split()
    rows = [int((test.labels == d).nonzero()[0]) for d in PROBE_DIGITS]
    return test.images[rows], [int(test.labels[r]) for r in rows]


# ── capture: where [CLS] looks at one checkpoint ───────────────────────────────────────────────

@torch.no_grad()
def capture(model, parts=None) -> dict:
    """[CLS]'s attention to the patches of the probe digits in every layer and head, eval mode (no dropout):
    {"cls": (K, L, H, N), "probs": (K, 10), "images": (K, 8, 8), "digits": [K], "patch": P}."""
    images, digits = probe_images()
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = model(images.to(device), record=True)
    finally:
        model.train(was_training)
    cls = out.trace.attentions[:, :, :, 0, 1:]                         # (L, K, H, N): row 0 = [CLS], patches only
    return {"cls": cls.permute(1, 0, 2, 3).float().cpu().numpy(), "probs": out.logits.softmax(-1).float().cpu().numpy(),
            "images": images[:, 0].numpy(), "digits": digits, "patch": model.config.patch_size}


def cls_maps(frame: dict, layer: int, head: int) -> np.ndarray:
    """(K, N) [CLS] → patch weights of one layer and head (MEAN: averaged over the heads)."""
    cls = frame["cls"][:, layer]                                        # (K, H, N)
    return cls.mean(axis=1) if head == MEAN else cls[:, head]


def attention_figure(frame: dict, step: int, layer: int, head: int, lang: str = "en") -> go.Figure:
    """One panel per probe digit: where [CLS] looks (sequential scale), the digit's outline over it, and the
    model's answer in the title."""
    maps, probs, K = cls_maps(frame, layer, head), frame["probs"], len(frame["digits"])
    guesses = probs.argmax(-1)
    titles = [TEXT("probe_title", lang, digit=d, guess=int(g), p=f"{probs[k, g]:.0%}")
              for k, (d, g) in enumerate(zip(frame["digits"], guesses, strict=True))]
    fig = make_subplots(rows=1, cols=K, subplot_titles=titles, horizontal_spacing=0.02)
    zmax = float(maps.max()) or 1.0
    hover = TEXT("hover", lang)
    for k in range(K):
        overlay(fig, frame["images"][k], to_pixels(maps[k], frame["patch"]), zmax, row=1, col=k + 1,
                 coloraxis="coloraxis", hover=hover)
        square(fig, 1, k + 1)
    which = TEXT("mean_heads", lang) if head == MEAN else f"{TERMS('head', lang)} {head + 1}"
    fig.update_layout(coloraxis=dict(colorscale=colors.positive(zmax)["colorscale"], cmin=0, cmax=zmax),
                      height=290, margin=dict(l=10, r=10, t=80, b=10), showlegend=False,
                      title=TEXT("attention_title", lang, step=step, layer=TERMS("layer", lang), l=layer + 1,
                                 head=which))
    fig.update_xaxes(ticks="")
    fig.update_yaxes(ticks="")
    fig.update_annotations(font_size=12)
    return fig


def spread(frame: dict, layer: int) -> float:
    """How focused [CLS] is, as the share of patches it effectively reads: exp(entropy) / N, averaged over the
    probe digits and heads (1 = spread evenly over every patch; 1 / N = a single patch)."""
    cls = frame["cls"][:, layer].astype(float)                          # (K, H, N)
    weights = cls / np.maximum(cls.sum(-1, keepdims=True), 1e-12)       # [CLS]'s own weight left out
    entropy = -(weights * np.log(np.maximum(weights, 1e-12))).sum(-1)   # (K, H)
    return float(np.exp(entropy).mean() / cls.shape[-1])


# ── results ──────────────────────────────────────────────────────────────────────────────────

def confusion(evaluation: dict) -> np.ndarray:
    """(10, 10) counts, rows = true digit, from an evaluation's non-zero cells."""
    return np.asarray(dense_confusion(evaluation.get("confusion", []), 10))


def per_digit(matrix: np.ndarray) -> np.ndarray:
    """(10,) share of each digit's test images answered right."""
    rows = matrix.sum(axis=1)
    return np.divide(np.diag(matrix), rows, out=np.zeros(len(rows)), where=rows > 0)


def weakest(matrix: np.ndarray, n: int = 3) -> list[tuple[int, float]]:
    """The n digits the model gets right least often: [(digit, share)]."""
    shares = per_digit(matrix)
    return [(int(d), float(shares[d])) for d in np.argsort(shares, kind="stable")[:n]]


@dataclass(frozen=True)
class Shipped:
    accuracy: float            # held-out accuracy of the shipped weights (evaluation.json)
    images: int
    patch: int
    layers: int
    heads: int
    d_model: int
    steps: int                 # its training steps (training_log.json)


def shipped(root=MODELS_ROOT) -> Shipped | None:
    """The shipped vit-digits as measured in its own files; None when it is not installed."""
    folder = root / SHIPPED
    evaluation, config, log = (side_json(folder, name) for name in
                               ("evaluation.json", "config.json", "training_log.json"))
    result = evaluation.get("fp16") or evaluation.get("fp32")
    try:
        return Shipped(float(result["accuracy"]), int(result["images"]), int(config["patch_size"]),
                       int(config["num_hidden_layers"]), int(config["num_attention_heads"]),
                       int(config["hidden_size"]), int(log.get("steps", 0)))
    except (KeyError, TypeError, ValueError):
        return None


def comparison(mine: float, steps: int, ours: Shipped, lang: str = "en") -> str:
    """One sentence: this run's held-out accuracy beside the shipped model's, and what differs."""
    key = "compare_above" if mine >= ours.accuracy else "compare_below"
    return TEXT(key, lang, mine=f"{mine:.1%}", steps=f"{steps:,}", theirs=f"{ours.accuracy:.1%}",
                their_steps=f"{ours.steps:,}", patch=ours.patch, layers=ours.layers, heads=ours.heads,
                d=ours.d_model)

