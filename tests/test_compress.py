"""Compression (transformer_core/compress.py) on a tiny random BERT: each method moves size and output the way
it should, and the original model is never touched."""
import pytest
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core import compress as c
from transformer_core.bert import BertForSequenceClassification

CONFIG = TransformerConfig(vocab_size=300, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=32)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    with torch.inference_mode():                          # as the app loads its shared models
        return BertForPreTraining(CONFIG).eval()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(5, 300, (2, 12), generator=torch.Generator().manual_seed(1))


def logits(model, ids):
    with torch.inference_mode():
        return model(ids).logits.float()


def mlm_loss(ids):
    return lambda model, mask: model(ids, labels=ids.clone(), head_mask=mask).mlm_loss


def test_baseline_counts_the_tied_decoder_once(model):
    base = c.baseline(model)
    assert base.parameters == sum(p.numel() for p in model.parameters())     # parameters() dedupes tied ones
    assert base.disk_bytes < 4 * base.parameters + 4 * CONFIG.vocab_size * CONFIG.d_model


def test_int8_is_smaller_and_close(model, ids):
    base, int8 = c.baseline(model), c.int8_dynamic(model)
    assert int8.disk_bytes < base.disk_bytes and int8.parameters == base.parameters
    assert (logits(int8.model, ids) - logits(model, ids)).abs().max() < 0.05
    assert any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in int8.model.modules())
    assert model.mlm.decoder.weight is model.bert.embeddings.word.weight      # original untouched


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_halves_the_file(model, ids, dtype):
    half = c.to_dtype(model, dtype)
    assert half.disk_bytes < 0.55 * c.baseline(model).disk_bytes
    assert (logits(half.model, ids) - logits(model, ids)).abs().max() < 0.05
    assert next(model.parameters()).dtype == torch.float32


def test_head_importance_and_pruning_remove_parameters_and_change_output(model, ids):
    importance = c.head_importance(model, mlm_loss(ids))
    assert importance.shape == (2, 4) and (importance >= 0).all() and importance.sum() > 0
    pruned = c.prune_heads(model, 3, importance)
    per_head = 3 * (CONFIG.d_model * CONFIG.d_head + CONFIG.d_head) + CONFIG.d_head * CONFIG.d_model
    assert pruned.parameters == c.baseline(model).parameters - 3 * per_head
    assert pruned.disk_bytes < c.baseline(model).disk_bytes
    assert not torch.allclose(logits(pruned.model, ids), logits(model, ids))
    assert sum(layer.self_attn.n_heads for layer in pruned.model.bert.layers) == 8 - 3
    assert all(layer.self_attn.n_heads == 4 for layer in model.bert.layers)


def test_pruning_the_least_important_head_costs_less_than_the_most(model, ids):
    importance = c.head_importance(model, mlm_loss(ids))
    loss = mlm_loss(ids)
    low = c.prune_heads(model, 1, importance)
    high = c.prune_heads(model, 1, importance.max() - importance)           # the most important one goes
    with torch.no_grad():
        base = loss(model, None).item()
        assert abs(loss(low.model, None).item() - base) <= abs(loss(high.model, None).item() - base)


def test_pruning_a_head_equals_masking_it(model, ids):
    importance = torch.ones(2, 4)
    importance[1, 2] = 0
    pruned = c.prune_heads(model, 1, importance)
    mask = torch.ones(2, 4)
    mask[1, 2] = 0
    with torch.inference_mode():
        torch.testing.assert_close(pruned.model(ids).logits, model(ids, head_mask=mask).logits, atol=1e-5, rtol=0)


def test_every_layer_keeps_one_head():
    assert len(c.least_important(torch.zeros(2, 3), 10)) == 4


def test_full_rank_reproduces_and_low_rank_is_smaller(model, ids):
    full = c.low_rank(model, CONFIG.d_model)
    torch.testing.assert_close(logits(full.model, ids), logits(model, ids), atol=1e-4, rtol=0)
    small = c.low_rank(model, 4)
    assert small.parameters < c.baseline(model).parameters < full.parameters
    assert small.disk_bytes < c.baseline(model).disk_bytes
    assert not torch.allclose(logits(small.model, ids), logits(model, ids), atol=1e-4)
    assert c.break_even_rank(32, 64) == 21 and 21 * 96 < 32 * 64 <= 22 * 96


def test_embedding_factorisation_full_width_reproduces_and_small_width_shrinks(model, ids):
    full = c.factor_embeddings(model, CONFIG.d_model)
    torch.testing.assert_close(logits(full.model, ids), logits(model, ids), atol=1e-4, rtol=0)
    small = c.factor_embeddings(model, 8)
    assert small.parameters == c.baseline(model).parameters - 300 * 32 + 300 * 8 + 8 * 32
    assert small.disk_bytes < c.baseline(model).disk_bytes
    assert small.model.mlm.decoder.factors is small.model.bert.embeddings.word   # still tied


def test_classifier_compresses_too():
    torch.manual_seed(0)
    clf = BertForSequenceClassification(CONFIG.replace(n_labels=2)).eval()
    ids = torch.randint(5, 300, (1, 8))
    for made in (c.int8_dynamic(clf), c.factor_embeddings(clf, 8), c.low_rank(clf, 8),
                 c.prune_heads(clf, 2, torch.rand(2, 4))):
        with torch.inference_mode():
            assert made.model(ids).logits.shape == (1, 2)


def test_latency_is_a_positive_median(model):
    assert 0 < c.forward_latency(model, n_tokens=8, repeats=3) < 5
