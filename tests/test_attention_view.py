"""ui/attention_view.py: one head's steps from a real trace, the two variants, tables and figures."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from plotly_data import array

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import attention_view as av
from ui import models
from ui.st.session import bert_forward

SENTENCES = ["the cat sat on the mat because it was tired", "the dog slept in the warm sun all day",
             "cats and dogs play together in the garden", "a tired cat sleeps on a warm mat"] * 3
TEXT = "The cat sat on the mat because it was tired."


def tiny(**overrides) -> models.Loaded:
    """A 2-layer, 4-head BERT with random weights and a WordPiece vocabulary trained on four sentences."""
    tokenizer = train_wordpiece(SENTENCES, vocab_size=150, min_frequency=1)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_heads=4, n_layers=2, d_ff=64,
                               max_len=64, **overrides)
    return models.Loaded(models.random_source(), BertForPreTraining(config).eval(), tokenizer)


@pytest.fixture(scope="module")
def loaded():
    return tiny()


@pytest.fixture(scope="module")
def run(loaded):
    return bert_forward(loaded, TEXT)


def test_head_steps_follow_the_formula(run):
    s = av.head_steps(run.trace, layer=1, head=2)
    T = len(run.encoded.tokens)
    assert s.x.shape == (T, 32) and s.q.shape == (T, 8) and s.weights.shape == (T, T) and s.d_k == 8
    np.testing.assert_allclose(s.scores, s.q @ s.k.T, rtol=1e-4, atol=1e-5)             # QKᵀ
    np.testing.assert_allclose(s.scaled, s.scores / math.sqrt(8), rtol=1e-5, atol=1e-6)  # ÷ √d_k
    np.testing.assert_allclose(s.masked, s.scaled)                                      # no padding: M = 0
    assert s.allowed.all()
    e = np.exp(s.masked - s.masked.max(-1, keepdims=True))
    np.testing.assert_allclose(s.weights, e / e.sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(av.row_sums(s.weights), np.ones(T), atol=1e-5)
    np.testing.assert_allclose(s.weights @ s.v, s.context, atol=1e-5)
    # post-LN: the head reads the layer input, which for layer 2 is layer 1's output
    np.testing.assert_array_equal(s.x, run.trace.layers[0].output[0].numpy())


def test_projection_of_one_head_reproduces_the_trace(loaded, run):
    s = av.head_steps(run.trace, layer=0, head=3)
    mha = av.attention_module(loaded.model, 0)
    for linear, recorded in ((mha.q_proj, s.q), (mha.k_proj, s.k), (mha.v_proj, s.v)):
        np.testing.assert_allclose(av.project_head(s.x, linear, 3, 8), recorded, atol=1e-5)
    assert not np.allclose(av.project_head(s.x, mha.q_proj, 2, 8), s.q)        # another head's slice differs


def test_pre_ln_model_attends_over_the_normalised_input():
    pre = tiny(norm_first=True)
    trace = bert_forward(pre, TEXT).trace
    s = av.head_steps(trace, 1, 0, norm_first=True)
    np.testing.assert_array_equal(s.x, trace.layers[1].attn_norm.output[0].numpy())
    mha = av.attention_module(pre.model, 1)
    np.testing.assert_allclose(av.project_head(s.x, mha.q_proj, 0, 8), s.q, atol=1e-5)


def test_unprojected_attention_looks_at_itself(run):
    s = av.head_steps(run.trace, 0, 0)
    wa = av.unprojected(s.x)
    x = torch.from_numpy(s.x)
    expected = torch.softmax(x @ x.T / math.sqrt(32), dim=-1).numpy()                  # softmax(XXᵀ/√D)
    np.testing.assert_allclose(wa, expected, atol=1e-6)
    np.testing.assert_allclose(wa.sum(-1), 1.0, atol=1e-5)
    assert (wa.argmax(-1) == np.arange(len(wa))).all()                                 # each row peaks on itself
    assert av.self_share(wa) > 0.5 > 3 * av.self_share(s.weights)                   # real head: ≈ 1/T each


def test_without_scaling_every_row_gets_peakier(run):
    s = av.head_steps(run.trace, 1, 1)
    wb = av.unscaled(s)
    np.testing.assert_allclose(wb, torch.softmax(torch.from_numpy(s.scores), -1).numpy(), atol=1e-6)
    # softmax(β·s): entropy falls and the top weight rises as β grows (here β = √8 instead of 1)
    assert (av.entropy_bits(wb) <= av.entropy_bits(s.weights) + 1e-6).all()
    assert (wb.max(-1) >= s.weights.max(-1) - 1e-7).all()
    table = av.saturation_table(s.weights, wb, ("real", "no scaling"), ("entropy", "max"))
    assert list(table.index) == ["real", "no scaling"]
    assert av.entropy_bits(wb).mean() < av.entropy_bits(s.weights).mean()
    assert table.loc["no scaling", "entropy"] == round(float(av.entropy_bits(wb).mean()), 3)
    assert table.loc["real", "max"] == pytest.approx(s.weights.max(-1).mean(), abs=1e-3)


def test_masked_keys_stay_blocked_in_the_variants():
    allowed = np.ones((4, 4), dtype=bool)
    allowed[:, 3] = False                                     # a [PAD] column
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    wa = av.unprojected(x, allowed)
    assert np.all(wa[:, 3] == 0) and np.allclose(wa.sum(-1), 1.0, atol=1e-6)


def test_entropy_bits_of_uniform_and_one_hot():
    assert av.entropy_bits(np.full((2, 8), 1 / 8)) == pytest.approx([3.0, 3.0])
    assert av.entropy_bits(np.eye(3)) == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_score_variance_grows_with_d_k_and_scaling_undoes_it():
    sim = av.variance_by_dk(dks=(4, 64, 512), n=4000)
    for d, raw, scaled in zip(sim["d_k"], sim["raw"], sim["scaled"], strict=True):
        assert raw == pytest.approx(d, rel=0.15)              # Var(q·k) = d_k for unit-variance entries
        assert scaled == pytest.approx(1.0, rel=0.15)         # ÷ √d_k brings it back to 1
    assert av.variance_by_dk(dks=(8,), n=500) == av.variance_by_dk(dks=(8,), n=500)   # seeded


def test_labels_are_unique_even_for_repeated_words():
    names = av.labels(["[CLS]", "the", "cat", "the", "[SEP]"])
    assert names == ["0 [CLS]", "1 the", "2 cat", "3 the", "4 [SEP]"] and len(set(names)) == 5


def test_table_rounds_cuts_columns_and_highlights_the_query():
    m = np.arange(4 * 20, dtype=float).reshape(4, 20) / 7
    style = av.table(m, av.labels("abcd"), query=2)
    df = style.data
    assert df.shape == (4, av.TABLE_DIMS) and df.iloc[1, 1] == round(21 / 7, 3)
    css = style.to_html().split("</style>")[0]                # the rules: exactly the query's row is coloured
    assert "background-color" in css and all(f"row2_col{j}" in css for j in range(av.TABLE_DIMS))
    assert "row1_col0" not in css and "row3_col0" not in css


def test_token_tables_keep_every_column_up_to_sixteen_pieces():
    """Issue 12.1: a 12-piece sentence lost its last key columns, and a row of weights summed to 0.952."""
    names = av.labels([f"w{i}" for i in range(16)])
    w = np.random.default_rng(2).dirichlet(np.ones(16), size=16)
    df = av.table(w, names, names, query=1).data
    assert list(df.columns) == names
    np.testing.assert_allclose(df.to_numpy().sum(-1), 1.0, atol=0.01)
    assert av.is_small(13) and av.is_small(16) and not av.is_small(17)   # the default sentence is a table
    assert av.table_height(16) == 35 * 17 + 3                           # every row visible, no inner scrolling


def test_heatmap_json_frames_the_query_row_and_keeps_labels():
    w = np.random.default_rng(1).dirichlet(np.ones(5), size=5)
    names = av.labels(["[CLS]", "a", "b", "a", "[SEP]"])
    fig = json.loads(av.heatmap(w, names, names, query=3, zmin=0.0).to_json())
    z = array(fig["data"][0]["z"])
    np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-3)
    assert fig["layout"]["yaxis"]["ticktext"] == names and fig["layout"]["yaxis"]["autorange"] == "reversed"
    shape = fig["layout"]["shapes"][0]
    assert (shape["y0"], shape["y1"]) == (2.5, 3.5)
    assert fig["data"][0]["zmin"] == 0.0 and fig["data"][0]["zmax"] == pytest.approx(w.max(), abs=1e-9)
    wide = av.heatmap(np.zeros((3, 200)), names[:3])
    assert len(wide.data[0].z[0]) == av.HEAT_DIMS


def test_bars_and_variance_figure_carry_the_numbers():
    row = np.array([0.1, 0.7, 0.2])
    fig = json.loads(av.bars({"real": row, "variant": row[::-1]}, ["a", "b", "c"]).to_json())
    assert [d["name"] for d in fig["data"]] == ["real", "variant"] and fig["data"][0]["y"] == [0.1, 0.7, 0.2]
    sim = {"d_k": [1, 4], "raw": [1.0, 4.0], "scaled": [1.0, 1.0]}
    var = av.variance_figure(sim, 4, 3.0, 0.75, {"raw": "r", "scaled": "s", "head": "h", "y": "v"})
    assert list(var.data[2].y) == [3.0, 0.75] and var.layout.xaxis.type == "log"


def test_rotary_queries_are_the_projection_turned_by_position():
    """Why the page shows a note instead of the X·W_Q check for rotary models: Q is rotated after projecting."""
    rotary = tiny(position="rotary")
    trace = bert_forward(rotary, TEXT).trace
    s = av.head_steps(trace, 0, 1)
    projected = av.project_head(s.x, av.attention_module(rotary.model, 0).q_proj, 1, 8)
    np.testing.assert_allclose(projected[0], s.q[0], atol=1e-5)                 # position 0: rotation by 0
    assert not np.allclose(projected[3], s.q[3], atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(projected, axis=-1), np.linalg.norm(s.q, axis=-1), rtol=1e-4)


def test_variance_chart_keeps_its_axis_title_clear_of_the_ticks():
    sim = {"d_k": [1, 4], "raw": [1.0, 4.0], "scaled": [1.0, 1.0]}
    fig = av.variance_figure(sim, 4, 3.0, 0.75, {"raw": "r", "scaled": "s", "head": "h", "y": "v"})
    assert fig.layout.xaxis.automargin and fig.layout.margin.b >= 10 and fig.layout.xaxis.title.text == "d_k"
