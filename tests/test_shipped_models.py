"""The models in assets/models: they load, they survive a trip through Hugging Face transformers with
the same logits, and quick held-out and classroom evaluations stay above floors well below each target —
so a broken export (wrong key, transposed matrix, lost tokenizer, bad int8 scales) fails here, not a
noisy one. (The encoder-decoder's floor on typed numbers is in test_seq2seq_numbers.py.)"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from transformer_core import classroom as C
from transformer_core import load_pretrained, load_seq2seq, save_pretrained
from transformer_core.train.evaluate import evaluate_folder
from transformer_core.train.snapshots import read as read_snapshots

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"
EXPECTED = {"minilm-mlm-en": "BertForPreTraining", "minilm-mlm-zh": "BertForPreTraining",
            "bert-mini-en": "BertForPreTraining", "sentiment-en": "BertForSequenceClassification",
            "sentiment-zh": "BertForSequenceClassification", "seq2seq-numbers": "Seq2SeqTransformer",
            "gpt-en": "GPT2LMHeadModel", "gpt-zh": "GPT2LMHeadModel"}
BERTS = [name for name, arch in EXPECTED.items() if arch.startswith("Bert")]
PRETRAINED = [name for name, arch in EXPECTED.items() if arch == "BertForPreTraining"]
SENTENCES = {"en": ["the lord said unto moses, go.", "she was not at all pleased with the [MASK]."],
             "zh": ["今天天气很好。", "这本书非常[MASK]看。"]}
BUDGET_MB = 100


def _card(name: str) -> dict:
    return json.loads((MODELS / name / "config.json").read_text(encoding="utf-8"))


def test_every_expected_model_is_shipped_with_a_card_within_the_budget():
    for name, architecture in EXPECTED.items():
        folder = MODELS / name
        assert (folder / "MODEL_CARD.md").is_file(), name
        assert _card(name)["architectures"] == [architecture]
        assert "/root/" not in (folder / "evaluation.json").read_text(encoding="utf-8"), "a machine path"
    total = sum(f.stat().st_size for f in MODELS.rglob("*") if f.is_file())
    assert total <= BUDGET_MB * 1e6, f"shipped models take {total / 1e6:.1f} MB"


def test_each_language_defaults_to_its_best_masked_lm():
    from ui.models import shipped_models
    first = {lang: next(s.key for s in shipped_models() if s.lang == lang and s.has_mlm) for lang in ("en", "zh")}
    assert first == {"en": "minilm-mlm-en", "zh": "minilm-mlm-zh"}


@pytest.mark.parametrize("name", BERTS)
def test_round_trip_through_hf_gives_the_same_logits(name, tmp_path):
    """int8-stored folders are written out as plain float weights first (HF reads only those). HF's
    classifier always reads the [CLS] pooler, so a mean-pooled classifier is checked through HF's encoder:
    our classifier on the mean of HF's token vectors must give our logits."""
    from transformers import AutoModel, AutoModelForPreTraining, AutoModelForSequenceClassification
    ours, tokenizer = load_pretrained(MODELS / name)
    save_pretrained(ours, tmp_path, tokenizer)
    mean_pooled = getattr(ours.config, "pooling", "cls") == "mean" and EXPECTED[name] != "BertForPreTraining"
    auto = (AutoModel if mean_pooled else
            AutoModelForPreTraining if EXPECTED[name] == "BertForPreTraining" else AutoModelForSequenceClassification)
    hf = auto.from_pretrained(tmp_path, attn_implementation="eager", torch_dtype=torch.float32).eval()
    lang = _card(name)["attention_lab_card"]["language"]
    for text in SENTENCES[lang]:
        ids = torch.tensor([tokenizer.encode(text).ids])
        with torch.inference_mode():
            mine, theirs = ours(ids), hf(ids)
            if mean_pooled:
                theirs_logits = ours.classifier(theirs.last_hidden_state.mean(1))            # (1, n_labels)
            else:
                field = "prediction_logits" if EXPECTED[name] == "BertForPreTraining" else "logits"
                theirs_logits = getattr(theirs, field)
        torch.testing.assert_close(mine.logits, theirs_logits, atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("name", PRETRAINED)
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
FLOORS = {"minilm-mlm-en": ("mlm_top5", 0.30), "minilm-mlm-zh": ("mlm_top5", 0.25),
          "bert-mini-en": ("mlm_top5", 0.15), "sentiment-en": ("accuracy", 0.70), "sentiment-zh": ("accuracy", 0.75)}
CORPUS = {"minilm-mlm-en": "en", "minilm-mlm-zh": "zh", "bert-mini-en": "en", "sentiment-en": "sentiment-en-small",
          "sentiment-zh": "sentiment-zh"}


@pytest.mark.parametrize("name", list(FLOORS))
def test_quick_held_out_evaluation_stays_above_a_floor(name):
    metric, floor = FLOORS[name]
    result = evaluate_folder(MODELS / name, corpus=CORPUS[name], split="test", batch_size=16)
    assert result[metric] >= floor, result


CLOZE_FLOORS = {"minilm-mlm-en": ("en", 0.20), "minilm-mlm-zh": ("zh", 0.10)}


@pytest.mark.parametrize("name", list(CLOZE_FLOORS))
def test_classroom_cloze_stays_above_a_floor(name):
    lang, floor = CLOZE_FLOORS[name]
    model, tokenizer = load_pretrained(MODELS / name)
    summary = C.cloze_summary(C.cloze(model, tokenizer, C.read_cloze(C.EVAL_DIR / f"cloze_{lang}.tsv")))
    assert summary["cloze_top5"] >= floor, summary


# the GPTs of the BERT vs GPT page: small, HF GPT-2 readable, the same pieces as their BERT, above a floor
GPTS = {"gpt-en": ("en", "bert-mini-en", 0.35), "gpt-zh": ("zh", "minilm-mlm-zh", 0.3)}   # next-piece top-5


@pytest.mark.parametrize("name", list(GPTS))
def test_shipped_gpt_is_small_loads_in_transformers_and_predicts(name, tmp_path):
    from transformers import GPT2LMHeadModel

    from transformer_core.tokenizer import load_tokenizer
    lang, bert, floor = GPTS[name]
    folder = MODELS / name
    assert sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) <= 4e6
    ours, tokenizer = load_pretrained(folder)
    assert tokenizer.to_str() == load_tokenizer(MODELS / bert).to_str()         # one sentence, the same pieces
    save_pretrained(ours, tmp_path, tokenizer)                                  # int8 rows → plain floats for HF
    hf = GPT2LMHeadModel.from_pretrained(tmp_path, attn_implementation="eager", torch_dtype=torch.float32).eval()
    for text in SENTENCES[lang]:
        ids = torch.tensor([[tokenizer.token_to_id("[CLS]")] + tokenizer.encode(text, add_special_tokens=False).ids])
        with torch.inference_mode():
            torch.testing.assert_close(ours(ids).logits, hf(ids).logits, atol=2e-4, rtol=1e-4)
    result = evaluate_folder(folder, corpus=lang, split="test", batch_size=16)
    assert result["next_top5"] >= floor, result
