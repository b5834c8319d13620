"""The encoder-decoder against torch.nn.Transformer, and decoding properties."""
import torch

from transformer_core import TransformerConfig
from transformer_core.decoding import beam_search, greedy_decode
from transformer_core.seq2seq import Seq2SeqTransformer

CONFIG = TransformerConfig(vocab_size=30, tgt_vocab_size=25, d_model=32, n_layers=2, n_decoder_layers=3, n_heads=4,
                           d_ff=64, max_len=40, type_vocab_size=0, activation="relu", position="sinusoidal",
                           layer_norm_eps=1e-5, dropout=0.0, attn_dropout=0.0)


def _copy_attention(ours, ref):
    wq, wk, wv = ref.in_proj_weight.chunk(3)
    bq, bk, bv = ref.in_proj_bias.chunk(3)
    for lin, w, b in ((ours.q_proj, wq, bq), (ours.k_proj, wk, bk), (ours.v_proj, wv, bv),
                      (ours.out_proj, ref.out_proj.weight, ref.out_proj.bias)):
        lin.weight.copy_(w)
        lin.bias.copy_(b)


def _copy_layer(ours, ref):
    _copy_attention(ours.self_attn, ref.self_attn)
    norms = [(ours.attn_norm, ref.norm1), (ours.ffn_norm, ref.norm2)]
    if ours.cross_attn is not None:
        _copy_attention(ours.cross_attn, ref.multihead_attn)
        norms = [(ours.attn_norm, ref.norm1), (ours.cross_norm, ref.norm2), (ours.ffn_norm, ref.norm3)]
    for mine, theirs in norms + [(ours.ffn.up, ref.linear1), (ours.ffn.down, ref.linear2)]:
        mine.load_state_dict(theirs.state_dict())


@torch.no_grad()
def test_matches_torch_transformer_with_copied_weights():
    model = Seq2SeqTransformer(CONFIG).eval()
    ref = torch.nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=3,
                               dim_feedforward=64, dropout=0.0, batch_first=True).eval()
    for mine, theirs in zip(model.encoder, ref.encoder.layers, strict=True):
        _copy_layer(mine, theirs)
    for mine, theirs in zip(model.decoder, ref.decoder.layers, strict=True):
        _copy_layer(mine, theirs)
    model.encoder_norm.load_state_dict(ref.encoder.norm.state_dict())
    model.decoder_norm.load_state_dict(ref.decoder.norm.state_dict())
    src = torch.randint(1, 30, (2, 9))
    src[1, 6:] = 0
    tgt = torch.randint(1, 25, (2, 7))
    src_x, _ = model.src_embed(src)
    tgt_x, _ = model.tgt_embed(tgt)
    expected = ref(src_x, tgt_x, tgt_mask=ref.generate_square_subsequent_mask(7, dtype=torch.bool),
                   src_key_padding_mask=src == 0, memory_key_padding_mask=src == 0, tgt_is_causal=True)
    memory, _ = model.encode(src)
    logits, trace = model.decode(tgt, memory, src, record=True)
    hidden = trace.final_norm.output
    assert torch.allclose(hidden, expected, atol=1e-5), (hidden - expected).abs().max()
    assert torch.allclose(logits, model(src, tgt).logits, atol=1e-5)


@torch.no_grad()
def test_decoder_self_attention_is_causal_and_cross_attention_skips_padding():
    model = Seq2SeqTransformer(CONFIG).eval()
    src = torch.tensor([[5, 6, 7, 8, 0, 0]])
    out = model(src, torch.tensor([[1, 9, 10, 11]]), record=True)
    for layer in out.trace.decoder.layers:
        assert torch.equal(layer.self_attn.weights.triu(1), torch.zeros_like(layer.self_attn.weights))
        assert layer.cross_attn.weights[..., 4:].abs().max() == 0
    assert out.trace.decoder.cross_attentions.shape == (3, 1, 4, 4, 6)


def test_recording_does_not_change_outputs():
    model = Seq2SeqTransformer(CONFIG).eval()
    src, tgt = torch.randint(1, 30, (2, 9)), torch.randint(1, 25, (2, 7))
    with torch.no_grad():
        a, b = model(src, tgt).logits, model(src, tgt, record=True).logits
    assert torch.equal(a, b)             # recording leaves the output bit-identical


def _trained_copy_model(steps=150):
    """A model that has learnt to copy, so that decoding is not on random noise."""
    torch.manual_seed(0)
    config = CONFIG.replace(tgt_vocab_size=30, n_decoder_layers=2, dropout=0.0)
    model = Seq2SeqTransformer(config)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        body = torch.randint(3, 30, (32, 6))
        src = body
        tgt = torch.cat([torch.ones(32, 1, dtype=torch.long), body], 1)
        labels = torch.cat([body, torch.full((32, 1), 2)], 1)
        loss = model(src, tgt, labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def test_greedy_copies_and_beam_one_equals_greedy():
    model = _trained_copy_model()
    src = torch.tensor([[7, 3, 12, 25, 9, 4]])
    greedy = greedy_decode(model, src, bos=1, eos=2, max_len=10, record=True)
    assert greedy.tokens[0, 1:7].tolist() == src[0].tolist()
    beam1 = beam_search(model, src, bos=1, eos=2, beam_size=1, max_len=10)
    assert beam1.tokens == greedy.tokens[0].tolist()[: len(beam1.tokens)]
    assert len(greedy.steps) == len(greedy.tokens[0]) - 1
    step = greedy.steps[0]
    assert step.candidates.shape == (1, 5) and torch.all(step.candidate_probs[:, :-1] >= step.candidate_probs[:, 1:])
    assert step.cross_attention.shape == (1, 2, 4, 6)
    assert torch.allclose(step.cross_attention.sum(-1), torch.ones(1, 2, 4), atol=1e-5)


def test_beam_search_records_kept_and_pruned_hypotheses():
    model = _trained_copy_model()
    src = torch.tensor([10, 11, 12, 13, 14, 15])
    result = beam_search(model, src, bos=1, eos=2, beam_size=3, max_len=10, record=True)
    assert result.tokens[1:7] == src.tolist() and result.tokens[-1] == 2
    assert len(result.hypotheses) >= 3
    scores = [s for _, s in result.hypotheses]
    assert scores == sorted(scores, reverse=True) and result.score == scores[0]
    first, second = result.steps[0], result.steps[1]
    assert first.beams.shape == (1, 1) and second.beams.shape[0] == 3
    assert len([k for i, k in enumerate(second.kept) if i not in second.finished]) <= 3
    assert torch.all(second.kept_scores[:-1] >= second.kept_scores[1:])


def test_decoding_requests_are_checked():
    import pytest

    from transformer_core import ConfigError
    model = Seq2SeqTransformer(CONFIG).eval()
    two = torch.tensor([[5, 6, 2], [7, 8, 2]])
    with pytest.raises(ConfigError, match="one sentence at a time; got a batch of 2"):
        beam_search(model, two, bos=1, eos=2)
    with pytest.raises(ConfigError, match="beam_size must be at least 1"):
        beam_search(model, two[0], bos=1, eos=2, beam_size=0)
    with pytest.raises(ConfigError, match="use max_len ≤ 39"):
        greedy_decode(model, two, bos=1, eos=2, max_len=40)
    assert greedy_decode(model, two, bos=1, eos=2, max_len=39).tokens.shape[0] == 2
