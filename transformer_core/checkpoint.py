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

from .bert import BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertModel
from .char_vocab import CharVocab
from .errors import CheckpointError
from .hf_names import IGNORED, TIED, config_from_hf, config_to_hf, normalise_hf_name, to_hf_name
from .quantize import pack, unpack
from .seq2seq import Seq2SeqTransformer
from .tokenizer import load_tokenizer

ARCHITECTURES: dict[str, type[nn.Module]] = {
    "BertModel": BertModel, "BertForMaskedLM": BertForMaskedLM,
    "BertForPreTraining": BertForPreTraining, "BertForSequenceClassification": BertForSequenceClassification,
    "Seq2SeqTransformer": Seq2SeqTransformer,
}
OWN_NAMES = ("Seq2SeqTransformer",)       # saved with our parameter names: there is no HF layout for them
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
    architecture = type(model).__name__
    if architecture not in ARCHITECTURES:
        raise TypeError(f"save_pretrained supports {sorted(ARCHITECTURES)}, not {architecture}.")
    tensors = {}
    for name, tensor in model.state_dict().items():
        key = name if architecture in OWN_NAMES else to_hf_name(name, bert_prefix=architecture != "BertModel")
        if key not in TIED:
            tensors[key] = tensor.detach().to(dtype or tensor.dtype).contiguous().cpu()
    if int8:
        tensors = pack(tensors, dtype or torch.float16)
    _atomic_write(folder / "model.safetensors", lambda p: save_file(tensors, p, metadata={"format": "pt"}))
    if architecture in OWN_NAMES:
        data = {"architectures": [architecture], "model_type": "attention_lab", "attention_lab": model.config.to_dict()}
    else:
        data = config_to_hf(model.config, architecture)
    config = json.dumps(data, indent=2, ensure_ascii=False)
    _atomic_write(folder / "config.json", lambda p: Path(p).write_text(config, encoding="utf-8"))
    if tokenizer is not None:
        _atomic_write(folder / "tokenizer.json", lambda p: tokenizer.save(p))
    return folder


def _read_config(folder: Path):
    path = folder / "config.json"
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: a model folder needs config.json and model.safetensors.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data, config_from_hf(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is not valid JSON ({err}).") from err
    except (ValueError, TypeError) as err:
        raise CheckpointError(f"{path}: {err}") from err


def _read_weights(folder: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    path = folder / "model.safetensors"
    if path.is_file():
        try:
            with safe_open(str(path), framework="pt") as f:
                raw = unpack({k: f.get_tensor(k) for k in f.keys()})       # int8 storage → floats
            return path, {normalise_hf_name(k): v for k, v in raw.items()}
        except (SafetensorError, OSError, RuntimeError) as err:
            raise CheckpointError(f"{path} is corrupt or truncated and cannot be read ({err}).") from err
    path = folder / "pytorch_model.bin"
    if path.is_file():
        try:   # weights_only=True: tensors and plain containers only, never arbitrary objects
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - torch raises many types for a bad file
            raise CheckpointError(f"{path} could not be read as plain weights ({err}).") from err
        return path, {normalise_hf_name(k): v for k, v in state.items()}
    raise CheckpointError(f"No weights in {folder}: expected model.safetensors (or pytorch_model.bin).")


def _choose_class(data: dict, keys: set[str], model_class, path: Path) -> type[nn.Module]:
    saved = set(data.get("architectures") or ()) & set(OWN_NAMES)
    if model_class is not None:
        chosen = ARCHITECTURES[model_class] if isinstance(model_class, str) else model_class
        if saved and chosen.__name__ not in saved:        # an encoder-decoder is no BERT, and vice versa
            raise CheckpointError(f"{path} holds a {saved.pop()}, which cannot be loaded as {chosen.__name__}.")
        if not saved and chosen.__name__ in OWN_NAMES:
            raise CheckpointError(f"{path} holds a BERT model, not a {chosen.__name__}.")
        return chosen
    for name in data.get("architectures") or ():
        if name in ARCHITECTURES:
            return ARCHITECTURES[name]
    if "cls.seq_relationship.weight" in keys:
        return BertForPreTraining
    if any(k.startswith("cls.predictions") for k in keys):
        return BertForMaskedLM
    return BertForSequenceClassification if "classifier.weight" in keys else BertModel


def _match_weights(model: nn.Module, weights: dict, path: Path, init_missing_heads: bool) -> dict:
    """Map file keys onto our parameter names, checking presence and shape of every one."""
    file_has_prefix = any(k.startswith("bert.") for k in weights)
    want_prefix = not isinstance(model, BertModel)
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


def _match_own_names(model: nn.Module, weights: dict, path: Path) -> dict:
    """The same checks for a model saved under our own parameter names (the encoder-decoder)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    shapes = [f"{k}: file {tuple(weights[k].shape)} vs model {tuple(expected[k].shape)}"
              for k in expected if k in weights and tuple(weights[k].shape) != tuple(expected[k].shape)]
    _check_match(model, path, missing, unexpected, shapes)
    return {k: weights[k] for k in expected}


def _check_match(model: nn.Module, path: Path, missing: list, unexpected: list, shapes: list) -> None:
    problems = [f"{label} ({len(items)}): {', '.join(items[:10])}{' …' if len(items) > 10 else ''}"
                for label, items in (("missing keys", missing), ("unexpected keys", unexpected),
                                     ("mis-shaped keys", shapes)) if items]
    if problems:
        raise CheckpointError(f"{path} does not match {type(model).__name__} built from config.json — "
                              + "; ".join(problems))


def load_pretrained(folder, model_class=None, init_missing_heads: bool = False, device="cpu"):
    """Load one of our folders or a real HF BERT folder → (model in eval mode, tokenizer or None).

    ``model_class``: force a class (name or type), e.g. load a pretraining checkpoint as a classifier
    with ``init_missing_heads=True`` so the new head starts from random weights.
    A Seq2SeqTransformer folder gives (model, None): its vocabularies come from ``load_seq2seq``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a folder.")
    data, config = _read_config(folder)
    path, weights = _read_weights(folder)
    model = _choose_class(data, set(weights), model_class, folder / "config.json")(config)
    if isinstance(model, Seq2SeqTransformer):
        model.load_state_dict(_match_own_names(model, weights, path))
        return model.to(device).eval(), None
    state = _match_weights(model, weights, path, init_missing_heads)
    model.load_state_dict(state, strict=False)               # every key was checked above; copy_ casts dtype
    return model.to(device).eval(), load_tokenizer(folder)


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
    model, _ = load_pretrained(folder, model_class="Seq2SeqTransformer", device=device)
    if (folder / VOCAB).is_file():
        source = target = CharVocab.load(folder / VOCAB)
    elif (folder / SOURCE_VOCAB).is_file() and (folder / TARGET_VOCAB).is_file():
        source, target = CharVocab.load(folder / SOURCE_VOCAB), CharVocab.load(folder / TARGET_VOCAB)
    else:
        raise CheckpointError(f"{folder} has no {VOCAB} (or {SOURCE_VOCAB} + {TARGET_VOCAB}), so its "
                              "token ids cannot be turned back into characters.")
    for side, vocab, size in (("source", source, model.config.vocab_size),
                              ("target", target, model.config.target_vocab_size)):
        if len(vocab) != size:
            raise CheckpointError(f"{folder}: the {side} vocabulary has {len(vocab)} characters but the model "
                                  f"was built for {size}; the vocabulary file belongs to another model.")
    return model, source, target
