"""GPT: parity with Hugging Face's GPT-2 (both directions of the weight layout), the causal mask, saving by
the kind, and a short training run that learns."""
import json

import pytest
import torch
import transformers

from transformer_core.checkpoint import folder_kind, load_pretrained, save_pretrained
from transformer_core.gpt import GPT2_LAYOUT, GPTLMHeadModel, gpt_config
from transformer_core.kinds import CAUSAL_LM, NEXT_TOKEN, kind_for_task, kind_of

TOL = 1e-5


def small(**kw):
    return gpt_config(**{"vocab_size": 97, "d_model": 32, "n_layers": 2, "n_heads": 4, "d_ff": 64, "max_len": 24,
                         "dropout": 0.0, "attn_dropout": 0.0, **kw})


def hf_twin(config) -> transformers.GPT2LMHeadModel:
    """GPT-2 of the same sizes; exact GELU ("gelu"), as our FeedForward computes it."""
    return transformers.GPT2LMHeadModel(transformers.GPT2Config(
        vocab_size=config.vocab_size, n_embd=config.d_model, n_layer=config.n_layers, n_head=config.n_heads,
        n_inner=config.d_ff, n_positions=config.max_len, activation_function="gelu",
        layer_norm_epsilon=config.layer_norm_eps, attn_implementation="eager")).eval()


def ids(batch=2, length=11, vocab=97, seed=0):
    return torch.randint(0, vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


def close(a, b):
    return torch.allclose(a, b, atol=TOL, rtol=0), (a - b).abs().max().item()


def test_hf_weights_copied_into_ours_give_the_same_logits_and_attentions():
    config = small()
    hf = hf_twin(config)
    torch.manual_seed(1)
    for p in hf.parameters():                     # not the init's zeros: every bias and gain matters
        p.data.normal_(0, 0.3)
    ours = GPTLMHeadModel(config).eval()
    ours.load_state_dict(GPT2_LAYOUT.from_file(hf.state_dict()))
    x = ids()
    with torch.no_grad():
        theirs = hf(x, output_attentions=True, output_hidden_states=True)
    mine = ours(x, record=True)
    assert close(mine.logits, theirs.logits)[0], close(mine.logits, theirs.logits)[1]
    for a, b in zip(mine.trace.attentions, theirs.attentions, strict=True):   # (B, H, T, T) per layer
        assert close(a, b)[0]
    for a, b in zip(mine.trace.hidden_states[:-1], theirs.hidden_states[:-1], strict=True):
        assert close(a, b)[0]                    # HF's last hidden state is after ln_f; ours is the layer's
    assert close(ours(x).logits, theirs.logits)[0]  # the fused fast path agrees too


def test_our_folder_loads_in_transformers_with_the_same_numbers(tmp_path):
    torch.manual_seed(2)
    ours = GPTLMHeadModel(small()).eval()
    save_pretrained(ours, tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["architectures"] == ["GPT2LMHeadModel"] and data["model_type"] == "gpt2"
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path, attn_implementation="eager").eval()
    x = ids(seed=3)
    labels = x.clone()
    with torch.no_grad():
        theirs = hf(x, labels=labels, output_attentions=True)
    mine = ours(x, labels=labels, record=True)
    assert close(mine.logits, theirs.logits)[0]
    assert abs(mine.loss.item() - theirs.loss.item()) < TOL        # the same shift by one inside
    for a, b in zip(mine.trace.attentions, theirs.attentions, strict=True):
        assert close(a, b)[0]


def test_saved_names_are_gpt2s_and_the_round_trip_is_exact(tmp_path):
    torch.manual_seed(3)
    model = GPTLMHeadModel(small()).eval()
    save_pretrained(model, tmp_path)
    from safetensors import safe_open
    with safe_open(str(tmp_path / "model.safetensors"), framework="pt") as f:
        keys = set(f.keys())
        assert tuple(f.get_tensor("transformer.h.0.attn.c_attn.weight").shape) == (32, 96)   # Conv1D: (in, out)
    assert "transformer.wte.weight" in keys and "lm_head.weight" not in keys                # tied: stored once
    assert folder_kind(tmp_path) is CAUSAL_LM
    loaded, _ = load_pretrained(tmp_path)
    assert kind_of(loaded) is CAUSAL_LM and loaded.lm_head.weight is loaded.embeddings.word.weight
    x = ids(seed=4)
    assert torch.equal(loaded(x).logits, model(x).logits)
    save_pretrained(model, tmp_path / "int8", int8=True)                                  # int8 storage loads
    assert (load_pretrained(tmp_path / "int8")[0](x).logits - model(x).logits).abs().max() < 0.05


def test_the_kind_is_registered_for_next_token_prediction():
    assert CAUSAL_LM.can(NEXT_TOKEN) and kind_for_task("causal_lm") is CAUSAL_LM and CAUSAL_LM.encoder is None


def test_causal_mask_no_position_sees_the_future():
    model = GPTLMHeadModel(small()).eval()
    x = ids(batch=1, length=9)
    weights = model(x, record=True).trace.attentions                              # (L, B, H, T, T)
    assert torch.all(weights.triu(1) == 0)
    assert torch.allclose(weights.sum(-1), torch.ones(()))
    changed = x.clone()
    changed[0, 6] = (changed[0, 6] + 1) % 97                                     # change a later token:
    before, after = model(x).logits, model(changed).logits                       # earlier outputs stay the same
    assert torch.allclose(before[0, :6], after[0, :6], atol=1e-6) and not torch.allclose(before[0, 6], after[0, 6])


def test_a_short_training_run_lowers_the_loss_well_below_uniform(tmp_path):
    from transformer_core.train.build import build_parts
    from transformer_core.train.config import TrainConfig
    from transformer_core.train.trainer import Trainer
    corpus = tmp_path / "corpus.txt"
    lines = ["the cat sat on the mat .", "the dog sat on the log .", "a bird sang in the tree ."]
    corpus.write_text("\n\n".join(lines * 60), encoding="utf-8")
    config = TrainConfig(task="causal_lm", corpus=str(corpus), vocab_size=60, max_len=16, batch_size=8, steps=120,
                         lr=3e-3, preset="tiny", model={"d_model": 32, "n_layers": 1, "n_heads": 2, "d_ff": 64,
                                                        "dropout": 0.0, "attn_dropout": 0.0},
                         out_dir=str(tmp_path / "run"), seed=0)
    torch.manual_seed(0)
    parts = build_parts(config)
    assert kind_of(parts.model) is CAUSAL_LM
    trainer = Trainer(config, parts.model, parts.train, list(itertools_take(parts.train, 2)),
                      **parts.trainer_kwargs())
    losses = [m.loss for m in trainer.steps(120)]
    uniform = torch.log(torch.tensor(float(parts.model.config.vocab_size))).item()
    assert losses[0] > 0.8 * uniform
    assert sum(losses[-10:]) / 10 < 0.4 * uniform          # well below guessing among the vocabulary
    result = trainer.evaluate()
    assert result["next_top1"] > 0.5 and result["perplexity"] < 6
    trainer.save()                                         # continued training starts from these weights
    again = build_parts(config.replace(pretrained=str(tmp_path / "run"), vocab_size=30_000))
    assert again.tokenizer.get_vocab() == parts.tokenizer.get_vocab()
    for name, value in parts.model.state_dict().items():
        assert torch.equal(again.model.state_dict()[name], value), name
    assert again.model.training


def itertools_take(batches, n):
    import itertools
    return itertools.islice(iter(batches), n)


@pytest.mark.parametrize("bad", [{"n_layers": 0}])
def test_bad_config_is_a_keyed_error(bad):
    from transformer_core.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        small(**bad)
    assert err.value.key
