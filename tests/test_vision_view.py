"""The vision page's pure builders: input checks, the patch grid, [CLS] attention, rollout, positions, figures."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from transformer_core.train.vision import digits_config
from transformer_core.vit import ViTForImageClassification
from ui import vision_view as vv


@pytest.fixture(scope="module")
def run():
    torch.manual_seed(0)
    model = ViTForImageClassification(digits_config(d_model=32, n_layers=2, n_heads=4)).eval()
    image = np.zeros((8, 8))
    image[1:7, 3:5] = 1.0                                                # a "1"
    return vv.run(model, image)


def test_cells_become_an_image_in_0_1():
    image = vv.cells_to_image([16] * 8 + [0] * 48 + [99] * 8)
    assert image.shape == (8, 8) and image[0].tolist() == [1.0] * 8 and image[7].max() == 1.0


@pytest.mark.parametrize("cells, key", [([0] * 64, "blank"), ([16] * 64, "all_ink"), ([16] * 32 + [0] * 32, None)])
def test_bad_drawings_are_named(cells, key):
    assert vv.input_problem(vv.cells_to_image(cells)) == key


def test_run_shapes(run):
    assert run.attentions.shape == (2, 4, 17, 17) and run.positions.shape == (17, 32)
    assert abs(run.probs.sum() - 1) < 1e-5 and run.grid == 4


def test_patch_numbers_and_pixels():
    assert vv.patch_of(0, 0, 2) == 1 and vv.patch_of(0, 2, 2) == 2 and vv.patch_of(2, 0, 2) == 5
    values = vv.to_pixels(np.arange(16), 2)
    assert values.shape == (8, 8) and values[0, 0] == values[1, 1] == 0 and values[2, 0] == 4


def test_rollout_rows_sum_to_one_and_identity_for_no_mixing():
    T = 5
    eye = np.broadcast_to(np.eye(T), (3, 2, T, T))
    assert np.allclose(vv.rollout(eye), np.eye(T))
    uniform = np.full((2, 2, T, T), 1 / T)
    r = vv.rollout(uniform)
    assert np.allclose(r.sum(-1), 1)


def test_cls_attention_leaves_cls_out(run):
    row = vv.cls_attention(run, 1, 2)
    assert row.shape == (16,) and row.sum() <= 1 + 1e-6


def test_neighbour_similarity_on_a_smooth_table():
    grid = 4
    coords = np.array([[0, 0]] + [[r, c] for r in range(grid) for c in range(grid)], dtype=float)
    table = np.concatenate([np.cos(coords / 2), np.sin(coords / 2)], axis=1)   # nearby → similar
    near, far = vv.neighbour_similarity(table, grid)
    assert near > far


def test_figures_carry_the_numbers(run):
    probs = vv.probability_figure(run.probs, "en")
    assert np.allclose(probs.data[0].y, run.probs)
    heads = vv.head_grid_figure(run, "en")
    assert len(heads.data) == 2 * 4 * 2                                  # a heatmap and an outline per panel
    assert np.allclose(np.asarray(heads.data[0].z), vv.to_pixels(vv.cls_attention(run, 0, 0), 2))
    rollout = vv.rollout_figure(run, "zh")
    assert np.asarray(rollout.data[0].z).shape == (8, 8)
    positions = vv.position_figure(run, 5, "en")
    assert np.isclose(np.asarray(positions.data[0].z)[1, 0], 1.0)        # patch 5 against itself
    assert len(vv.patches_figure(run.image, 2, "en").layout.annotations) == 16
    assert np.array_equal(np.asarray(vv.digit_figure(run.image).data[0].z), run.image)
    assert vv.sequence_figure(run.image, 2, "zh").layout.xaxis.ticktext[0] == "[CLS]"
