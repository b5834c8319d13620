"""Tiny random models written to disk in the same layout the training engine uses, for page tests.

``transformer_core/train/build.py`` saves a fine-tuned classifier with ``save_pretrained`` (config.json,
model.safetensors, tokenizer.json) and an encoder-decoder with ``save_pretrained`` + ``save_vocabs``
(a shared ``vocab.json``). These helpers do the same with a few-thousand-parameter model, so tests run
in seconds. Point the app at them with ``monkeypatch.setenv("ATTENTION_LAB_MODELS", str(root))``, or show it
nothing else with ``only_models``. ``make_bert`` writes a tiny BERT of any head; ``write_corpus`` a tiny corpus
for the training CLI.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import torch

from transformer_core import BertForPreTraining, TransformerConfig, save_pretrained
from transformer_core.bert import BertForSequenceClassification
from transformer_core.char_vocab import CharVocab
from transformer_core.checkpoint import save_vocabs
from transformer_core.data.seq2seq_tasks import make_pairs
from transformer_core.seq2seq import Seq2SeqTransformer
from transformer_core.tokenizer import train_wordpiece

SENTENCES = [
    "The film was wonderful and the actors were great.",
    "A terrible, boring movie. I want my money back.",
    "The cat sat on the mat because it was tired.",
    "I loved every minute of this story.",
    "The food was cold and the service was slow.",
    "这部电影非常好看，演员很棒。",
    "服务太差了，再也不来了。",
    "今天天气很好，我们去公园散步。",
]


def _add_card(folder: Path, **card) -> None:
    """The label and language a shipped model folder carries in config.json (see ui/models.py)."""
    path = folder / "config.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("attention_lab_card", {}).update(card)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def make_bert(folder, texts: list[str], cls=BertForPreTraining, lang: str | None = None, label: str | None = None,
              vocab_size: int = 200, min_frequency: int = 1, seed: int = 0, **config) -> Path:
    """A tiny random BERT of class ``cls`` (d_model 32, d_ff 64 unless ``config`` says otherwise, e.g. n_layers=3,
    position="rotary") with a WordPiece vocabulary learned from ``texts``; the card's label and language when
    given (else the app names it by its folder and reads its language from its vocabulary)."""
    folder = Path(folder)
    tokenizer = train_wordpiece(texts, vocab_size=vocab_size, min_frequency=min_frequency)
    torch.manual_seed(seed)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), **{"d_model": 32, "d_ff": 64, **config})
    save_pretrained(cls(config).eval(), folder, tokenizer)
    card = {"label": label, "language": lang}
    if label or lang:
        _add_card(folder, **{k: v for k, v in card.items() if v})
    return folder


def make_classifier(folder, lang: str = "en", pooling: str = "cls", label: str | None = None,
                    label_names: list[str] | None = None, seed: int = 0) -> Path:
    """A 2-layer, 4-head, d=32 sentiment classifier with random weights and a real WordPiece vocabulary.
    ``label_names`` (e.g. ["negative", "positive"]) go into config.json's id2label, as HF does."""
    folder = Path(folder)
    tokenizer = train_wordpiece(SENTENCES, vocab_size=400)
    torch.manual_seed(seed)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=2, n_heads=4, d_ff=64,
                               max_len=32, pooling=pooling, n_labels=len(label_names or [0, 1]))
    save_pretrained(BertForSequenceClassification(config).eval(), folder, tokenizer)
    _add_card(folder, label=label or f"tiny sentiment ({lang}, {pooling})", language=lang)
    if label_names:
        path = folder / "config.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["id2label"] = {str(i): name for i, name in enumerate(label_names)}
        data["label2id"] = {name: i for i, name in enumerate(label_names)}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def number_vocab() -> CharVocab:
    """The character vocabulary of the number-zh task (English number words and 中文 numerals)."""
    return CharVocab.from_pairs(make_pairs("number-zh", 400, seed=0))


def make_seq2seq(folder, n_layers: int = 1, n_decoder_layers: int = 0, n_heads: int = 2, max_len: int = 64,
                 seed: int = 0) -> Path:
    """A random encoder-decoder for "number-zh" (as ``build._seq2seq`` makes it: sinusoidal, ReLU, no
    segments, one shared vocab.json)."""
    folder = Path(folder)
    vocab = number_vocab()
    torch.manual_seed(seed)
    config = TransformerConfig(vocab_size=len(vocab), d_model=32, n_layers=n_layers, n_heads=n_heads, d_ff=64,
                               max_len=max_len, type_vocab_size=0, position="sinusoidal", activation="relu",
                               pad_token_id=vocab.pad_id, n_decoder_layers=n_decoder_layers, dropout=0.0,
                               attn_dropout=0.0)
    save_pretrained(Seq2SeqTransformer(config).eval(), folder)
    save_vocabs(folder, vocab)
    return folder


def models_root(root, classifiers: bool = True, seq2seq: bool = True) -> Path:
    """A folder of model folders: an English [CLS] classifier, a Chinese mean-pooling one, a seq2seq."""
    root = Path(root)
    if classifiers:
        make_classifier(root / "sentiment-en", "en", "cls", "tiny sentiment EN", ["negative", "positive"])
        make_classifier(root / "sentiment-zh", "zh", "mean", "tiny sentiment ZH", seed=1)
    if seq2seq:
        make_seq2seq(root / "seq2seq-numbers", n_layers=1, n_decoder_layers=2)
    return root


def only_models(monkeypatch, folder: Path | None) -> None:
    """The app lists only the models in ``folder`` (none when None): not assets/models, nor the Hugging Face
    cache, whatever is on this machine."""
    from ui import models
    monkeypatch.setenv(models.EXTRA_ROOTS, str(folder) if folder else "")
    original = models.available
    empty = Path("/nonexistent-attention-lab")
    monkeypatch.setattr(models, "available", lambda extra=(), root=None: original(extra, root=empty))


WORDS = "the cat dog sat ran on a mat park bird sang tree sun rose over hill river flowed past town".split()


def write_corpus(path, documents: int, sentences: int, seed: int = 0) -> Path:
    """A corpus file in the on-disk format (a blank line between documents) of random short sentences."""
    rng = random.Random(seed)
    docs = ["\n".join(" ".join(rng.choices(WORDS, k=rng.randint(4, 8))) + "." for _ in range(sentences))
            for _ in range(documents)]
    path = Path(path)
    path.write_text("\n\n".join(docs) + "\n", encoding="utf-8")
    return path
