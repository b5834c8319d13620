"""ui/layer_view.py: FFN neurons, the residual stream and LayerNorm statistics, checked against the model."""
from __future__ import annotations

import json
import math

import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import layer_view as lv
from ui import models
from ui.st.session import bert_forward

SENTENCES = ["The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.",
             "The dog ran to the park.", "今天天气很好，我们去公园散步。", "公园里有很多人在跑步。"]
TEXT = "The cat sat on the mat because it was tired."


def tiny(norm_first: bool = False, d_ff: int = 64) -> models.Loaded:
    tokenizer = train_wordpiece(SENTENCES, vocab_size=300)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=3, n_heads=4, d_ff=d_ff,
                               max_len=64, norm_first=norm_first)
    source = models.ModelSource("tiny", "tiny", None, models.PRETRAINING, "en", "random")
    return models.Loaded(source, BertForPreTraining(config).eval(), tokenizer)


@pytest.fixture(scope="module", params=[False, True], ids=["post-LN", "pre-LN"])
def loaded(request):
    return tiny(norm_first=request.param)


@pytest.fixture(scope="module")
def run(loaded):
    return bert_forward(loaded, TEXT)


def test_ffn_activations_are_tokens_by_neurons_and_rankings_are_right(loaded, run):
    act = lv.ffn_activations(run.trace, 1)
    assert act.shape == (len(run.encoded.tokens), 64)
    top = lv.top_neurons(act, 2, k=5)
    assert [n for n, _ in top] == act[2].argsort(descending=True)[:5].tolist()
    assert all(a >= b for (_, a), (_, b) in zip(top, top[1:], strict=False))
    best = lv.top_tokens(act, 7, k=3)
    assert best[0][0] == int(act[:, 7].argmax()) and best[0][1] == pytest.approx(float(act[:, 7].max()))
    gelu = torch.nn.functional.gelu(run.trace.layers[1].ffn.pre_activation[0])
    assert torch.allclose(act, gelu)


def test_the_ffn_on_one_token_alone_gives_the_same_numbers(loaded, run):
    for position in (0, 3, len(run.encoded.tokens) - 1):
        assert lv.ffn_alone_difference(loaded.model, run.trace, 2, position) < 1e-5
    act = lv.ffn_activations(run.trace, 2)
    assert (act[3] - act[4]).abs().max() > 1e-3          # different tokens do get different activations


def test_wide_ffns_show_their_most_active_neurons():
    act = torch.zeros(4, 1000)
    act[2, 777] = 5.0
    act[0, :300] = torch.linspace(0, 1, 300)
    cols = lv.shown_neurons(act)
    assert len(cols) == lv.MAX_NEURONS and cols == sorted(cols) and 777 in cols
    assert lv.shown_neurons(act[:, :50]) == list(range(50))
    fig = lv.ffn_heatmap(act, ["[CLS]", "a", "a", "[SEP]"])
    z = fig.data[0].z
    assert len(z) == 4 and len(z[0]) == lv.MAX_NEURONS
    assert list(fig.layout.yaxis.ticktext) == ["0 [CLS]", "1 a", "2 a", "3 [SEP]"]   # repeated pieces stay apart


def test_stream_norms_and_update_sizes(loaded, run):
    norms = lv.stream_norms(run.trace)
    L, T = loaded.config.n_layers, len(run.encoded.tokens)
    assert norms.shape == (L + 1, T)
    assert torch.allclose(norms[2], run.trace.layers[1].output[0].norm(dim=-1))
    sizes = lv.update_sizes(run.trace)
    assert all(len(v) == L for v in sizes.values())
    assert sizes["ffn"][1] == pytest.approx(float(run.trace.layers[1].ffn.output[0].norm(dim=-1).mean()))
    if not loaded.config.norm_first:
        # post-LN with γ = 1, β = 0: every vector entering a layer has length √D exactly (up to eps)
        assert sizes["stream"] == pytest.approx([math.sqrt(32)] * L, rel=1e-3)
    fig = lv.stream_figure(run.trace, run.encoded.tokens, "zh")
    assert fig.data[0].y[0] == "嵌入层" and len(fig.data) == 4


def test_layernorm_statistics_before_and_after(loaded, run):
    stats = lv.norm_stats(run.trace, 1)
    t = run.trace.layers[1]
    for name, norm in (("attn_norm", t.attn_norm), ("ffn_norm", t.ffn_norm)):
        x = norm.input[0]
        assert stats[name]["mean_before"] == pytest.approx(x.mean(-1).tolist(), abs=1e-5)
        assert stats[name]["var_before"] == pytest.approx(x.var(-1, unbiased=False).tolist(), rel=1e-4)
        assert stats[name]["mean_after"] == pytest.approx([0.0] * x.shape[0], abs=1e-5)   # fresh γ = 1, β = 0
        assert stats[name]["var_after"] == pytest.approx([1.0] * x.shape[0], rel=1e-3)
    fig = lv.norm_figure(run.trace, 1, run.encoded.tokens)
    assert len(fig.data) == 8
    json.loads(fig.to_json())


def test_placement_follows_the_config(loaded):
    assert lv.placement(loaded.config) == ("pre" if loaded.config.norm_first else "post")
    assert "LayerNorm" in lv.POST_LN and r"\mathrm{GELU}" in lv.ffn_formula("gelu")


def test_a_plain_bert_model_without_heads_works_too():
    from transformer_core import BertModel
    torch.manual_seed(0)
    model = BertModel(TransformerConfig(vocab_size=50, d_model=16, n_layers=2, n_heads=2, d_ff=40, max_len=16)).eval()
    with torch.inference_mode():
        trace = model(torch.tensor([[2, 7, 9, 11, 3]]), record=True).trace
    assert lv.ffn_alone_difference(model, trace, 1, 2) < 1e-5
    assert lv.stream_norms(trace).shape == (3, 5)
