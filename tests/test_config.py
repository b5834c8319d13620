"""Bad settings get a message that says what to change."""
import dataclasses

import pytest
import torch

from transformer_core import PRESETS, BertForPreTraining, ConfigError, TransformerConfig


def test_heads_must_divide_width():
    with pytest.raises(ConfigError, match="divisible by n_heads"):
        TransformerConfig(d_model=250, n_heads=4)


@pytest.mark.parametrize("field,value,words", [
    ("activation", "tanh", "activation must be one of"), ("position", "absolute", "position must be one of"),
    ("dropout", 1.5, "dropout must be in"), ("n_layers", 0, "n_layers must be"), ("pad_token_id", 9000, "pad_token_id"),
])
def test_invalid_values_explain_themselves(field, value, words):
    with pytest.raises(ConfigError, match=words):
        TransformerConfig(**{field: value})


def test_config_is_frozen_and_round_trips():
    config = TransformerConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.d_model = 3
    assert TransformerConfig.from_dict(config.to_dict()) == config


def test_too_long_input_is_refused_clearly():
    model = BertForPreTraining(TransformerConfig(vocab_size=50, d_model=16, n_heads=2, n_layers=1, d_ff=8,
                                                 max_len=8))
    with pytest.raises(ConfigError, match="max_len = 8"):
        model(torch.ones(1, 9, dtype=torch.long))


def test_bert_base_has_about_110m_parameters():
    model = BertForPreTraining(PRESETS["bert-base"])
    n = sum(p.numel() for p in model.parameters())      # tied decoder counted once
    assert 108e6 < n < 112e6


def test_ids_outside_the_vocabulary_are_refused_clearly():
    model = BertForPreTraining(TransformerConfig(vocab_size=50, d_model=16, n_heads=2, n_layers=1, d_ff=8))
    with pytest.raises(ConfigError, match="input_ids holds 50, outside 0…49: was the text tokenized"):
        model(torch.tensor([[2, 50, 3]]))


@pytest.mark.parametrize("call,words", [
    (lambda m: m(torch.tensor([2, 3, 4])), "must be a 2-D tensor .batch, tokens.; got shape .3,."),
    (lambda m: m(torch.tensor([[2.0, 3.0]])), "must hold integer ids"),
    (lambda m: m(torch.tensor([[2, 3]]), token_type_ids=torch.tensor([[0, 5]])), "token_type_ids holds 5, outside 0…1"),
    (lambda m: m(torch.tensor([[2, 3]]), token_type_ids=torch.tensor([[0, 1, 1]])), "token_type_ids has shape"),
    (lambda m: m(torch.tensor([[2, 3]]), attention_mask=torch.tensor([[1]])), "attention_mask has shape .1, 1."),
])
def test_malformed_inputs_are_explained(call, words):
    model = BertForPreTraining(TransformerConfig(vocab_size=50, d_model=16, n_heads=2, n_layers=1, d_ff=8))
    with pytest.raises(ConfigError, match=words):
        call(model)
