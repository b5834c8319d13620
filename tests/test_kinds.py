"""transformer_core/kinds.py: every model kind described once, and everything else asking it.

The shipped folders resolve to kinds; the pages find the capabilities they need; a kind registered here
(a renamed BertModel subclass) saves, loads, is listed and opened by the app with no other file touched;
an unknown architecture is said plainly.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from fixtures_models import SENTENCES, make_seq2seq
from torch import nn

from transformer_core import CheckpointError, TransformerConfig, load_pretrained, save_pretrained
from transformer_core import kinds as K
from transformer_core.bert import BertForPreTraining, BertForSequenceClassification, BertModel
from transformer_core.char_vocab import CharPair, CharVocab
from transformer_core.checkpoint import folder_kind
from transformer_core.tokenizer import train_wordpiece
from transformer_core.train.tasks import ClassifyTask, PretrainTask, Seq2SeqTask
from ui import models

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"
SHIPPED = sorted(p.parent for p in MODELS.glob("*/config.json"))
# What each page's ``needs`` (ui/pages.py) asks of a model.
SERVES = {"encoder": lambda s: s.is_encoder, "mlm": lambda s: s.has_mlm, "nsp": lambda s: s.has_nsp,
          "classifier": lambda s: s.is_encoder and s.can(K.CLASSIFY), "seq2seq": lambda s: s.can(K.GENERATE)}


class TinyEncoder(BertModel):
    """A bare encoder under a name of its own: stands for a kind a later issue adds."""


TINY = K.ModelKind("TinyEncoder", TinyEncoder, hf_names=True, hf_prefix="", marker=None,
                   capabilities=frozenset({"sentence_vectors"}), encoder=lambda model: model,
                   tokenizer=K.WORDPIECE, task=None)


@pytest.fixture
def tiny_kind(monkeypatch):
    """TINY registered for one test only."""
    monkeypatch.setattr(K, "KINDS", dict(K.KINDS))
    return K.register(TINY)


@pytest.fixture(scope="module")
def tokenizer():
    return train_wordpiece(SENTENCES, vocab_size=300)


def _config(tokenizer) -> TransformerConfig:
    return TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=1, n_heads=2, d_ff=64,
                             max_len=32)


def test_every_shipped_folder_resolves_to_the_kind_its_config_names():
    assert SHIPPED, "no shipped models"
    for folder in SHIPPED:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        kind = folder_kind(folder)
        assert kind is K.kind_named(data["architectures"][0]), folder.name
        source = models.describe_folder(folder, "shipped", key=folder.name)
        assert source.kind is kind and source.architecture == kind.name


def test_shipped_kinds_say_what_they_can_do():
    assert K.PRETRAINING.capabilities == {K.MLM, K.NSP} and K.MASKED_LM.capabilities == {K.MLM}
    assert K.CLASSIFIER.capabilities == {K.CLASSIFY} and K.SEQ2SEQ.capabilities == {K.GENERATE}
    assert K.ENCODER.capabilities == frozenset()
    assert K.SEQ2SEQ.encoder is None and K.SEQ2SEQ.tokenizer == K.CHAR_PAIR and not K.SEQ2SEQ.hf_names
    for kind in (K.PRETRAINING, K.MASKED_LM, K.CLASSIFIER, K.ENCODER):
        model = kind.model_class(TransformerConfig(vocab_size=50, d_model=16, n_layers=1, n_heads=2, d_ff=32))
        assert K.kind_of(model) is kind and isinstance(K.encoder_of(model), BertModel)
    assert (PretrainTask.kind, ClassifyTask.kind, Seq2SeqTask.kind) == (K.PRETRAINING, K.CLASSIFIER, K.SEQ2SEQ)
    assert PretrainTask.model_class == "BertForPreTraining"          # what trainer_state.json has always said


def test_the_shipped_models_serve_every_page():
    pages = pytest.importorskip("ui.pages")
    sources = [models.describe_folder(folder, "shipped", key=folder.name) for folder in SHIPPED]
    for page in pages.PAGES:
        if page.needs != "none":
            assert any(SERVES[page.needs](s) for s in sources), f"no shipped model serves {page.file}"


def test_model_source_flags_come_from_the_kind():
    def source(kind):
        return models.ModelSource("k", "k", None, kind.name, "en", "shipped")
    assert [source(k).has_mlm for k in K.SHIPPED[:5]] == [True, True, False, False, False]
    assert [source(k).has_nsp for k in K.SHIPPED[:5]] == [True, False, False, False, False]
    assert [source(k).is_encoder for k in K.SHIPPED[:5]] == [True, True, True, True, False]
    vit = source(K.VIT)                                   # images: no head a text page asks for, no BERT encoder
    assert not (vit.has_mlm or vit.has_nsp or vit.is_encoder) and vit.can(K.CLASSIFY_IMAGE)


def test_a_registered_kind_saves_loads_and_is_listed(tiny_kind, tokenizer, tmp_path):
    model = TinyEncoder(_config(tokenizer)).eval()
    assert K.kind_of(model) is tiny_kind and K.encoder_of(model) is model
    folder = save_pretrained(model, tmp_path / "tiny", tokenizer)
    assert json.loads((folder / "config.json").read_text())["architectures"] == ["TinyEncoder"]
    loaded, loaded_tokenizer = load_pretrained(folder)
    assert type(loaded) is TinyEncoder and loaded_tokenizer is not None
    ids = torch.tensor([tokenizer.encode("The cat sat on the mat.").ids])
    with torch.no_grad():
        assert torch.equal(model(ids).last_hidden_state, loaded(ids).last_hidden_state)
    source = models.describe_folder(folder)
    assert source.kind is tiny_kind and source.is_encoder and source.can("sentence_vectors")
    assert not source.has_mlm and not source.has_nsp
    assert type(models.load(source).model) is TinyEncoder


def test_a_registered_kind_shares_the_bert_weights(tiny_kind, tokenizer, tmp_path):
    pretrained = save_pretrained(BertForPreTraining(_config(tokenizer)), tmp_path / "pre", tokenizer)
    body, _ = load_pretrained(pretrained, model_class="TinyEncoder")           # the body of a BERT with heads
    assert type(body) is TinyEncoder
    tiny = save_pretrained(body, tmp_path / "tiny", tokenizer)
    classifier, _ = load_pretrained(tiny, model_class=BertForSequenceClassification, init_missing_heads=True)
    assert K.kind_of(classifier) is K.CLASSIFIER


def test_unknown_architecture_is_said_plainly(tokenizer, tmp_path):
    with pytest.raises(CheckpointError, match="'T5ForConditionalGeneration': this lab knows BertForPreTraining") as err:
        K.kind_named("T5ForConditionalGeneration")             # (GPT2LMHeadModel is a kind now: gpt.py)
    assert err.value.key == "unknown_kind" and err.value.values["name"] == "T5ForConditionalGeneration"
    folder = save_pretrained(BertModel(_config(tokenizer)), tmp_path / "bare", tokenizer)
    with pytest.raises(CheckpointError, match="Unknown model architecture 'Nope'"):
        load_pretrained(folder, model_class="Nope")
    with pytest.raises(CheckpointError, match="Linear is not a registered model kind"):
        save_pretrained(nn.Linear(2, 2), tmp_path / "linear")


def test_a_folder_naming_no_kind_is_known_by_its_weights(tokenizer, tmp_path):
    for cls in (BertForPreTraining, BertForSequenceClassification, BertModel):
        folder = save_pretrained(cls(_config(tokenizer)), tmp_path / cls.__name__, tokenizer)
        data = json.loads((folder / "config.json").read_text())
        data["architectures"] = ["BertForQuestionAnswering"]                     # a name we have no kind for
        (folder / "config.json").write_text(json.dumps(data))
        assert folder_kind(folder) is K.kind_of_class(cls)
        assert type(load_pretrained(folder)[0]) is cls


def test_an_encoder_decoder_reads_through_a_char_pair(tmp_path):
    source = models.describe_folder(make_seq2seq(tmp_path / "s2s"), "shipped", key="s2s")
    assert source.kind is K.SEQ2SEQ and not source.is_encoder and source.can(K.GENERATE)
    loaded = models.load(source)
    assert isinstance(loaded.tokenizer, CharPair) and isinstance(loaded.tokenizer.source, CharVocab)
    assert len(loaded.tokenizer.target) == loaded.config.target_vocab_size
    with pytest.raises(CheckpointError, match="has no BERT-style encoder"):
        K.encoder_of(loaded.model)
