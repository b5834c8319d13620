"""Save and load models in the Hugging Face BERT layout: ``config.json`` + ``model.safetensors``.

The encoder-decoder (``Seq2SeqTransformer``) has no HF BERT equivalent: its folder has the same two
files, but ``config.json`` names the architecture "Seq2SeqTransformer" and the weights keep our own
parameter names (``encoder.0.self_attn.q_proj.weight``, ``generator.weight``, …). Its character
vocabulary sits beside them as ``vocab.json`` (one for both sides), or ``source_vocab.json`` +
``target_vocab.json``; ``load_seq2seq(folder)`` returns model and both vocabularies.

Safety first: weights are read with safetensors, which stores plain tensors and cannot run code.
A legacy ``pytorch_model.bin`` is read only with ``torch.load(weights_only=True)``; nothing else is
ever unpickled. Every problem is reported with the file's name and the keys involved.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from .char_vocab import CharVocab
from .config import MAX_MODEL_BYTES_ENV, TYPICAL, TransformerConfig, check_size, memory_limit
from .errors import CheckpointError, Phrase, Phrases
from .hf_names import HF_FIELDS, IGNORED, TIED, config_from_hf, config_to_hf, normalise_hf_name, to_hf_name
from .kinds import (
    GENERATE,
    SEQ2SEQ,
    WORDPIECE,
    ModelKind,
    guess_from_weights,
    kind_named,
    kind_of,
    kind_of_class,
    named_in_config,
)
from .model_folder import check_finite, model_file, read_config_json
from .quantize import pack, unpack
from .seq2seq import Seq2SeqTransformer
from .tokenizer import check_tokenizer, load_tokenizer

VOCAB, SOURCE_VOCAB, TARGET_VOCAB = "vocab.json", "source_vocab.json", "target_vocab.json"
HEAD_PREFIXES = ("cls.", "classifier.", "bert.pooler.", "pooler.")




def _atomic_write(path: Path, write) -> None:
    """Write to a temporary file beside ``path`` then rename: a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_pretrained(model: nn.Module, folder, tokenizer=None, dtype: torch.dtype | None = None,
                    int8: bool = False) -> Path:
    """Write ``config.json``, ``model.safetensors`` (HF key names; the tied decoder stored once) and,
    when given, ``tokenizer.json``. ``dtype=torch.float16`` halves the file; loading casts back.
    ``int8=True`` stores large matrices as int8 rows with a scale each (quantize.py): half again."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kind = kind_of(model)                         # an unregistered class: a CheckpointError naming the known ones
    tensors, state = {}, model.state_dict()
    if kind.layout is not None:                   # whole tensors renamed and reshaped (GPT-2's fused, transposed)
        state = kind.layout.to_file(state)
    for name, tensor in state.items():
        key = to_hf_name(name, bert_prefix=bool(kind.hf_prefix)) if kind.hf_names else _file_name(kind, name)
        if key not in TIED:
            tensors[key] = tensor.detach().to(dtype or tensor.dtype).contiguous().cpu()
    if int8:
        tensors = pack(tensors, dtype or torch.float16)
    _atomic_write(folder / "model.safetensors", lambda p: save_file(tensors, p, metadata={"format": "pt"}))
    if kind.config_json is not None:              # a kind with a layout of its own (ViT: HF's ViTConfig keys)
        data = kind.config_json(model.config, kind.name)
    elif kind.hf_names:
        data = config_to_hf(model.config, kind.name)
    else:
        data = {"architectures": [kind.name], "model_type": "attention_lab", "attention_lab": model.config.to_dict()}
    config = json.dumps(data, indent=2, ensure_ascii=False)
    _atomic_write(folder / "config.json", lambda p: Path(p).write_text(config, encoding="utf-8"))
    if tokenizer is not None:
        _atomic_write(folder / "tokenizer.json", lambda p: tokenizer.save(p))
    return folder


def read_config(folder) -> tuple[dict, TransformerConfig]:
    """(config.json as read, the TransformerConfig it describes), checked before anything is built: a
    config.json that is not an object, a field of the wrong type, a model too big for this server or too
    short for a sentence (config.check_size) is a CheckpointError naming the file and the field."""
    folder = Path(folder)
    data = read_config_json(folder)
    path = folder / "config.json"
    ours = isinstance(data.get("attention_lab"), dict)
    saved = named_in_config(data)
    names = {name: f"attention_lab.{name}" for name in TYPICAL} if ours else HF_FIELDS
    try:
        config = config_from_hf(data)
        check_size(config, decoder=saved is not None and saved.can(GENERATE), names=names)
    except (ValueError, TypeError, OverflowError) as err:      # ConfigError, or a type no check foresaw
        raise CheckpointError(f"{path}: {err}", "bad_config", path=path, err=err) from err
    return data, config


def _check_file_size(path: Path) -> None:
    """A weights file bigger than a model may be here is refused before it is read."""
    size, limit = path.stat().st_size, memory_limit()
    if size > limit:
        gib, limit_gib = size / 1024**3, limit / 1024**3
        raise CheckpointError(f"{path} holds {gib:,.1f} GiB, more than this server allows for a model "
                              f"({limit_gib:,.1f} GiB; the setting {MAX_MODEL_BYTES_ENV} changes that).",
                              "weights_too_big", path=path, gib=gib, limit_gib=limit_gib,
                              MAX_MODEL_BYTES_ENV=MAX_MODEL_BYTES_ENV)


def _read_weights(folder: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    path = model_file(folder, "model.safetensors")
    if path is not None:
        _check_file_size(path)
        try:
            with safe_open(str(path), framework="pt") as f:
                raw = unpack({k: f.get_tensor(k) for k in f.keys()})       # int8 storage → floats
        except (SafetensorError, OSError, RuntimeError, ValueError, KeyError) as err:
            raise CheckpointError(f"{path} is corrupt or truncated and cannot be read ({err}).", "file_corrupt",
                                  path=path, err=err) from err
        check_finite(raw, path)
        return path, {normalise_hf_name(k): v for k, v in raw.items()}
    path = model_file(folder, "pytorch_model.bin")
    if path is not None:
        _check_file_size(path)
        try:   # weights_only=True: tensors and plain containers only, never arbitrary objects
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - torch raises many types for a bad file
            raise CheckpointError(f"{path} could not be read as plain weights ({err}).", "bin_unreadable",
                                  path=path, err=err) from err
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise CheckpointError(f"{path} does not hold a table of named weights.", "bin_not_weights", path=path)
        check_finite(state, path)
        return path, {normalise_hf_name(str(k)): v for k, v in state.items()}
    raise CheckpointError(f"No weights in {folder}: expected model.safetensors (or pytorch_model.bin).",
                          "no_weights", folder=folder)


def _as_kind(model_class) -> ModelKind:
    """A kind given as itself, by its name or by its class."""
    if isinstance(model_class, ModelKind):
        return model_class
    return kind_named(model_class) if isinstance(model_class, str) else kind_of_class(model_class)


def _choose_kind(data: dict, keys: set[str], model_class, path: Path) -> ModelKind:
    """The forced kind, checked against the file; else the kind config.json names; else guessed from the keys.
    A kind saved under its own names loads only as itself; an HF-layout file as any HF-layout kind."""
    saved = named_in_config(data)
    if model_class is not None:
        kind = _as_kind(model_class)
        chosen = kind.model_class
        if saved is not None and not saved.hf_names and saved is not kind:   # an encoder-decoder is no BERT
            held = saved.name
            raise CheckpointError(f"{path} holds a {held}, which cannot be loaded as {chosen.__name__}.",
                                  "wrong_architecture", path=path, held=held, chosen=chosen.__name__)
        if (saved is None or saved.hf_names) and not kind.hf_names:         # and a BERT is no encoder-decoder
            raise CheckpointError(f"{path} holds a BERT model, not a {chosen.__name__}.", "not_bert",
                                  path=path, chosen=chosen.__name__)
        return kind
    return saved or guess_from_weights(keys)


def _match_weights(model: nn.Module, kind: ModelKind, weights: dict, path: Path, init_missing_heads: bool) -> dict:
    """Map file keys onto our parameter names, checking presence and shape of every one."""
    file_has_prefix = any(k.startswith("bert.") for k in weights)
    want_prefix = bool(kind.hf_prefix)
    if file_has_prefix and not want_prefix:                   # e.g. the encoder of a BertForPreTraining file
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
    elif want_prefix and not file_has_prefix:                 # a bare BertModel file under a head model
        weights = {k if k.startswith(("cls.", "classifier.")) else "bert." + k: v for k, v in weights.items()}
    ours, missing, shapes, used = {}, [], [], set()
    for name, param in model.state_dict().items():
        hf = to_hf_name(name, bert_prefix=want_prefix)
        source = TIED.get(hf)
        if source is not None:                                # tied decoder: same tensor as the embeddings
            used.add(hf)
            continue
        if hf not in weights:
            if not (init_missing_heads and hf.startswith(HEAD_PREFIXES)):
                missing.append(hf)
            continue
        used.add(hf)
        if tuple(weights[hf].shape) != tuple(param.shape):
            shapes.append(f"{hf}: file {tuple(weights[hf].shape)} vs model {tuple(param.shape)}")
        ours[name] = weights[hf]
    unexpected = [k for k in weights if k not in used and not IGNORED.search(k) and not k.startswith(HEAD_PREFIXES)]
    _check_match(model, path, missing, unexpected, shapes)
    return ours


def _file_name(kind: ModelKind, name: str) -> str:
    """A parameter's name in a kind's own-layout file: the kind's renaming (ViT: HF's names), else ours."""
    return kind.file_name(name) if kind.file_name is not None else name


def _match_own_names(model: nn.Module, weights: dict, path: Path, kind: ModelKind) -> dict:
    """The same checks for a model saved under its own layout (the encoder-decoder: our parameter names; ViT:
    HF's ViT names, mapped back to ours here)."""
    ours = {_file_name(kind, k): k for k in model.state_dict()}
    weights = {ours.get(k, k): v for k, v in weights.items()}
    expected = model.state_dict()
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    shapes = [f"{k}: file {tuple(weights[k].shape)} vs model {tuple(expected[k].shape)}"
              for k in expected if k in weights and tuple(weights[k].shape) != tuple(expected[k].shape)]
    _check_match(model, path, missing, unexpected, shapes)
    return {k: weights[k] for k in expected}


def _check_match(model: nn.Module, path: Path, missing: list, unexpected: list, shapes: list) -> None:
    problems = [phrase for items, phrase in (
        (missing, Phrase(f"missing keys ({len(missing)}): {_first(missing)}", "keys_missing",
                         n=len(missing), keys=_first(missing))),
        (unexpected, Phrase(f"unexpected keys ({len(unexpected)}): {_first(unexpected)}", "keys_unexpected",
                            n=len(unexpected), keys=_first(unexpected))),
        (shapes, Phrase(f"mis-shaped keys ({len(shapes)}): {_first(shapes)}", "keys_misshaped",
                        n=len(shapes), keys=_first(shapes)))) if items]
    if problems:
        found = Phrases(problems)
        raise CheckpointError(f"{path} does not match {type(model).__name__} built from config.json — {found}",
                              "weights_mismatch", path=path, model=type(model).__name__, found=found)


def _first(items: list) -> str:
    """At most ten names, then "…"."""
    return f"{', '.join(items[:10])}{' …' if len(items) > 10 else ''}"


def load_pretrained(folder, model_class=None, init_missing_heads: bool = False, device="cpu"):
    """Load one of our folders or a real HF BERT folder → (model in eval mode, tokenizer or None).

    ``model_class``: force a kind (a ModelKind, its name or its class), e.g. load a pretraining checkpoint as
    a classifier with ``init_missing_heads=True`` so the new head starts from random weights.
    A Seq2SeqTransformer folder gives (model, None): its vocabularies come from ``load_seq2seq``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a folder.", "not_a_folder", folder=folder)
    data, config = read_config(folder)                       # checked, and small enough, before anything is built
    path, weights = _read_weights(folder)
    kind = _choose_kind(data, set(weights), model_class, folder / "config.json")
    tokenizer = load_tokenizer(folder) if kind.tokenizer == WORDPIECE else None
    if tokenizer is not None:
        check_tokenizer(tokenizer, config.vocab_size, folder)  # no id past the embedding table, BERT's specials
    model = kind.model_class(config)
    if kind.hf_names:
        state = _match_weights(model, kind, weights, path, init_missing_heads)
        model.load_state_dict(state, strict=False)           # every key was checked above; copy_ casts dtype
    else:
        if kind.layout is not None:                          # GPT-2's tensors → ours, then the same checks
            weights = kind.layout.from_file(weights)
        model.load_state_dict(_match_own_names(model, weights, path, kind))
    return model.to(device).eval(), tokenizer


def folder_kind(folder, data: dict | None = None) -> ModelKind:
    """The kind a model folder holds: the one its config.json (``data``, when already read) names, else
    the one its weights' names show."""
    folder = Path(folder)
    if data is None:
        data = read_config_json(folder)
    return named_in_config(data) or guess_from_weights(_weight_names(folder))


def _weight_names(folder: Path) -> set[str]:
    """The tensor names in a folder's weights; from the safetensors header alone when it can be read."""
    path = model_file(folder, "model.safetensors")
    if path is not None:
        try:
            with safe_open(str(path), framework="pt") as f:
                return set(f.keys())
        except (SafetensorError, OSError, RuntimeError):
            pass
    return set(_read_weights(folder)[1])                     # a .bin file, or an error naming the problem


# ---- the encoder-decoder's character vocabularies ----------------------------------------
def save_vocabs(folder, source_vocab: CharVocab, target_vocab: CharVocab | None = None) -> None:
    """One ``vocab.json`` when both sides share a vocabulary, else ``source_`` and ``target_vocab.json``."""
    folder = Path(folder)
    if target_vocab is None or target_vocab.tokens == source_vocab.tokens:
        source_vocab.save(folder / VOCAB)
    else:
        source_vocab.save(folder / SOURCE_VOCAB)
        target_vocab.save(folder / TARGET_VOCAB)


def load_seq2seq(folder, device="cpu") -> tuple[Seq2SeqTransformer, CharVocab, CharVocab]:
    """A saved encoder-decoder → (model in eval mode, source vocabulary, target vocabulary)."""
    folder = Path(folder)
    model, _ = load_pretrained(folder, model_class=SEQ2SEQ, device=device)
    shared, source_file, target_file = (model_file(folder, name) for name in (VOCAB, SOURCE_VOCAB, TARGET_VOCAB))
    if shared is not None:
        source = target = CharVocab.load(shared)
    elif source_file is not None and target_file is not None:
        source, target = CharVocab.load(source_file), CharVocab.load(target_file)
    else:
        raise CheckpointError(f"{folder} has no {VOCAB} (or {SOURCE_VOCAB} + {TARGET_VOCAB}), so its "
                              "token ids cannot be turned back into characters.", "no_vocab", folder=folder,
                              VOCAB=VOCAB, SOURCE_VOCAB=SOURCE_VOCAB, TARGET_VOCAB=TARGET_VOCAB)
    for side, vocab, size in ((Phrase("source", "side_source"), source, model.config.vocab_size),
                              (Phrase("target", "side_target"), target, model.config.target_vocab_size)):
        if len(vocab) != size:
            raise CheckpointError(f"{folder}: the {side} vocabulary has {len(vocab)} characters but the model "
                                  f"was built for {size}; the vocabulary file belongs to another model.",
                                  "vocab_size_mismatch", folder=folder, side=side, n=len(vocab), size=size)
    return model, source, target
