"""ui/positions_view.py: sinusoids, their rotation property, learned tables, and RoPE's relative scores."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from ui import positions_view as pv


def test_sinusoids_follow_the_formula():
    table = pv.sinusoids(50, 16)
    for pos, i in ((0, 0), (7, 0), (13, 3), (49, 7)):
        angle = pos / 10000 ** (2 * i / 16)
        assert table[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-5)
        assert table[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-5)
    assert pv.wavelength(0, 16) == pytest.approx(2 * math.pi)
    assert pv.wavelength(15, 16) == pytest.approx(2 * math.pi * 10000 ** (14 / 16))


def test_a_shift_is_a_rotation_that_does_not_depend_on_the_start():
    table = pv.sinusoids(120, 64)
    assert pv.rotation_error(table, 40) < 1e-4
    np.testing.assert_allclose(pv.rotate(table[10], 7), table[17], atol=1e-5)
    noise = np.random.default_rng(0).normal(size=(120, 64))
    assert pv.rotation_error(noise, 5) > 0.5                        # the property is special to sinusoids


def test_dot_product_depends_only_on_the_offset():
    sim = pv.dot_similarity(pv.sinusoids(100, 32))
    curves = pv.offset_curves(sim, [0, 20, 50], 40)
    assert set(curves) == {0, 20, 50} and all(len(c) == 41 for c in curves.values())
    np.testing.assert_allclose(curves[0], curves[20], atol=1e-3)
    np.testing.assert_allclose(curves[0], curves[50], atol=1e-3)
    assert curves[0][0] == pytest.approx(16.0, abs=1e-4)            # PE·PE = Σ sin² + cos² = D/2
    assert curves[0][9] == pytest.approx(pv.closed_form(9, 32), abs=1e-3)
    noisy = pv.offset_curves(pv.cosine_similarity(np.random.default_rng(1).normal(size=(100, 32))), [0, 20], 10)
    assert not np.allclose(noisy[0], noisy[20], atol=1e-2)


def test_offset_curves_stop_at_the_table_end():
    curves = pv.offset_curves(np.eye(10), [0, 8, 12], 5)
    assert len(curves[0]) == 6 and len(curves[8]) == 2 and 12 not in curves


def test_cosine_similarity_has_ones_on_the_diagonal():
    sim = pv.cosine_similarity(np.random.default_rng(2).normal(size=(20, 8)) * np.arange(1, 21)[:, None])
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-6)
    np.testing.assert_allclose(sim, sim.T, atol=1e-9)


def test_dim_sample_keeps_pairs_and_caps_width():
    assert pv.dim_sample(64) == list(range(64))
    dims = pv.dim_sample(768)
    assert len(dims) <= pv.MAX_COLUMNS and dims[:4] == [0, 1, 12, 13]
    assert all(dims[k + 1] == dims[k] + 1 for k in range(0, len(dims), 2))


def test_rope_scores_depend_only_on_the_offset():
    scores = pv.rope_scores(32, [0, 70], 30)
    np.testing.assert_allclose(scores["rotary"][0], scores["rotary"][70], atol=1e-3)
    assert not np.allclose(scores["added"][0], scores["added"][70], atol=1e-1)
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(2, 32, generator=g)
    assert scores["rotary"][0][0] == pytest.approx(float(q @ k), abs=1e-4)   # offset 0: rotation cancels


def test_learned_table_is_the_models_weight():
    config = TransformerConfig(vocab_size=50, d_model=16, n_heads=2, n_layers=1, d_ff=32, max_len=20)
    model = BertForPreTraining(config)
    np.testing.assert_array_equal(pv.learned_table(model), model.bert.embeddings.position.weight.detach().numpy())
    for position in ("sinusoidal", "rotary"):
        assert pv.learned_table(BertForPreTraining(config.replace(position=position))) is None


def test_figures_carry_the_numbers():
    table = pv.sinusoids(40, 16)
    curves = pv.curves_figure(table, [0, 5], "zh")
    assert len(curves.data) == 2 and curves.data[1].y[3] == pytest.approx(round(float(table[3, 5]), 4))
    assert "cos" in curves.data[1].name and "维度 5" in curves.data[1].name
    heat = pv.table_figure(pv.sinusoids(40, 300))
    assert len(heat.data[0].x) <= pv.MAX_COLUMNS and heat.data[0].x[:3] == ("0", "1", "6")
    sim = pv.similarity_figure(pv.dot_similarity(table))
    z = np.array(sim.data[0].z)
    assert z.shape == (40, 40) and np.allclose(z, z.T)
    offsets = pv.offset_figure(pv.offset_curves(pv.dot_similarity(table), [0, 10], 20), "en")
    assert [t.name for t in offsets.data] == ["start p = 0", "start p = 10"]
    rope = pv.rope_figure(pv.rope_scores(8, [0, 5], 10))
    assert len(rope.data) == 4 and len(rope.data[0].y) == 11


def test_smoothness_is_measured_not_assumed():
    """Issue 12.6: the page said trained tables "usually come out smooth" beside one that looks like noise."""
    walk = np.cumsum(np.random.default_rng(0).normal(size=(64, 128)), axis=0)     # each row a small step on
    smooth = pv.cosine_similarity(walk - walk.mean(0))
    near, far, gap, verdict = pv.smoothness(smooth)
    assert near > far and gap == 16 and verdict == "verdict_smooth"
    noise = pv.cosine_similarity(np.random.default_rng(1).normal(size=(64, 128)))
    near, far, _, verdict = pv.smoothness(noise)
    assert abs(near) < 0.1 and abs(far) < 0.1 and verdict == "verdict_noise"
    assert all(k in pv.TEXT for k in ("verdict_smooth", "verdict_partly", "verdict_noise", "smooth_measured"))
    assert "usually come out smooth" not in pv.TEXT("learned_intro", "en")
