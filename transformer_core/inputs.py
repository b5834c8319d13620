"""Checks at the boundary: a wrong input gets a sentence that says what to change, not torch's
'index out of range in self' from three calls deep. Cheap (a min and a max over the ids)."""
from __future__ import annotations

import torch
from torch import Tensor

from .config import ConfigError


def check_ids(ids: Tensor | None, table_size: int, name: str, hint: str) -> None:
    """ids must be a (batch, tokens) tensor of integers in 0 … table_size − 1."""
    if ids is None:
        return
    if ids.dim() != 2:
        raise ConfigError(f"{name} must be a 2-D tensor (batch, tokens); got shape {tuple(ids.shape)}. "
                          f"For one sentence add a batch dimension: ids.unsqueeze(0).", "ids_2d",
                          name=name, shape=tuple(ids.shape))
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise ConfigError(f"{name} must hold integer ids (torch.long), not {ids.dtype}.", "ids_integer",
                          name=name, dtype=ids.dtype)
    if ids.is_meta or ids.numel() == 0:             # shape-only runs (ui/shapes.py) have no values to check
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= table_size:
        bad = high if high >= table_size else low
        raise ConfigError(f"{name} holds {bad}, outside 0…{table_size - 1}: {hint}", "ids_range",
                          name=name, bad=bad, top=table_size - 1, hint=hint)


def check_same_shape(mask: Tensor | None, input_ids: Tensor, name: str) -> None:
    if mask is not None and tuple(mask.shape) != tuple(input_ids.shape):
        raise ConfigError(f"{name} has shape {tuple(mask.shape)} but input_ids has {tuple(input_ids.shape)}: "
                          f"they need one entry per token.", "mask_shape", name=name,
                          shape=tuple(mask.shape), ids_shape=tuple(input_ids.shape))
