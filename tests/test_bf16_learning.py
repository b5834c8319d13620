"""bf16 autocast learns what fp32 learns: 300 training steps of a tiny BERT on a learnable toy task, loss
curves compared with the noise of changing only the dropout seed (issue 17; the full-size comparison with
HF's fp32 path is ``bench/train_speed.py --loss-check``). Runs on any CPU: where bf16 is not native it is
emulated, slower but the same numbers' rounding."""
from __future__ import annotations

import copy

import torch

from transformer_core import BertForPreTraining, TransformerConfig

STEPS, BATCH, SEQ, PERIOD, MASK_ID, IGNORE = 300, 16, 32, 4, 4, -100
CFG = TransformerConfig(vocab_size=64, d_model=32, n_layers=2, n_heads=2, d_ff=64, max_len=SEQ)


def motif_batches(n: int, g: torch.Generator) -> list[dict]:
    """Each segment repeats a random 4-piece motif, so a masked piece can be copied from 4 places away;
    segment B repeats A's motif (NSP 0 = IsNext) or another one (1)."""
    out = []
    for _ in range(n):
        a, b = (torch.randint(5, CFG.vocab_size, (BATCH, PERIOD), generator=g) for _ in range(2))
        nsp = torch.randint(0, 2, (BATCH,), generator=g)
        b = torch.where(nsp[:, None].bool(), b, a)
        half = SEQ // 2
        ids = torch.cat([a.repeat(1, half // PERIOD), b.repeat(1, half // PERIOD)], 1)   # (B, T)
        chosen = torch.rand(BATCH, SEQ, generator=g) < 0.15
        out.append(dict(input_ids=ids.masked_fill(chosen, MASK_ID), attention_mask=torch.ones_like(ids),
                        token_type_ids=(torch.arange(SEQ) >= half).long().expand(BATCH, SEQ).contiguous(),
                        labels=torch.where(chosen, ids, IGNORE), next_sentence_label=nsp))
    return out


def curve(model, data, bf16: bool, dropout_seed: int) -> list[float]:
    model = copy.deepcopy(model).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    torch.manual_seed(dropout_seed)
    losses = []
    for step in range(STEPS):
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**data[step % len(data)], masked_logits_only=True).loss
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def smooth(xs: list[float], w: int = 20) -> list[float]:
    return [sum(xs[max(0, i - w + 1):i + 1]) / (i + 1 - max(0, i - w + 1)) for i in range(len(xs))]


def mean_gap(a: list[float], b: list[float]) -> float:
    return sum(abs(x - y) for x, y in zip(smooth(a), smooth(b), strict=True)) / len(a)


def test_bf16_and_fp32_loss_curves_agree_within_dropout_noise():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = BertForPreTraining(CFG)
    data = motif_batches(8, torch.Generator().manual_seed(0))
    fp32, bf16, other_seed = curve(model, data, False, 1), curve(model, data, True, 1), curve(model, data, False, 2)
    assert sum(fp32[-20:]) / 20 < fp32[0] - 1.0            # it learns: the toy task is not noise
    noise = mean_gap(fp32, other_seed)
    assert noise > 0.0
    assert mean_gap(fp32, bf16) < noise, (mean_gap(fp32, bf16), noise)
