"""ui/multihead_view.py: grid of heads, word-level attention, top-k lines, Concat(heads) · W_O."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from plotly_data import array

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import attention_view as av
from ui import models
from ui import multihead_view as mv
from ui.st.session import bert_forward

SENTENCES = ["the cat sat on the mat because it was tired", "the dog slept in the warm sun all day",
             "cats and dogs play together in the garden", "a tired cat sleeps on a warm mat"] * 3


@pytest.fixture(scope="module")
def loaded() -> models.Loaded:
    tokenizer = train_wordpiece(SENTENCES, vocab_size=150, min_frequency=1)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_heads=4, n_layers=2, d_ff=64,
                               max_len=64)
    return models.Loaded(models.random_source(), BertForPreTraining(config).eval(), tokenizer)


@pytest.fixture(scope="module")
def run(loaded):
    return bert_forward(loaded, "The gardener watched sleepy cats.", "Dogs barked.")


def test_all_weights_is_layers_by_heads(run):
    w = mv.all_weights(run.trace)
    T = len(run.encoded.tokens)
    assert w.shape == (2, 4, T, T)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)


def test_aggregate_sums_keys_and_averages_queries():
    w = np.array([[0.5, 0.3, 0.2],
                  [0.1, 0.6, 0.3],
                  [0.2, 0.2, 0.6]])
    words = mv.aggregate(w, [(0,), (1, 2)])
    expected = np.array([[0.5, 0.5],                          # query 0: key word {1, 2} gets 0.3 + 0.2
                         [0.15, 0.85]])                       # query word {1, 2}: mean of rows [0.1, 0.9], [0.2, 0.8]
    np.testing.assert_allclose(words, expected)
    batch = mv.aggregate(np.stack([w, w.T / w.T.sum(-1, keepdims=True)]), [(0, 1), (2,)])
    assert batch.shape == (2, 2, 2)
    np.testing.assert_allclose(batch.sum(-1), 1.0)


def test_word_groups_put_the_pieces_of_a_word_together(loaded, run):
    groups, names = mv.word_groups(loaded.tokenizer, run.encoded)
    T = len(run.encoded.tokens)
    assert sorted(i for g in groups for i in g) == list(range(T))       # every piece exactly once, in order
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)
    assert names[0] == "[CLS]" and names.count("[SEP]") == 2
    assert "gardener" in names and "sleepy" in names                    # words the vocabulary had to split
    split = groups[names.index("gardener")]
    assert len(split) > 1 and "".join(run.encoded.tokens[i].removeprefix("##") for i in split) == "gardener"
    words = mv.aggregate(mv.all_weights(run.trace)[1, 2], groups)
    assert words.shape == (len(groups), len(groups))
    np.testing.assert_allclose(words.sum(-1), 1.0, atol=1e-5)


def test_block_groups_are_equal_runs():
    groups = mv.block_groups(50, 24)
    assert sorted(i for g in groups for i in g) == list(range(50))
    assert {len(g) for g in groups[:-1]} == {3} and len(groups) == 17
    assert mv.block_groups(5, 24) == [(0,), (1,), (2,), (3,), (4,)]


def test_grid_is_one_mosaic_with_a_block_per_head_and_pools_long_inputs(run):
    w = mv.all_weights(run.trace)                                                    # (2, 4, t, t)
    t = w.shape[-1]
    fig = json.loads(mv.grid_figure(w, (1, 2), "Layer", "Head").to_json())
    assert [d["type"] for d in fig["data"]] == ["heatmap"]                           # one trace, not L × H
    z = array(fig["data"][0]["z"])
    assert z.shape == (2 * (t + 1) - 1, 4 * (t + 1) - 1)
    block = z[t + 1:, 2 * (t + 1):3 * (t + 1) - 1]                                   # layer 2, head 3
    np.testing.assert_allclose(block, np.round(w[1, 2], 3), atol=1e-6)
    assert np.isnan(z[t]).all() and np.isnan(z[:, t]).all()                          # empty gaps between blocks
    frame = fig["layout"]["shapes"][0]                                               # the picked head is framed
    assert (frame["x0"], frame["x1"], frame["y0"], frame["y1"]) == (2 * (t + 1) - 0.5, 2 * (t + 1) + t - 0.5,
                                                                    t + 0.5, t + 1 + t - 0.5)
    names = [f"{i} t{i}" for i in range(t)]
    named = mv.grid_figure(w, (1, 2), "Layer", "Head", names)
    x, y = list(named.data[0].x), list(named.data[0].y)
    assert len(set(x)) == len(x) and len(set(y)) == len(y)                           # categories never merge
    assert x[(t + 1) + 3] == "3 t3 (Head 2)" and y[t + 1] == "Layer 2: 0 t0"          # hover names the tokens
    assert named.layout.annotations[0].text == "Head 1"                              # counted from 1
    assert named.layout.annotations[4].text == "Layer 1"
    long = np.random.default_rng(0).dirichlet(np.ones(60), size=(1, 2, 60))          # (1, 2, 60, 60)
    pooled = mv.grid_figure(long, (0, 0), "L", "H", [f"{i} w" for i in range(60)])
    assert pooled.data[0].x[0] == "0 w … 2 w (H 1)"
    z = np.array(pooled.data[0].z, dtype=float)
    g = (z.shape[1] - 1) // 2                                                        # pooled block size
    assert g <= mv.GRID_T and z.shape == (g, 2 * g + 1)
    np.testing.assert_allclose(z[:, :g].sum(-1), 1.0, atol=0.02)                     # rows still sum to 1


def test_mosaic_places_each_head():
    w = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    m = mv.mosaic(w)
    assert m.shape == (5, 8)
    np.testing.assert_array_equal(m[3:5, 6:8], w[1, 2])
    np.testing.assert_array_equal(m[0:2, 3:5], w[0, 1])
    assert np.isnan(m[2]).all()


def test_top_k_edges_keep_the_strongest_keys():
    w = np.array([[0.1, 0.6, 0.3],
                  [0.5, 0.2, 0.3],
                  [0.0, 0.0, 1.0]])
    edges = mv.top_k_edges(w, 2)
    assert edges[:2] == [(0, 1, 0.6), (0, 2, 0.3)] and len(edges) == 6
    assert len(mv.top_k_edges(w, 99)) == 9                                           # k is clipped to T
    assert mv.top_k_share(w, 1) == pytest.approx((0.6 + 0.5 + 1.0) / 3)
    assert mv.top_k_share(w, 3) == pytest.approx(1.0)


def test_edges_figure_draws_one_segment_per_edge():
    w = np.random.default_rng(2).dirichlet(np.ones(50), size=50)
    edges = mv.top_k_edges(w, 3)
    fig = mv.edges_figure(edges, av.labels([f"t{i}" for i in range(50)]), ("queries", "keys"))
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    assert sum(list(tr.x).count(None) for tr in lines) == 150                         # 50 queries × 3 lines
    labels = [tr for tr in fig.data if tr.mode == "markers+text"]
    assert len(labels) == 2 and list(labels[0].text)[7] == "7 t7"


def test_concat_then_w_o_reproduces_the_layer(loaded, run):
    attn = run.trace.layers[1].self_attn
    context = attn.context[0].numpy()                                                # (H, T, d_k)
    concat = mv.concat_heads(context)
    T = context.shape[1]
    assert concat.shape == (T, 32)
    np.testing.assert_array_equal(concat[:, 8:16], context[1])                       # head 2 sits in dims 8..15
    np.testing.assert_allclose(concat, attn.concat[0].numpy(), atol=1e-6)
    out = mv.project_out(concat, av.attention_module(loaded.model, 1).out_proj)
    np.testing.assert_allclose(out, attn.output[0].numpy(), atol=1e-5)
    assert not np.allclose(context.sum(0), out[:, :8])                                # summing heads is not it


def test_concat_figure_and_shapes():
    fig = mv.concat_figure(np.arange(32.0), np.ones(32), 4, {"concat": "c", "output": "o", "head": "Head",
                                                              "dims": "d"})
    assert [tr.name for tr in fig.data] == ["Head 1", "Head 2", "Head 3", "Head 4", "· W_O"]
    assert list(fig.data[1].x) == list(range(8, 16)) and list(fig.data[1].y) == list(range(8, 16))
    rows = mv.shape_rows(14, 768, 12)
    assert rows[0][1] == "12 × (14, 64)" and rows[1][1] == "(14, 12·64 = 768)" and rows[-1][1] == "(14, 768)"

