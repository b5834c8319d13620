"""Recording: every intermediate is there, shaped as documented, and the outputs do not change."""
import numpy as np
import pytest
import torch

from transformer_core import BertForPreTraining, BertForSequenceClassification


@pytest.mark.parametrize("changes", [
    {}, {"position": "sinusoidal"}, {"position": "rotary"}, {"norm_first": True}, {"activation": "relu"},
])
def test_recording_never_changes_outputs(small_config, batch, changes):
    model = BertForPreTraining(small_config.replace(**changes)).eval()
    ids, mask, segments = batch
    with torch.no_grad():
        plain = model(ids, mask, segments)
        recorded = model(ids, mask, segments, record=True)
    assert torch.equal(plain.logits, recorded.logits)
    assert torch.equal(plain.nsp_logits, recorded.nsp_logits)
    assert plain.trace is None and recorded.trace is not None


def test_trace_shapes_and_consistency(small_config, batch):
    model = BertForPreTraining(small_config).eval()
    ids, mask, segments = batch
    B, T, D, H, F, V = 2, 12, 32, 4, 64, 120
    trace = model(ids, mask, segments, record=True).trace
    emb = trace.embeddings
    assert emb.token.shape == emb.segment.shape == emb.position.shape == emb.output.shape == (B, T, D)
    assert torch.allclose(emb.summed, emb.token + emb.segment + emb.position)
    assert len(trace.layers) == 2 and trace.logits.shape == (B, T, V)
    layer = trace.layers[0]
    att = layer.self_attn
    assert att.q.shape == att.k.shape == att.v.shape == att.context.shape == (B, H, T, D // H)
    assert att.scores.shape == att.weights.shape == (B, H, T, T)
    assert torch.allclose(att.scaled, att.scores / (D // H) ** 0.5)
    assert torch.allclose(att.weights, att.masked.softmax(-1))
    assert torch.allclose(att.context, att.weights @ att.v, atol=1e-6)
    assert torch.allclose(att.concat, att.context.transpose(1, 2).reshape(B, T, D))
    assert layer.ffn.pre_activation.shape == layer.ffn.activation.shape == (B, T, F)
    assert torch.allclose(layer.attn_residual, layer.input + att.output)        # post-LN, eval: no dropout
    assert torch.allclose(layer.attn_norm.mean, layer.attn_residual.mean(-1), atol=1e-6)
    assert torch.allclose(layer.attn_norm.var, layer.attn_residual.var(-1, unbiased=False))
    assert torch.allclose(trace.layers[1].input, layer.output)
    assert layer.cross_attn is None and trace.final_norm is None
    assert not any(t.requires_grad for t in (att.weights, layer.output, emb.output))


def test_pre_ln_trace_has_final_norm_and_norm_before_sublayer(small_config, batch):
    model = BertForPreTraining(small_config.replace(norm_first=True)).eval()
    trace = model(*batch, record=True).trace
    layer = trace.layers[0]
    assert torch.allclose(layer.attn_norm.input, layer.input)                   # LN(x) feeds attention
    assert torch.allclose(layer.attn_residual, layer.input + layer.self_attn.output)
    assert trace.final_norm is not None


def test_numpy_export_and_head_mask(small_config, batch):
    model = BertForSequenceClassification(small_config.replace(pooling="mean")).eval()
    head_mask = torch.ones(2, 4)
    head_mask[1, 2] = 0
    out = model(*batch, head_mask=head_mask, record=True)
    arrays = out.trace.layers[1].self_attn.numpy()
    assert isinstance(arrays["weights"], np.ndarray) and arrays["weights"][:, 2].max() == 0
    assert out.trace.numpy()["layers"][0]["ffn"]["activation"].shape == (2, 12, 64)
    assert out.logits.shape == (2, 2) and out.sentence_vector.shape == (2, 32)


def test_mean_pooling_ignores_padding(small_config):
    model = BertForSequenceClassification(small_config.replace(pooling="mean")).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    out = model(ids)
    expected = out.last_hidden_state[0, :3].mean(0)
    assert torch.allclose(out.sentence_vector[0], expected, atol=1e-6)
