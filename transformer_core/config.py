"""One frozen config for every model in the library.

Like nanoGPT's ``GPTConfig``: a single dataclass, a comment per field, passed to
every module so that nobody has to guess where a number came from. It is frozen so
that a cached model shared by many browser sessions cannot be changed under them.
"""
from __future__ import annotations

import math
import numbers
import os
from dataclasses import asdict, dataclass, fields, replace

from .errors import ConfigError  # noqa: F401  (raised here; importable from here as before)

ACTIVATIONS = ("gelu", "relu")
POSITIONS = ("learned", "sinusoidal", "rotary")
POOLINGS = ("cls", "mean")


def _is_int(value) -> bool:
    """A whole number, not a bool (JSON's true would pass as 1) and not a float (12.0)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)



@dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int = 8000          # number of word pieces the embedding table holds
    d_model: int = 256              # width of every token vector (BERT's "hidden_size")
    n_layers: int = 4               # encoder layers stacked on top of each other
    n_heads: int = 4                # attention heads per layer; each head sees d_model / n_heads dims
    d_ff: int = 1024                # hidden width of the position-wise feed-forward net (usually 4 × d_model)
    max_len: int = 128              # longest sequence, in tokens, the position table covers
    type_vocab_size: int = 2        # segments (sentence A / B) for next-sentence prediction; 0 = none
    dropout: float = 0.1            # dropout on embeddings, sublayer outputs and the FFN
    attn_dropout: float = 0.1       # dropout on the attention weights themselves
    activation: str = "gelu"        # FFN non-linearity: "gelu" (BERT) or "relu" (Vaswani et al.)
    position: str = "learned"       # "learned" (BERT), "sinusoidal" (Vaswani) or "rotary" (RoPE, relative)
    norm_first: bool = False        # False = post-LN (BERT, Vaswani); True = pre-LN (GPT-2 style, easier to train deep)
    layer_norm_eps: float = 1e-12   # epsilon inside LayerNorm (BERT uses 1e-12, torch's default is 1e-5)
    pad_token_id: int = 0           # id of [PAD]; padded positions get no attention
    n_labels: int = 2               # classes for sequence classification
    pooling: str = "cls"            # sentence vector for classification: "cls" (pooler on [CLS]) or "mean" over tokens
    init_std: float = 0.02          # std of the normal init of weights (BERT's initializer_range)
    n_decoder_layers: int = 0       # encoder-decoder only: its decoder layers (0 = as many as n_layers); BERT has none
    tgt_vocab_size: int = 0         # decoder vocabulary of the encoder-decoder (0 = same as vocab_size)
    rope_base: float = 10000.0      # base of the rotary / sinusoidal frequencies
    image_size: int = 0             # Vision Transformer only: side of the square input image in pixels (0 = text)
    patch_size: int = 0             # Vision Transformer only: side of one square patch; each patch is one token

    def __post_init__(self) -> None:
        self.validate()

    @property
    def d_head(self) -> int:
        """Width of one head: the heads split d_model, they do not each get all of it."""
        return self.d_model // self.n_heads

    @property
    def target_vocab_size(self) -> int:
        return self.tgt_vocab_size or self.vocab_size

    def validate(self) -> None:
        positive = ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "max_len", "n_labels")
        for name in positive:
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ConfigError(f"{name} must be a whole number ≥ 1, got {value!r}.", "whole_number",
                                  name=name, value=value)
        if self.d_model % self.n_heads:
            options = [h for h in range(1, 17) if self.d_model % h == 0]
            raise ConfigError(f"d_model ({self.d_model}) must be divisible by n_heads ({self.n_heads}): each head "
                              f"gets d_model / n_heads dimensions. Try n_heads in {options}.", "heads_divide",
                              d_model=self.d_model, n_heads=self.n_heads, options=options)
        if self.position == "rotary" and self.d_head % 2:
            raise ConfigError(f"rotary positions rotate pairs of dimensions: d_model / n_heads "
                              f"({self.d_head}) must be even.", "rotary_even", d_head=self.d_head)
        if self.position == "sinusoidal" and self.d_model % 2:
            raise ConfigError(f"sinusoidal positions pair sin and cos: d_model ({self.d_model}) must be even.",
                              "sinusoid_even", d_model=self.d_model)
        for name, allowed in (("activation", ACTIVATIONS), ("position", POSITIONS), ("pooling", POOLINGS)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}.", "one_of",
                                  name=name, allowed=allowed, value=getattr(self, name))
        for name in ("dropout", "attn_dropout"):
            if not _is_number(getattr(self, name)) or not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.", "unit_interval",
                                  name=name, value=getattr(self, name))
        for name in ("type_vocab_size", "n_decoder_layers", "tgt_vocab_size", "image_size", "patch_size"):
            if not _is_int(getattr(self, name)) or getattr(self, name) < 0:
                raise ConfigError(f"{name} must be ≥ 0, got {getattr(self, name)!r}.", "non_negative",
                                  name=name, value=getattr(self, name))
        for name in ("layer_norm_eps", "rope_base", "init_std"):   # a config.json may hold a string or NaN here
            value = getattr(self, name)
            if not _is_number(value) or not math.isfinite(value) or value <= 0:
                raise ConfigError(f"{name} must be a finite number above 0, got {value!r}.", "positive_number",
                                  name=name, value=value)
        if not isinstance(self.norm_first, bool):
            raise ConfigError(f"norm_first must be one of {(True, False)}, got {self.norm_first!r}.", "one_of",
                              name="norm_first", allowed=(True, False), value=self.norm_first)
        if not _is_int(self.pad_token_id) or not 0 <= self.pad_token_id < self.vocab_size:
            raise ConfigError(f"pad_token_id ({self.pad_token_id}) must be a token id below vocab_size "
                              f"({self.vocab_size}).", "pad_id", pad=self.pad_token_id, vocab_size=self.vocab_size)

    def check_length(self, length: int) -> None:
        """Raise a clear error when a sequence is longer than the position table."""
        if length > self.max_len and self.position != "rotary":
            raise ConfigError(f"The input has {length} tokens but this model was built for at most "
                              f"max_len = {self.max_len}. Shorten the input or truncate it.", "too_long",
                              length=length, max_len=self.max_len)

    def replace(self, **changes) -> TransformerConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TransformerConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# ── How big a config is, before anything is built ─────────────────────────────────────────────────────
# A config.json from a folder is a stranger's: num_hidden_layers 10000 would allocate layer after layer until
# the server runs out of memory, vocab_size 10**9 fails inside the allocator. The count below is a formula over
# the sizes (no tensor is made), so a folder is refused before a single weight is allocated.
MAX_MODEL_BYTES_ENV = "ATTENTION_LAB_MAX_MODEL_BYTES"   # a server's own limit on a model's weights, in bytes
MIN_MODEL_BYTES = 2 * 1024**3       # the default never goes below this: bert-large's 335M float32 weights fit
MAX_LAYERS = 64                     # deeper than any BERT (bert-large: 24); a page shows every layer
MAX_HEADS = 64                      # more heads than this is narrow heads no page can draw (bert-large: 16)
MIN_LEN = 8                         # positions: [CLS], a few words, [SEP] (the positions page needs room)
TYPICAL = {"vocab_size": 30522, "d_model": 1024, "n_layers": 24, "d_ff": 4096, "max_len": 512,
           "type_vocab_size": 2, "n_labels": 2, "n_decoder_layers": 24, "tgt_vocab_size": 30522}


def _count(s: dict, decoder: bool) -> int:
    """Parameters of a model of sizes ``s`` (TransformerConfig field names). A BERT is counted with every head
    (pooler, MLM, NSP, classifier), so the count is an upper bound for each BERT kind; ``decoder``: the
    encoder-decoder (two embedding tables, decoder layers with cross-attention, generator)."""
    d, f, positions = s["d_model"], s["d_ff"], s["max_len"]
    layer = 4 * (d * d + d) + (d * f + f) + (f * d + d) + 2 * 2 * d      # W_Q W_K W_V W_O, FFN up/down, 2 norms
    if not decoder:
        embeddings = (s["vocab_size"] + s["type_vocab_size"] + positions) * d + 2 * d
        heads = 2 * (d * d + d) + 2 * d + s["vocab_size"] + 2 * (d + 1) + s["n_labels"] * (d + 1)
        return embeddings + s["n_layers"] * layer + 2 * d + heads
    target = s["tgt_vocab_size"] or s["vocab_size"]
    cross = 4 * (d * d + d) + 2 * d                                     # a decoder layer's cross-attention + norm
    embeddings = (s["vocab_size"] + positions) * d + (target + positions) * d
    layers = s["n_layers"] * layer + (s["n_decoder_layers"] or s["n_layers"]) * (layer + cross)
    return embeddings + layers + 4 * d + target * (d + 1)


def parameter_count(config: TransformerConfig, decoder: bool = False) -> int:
    """How many weights a model of this config holds (see ``_count``), without building it."""
    return _count({name: getattr(config, name) for name in TYPICAL}, decoder)


def estimate_bytes(config: TransformerConfig, decoder: bool = False) -> int:
    """Memory of the model's float32 weights. Loading a folder holds its file's tensors beside them for a
    moment, so the peak is up to twice this."""
    return 4 * parameter_count(config, decoder)


def memory_limit() -> int:
    """The most bytes of weights a model may take here: ``ATTENTION_LAB_MAX_MODEL_BYTES`` when set, else a quarter
    of this machine's memory, never less than ``MIN_MODEL_BYTES``."""
    raw = os.environ.get(MAX_MODEL_BYTES_ENV, "").strip()
    try:
        return max(int(float(raw)), 1) if raw else _quarter_of_memory()
    except ValueError:                 # a typo in the setting: the default, not a crash on every load
        return _quarter_of_memory()


def _quarter_of_memory() -> int:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):                      # no sysconf (Windows): the floor
        memory = 0
    return max(memory // 4, MIN_MODEL_BYTES)


def check_size(config: TransformerConfig, decoder: bool = False, names: dict[str, str] | None = None,
               limit: int | None = None) -> None:
    """Refuse a config too big to build here (or too short to read a sentence), naming the field that makes it
    so (``names``: what the file calls each field, e.g. num_hidden_layers for n_layers). Pure arithmetic:
    nothing is allocated. Memory is checked before the caps, so a model that could not fit says so."""
    names = names or {}
    if config.max_len < MIN_LEN:
        field, value = names.get("max_len", "max_len"), config.max_len
        raise ConfigError(f"{field} = {value} leaves no room for a sentence (at least {MIN_LEN} positions: [CLS], "
                          "the words, [SEP]).", "size_field_min", field=field, value=value, MIN_LEN=MIN_LEN)
    _check_memory(config, decoder, names, limit or memory_limit())
    for name, most in (("n_layers", MAX_LAYERS), ("n_decoder_layers", MAX_LAYERS), ("n_heads", MAX_HEADS)):
        if getattr(config, name) > most:
            field, value = names.get(name, name), getattr(config, name)
            raise ConfigError(f"{field} = {value:,} is more than this lab shows (at most {most}).", "size_field_cap",
                              field=field, value=value, most=most)


def _check_memory(config: TransformerConfig, decoder: bool, names: dict[str, str], limit: int) -> None:
    sizes = {name: getattr(config, name) for name in TYPICAL}
    params = _count(sizes, decoder)
    if 4 * params <= limit:
        return
    # the field to blame: the one whose ordinary value (bert-large's) would shrink the model the most
    culprit = min(sizes, key=lambda n: _count({**sizes, n: min(sizes[n], TYPICAL[n])}, decoder))
    field, value = names.get(culprit, culprit), sizes[culprit]
    gib, limit_gib = (4 * params / 1024**3 if params < 10**300 else math.inf), limit / 1024**3
    raise ConfigError(f"{field} = {value:,} makes this model about {gib:,.1f} GiB of weights ({params:,} "
                      f"parameters), more than this server allows ({limit_gib:,.1f} GiB; the setting "
                      f"{MAX_MODEL_BYTES_ENV} changes that).", "model_too_big", field=field, value=value, gib=gib,
                      params=params, limit_gib=limit_gib, MAX_MODEL_BYTES_ENV=MAX_MODEL_BYTES_ENV)


# Presets a learner can pick by name. BERT-Base has ~110M parameters and BERT-Large ~340M
# (not 3,300M as some articles say); both were pretrained on the same ~3.3B words.
PRESETS: dict[str, TransformerConfig] = {
    "tiny": TransformerConfig(vocab_size=8000, d_model=128, n_layers=2, n_heads=2, d_ff=512),
    "mini": TransformerConfig(vocab_size=8000, d_model=256, n_layers=4, n_heads=4, d_ff=1024),
    "bert-base": TransformerConfig(vocab_size=30522, d_model=768, n_layers=12, n_heads=12, d_ff=3072, max_len=512),
    "bert-large": TransformerConfig(vocab_size=30522, d_model=1024, n_layers=24, n_heads=16, d_ff=4096,
                                    max_len=512),
    "vaswani-base": TransformerConfig(vocab_size=37000, d_model=512, n_layers=6, n_heads=8, d_ff=2048,
                                      max_len=512, type_vocab_size=0, activation="relu",
                                      position="sinusoidal", layer_norm_eps=1e-6, n_decoder_layers=6),
}
