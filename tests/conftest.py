"""Shared fixtures: small configs and deterministic seeds. All tests run offline on the CPU."""
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# a failing page shows its traceback in tests (ui/st/failsafe.py): AppTest and the browser test then report it,
# where a learner would see a message with an error id
os.environ.setdefault("ATTENTION_LAB_TRACEBACKS", "1")
# no background warm-up after a first page (ui/st/warmup.py): each test pays for what it uses
os.environ.setdefault("ATTENTION_LAB_WARMUP", "0")

from transformer_core import TransformerConfig  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture
def small_config() -> TransformerConfig:
    return TransformerConfig(vocab_size=120, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=24)


@pytest.fixture
def batch():
    """Two sentences, the second padded: ids (2, 12), mask (2, 12), segments (2, 12)."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 120, (2, 12), generator=g)
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[1, 8:] = 0
    ids[1, 8:] = 0
    segments = torch.zeros(2, 12, dtype=torch.long)
    segments[:, 6:] = 1
    return ids, mask, segments


@pytest.fixture
def nothing_shipped(tmp_path, monkeypatch):
    """Hide assets/models (the shipped models are tested in test_shipped_models): for page tests written against
    the random-weight default model or their own injected ones. Use with
    ``pytestmark = pytest.mark.usefixtures("nothing_shipped")``."""
    monkeypatch.setattr("ui.models.MODELS_ROOT", tmp_path / "no-models")
