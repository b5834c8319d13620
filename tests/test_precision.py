"""precision="auto": bf16 only where this machine measurably multiplies it faster."""
from __future__ import annotations

import torch

from transformer_core.train import precision as P

CPU = torch.device("cpu")


def test_explicit_choices_are_obeyed():
    assert P.autocast_dtype("bf16", CPU) is torch.bfloat16
    assert P.autocast_dtype("fp32", CPU) is None


def test_auto_without_native_bf16_is_fp32_without_probing(monkeypatch):
    monkeypatch.setattr(P, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(P, "cpu_bf16_speedup", lambda *a: (_ for _ in ()).throw(AssertionError("probed")))
    assert P.autocast_dtype("auto", CPU) is None


def test_auto_follows_the_measured_speedup(monkeypatch):
    monkeypatch.setattr(P, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(P, "cpu_bf16_speedup", lambda *a: 2.0)
    assert P.autocast_dtype("auto", CPU, 384, 1536) is torch.bfloat16
    monkeypatch.setattr(P, "cpu_bf16_speedup", lambda *a: 1.05)        # native but not faster here: fp32
    assert P.autocast_dtype("auto", CPU) is None


def test_probe_is_a_positive_ratio_and_cached():
    first = P.cpu_bf16_speedup(64, 128, 64)
    assert first > 0 and P.cpu_bf16_speedup(64, 128, 64) == first     # once per process and shape
