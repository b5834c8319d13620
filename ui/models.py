"""Which models the explorer can show, and loading them: shipped, a folder on disk, trained in this session.

A ``ModelSource`` is a small, hashable description (it goes into the URL by its ``key``); loading
turns it into a ``Loaded`` model. When no shipped encoder exists yet the explorer still works on a
clearly labelled random-weight BERT: its shapes and maths are real, its predictions are noise.
Pure functions: the Streamlit caching wrappers live in ``ui/st/session.py``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import torch

from transformer_core import BertForPreTraining, CheckpointError, TransformerConfig, load_pretrained, load_seq2seq
from transformer_core.tokenizer import train_wordpiece

from .language import model_language

MODELS_ROOT = Path(__file__).resolve().parents[1] / "assets" / "models"
EXTRA_ROOTS = "ATTENTION_LAB_MODELS"   # env: more folders of model folders (os.pathsep-separated), listed first
RANDOM_KEY = "random-en"
CLASSIFIER, PRETRAINING, MASKED_LM, ENCODER, SEQ2SEQ = (
    "BertForSequenceClassification", "BertForPreTraining", "BertForMaskedLM", "BertModel", "Seq2SeqTransformer")


@dataclass(frozen=True)
class ModelSource:
    key: str                  # stable name used in the URL: "bert-mini-en", "local:/abs/path", "session:…"
    label: str                # what the picker shows
    folder: str | None        # where its files are; None for the random-weight model
    architecture: str         # one of the class names above
    lang: str                 # "en", "zh" or "" (unknown: a user's folder)
    origin: str               # "shipped", "local", "session", "hf-cache" or "random"
    order: int = 100          # the picker lists lower first; the first one of a language is its default

    @property
    def has_mlm(self) -> bool:
        return self.architecture in (PRETRAINING, MASKED_LM)

    @property
    def has_nsp(self) -> bool:
        return self.architecture == PRETRAINING

    @property
    def is_encoder(self) -> bool:
        return self.architecture != SEQ2SEQ


@dataclass(frozen=True)
class Loaded:
    source: ModelSource
    model: torch.nn.Module    # eval mode; shared read-only between sessions
    tokenizer: object         # tokenizers.Tokenizer (encoders) or (source CharVocab, target CharVocab)

    @property
    def config(self) -> TransformerConfig:
        return self.model.config

    @cached_property
    def lang(self) -> str:
        """The language this model reads ("en", "zh" or ""): its card's, else read from its vocabulary, so that a
        folder without a card has one too."""
        return self.source.lang or model_language(self.tokenizer)


def _architecture(data: dict, folder: Path) -> str:
    names = data.get("architectures") or []
    if names:
        return names[0]
    return PRETRAINING if (folder / "model.safetensors").is_file() else ENCODER


def describe_folder(folder, origin: str = "local", key: str | None = None, label: str | None = None) -> ModelSource:
    """A folder → its ModelSource, or CheckpointError with a message a student can act on."""
    folder = Path(folder).expanduser()
    if not str(folder).strip() or not folder.exists():
        raise CheckpointError(f"There is no folder at {folder}.")
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is a file, not a folder: choose the folder that holds config.json.")
    config = folder / "config.json"
    if not config.is_file():
        raise CheckpointError(f"{folder} is not a model folder: it has no config.json (a BERT folder in the "
                              "Hugging Face layout has config.json, model.safetensors and vocab.txt or "
                              "tokenizer.json).")
    if not any((folder / name).is_file() for name in ("model.safetensors", "pytorch_model.bin")):
        raise CheckpointError(f"{folder} has config.json but no weights (model.safetensors).")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{config} is not valid JSON ({err}).") from err
    card = data.get("attention_lab_card", {})   # label and language, written when a model is shipped
    return ModelSource(key=key or f"{origin}:{folder.resolve()}", label=label or card.get("label") or folder.name,
                       folder=str(folder.resolve()), architecture=_architecture(data, folder),
                       lang=card.get("language", ""), origin=origin, order=int(card.get("order", 100)))


def shipped_models(root: Path | None = None) -> list[ModelSource]:
    """Every model folder under assets/models, named by its folder, the card's ``order`` first (so the
    best model of each language is its default), then by name (en before zh)."""
    root, found = root or MODELS_ROOT, []
    for folder in sorted(root.glob("*/config.json")):
        try:
            found.append(describe_folder(folder.parent, "shipped", key=folder.parent.name))
        except CheckpointError:
            continue                                  # a half-written folder is skipped, not fatal
    return sorted(found, key=lambda s: s.order)      # stable: equal orders keep the name order


def hf_cache_models(cache: Path | None = None) -> list[ModelSource]:
    """Real BERTs already on this machine: HF-layout BERT folders in the local Hugging Face cache
    (``hub/models--ORG--NAME/snapshots/REV/``), newest revision of each, labelled with the hub name.
    Scanned once per change of the cache folder (a download adds a folder and changes its mtime),
    not on every rerun."""
    cache = cache or Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME") or
                                                                    Path.home() / ".cache" / "huggingface") / "hub")
    if not cache.is_dir():
        return []
    return list(_scan_hf_cache(str(cache), cache.stat().st_mtime_ns))


@lru_cache(maxsize=8)
def _scan_hf_cache(cache: str, _mtime: int) -> tuple[ModelSource, ...]:
    found = []
    for repo in sorted(Path(cache).glob("models--*")):
        snapshots = sorted((repo / "snapshots").glob("*/config.json"), key=lambda p: p.stat().st_mtime)
        if not snapshots:
            continue
        folder, name = snapshots[-1].parent, repo.name.removeprefix("models--").replace("--", "/")
        try:
            if json.loads(snapshots[-1].read_text(encoding="utf-8")).get("model_type") != "bert":
                continue
            found.append(describe_folder(folder, "hf-cache", key=f"hf:{name}", label=f"{name} (Hugging Face cache)"))
        except (CheckpointError, json.JSONDecodeError, UnicodeDecodeError, OSError):
            continue                                  # not a complete BERT folder: not listed
    return tuple(found)


def random_source() -> ModelSource:
    return ModelSource(RANDOM_KEY, "random weights (untrained) · 随机权重（未训练）", None, PRETRAINING, "en", "random")


def available(session_sources: tuple[ModelSource, ...] = (), root: Path | None = None) -> list[ModelSource]:
    """Encoders first (the picker's list), shipped then this session's; the random model when no
    shipped encoder exists. Encoder-decoder models are listed too (the seq2seq page picks those)."""
    extra = [Path(p) for p in os.environ.get(EXTRA_ROOTS, "").split(os.pathsep) if p.strip()]
    shipped = [s for folder in extra for s in shipped_models(folder)] + shipped_models(root or MODELS_ROOT)
    sources = shipped + (hf_cache_models() if root is None else []) + list(session_sources)
    if not any(s.is_encoder for s in sources):
        sources.insert(0, random_source())
    return sources


def load(source: ModelSource) -> Loaded:
    """Read a model from disk (or build the random one) in eval mode."""
    if source.origin == "random":
        return _random_model(source)
    if source.architecture == SEQ2SEQ:
        model, src_vocab, tgt_vocab = load_seq2seq(source.folder)
        return Loaded(source, model, (src_vocab, tgt_vocab))
    model, tokenizer = load_pretrained(source.folder)
    if tokenizer is None:
        raise CheckpointError(f"{source.folder} has no tokenizer.json or vocab.txt, so text cannot be turned "
                              "into ids for this model.")
    return Loaded(source, model, tokenizer)


def _random_model(source: ModelSource) -> Loaded:
    """A small BERT with random weights and a WordPiece vocabulary trained on the shipped English text."""
    from transformer_core.data.corpora import load_documents
    lines = [line for doc in load_documents("en", "train") for line in doc]
    tokenizer = train_wordpiece(lines, vocab_size=4000)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=128, n_heads=4, n_layers=2,
                               d_ff=512, max_len=128)
    return Loaded(source, BertForPreTraining(config).eval(), tokenizer)
