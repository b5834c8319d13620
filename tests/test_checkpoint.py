"""Saving and loading: round trips, fp16 storage, and clear errors for every broken folder."""
import json
import pickle

import pytest
import torch
from safetensors.torch import load_file, save_file

from transformer_core import BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertModel
from transformer_core.checkpoint import CheckpointError, load_pretrained, load_seq2seq, save_pretrained, save_vocabs
from transformer_core.config import TransformerConfig
from transformer_core.tokenizer import train_wordpiece


@pytest.fixture
def saved(tmp_path, small_config):
    model = BertForPreTraining(small_config).eval()
    save_pretrained(model, tmp_path)
    return model, tmp_path


@pytest.mark.parametrize("cls", [BertModel, BertForMaskedLM, BertForPreTraining, BertForSequenceClassification])
def test_round_trip_every_architecture(tmp_path, small_config, batch, cls):
    model = cls(small_config).eval()
    save_pretrained(model, tmp_path)
    loaded, tokenizer = load_pretrained(tmp_path)
    assert type(loaded) is cls and tokenizer is None and not loaded.training
    with torch.no_grad():
        a, b = model(*batch), loaded(*batch)
    key = "last_hidden_state" if cls is BertModel else "logits"
    assert torch.equal(getattr(a, key), getattr(b, key))


def test_tied_decoder_is_stored_once_and_stays_tied(saved):
    model, folder = saved
    keys = load_file(folder / "model.safetensors").keys()
    assert "cls.predictions.decoder.weight" not in keys and "bert.embeddings.word_embeddings.weight" in keys
    loaded, _ = load_pretrained(folder)
    assert loaded.mlm.decoder.weight is loaded.bert.embeddings.word.weight
    config = json.loads((folder / "config.json").read_text())
    assert config["hidden_size"] == 32 and config["architectures"] == ["BertForPreTraining"]


def test_fp16_storage_halves_the_file(tmp_path, small_config, batch):
    model = BertForPreTraining(small_config).eval()
    save_pretrained(model, tmp_path / "fp32")
    save_pretrained(model, tmp_path / "fp16", dtype=torch.float16)
    size = lambda name: (tmp_path / name / "model.safetensors").stat().st_size  # noqa: E731
    assert size("fp16") < 0.55 * size("fp32")
    loaded, _ = load_pretrained(tmp_path / "fp16")
    assert next(loaded.parameters()).dtype == torch.float32
    with torch.no_grad():
        assert (loaded(*batch).logits - model(*batch).logits).abs().max() < 1e-2


def test_tokenizer_travels_with_the_model(tmp_path, small_config):
    tokenizer = train_wordpiece(["the cat sat on the mat", "注意力就是你所需要的", "the dog sat"] * 5,
                                vocab_size=120, min_frequency=1)
    save_pretrained(BertModel(small_config), tmp_path, tokenizer=tokenizer)
    _, loaded = load_pretrained(tmp_path)
    encoding = loaded.encode("the cat", "注意力")
    assert encoding.tokens == ["[CLS]", "the", "cat", "[SEP]", "注", "意", "力", "[SEP]"]
    assert encoding.type_ids == [0, 0, 0, 0, 1, 1, 1, 1]


def test_classifier_from_pretraining_checkpoint_with_new_head(saved):
    _, folder = saved
    with pytest.raises(CheckpointError, match="missing keys.*classifier.weight"):
        load_pretrained(folder, model_class="BertForSequenceClassification")
    model, _ = load_pretrained(folder, model_class="BertForSequenceClassification", init_missing_heads=True)
    assert isinstance(model, BertForSequenceClassification)


def test_bin_weights_load_only_as_plain_tensors(tmp_path, saved, batch):
    model, folder = saved
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "config.json").write_text((folder / "config.json").read_text())
    torch.save(load_file(folder / "model.safetensors"), tmp_path / "bin" / "pytorch_model.bin")
    loaded, _ = load_pretrained(tmp_path / "bin")
    with torch.no_grad():
        assert torch.equal(loaded(*batch).logits, model(*batch).logits)


class Evil:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_pickled_code_is_never_run(tmp_path, saved, monkeypatch):
    _, folder = saved
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "config.json").write_text((folder / "config.json").read_text())
    with open(tmp_path / "evil" / "pytorch_model.bin", "wb") as f:
        pickle.dump({"x": Evil()}, f)
    with pytest.raises(CheckpointError, match="pytorch_model.bin could not be read as plain weights"):
        load_pretrained(tmp_path / "evil")
    assert not (tmp_path / "PWNED").exists()


def test_missing_folder_config_and_weights(tmp_path, saved):
    _, folder = saved
    with pytest.raises(CheckpointError, match="is not a folder"):
        load_pretrained(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="config.json is missing"):
        load_pretrained(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text((folder / "config.json").read_text())
    with pytest.raises(CheckpointError, match="expected model.safetensors"):
        load_pretrained(tmp_path / "empty")
    (tmp_path / "empty" / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json is not valid JSON"):
        load_pretrained(tmp_path / "empty")


def test_truncated_and_corrupt_weights(saved):
    _, folder = saved
    path = folder / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="model.safetensors is corrupt or truncated"):
        load_pretrained(folder)
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError, match="model.safetensors is corrupt or truncated"):
        load_pretrained(folder)


def test_mismatched_keys_are_named(saved):
    _, folder = saved
    path = folder / "model.safetensors"
    tensors = load_file(path)
    tensors["bert.encoder.layer.1.output.dense.weight"] = torch.zeros(5, 5)
    del tensors["bert.pooler.dense.bias"]
    tensors["bert.encoder.layer.9.mystery.weight"] = torch.zeros(1)
    save_file(tensors, path)
    with pytest.raises(CheckpointError) as err:
        load_pretrained(folder)
    message = str(err.value)
    assert "model.safetensors" in message
    assert "missing keys (1): bert.pooler.dense.bias" in message
    assert "unexpected keys (1): bert.encoder.layer.9.mystery.weight" in message
    assert "bert.encoder.layer.1.output.dense.weight: file (5, 5) vs model (32, 64)" in message


def test_wrong_config_values_are_reported(saved):
    _, folder = saved
    config = json.loads((folder / "config.json").read_text())
    config["attention_lab"]["n_heads"] = 5
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="config.json: d_model .32. must be divisible by n_heads .5."):
        load_pretrained(folder)


# ---- the encoder-decoder: our own parameter names, vocabularies beside the weights ----------
@pytest.fixture
def seq2seq_saved(tmp_path):
    from transformer_core.char_vocab import CharVocab
    from transformer_core.seq2seq import Seq2SeqTransformer
    vocab = CharVocab("abcdef")
    config = TransformerConfig(vocab_size=len(vocab), d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=16,
                               type_vocab_size=0, position="sinusoidal", activation="relu")
    model, folder = Seq2SeqTransformer(config).eval(), tmp_path / "s2s"
    save_pretrained(model, folder)
    save_vocabs(folder, vocab)
    return model, vocab, folder


def test_seq2seq_round_trip(seq2seq_saved):
    model, vocab, folder = seq2seq_saved
    data = json.loads((folder / "config.json").read_text())
    assert data["architectures"] == ["Seq2SeqTransformer"]
    assert "generator.weight" in load_file(folder / "model.safetensors")               # our own names
    loaded, tokenizer = load_pretrained(folder)                     # the architecture is read from config.json
    assert type(loaded) is type(model) and tokenizer is None
    src, tgt = torch.tensor([vocab.encode("abc", add_eos=True)]), torch.tensor([[vocab.bos_id, 5, 6]])
    with torch.no_grad():
        assert torch.equal(model(src, tgt).logits, loaded(src, tgt).logits)
    again, source, target = load_seq2seq(folder)
    assert source.tokens == vocab.tokens and target.tokens == vocab.tokens and type(again) is type(model)


def test_seq2seq_folder_errors(seq2seq_saved, saved):
    _, _, folder = seq2seq_saved
    with pytest.raises(CheckpointError, match="holds a Seq2SeqTransformer, which cannot be loaded as BertModel"):
        load_pretrained(folder, model_class="BertModel")
    with pytest.raises(CheckpointError, match="holds a BERT model, not a Seq2SeqTransformer"):
        load_pretrained(saved[1], model_class="Seq2SeqTransformer")
    weights = load_file(folder / "model.safetensors")
    weights["generator.weight"] = weights["generator.weight"][:3]
    weights["decoder.9.extra.weight"] = torch.zeros(1)
    del weights["encoder_norm.bias"]
    save_file(weights, folder / "model.safetensors")
    with pytest.raises(CheckpointError) as err:
        load_pretrained(folder)
    for part in ("missing keys (1): encoder_norm.bias", "unexpected keys (1): decoder.9.extra.weight",
                 "mis-shaped keys (1): generator.weight"):
        assert part in str(err.value)


def test_seq2seq_vocabulary_must_be_there_and_fit(seq2seq_saved):
    from transformer_core.char_vocab import CharVocab
    _, _, folder = seq2seq_saved
    CharVocab("abc").save(folder / "vocab.json")
    with pytest.raises(CheckpointError, match="vocabulary has 7 characters but the model was built for 10"):
        load_seq2seq(folder)
    (folder / "vocab.json").unlink()
    with pytest.raises(CheckpointError, match="has no vocab.json"):
        load_seq2seq(folder)
