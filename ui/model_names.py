"""What the learner reads as a model's name, in their language only ("bert-mini-zh · 中文 · 4 层 × 256", not the
card's "4 layers / 4 层"); a folder opened from disk is named by its folder and its config, not just "model".

Pure: a ModelSource (and its config.json, read once per folder) in, a string out.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from transformer_core.checkpoint import read_config
from transformer_core.errors import LabError

from .i18n import Scope, language_name

GENERIC = {"model", "models", "checkpoint", "final", "best", "output", "weights", "snapshot", "pretrained"}
TEXT = Scope("model_names")


@lru_cache(maxsize=256)
def size_of(folder: str | None) -> tuple[int, int]:
    """(layers, width) of the config a folder's model is built from; (0, 0) if unknown or unusable."""
    if not folder:
        return 0, 0
    try:                              # the config the model was built from: checked, whatever else the file holds
        config = read_config(folder)[1]
    except LabError:
        return 0, 0
    return config.n_layers, config.d_model


def folder_name(folder: str) -> str:
    """The folder's name; with its parent when the name alone says nothing ("…/bert-base-chinese/model")."""
    path = Path(folder)
    generic = path.name.lower() in GENERIC or path.name.lower().startswith("checkpoint")
    return f"{path.parent.name}/{path.name}" if generic and path.parent.name else path.name


def base_name(source) -> str:
    if source.origin == "shipped":                # the card's name, without its (two-language) details
        return source.label.split(" · ")[0] if source.label else source.key
    if source.origin == "local" and source.folder:
        return folder_name(source.folder)
    return source.label                      # trained in this session: the name the learner gave it


def short_name(source, lang: str) -> str:
    """The name alone, for a sentence ("bert-mini-zh has no …"); the picker shows ``display_name``."""
    if source.origin == "random":
        return TEXT("random", lang)
    if source.origin == "hf-cache":
        return source.key.removeprefix("hf:")
    return base_name(source)


def display_name(source, lang: str) -> str:
    """The model's name in the learner's language: name · language · layers × width (what is known)."""
    if source.origin == "random":
        return TEXT("random", lang)
    if source.origin == "hf-cache":
        return TEXT("hf_cache", lang, name=source.key.removeprefix("hf:"))
    parts = [base_name(source)]
    if source.lang:
        parts.append(language_name(source.lang, lang))
    layers, width = size_of(source.folder)
    if layers and width:
        parts.append(TEXT("size_one" if layers == 1 else "size", lang, n=layers, d=width))
    return " · ".join(parts)
