"""int8 storage for shipped weights: each row of a large matrix as 8-bit integers times one fp16 scale.

    w ≈ q · s,   q = round(w / s) ∈ [−127, 127],   s = max|w_row| / 127      (one s per row)

Symmetric per-row quantization keeps every row's largest value exact and the rest within s/2, which for
BERT's embedding and projection matrices changes held-out masked-token accuracy by well under a point
(measured per model in its card) and halves the fp16 file. It is a *storage* format only: loading turns
the numbers back into floats, so the maths on every page is unchanged. A folder stored this way is not
readable by Hugging Face ``from_pretrained`` directly; ``save_pretrained`` of the loaded model writes a
plain one.
"""
from __future__ import annotations

import torch

SCALE = ".int8_scale"          # the key of a matrix's row scales: "<matrix key>.int8_scale"
MIN_NUMEL = 65_536             # smaller tensors (biases, LayerNorm, small matrices) stay fp16


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(R, C) float → (R, C) int8 and (R, 1) fp16 scales."""
    w = weight.float()
    scale = (w.abs().amax(dim=1, keepdim=True) / 127).clamp(min=1e-12)     # (R, 1)
    scale = scale.to(torch.float16).float()                                 # the scale as it will be stored
    q = (w / scale).round().clamp(-127, 127).to(torch.int8)                 # (R, C)
    return q, scale.to(torch.float16)


def pack(tensors: dict[str, torch.Tensor], dtype=torch.float16) -> dict[str, torch.Tensor]:
    """Large 2-D float tensors → int8 + scales; everything else → ``dtype``."""
    packed = {}
    for key, t in tensors.items():
        if t.is_floating_point() and t.dim() == 2 and t.numel() >= MIN_NUMEL:
            packed[key], packed[key + SCALE] = quantize_rows(t)
        else:
            packed[key] = t.to(dtype) if t.is_floating_point() else t
    return packed


def unpack(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inverse of ``pack`` (up to rounding): int8 matrices with a scale become float32 again."""
    out = {}
    for key, t in tensors.items():
        if key.endswith(SCALE):
            continue
        scale = tensors.get(key + SCALE)
        out[key] = t.float() * scale.float() if scale is not None else t
    return out
