"""Attention, masks, heads and position encodings: properties a sceptical student would check."""
import math

import pytest
import torch

from transformer_core import (
    MultiHeadAttention,
    TransformerConfig,
    additive_mask,
    apply_rotary,
    attention_steps,
    causal_allowed,
    padding_allowed,
    rotary_angles,
    sinusoidal_table,
)


def test_rows_sum_to_one_and_padding_gets_zero_weight():
    q, k, v = torch.randn(3, 2, 5, 8), torch.randn(3, 2, 5, 8), torch.randn(3, 2, 5, 8)
    pad = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    weights = attention_steps(q, k, v, additive_mask(padding_allowed(pad))).weights
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, 5), atol=1e-6)
    assert weights[1, :, :, 3:].abs().max() == 0
    assert weights[2, :, :, 1:].abs().max() == 0


def test_causal_mask_blocks_the_future():
    q = k = v = torch.randn(1, 1, 6, 4)
    weights = attention_steps(q, k, v, additive_mask(causal_allowed(6))).weights
    assert torch.equal(weights.triu(1), torch.zeros_like(weights))
    # changing a later token never changes an earlier output
    v2 = v.clone()
    v2[..., 4:, :] += 1.0
    out1 = attention_steps(q, k, v, additive_mask(causal_allowed(6))).context
    out2 = attention_steps(q, k, v2, additive_mask(causal_allowed(6))).context
    assert torch.allclose(out1[..., :4, :], out2[..., :4, :])


def test_formula_written_out():
    q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 3)
    steps = attention_steps(q, k, v)
    context, weights, scores = steps.context, steps.weights, steps.scores
    expected = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(8), -1)
    assert torch.allclose(weights, expected, atol=1e-6)
    assert torch.allclose(scores, q @ k.transpose(1, 2))
    assert torch.allclose(context, expected @ v, atol=1e-6)


def test_without_scaling_softmax_saturates():
    torch.manual_seed(0)
    q, k = torch.randn(1, 16, 512), torch.randn(1, 16, 512)
    scaled = attention_steps(q, k, k).weights
    unscaled = attention_steps(q, k, k, scale=False).weights
    assert unscaled.max(-1).values.mean() > 0.8 > 0.4 > scaled.max(-1).values.mean()


def test_matches_torch_multihead_attention():
    d, h = 32, 4
    config = TransformerConfig(vocab_size=10, d_model=d, n_heads=h, n_layers=1, d_ff=8, attn_dropout=0.0)
    ours, ref = MultiHeadAttention(config).eval(), torch.nn.MultiheadAttention(d, h, batch_first=True).eval()
    wq, wk, wv = ref.in_proj_weight.chunk(3)
    bq, bk, bv = ref.in_proj_bias.chunk(3)
    with torch.no_grad():
        for lin, w, b in ((ours.q_proj, wq, bq), (ours.k_proj, wk, bk), (ours.v_proj, wv, bv),
                          (ours.out_proj, ref.out_proj.weight, ref.out_proj.bias)):
            lin.weight.copy_(w)
            lin.bias.copy_(b)
    x, memory = torch.randn(2, 5, d), torch.randn(2, 7, d)
    pad = torch.tensor([[1] * 7, [1] * 4 + [0] * 3])
    expected, expected_w = ref(x, memory, memory, key_padding_mask=~pad.bool(), average_attn_weights=False)
    out, trace = ours(x, memory, mask=additive_mask(padding_allowed(pad)), record=True)
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(trace.weights, expected_w, atol=1e-6)
    fast, _ = ours(x, memory, mask=additive_mask(padding_allowed(pad)))
    assert torch.allclose(fast, expected, atol=1e-6)


def test_head_mask_switches_a_head_off_in_both_paths():
    config = TransformerConfig(vocab_size=10, d_model=16, n_heads=4, n_layers=1, d_ff=8, attn_dropout=0.0)
    mha = MultiHeadAttention(config).eval()
    x = torch.randn(1, 5, 16)
    keep = torch.tensor([1.0, 0.0, 1.0, 1.0])
    fast, _ = mha(x, head_mask=keep)
    slow, trace = mha(x, head_mask=keep, record=True)
    assert torch.allclose(fast, slow, atol=1e-6)
    assert trace.weights[0, 1].abs().max() == 0 and trace.context[0, 1].abs().max() == 0
    full, _ = mha(x)
    assert not torch.allclose(full, fast)


def test_sinusoidal_table_formula_and_relative_offsets():
    table = sinusoidal_table(50, 16)
    pos, i = 7, 3
    assert table[pos, 2 * i].item() == pytest.approx(math.sin(pos / 10000 ** (2 * i / 16)), abs=1e-6)
    assert table[pos, 2 * i + 1].item() == pytest.approx(math.cos(pos / 10000 ** (2 * i / 16)), abs=1e-6)
    # PE[p]·PE[p+k] depends only on k: the dot product encodes the offset
    dots = [table[p] @ table[p + 5] for p in range(0, 40, 7)]
    assert max(dots) - min(dots) < 1e-4


def test_rotary_scores_depend_only_on_offset():
    cos, sin = rotary_angles(40, 8)
    q, k = torch.randn(8), torch.randn(8)
    def score(i, j):
        qi = apply_rotary(q.view(1, 1, 1, 8).expand(1, 1, 40, 8), cos, sin)[0, 0, i]
        kj = apply_rotary(k.view(1, 1, 1, 8).expand(1, 1, 40, 8), cos, sin)[0, 0, j]
        return (qi @ kj).item()
    assert score(3, 1) == pytest.approx(score(20, 18), abs=1e-4)
    assert score(3, 1) != pytest.approx(score(3, 2), abs=1e-3)
