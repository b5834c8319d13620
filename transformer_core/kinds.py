"""Every kind of model the lab knows, described once: its class, how its weights are named, what it can do.

Checkpoint loading and saving, evaluation, the training tasks, the tools and the app ask this registry
("can this model fill in a [MASK]?", "where is its encoder?") instead of comparing class names.

    kind = kind_of(model)                  # the registered kind of a model object
    kind = kind_named("BertForMaskedLM")   # the kind a config.json's "architectures" names
    MLM in kind.capabilities, kind.encoder(model)

A new kind is its module (the nn.Module) plus one ``ModelKind`` passed to ``register`` (or added to
``SHIPPED`` below); nothing else changes for it to load, save and be listed by the app.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from .bert import BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertModel
from .errors import CheckpointError
from .gpt import GPT2_LAYOUT, GPTLMHeadModel
from .seq2seq import Seq2SeqTransformer
from .speech import SpeechTransformer
from .vit import ViTForImageClassification, vit_config_json, vit_file_name

# What a kind can do (its ``capabilities``): the pages and tools ask for these, never for a class.
MLM = "mlm"              # fills in [MASK]ed word pieces (a masked-LM head)
NSP = "nsp"              # says whether sentence B follows sentence A (a next-sentence head)
CLASSIFY = "classify"    # puts a whole text into one of n_labels classes
GENERATE = "generate"    # writes a target sequence from a source one (encoder-decoder: greedy / beam search)
NEXT_TOKEN = "next_token"  # predicts the token after a prefix, left to right (a causal LM: GPT)
CLASSIFY_IMAGE = "classify_image"   # puts an image into one of n_labels classes (Vision Transformer)
CLASSIFY_SPEECH = "classify_speech"   # puts a recording into one of n_labels classes (speech.py: digits)

# How text becomes ids (its ``tokenizer``).
WORDPIECE = "wordpiece"  # tokenizers.Tokenizer from tokenizer.json / vocab.txt beside the weights
CHAR_PAIR = "char_pair"  # char_vocab.CharPair: one character vocabulary per side (vocab.json files)
PIXELS = "pixels"        # no tokenizer: an image's patches are its tokens (Vision Transformer)
FRAMES = "frames"        # no tokenizer: patches of log-mel frames are the tokens (speech.py, mel.py)


def _itself(model: nn.Module) -> nn.Module:
    return model


def _bert_body(model: nn.Module) -> nn.Module:
    return model.bert


@dataclass(frozen=True)
class ModelKind:
    name: str                                 # config.json "architectures" value (HF's class name for HF kinds)
    model_class: type[nn.Module]              # built as model_class(config: TransformerConfig)
    hf_names: bool                            # weights under HF BERT names (hf_names.py); False: our own names
    hf_prefix: str                            # where the encoder sits in an HF file: "bert." or "" (bare encoder)
    marker: str | None                        # a weight-name prefix only this kind's files have: picks the
    #                                           kind when config.json names none (checked in registry order)
    capabilities: frozenset[str]              # what it can do: MLM, NSP, CLASSIFY, GENERATE
    encoder: Callable[[nn.Module], nn.Module] | None   # model → its BertModel-shaped encoder (embeddings,
    #                                           layers, pooler); None when there is none (encoder-decoder)
    tokenizer: str                            # WORDPIECE or CHAR_PAIR
    task: str | None                          # the training task that trains it ("pretrain", "finetune",
    #                                           "seq2seq", "causal_lm"; train/tasks.py), None when none does
    layout: object | None = None              # hf_names False: whole-tensor conversion to another library's
    #                                           file (to_file(state) / from_file(weights); GPT-2 fuses W_Q W_K W_V
    #                                           and stores Linear weights transposed: gpt.GPT2_LAYOUT); None: none
    file_name: Callable[[str], str] | None = None   # hf_names False: our parameter name → its name in the
    #                                           weights file (ViT: HF's ViT names); None: our names as they are
    config_json: Callable | None = None       # (config, name) → config.json's object; None: HF BERT's keys
    #                                           (hf_names) or our own config under "attention_lab"

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


PRETRAINING = ModelKind("BertForPreTraining", BertForPreTraining, hf_names=True, hf_prefix="bert.",
                        marker="cls.seq_relationship.", capabilities=frozenset({MLM, NSP}), encoder=_bert_body,
                        tokenizer=WORDPIECE, task="pretrain")
MASKED_LM = ModelKind("BertForMaskedLM", BertForMaskedLM, hf_names=True, hf_prefix="bert.",
                      marker="cls.predictions.", capabilities=frozenset({MLM}), encoder=_bert_body,
                      tokenizer=WORDPIECE, task=None)
CLASSIFIER = ModelKind("BertForSequenceClassification", BertForSequenceClassification, hf_names=True,
                       hf_prefix="bert.", marker="classifier.", capabilities=frozenset({CLASSIFY}),
                       encoder=_bert_body, tokenizer=WORDPIECE, task="finetune")
ENCODER = ModelKind("BertModel", BertModel, hf_names=True, hf_prefix="", marker=None, capabilities=frozenset(),
                    encoder=_itself, tokenizer=WORDPIECE, task=None)
SEQ2SEQ = ModelKind("Seq2SeqTransformer", Seq2SeqTransformer, hf_names=False, hf_prefix="", marker=None,
                    capabilities=frozenset({GENERATE}), encoder=None, tokenizer=CHAR_PAIR, task="seq2seq")
VIT = ModelKind("ViTForImageClassification", ViTForImageClassification, hf_names=False, hf_prefix="",
                marker="vit.embeddings.patch_embeddings.", capabilities=frozenset({CLASSIFY_IMAGE}), encoder=None,
                tokenizer=PIXELS, task="vision", file_name=vit_file_name, config_json=vit_config_json)
CAUSAL_LM = ModelKind("GPT2LMHeadModel", GPTLMHeadModel, hf_names=False, hf_prefix="", marker="transformer.h.",
                      capabilities=frozenset({NEXT_TOKEN}), encoder=None, tokenizer=WORDPIECE, task="causal_lm",
                      layout=GPT2_LAYOUT, config_json=GPT2_LAYOUT.config_json)   # GPT: HF GPT-2 layout
SPEECH = ModelKind("SpeechTransformer", SpeechTransformer, hf_names=False, hf_prefix="", marker="patch_proj.",
                   capabilities=frozenset({CLASSIFY_SPEECH}), encoder=None, tokenizer=FRAMES, task=None)
SHIPPED = (PRETRAINING, MASKED_LM, CLASSIFIER, ENCODER, SEQ2SEQ, VIT, CAUSAL_LM, SPEECH)
DEFAULT = ENCODER          # an HF folder naming no kind and showing no head's weights: a bare BERT body

KINDS: dict[str, ModelKind] = {kind.name: kind for kind in SHIPPED}


def register(kind: ModelKind) -> ModelKind:
    """Add a kind (or replace the one of that name): from now on it loads, saves and is listed like the others."""
    KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> ModelKind:
    """The kind called ``name`` (a config.json "architectures" value), or a CheckpointError listing the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise CheckpointError(f"Unknown model architecture {name!r}: this lab knows {known}.", "unknown_kind",
                              name=name, known=known) from None


def kind_of(model: nn.Module) -> ModelKind:
    """The registered kind whose class is exactly ``type(model)`` (a subclass is a kind of its own: register it)."""
    for kind in KINDS.values():
        if type(model) is kind.model_class:
            return kind
    name, known = type(model).__name__, ", ".join(KINDS)
    raise CheckpointError(f"{name} is not a registered model kind (known: {known}); register it in "
                          "transformer_core/kinds.py.", "unregistered_kind", name=name, known=known)


def kind_of_class(model_class: type[nn.Module]) -> ModelKind:
    """The registered kind built by ``model_class``."""
    found = next((kind for kind in KINDS.values() if kind.model_class is model_class), None)
    return found or kind_named(model_class.__name__)


def named_in_config(data: dict) -> ModelKind | None:
    """The first registered kind a config.json names in "architectures"; None when it names none of ours.
    A single name written as a string instead of a list counts as that name (not as its letters)."""
    names = data.get("architectures") if isinstance(data, dict) else None
    names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
    return next((KINDS[name] for name in names if isinstance(name, str) and name in KINDS), None)


def guess_from_weights(keys) -> ModelKind:
    """For a folder whose config.json names no kind: the first kind whose marker prefixes a weight name."""
    for kind in KINDS.values():
        if kind.marker and any(key.startswith(kind.marker) for key in keys):
            return kind
    return DEFAULT


def kind_for_task(task: str) -> ModelKind:
    """The kind a training task ("pretrain", "finetune", "seq2seq") trains."""
    found = next((kind for kind in KINDS.values() if kind.task == task), None)
    if found is None:
        raise CheckpointError(f"No model kind is trained by the task {task!r}.", "no_kind_for_task", task=task)
    return found


def encoder_of(model: nn.Module) -> nn.Module:
    """The BertModel-shaped encoder of any model with one (``model.bert``, or a bare encoder itself)."""
    kind = kind_of(model)
    if kind.encoder is None:
        raise CheckpointError(f"A {kind.name} has no BERT-style encoder to show.", "no_encoder", name=kind.name)
    return kind.encoder(model)
