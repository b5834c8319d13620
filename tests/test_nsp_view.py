"""ui/nsp_view.py: segments, the [CLS] vectors and P(IsNext), checked against the model's own NSP output."""
from __future__ import annotations

import json
import re

import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import models
from ui import nsp_view as nv
from ui.examples import unrelated_sentences
from ui.st.session import bert_forward

SENTENCES = ["The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.",
             "The dog ran to the park.", "今天天气很好，我们去公园散步。", "公园里有很多人在跑步。"]


@pytest.fixture(scope="module", params=[False, True], ids=["post-LN", "pre-LN"])
def loaded(request):
    tokenizer = train_wordpiece(SENTENCES, vocab_size=300)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=2, n_heads=4, d_ff=64,
                               max_len=64, norm_first=request.param)
    source = models.ModelSource("tiny", "tiny", None, models.PRETRAINING, "en", "random")
    return models.Loaded(source, BertForPreTraining(config).eval(), tokenizer)


@pytest.fixture(scope="module")
def run(loaded):
    return bert_forward(loaded, "The cat sat on the mat.", "It fell asleep in the warm sun.")


def test_random_sentences_cycle_and_never_repeat_b():
    for lang in ("en", "zh"):
        options = unrelated_sentences(lang)
        assert len(options) >= 6 and len(set(options)) == len(options)
        assert nv.random_sentence(lang, 0) == options[0] and nv.random_sentence(lang, len(options) + 2) == options[2]
        assert nv.random_sentence(lang, 1, avoid=options[1]) == options[2]
    assert all(re.search("[\u4e00-\u9fff]", s) for s in unrelated_sentences("zh"))
    assert nv.random_sentence("fr", 0) == unrelated_sentences("en")[0]      # an unknown language → English


def test_segments_and_their_embeddings(loaded, run):
    ids = run.encoded.type_ids
    assert ids[0] == 0 and ids[-1] == 1 and ids.count(1) > 3
    fig = nv.segment_figure(run.encoded)
    assert list(fig.data[0].z[0]) == ids and list(fig.data[0].text[0]) == run.encoded.tokens
    vectors = nv.segment_vectors(run.trace, run.encoded)
    table = loaded.model.bert.embeddings.segment.weight
    assert vectors.shape == (2, 32) and torch.equal(vectors, table[:2])
    single = bert_forward(loaded, "The cat sat on the mat.")
    assert nv.segment_vectors(single.trace, single.encoded) is None
    heat = nv.vectors_figure(vectors, ["A (0)", "B (1)"], limit=10)
    assert len(heat.data[0].z[0]) == 10


def test_cls_vectors_reproduce_the_models_nsp_probabilities(loaded, run):
    cls = nv.cls_vectors(loaded.model, run.trace)
    assert torch.allclose(cls["probs"], run.nsp_probs, atol=1e-6)
    assert float(cls["probs"].sum()) == pytest.approx(1.0)
    assert cls["pooled"].abs().max() <= 1.0
    with torch.inference_mode():
        out = loaded.model(torch.tensor([run.encoded.ids]), token_type_ids=torch.tensor([run.encoded.type_ids]))
    assert torch.allclose(cls["raw"], out.last_hidden_state[0, 0], atol=1e-6)   # after the final norm (pre-LN)
    fig = nv.cls_figure(cls["raw"], cls["pooled"], "zh")
    assert len(fig.data) == 2 and len(fig.data[1].y) == 32
    json.loads(fig.to_json())


def test_nsp_bars_follow_index_0_is_next():
    fig = nv.nsp_figure(torch.tensor([0.8, 0.2]), "en")
    assert list(fig.data[0].y) == ["IsNext", "NotNext"] and list(fig.data[0].x) == pytest.approx([0.8, 0.2])
    assert "IsNext" in nv.FORMULA and r"\tanh" in nv.FORMULA

