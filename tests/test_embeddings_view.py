"""ui/embeddings_view.py: the four vectors and their sum, LayerNorm statistics, PCA, nearest neighbours."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import embeddings_view as ev

TEXTS = ["the cat is playing with the ball", "players were playing in the park", "the dog was playing"] * 3


@pytest.fixture(scope="module")
def tok():
    return train_wordpiece(TEXTS, vocab_size=120, min_frequency=1)


def forward(tok, position="learned", d_model=80):
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tok.get_vocab_size(), d_model=d_model, n_heads=4, n_layers=1, d_ff=64,
                               max_len=32, position=position)
    model = BertForPreTraining(config).eval()
    enc = tok.encode("the cat was playing", "the dog")
    with torch.inference_mode():
        out = model(torch.tensor([enc.ids]), torch.ones(1, len(enc.ids), dtype=torch.long),
                    torch.tensor([enc.type_ids]), record=True)
    return model, enc, ev.parts(out.trace.embeddings)


def test_parts_add_up_and_layernorm_normalises(tok):
    _, enc, v = forward(tok)
    assert v["token"].shape == (len(enc.ids), 80)
    np.testing.assert_allclose(v["token"] + v["segment"] + v["position"], v["summed"], atol=1e-6)
    stats = ev.norm_stats(v["summed"], v["output"])
    assert np.allclose(stats.mean_after, 0, atol=1e-5) and np.allclose(stats.std_after, 1, atol=1e-3)  # γ=1, β=0
    assert max(stats.std_before) < 0.2                       # init std 0.02: far from 1 before the norm
    assert stats.std_before == pytest.approx(v["summed"].std(1).tolist())


def test_parts_figure_shows_the_window_on_one_colour_scale(tok):
    _, enc, v = forward(tok)
    fig = ev.parts_figure(v, enc.tokens, (64, 80))
    assert len(fig.data) == 4 and {t.coloraxis for t in fig.data} == {"coloraxis"}
    assert list(fig.data[0].x) == list(range(64, 80))
    np.testing.assert_allclose(np.array(fig.data[3].z), v["summed"][:, 64:80], atol=1e-4)
    shown = np.abs(np.concatenate([v[n][:, 64:80] for n in ev.PARTS]))
    assert fig.layout.coloraxis.cmax == pytest.approx(float(np.percentile(shown, 99)))
    assert (shown > fig.layout.coloraxis.cmax).mean() == pytest.approx(0.01, abs=0.005)
    assert list(fig.layout.yaxis.ticktext)[:2] == ["0 [CLS]", "1 the"]


def test_rotary_model_has_no_position_panel(tok):
    _, enc, v = forward(tok, position="rotary")
    assert v["position"] is None
    fig = ev.parts_figure(v, enc.tokens, (0, 64), "zh")
    assert len(fig.data) == 3
    assert any("旋转位置编码" in a.text for a in fig.layout.annotations)


def test_norm_and_stats_figures(tok):
    _, enc, v = forward(tok)
    fig = ev.norm_figure(v["summed"], v["output"], enc.tokens, (0, 64))
    assert [t.coloraxis for t in fig.data] == ["coloraxis", "coloraxis2"]
    stats = ev.stats_figure(ev.norm_stats(v["summed"], v["output"]), enc.tokens)
    assert len(stats.data) == 4 and len(stats.data[0].x) == len(enc.ids)
    assert stats.layout.yaxis2.type == "log"


def test_windows_cover_every_dimension():
    assert ev.windows(130) == [(0, 64), (64, 128), (128, 130)]
    assert ev.windows(32) == [(0, 32)]


def test_map_ids_prefers_whole_words_and_skips_specials():
    vocab = {"[PAD]": 0, "[unused1]": 1, "[CLS]": 2, "a": 3, "##s": 4, "the": 5, "注": 6, "cat": 7, "##ing": 8}
    assert ev.map_ids(vocab) == [5, 6, 7, 3, 4, 8]
    assert ev.map_ids(vocab, limit=2) == [5, 6]


def test_pca_finds_the_main_direction():
    g = torch.Generator().manual_seed(0)
    direction = torch.randn(16, generator=g)
    direction /= direction.norm()
    rows = torch.randn(200, 1, generator=g) * 5 * direction + 0.05 * torch.randn(200, 16, generator=g)
    pca = ev.fit_pca(rows)
    assert abs(float(np.dot(pca.components[0], direction.numpy()))) > 0.99
    assert pca.explained[0] > 0.95 and sum(pca.explained) <= 1 + 1e-6
    assert pca.components[0][np.abs(pca.components[0]).argmax()] > 0          # sign fixed: runs agree
    coords = ev.project(pca, rows.numpy())
    assert coords.shape == (200, 3) and abs(coords.mean(0)).max() < 1e-4


def test_nearest_uses_cosine_and_skips():
    table = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.1], [-1.0, 0.0], [5.0, 0.0]])
    found = ev.nearest(table, 0, skip={4}, k=3)
    assert [i for i, _ in found] == [2, 1, 3]
    assert found[0][1] == pytest.approx(2 / np.hypot(2, 0.1))
    assert found[2][1] == pytest.approx(-1.0)


def test_lookup_finds_pieces_or_says_how_it_splits(tok):
    assert ev.lookup(tok, "cat") == (tok.token_to_id("cat"), ["cat"])
    assert ev.lookup(tok, " CAT ")[0] == tok.token_to_id("cat")             # lower case tried too
    missing, split = ev.lookup(tok, "balls")
    assert missing is None and split == ["ball", "##s"]
    assert ev.lookup(tok, "🍕") == (None, ["[UNK]"])
    assert ev.lookup(tok, "") == (None, [])


def test_vocab_and_neighbour_figures():
    coords = np.arange(30, dtype=np.float32).reshape(10, 3)
    pca = ev.Pca(np.zeros(3), np.eye(3), [0.5, 0.3, 0.1])
    marked = [("sentence", coords[:2], ["a", "b"]), ("near", coords[2:5], ["c", "d", "e"])]
    flat = ev.vocab_figure(coords[:, :2], list("abcdefghij"), [(n, c[:, :2], t) for n, c, t in marked], pca)
    assert [t.type for t in flat.data] == ["scatter"] * 3 and flat.layout.xaxis.title.text == "PC1 (50.0%)"
    assert list(flat.data[2].text) == ["c", "d", "e"]
    cube = ev.vocab_figure(coords, list("abcdefghij"), marked, pca, "zh")
    assert [t.type for t in cube.data] == ["scatter3d"] * 3 and cube.data[0].name == "词表样本"
    bars = ev.neighbour_figure([("dog", 0.9), ("cat", 0.5)], "pup")
    assert list(bars.data[0].x) == [0.9, 0.5] and "pup" in bars.layout.title.text


def test_embeddings_module_and_word_table(tok):
    model, _, _ = forward(tok)
    assert ev.embeddings_module(model).word.weight.shape == (tok.get_vocab_size(), 80)


def test_vocab_sample_and_map_figures(tok):
    model, _, _ = forward(tok)
    table = ev.embeddings_module(model).word.weight.detach()
    sample = ev.vocab_sample(table, tok.get_vocab())
    assert not set(sample.ids) & sample.skip and tok.token_to_id("[CLS]") in sample.skip
    assert sample.coords.shape == (len(sample.ids), 3) and sample.names[tok.token_to_id("cat")] == "cat"
    cat, dog = tok.token_to_id("cat"), tok.token_to_id("dog")
    cloud, bars = ev.map_figures(table, sample, [cat, dog], cat, 2, "en")
    assert [len(t.x) for t in cloud.data] == [len(sample.ids), 2, 11]
    assert list(cloud.data[1].text) == ["cat", "dog"] and cloud.data[2].text[0] == "cat"
    expected = ev.project(sample.pca, table[[cat]].numpy())[0, :2]
    assert (cloud.data[1].x[0], cloud.data[1].y[0]) == pytest.approx(tuple(expected), abs=1e-4)
    assert len(bars.data[0].x) == 10 and "cat" not in bars.data[0].y
    cloud, bars = ev.map_figures(table, sample, [cat], None, 3)
    assert bars is None and len(cloud.data) == 2 and cloud.data[0].type == "scatter3d"
