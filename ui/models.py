"""Which models the explorer can show, and loading them: shipped, a folder on disk, trained in this session.

A ``ModelSource`` is a small, hashable description (it goes into the URL by its ``key``); loading
turns it into a ``Loaded`` model. When no shipped encoder exists yet the explorer still works on a
clearly labelled random-weight BERT: its shapes and maths are real, its predictions are noise.
Pure functions: the Streamlit caching wrappers live in ``ui/st/session.py``.
"""
from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import torch
from tokenizers import Tokenizer

import transformer_core.kinds as kinds
from transformer_core import BertForPreTraining, CheckpointError, TransformerConfig, load_pretrained, load_seq2seq
from transformer_core.char_vocab import CharPair
from transformer_core.checkpoint import folder_kind, read_config
from transformer_core.errors import LabError
from transformer_core.kinds import CHAR_PAIR, MLM, NSP, ModelKind
from transformer_core.model_folder import model_file, read_config_json
from transformer_core.tokenizer import train_wordpiece

from .i18n import LANGS, tr
from .language import model_language

MODELS_ROOT = Path(__file__).resolve().parents[1] / "assets" / "models"
EXTRA_ROOTS = "ATTENTION_LAB_MODELS"   # env: more folders of model folders (os.pathsep-separated), listed first
RANDOM_KEY = "random-en"
LOG = logging.getLogger(__name__)
# shipped: assets/models or ATTENTION_LAB_MODELS; local: a folder the learner opened; session: trained in this
# browser session (kept in it only); hf-cache: a BERT in the Hugging Face cache; random: the untrained fallback
Origin = Literal["shipped", "local", "session", "hf-cache", "random"]
# The shipped kinds' names, for building a ModelSource by hand; what a model can do is asked of its ``kind``.
CLASSIFIER, PRETRAINING, MASKED_LM, ENCODER, SEQ2SEQ = (
    k.name for k in (kinds.CLASSIFIER, kinds.PRETRAINING, kinds.MASKED_LM, kinds.ENCODER, kinds.SEQ2SEQ))


@dataclass(frozen=True)
class ModelSource:
    key: str                  # stable name used in the URL: "bert-mini-en", "local:/abs/path", "session:…"
    label: str                # what the picker shows
    folder: str | None        # where its files are; None for the random-weight model
    architecture: str         # its kind's name (transformer_core.kinds): config.json's "architectures"
    lang: str                 # "en", "zh" or "" (unknown: a user's folder)
    origin: Origin            # where it came from (see Origin)
    order: int = 100          # the picker lists lower first; the first one of a language is its default

    @property
    def kind(self) -> ModelKind:
        return kinds.kind_named(self.architecture)

    def can(self, capability: str) -> bool:
        """MLM, NSP, CLASSIFY or GENERATE (transformer_core.kinds)."""
        return self.kind.can(capability)

    @property
    def has_mlm(self) -> bool:
        return self.can(MLM)

    @property
    def has_nsp(self) -> bool:
        return self.can(NSP)

    @property
    def is_encoder(self) -> bool:
        """A BERT-style encoder the explorer's pages can open up (not the encoder-decoder)."""
        return self.kind.encoder is not None


@dataclass(frozen=True)
class Loaded:
    source: ModelSource
    model: torch.nn.Module    # eval mode; shared read-only between sessions
    tokenizer: Tokenizer | CharPair   # WordPiece (encoders) or the encoder-decoder's two character vocabularies

    @property
    def config(self) -> TransformerConfig:
        return self.model.config

    @cached_property
    def lang(self) -> str:
        """The language this model reads ("en", "zh" or ""): its card's, else read from its vocabulary, so that a
        folder without a card has one too."""
        return self.source.lang or model_language(self.tokenizer)


def _architecture(data: dict, folder: Path) -> str:
    """The name of the kind the folder holds: config.json's, else the one its weights' names show."""
    return folder_kind(folder, data).name


def _exists(folder: Path) -> bool:
    """A path from a text box or a link may be empty, hold a NUL byte or be longer than the system allows."""
    try:
        return folder.exists()
    except (OSError, ValueError):
        return False


def describe_folder(folder, origin: Origin = "local", key: str | None = None, label: str | None = None) -> ModelSource:
    """A folder → its ModelSource, or CheckpointError with a message a student can act on. Its config.json is
    read and checked here (checkpoint.read_config: an object, fields of the right types, a size this server can
    hold), so a folder that cannot load is refused before it is listed."""
    typed, folder = str(folder), Path(folder).expanduser()
    if not typed.strip() or not _exists(folder):              # Path("") would be the server's working folder
        raise CheckpointError(f"There is no folder at {folder}.", "no_folder", folder=folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is a file, not a folder: choose the folder that holds config.json.",
                              "file_not_folder", folder=folder)
    if model_file(folder, "config.json") is None:
        raise CheckpointError(f"{folder} is not a model folder: it has no config.json (a BERT folder in the "
                              "Hugging Face layout has config.json, model.safetensors and vocab.txt or "
                              "tokenizer.json).", "no_config_json", folder=folder)
    if not any(model_file(folder, name) for name in ("model.safetensors", "pytorch_model.bin")):
        raise CheckpointError(f"{folder} has config.json but no weights (model.safetensors).", "config_no_weights",
                              folder=folder)
    data, _ = read_config(folder)
    card = _card(data)                          # label and language, written when a model is shipped
    return ModelSource(key=key or f"{origin}:{folder.resolve()}", label=label or card["label"] or folder.name,
                       folder=str(folder.resolve()), architecture=_architecture(data, folder),
                       lang=card["language"], origin=origin, order=card["order"])


def _card(data: dict) -> dict:
    """The shipping card's label, language and order, each of the right type or its default (a hand-edited
    config.json may hold anything there)."""
    card = data.get("attention_lab_card")
    card = card if isinstance(card, dict) else {}
    label, language, order = card.get("label"), card.get("language"), card.get("order", 100)
    return {"label": label if isinstance(label, str) else "", "language": language if isinstance(language, str) else "",
            "order": order if isinstance(order, int) and not isinstance(order, bool) else 100}


def open_folder(folder, loader=None) -> ModelSource:
    """A folder the learner names (the sidebar, a ``?model=local:`` link) → its ModelSource, after loading it with
    ``loader`` (default ``load``; the app passes its cached loader) so that it fails now, not on every page.
    Every failure is a LabError with a message: the checks' own, or ``unforeseen``'s for anything else."""
    try:
        source = describe_folder(folder)
        (loader or load)(source)
        return source
    except LabError:
        raise
    except Exception as err:  # noqa: BLE001 - a stranger's folder: any failure becomes a message, never a traceback
        raise unforeseen(folder, err) from err


def unforeseen(folder, err: BaseException) -> CheckpointError:
    """A failure no check foresaw while opening a folder: its traceback goes to the server's log under a short
    id, the learner reads a sentence with that id (never a traceback, never the server's own paths)."""
    error_id = uuid.uuid4().hex[:8]
    LOG.error("opening the model folder %s failed [error %s]", folder, error_id, exc_info=err)
    return CheckpointError(f"{folder} could not be opened as a model (error {error_id}; the details are in the "
                           "server's log).", "folder_unforeseen", folder=folder, error_id=error_id)


def shipped_models(root: Path | None = None) -> list[ModelSource]:
    """Every model folder under assets/models, named by its folder, the card's ``order`` first (so the
    best model of each language is its default), then by name (en before zh)."""
    root, found = root or MODELS_ROOT, []
    for folder in sorted(root.glob("*/config.json")):
        try:
            found.append(describe_folder(folder.parent, "shipped", key=folder.parent.name))
        except (LabError, OSError):
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
            if read_config_json(folder).get("model_type") != "bert":
                continue
            found.append(describe_folder(folder, "hf-cache", key=f"hf:{name}", label=f"{name} (Hugging Face cache)"))
        except (LabError, OSError):
            continue                                  # not a complete BERT folder: not listed
    return tuple(found)


def random_source() -> ModelSource:
    label = " · ".join(tr("model_names.random", lang) for lang in LANGS)      # a card's label names every language
    return ModelSource(RANDOM_KEY, label, None, PRETRAINING, "en", "random")


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
    if source.kind.tokenizer == CHAR_PAIR:
        model, src_vocab, tgt_vocab = load_seq2seq(source.folder)
        return Loaded(source, model, CharPair(src_vocab, tgt_vocab))
    model, tokenizer = load_pretrained(source.folder)
    if tokenizer is None:
        raise CheckpointError(f"{source.folder} has no tokenizer.json or vocab.txt, so text cannot be turned "
                              "into ids for this model.", "no_tokenizer_for_text", folder=source.folder)
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
