"""The models in assets/models: they load, they survive a trip through Hugging Face transformers with
the same logits, and a quick held-out evaluation stays above a floor well below each target — so a
broken export (wrong key, transposed matrix, lost tokenizer) fails here, not a noisy one."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from transformer_core import load_pretrained, load_seq2seq
from transformer_core.evaluate import evaluate_folder
from transformer_core.train.snapshots import read as read_snapshots

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"
EXPECTED = {"bert-mini-en": "BertForPreTraining", "bert-mini-zh": "BertForPreTraining",
            "sentiment-en": "BertForSequenceClassification", "sentiment-zh": "BertForSequenceClassification",
            "seq2seq-numbers": "Seq2SeqTransformer"}
BERTS = [name for name, arch in EXPECTED.items() if arch != "Seq2SeqTransformer"]
SENTENCES = {"en": ["the lord said unto moses, go.", "she was not at all pleased with the [MASK]."],
             "zh": ["今天天气很好。", "这本书非常[MASK]看。"]}


def _card(name: str) -> dict:
    return json.loads((MODELS / name / "config.json").read_text(encoding="utf-8"))


def test_every_expected_model_is_shipped_with_a_card_and_fp16_weights():
    for name, architecture in EXPECTED.items():
        folder = MODELS / name
        assert (folder / "MODEL_CARD.md").is_file(), name
        assert _card(name)["architectures"] == [architecture]
        assert (folder / "model.safetensors").stat().st_size < 15e6, name
    total = sum(f.stat().st_size for f in MODELS.rglob("*") if f.is_file())
    assert total <= 50e6, f"shipped models take {total / 1e6:.1f} MB"


@pytest.mark.parametrize("name", BERTS)
def test_round_trip_through_hf_gives_the_same_logits(name):
    from transformers import AutoModelForPreTraining, AutoModelForSequenceClassification
    ours, tokenizer = load_pretrained(MODELS / name)
    auto = AutoModelForPreTraining if EXPECTED[name] == "BertForPreTraining" else AutoModelForSequenceClassification
    hf = auto.from_pretrained(MODELS / name, attn_implementation="eager", torch_dtype=torch.float32).eval()
    lang = _card(name)["attention_lab_card"]["language"]
    for text in SENTENCES[lang]:
        ids = torch.tensor([tokenizer.encode(text).ids])
        with torch.inference_mode():
            mine, theirs = ours(ids), hf(ids)
        field = "prediction_logits" if EXPECTED[name] == "BertForPreTraining" else "logits"
        torch.testing.assert_close(mine.logits, getattr(theirs, field), atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("name", ["bert-mini-en", "bert-mini-zh"])
def test_pretrained_models_carry_attention_snapshots(name):
    meta, tensors = read_snapshots(MODELS / name)
    assert len(meta["steps"]) >= 5 and meta["steps"][0] < meta["steps"][-1]
    first = tensors[f"step{meta['steps'][-1]:08d}/probe0"]                      # (L, H, T, T)
    config = _card(name)["attention_lab"]
    assert first.shape[:2] == (config["n_layers"], config["n_heads"])
    torch.testing.assert_close(first.float().sum(-1), torch.ones(first.shape[:3]), atol=2e-3, rtol=0)


def test_seq2seq_model_loads_with_its_vocabularies():
    model, source, target = load_seq2seq(MODELS / "seq2seq-numbers")
    assert model.config.vocab_size == len(source) and "九" in target.tokens


# quick held-out evaluations: floors far under the targets (a broken export scores near zero)
FLOORS = {"bert-mini-en": ("mlm_top5", 0.15), "bert-mini-zh": ("mlm_top5", 0.15),
          "sentiment-zh": ("accuracy", 0.70), "seq2seq-numbers": ("token_accuracy", 0.6)}


@pytest.mark.parametrize("name", list(FLOORS))
def test_quick_held_out_evaluation_stays_above_a_floor(name):
    metric, floor = FLOORS[name]
    corpus = {"bert-mini-en": "en", "bert-mini-zh": "zh", "sentiment-zh": "sentiment-zh"}.get(name)
    result = evaluate_folder(MODELS / name, corpus=corpus, split="test", batch_size=16)
    assert result[metric] >= floor, result
