"""The one explicit table between our parameter names and the Hugging Face BERT layout.

Our modules use short descriptive names (``layers.3.self_attn.q_proj``); HF checkpoints use
BERT's original TensorFlow-derived names (``encoder.layer.3.attention.self.query``). Each row
below maps one of ours to one of theirs; ``{i}`` is a layer number.
"""
from __future__ import annotations

import re

from .config import TransformerConfig
from .errors import ConfigError
from .model_folder import json_type

# (our name, HF name) — ``bert.`` prefixes are handled separately, because a bare HF ``BertModel``
# checkpoint has none and a ``BertFor…`` checkpoint has them.
NAME_TABLE: tuple[tuple[str, str], ...] = (
    ("embeddings.word.weight", "embeddings.word_embeddings.weight"),
    ("embeddings.segment.weight", "embeddings.token_type_embeddings.weight"),
    ("embeddings.position.weight", "embeddings.position_embeddings.weight"),
    ("embeddings.norm.weight", "embeddings.LayerNorm.weight"),
    ("embeddings.norm.bias", "embeddings.LayerNorm.bias"),
    ("layers.{i}.self_attn.q_proj.{p}", "encoder.layer.{i}.attention.self.query.{p}"),
    ("layers.{i}.self_attn.k_proj.{p}", "encoder.layer.{i}.attention.self.key.{p}"),
    ("layers.{i}.self_attn.v_proj.{p}", "encoder.layer.{i}.attention.self.value.{p}"),
    ("layers.{i}.self_attn.out_proj.{p}", "encoder.layer.{i}.attention.output.dense.{p}"),
    ("layers.{i}.attn_norm.{p}", "encoder.layer.{i}.attention.output.LayerNorm.{p}"),
    ("layers.{i}.ffn.up.{p}", "encoder.layer.{i}.intermediate.dense.{p}"),
    ("layers.{i}.ffn.down.{p}", "encoder.layer.{i}.output.dense.{p}"),
    ("layers.{i}.ffn_norm.{p}", "encoder.layer.{i}.output.LayerNorm.{p}"),
    ("final_norm.{p}", "encoder.final_norm.{p}"),           # ours only (pre-LN); HF BERT has none
    ("pooler.{p}", "pooler.dense.{p}"),
)
HEAD_TABLE: tuple[tuple[str, str], ...] = (                 # outside the ``bert.`` encoder
    ("mlm.transform.{p}", "cls.predictions.transform.dense.{p}"),
    ("mlm.norm.{p}", "cls.predictions.transform.LayerNorm.{p}"),
    ("mlm.decoder.bias", "cls.predictions.bias"),
    ("mlm.decoder.weight", "cls.predictions.decoder.weight"),  # tied to the word embeddings
    ("nsp.{p}", "cls.seq_relationship.{p}"),
    ("classifier.{p}", "classifier.{p}"),
)
TIED = {"cls.predictions.decoder.weight": "embeddings.word_embeddings.weight"}
LEGACY = {".gamma": ".weight", ".beta": ".bias"}            # old TF-converted checkpoints
IGNORED = re.compile(r"(^|\.)position_ids$|^cls\.predictions\.decoder\.bias$")


def _pattern(template: str) -> re.Pattern:
    escaped = re.escape(template).replace(r"\{i\}", r"(?P<i>\d+)").replace(r"\{p\}", r"(?P<p>weight|bias)")
    return re.compile(f"^{escaped}$")


_ROWS = tuple((_pattern(ours), theirs, False) for ours, theirs in NAME_TABLE) + \
    tuple((_pattern(ours), theirs, True) for ours, theirs in HEAD_TABLE)


def to_hf_name(our_name: str, bert_prefix: bool = True) -> str:
    """``bert.layers.0.ffn.up.weight`` → ``bert.encoder.layer.0.intermediate.dense.weight``."""
    encoder_part = our_name.removeprefix("bert.")
    for pattern, theirs, is_head in _ROWS:
        match = pattern.match(our_name if is_head else encoder_part)
        if match:
            name = theirs.format(**match.groupdict())
            return name if is_head or not bert_prefix else "bert." + name
    raise KeyError(f"No Hugging Face name for parameter {our_name!r}: add a row to NAME_TABLE.")


def normalise_hf_name(name: str) -> str:
    """Accept legacy gamma/beta LayerNorm names."""
    for old, new in LEGACY.items():
        if name.endswith(old) and "LayerNorm" in name:
            return name[: -len(old)] + new
    return name


# ---- config.json: HF BERT keys plus ours under "attention_lab" ----------------------------
HF_CONFIG_KEYS = (  # (HF key, our field)
    ("vocab_size", "vocab_size"), ("hidden_size", "d_model"), ("num_hidden_layers", "n_layers"),
    ("num_attention_heads", "n_heads"), ("intermediate_size", "d_ff"), ("max_position_embeddings", "max_len"),
    ("type_vocab_size", "type_vocab_size"), ("hidden_dropout_prob", "dropout"),
    ("attention_probs_dropout_prob", "attn_dropout"), ("hidden_act", "activation"),
    ("layer_norm_eps", "layer_norm_eps"), ("pad_token_id", "pad_token_id"), ("initializer_range", "init_std"),
)


HF_FIELDS = {ours: hf for hf, ours in HF_CONFIG_KEYS} | {"n_labels": "num_labels"}   # our field → its HF key


def config_to_hf(config: TransformerConfig, architecture: str) -> dict:
    data = {hf: getattr(config, ours) for hf, ours in HF_CONFIG_KEYS}
    data.update(model_type="bert", architectures=[architecture], position_embedding_type="absolute",
                num_labels=config.n_labels, id2label={str(i): f"LABEL_{i}" for i in range(config.n_labels)},
                label2id={f"LABEL_{i}": i for i in range(config.n_labels)}, attention_lab=config.to_dict())
    return data


def config_from_hf(data: dict) -> TransformerConfig:
    """A config.json's object → our config. Every value is checked by TransformerConfig (types included), so a
    file that says ``"hidden_size": "768"`` or ``null`` gets a sentence, not a TypeError from deep inside."""
    if not isinstance(data, dict):
        found = json_type(data)
        raise ConfigError(f"config.json must hold one JSON object, not a JSON {found}.", "config_not_object",
                          found=found)
    if "attention_lab" in data:                        # one of ours: every field is there
        ours = data["attention_lab"]
        if not isinstance(ours, dict):
            raise ConfigError("attention_lab in config.json must be a JSON object of settings.", "ours_not_object")
        return TransformerConfig.from_dict(ours)
    if data.get("model_type", "bert") != "bert":
        raise ConfigError(f"config.json describes a {data.get('model_type')!r} model; only BERT is supported.",
                          "hf_not_bert", model_type=data.get('model_type'))
    if data.get("position_embedding_type", "absolute") != "absolute":
        raise ConfigError("Only absolute (learned) position embeddings are supported for HF BERT checkpoints.",
                          "hf_positions")
    if data.get("hidden_act", "gelu") not in ("gelu", "relu"):
        raise ConfigError(f"hidden_act {data['hidden_act']!r} is not supported (gelu or relu).", "hf_activation",
                          hidden_act=data['hidden_act'])
    values = {ours: data[hf] for hf, ours in HF_CONFIG_KEYS if data.get(hf) is not None}   # null: the default
    labels = data.get("id2label")
    values["n_labels"] = (len(labels) if isinstance(labels, dict | list) else 0) or data.get("num_labels") or 2
    return TransformerConfig(**values)
