"""One frozen config for every model in the library.

Like nanoGPT's ``GPTConfig``: a single dataclass, a comment per field, passed to
every module so that nobody has to guess where a number came from. It is frozen so
that a cached model shared by many browser sessions cannot be changed under them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from .errors import ConfigError  # noqa: F401  (raised here; importable from here as before)

ACTIVATIONS = ("gelu", "relu")
POSITIONS = ("learned", "sinusoidal", "rotary")
POOLINGS = ("cls", "mean")




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
            if not isinstance(value, int) or value < 1:
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
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.", "unit_interval",
                                  name=name, value=getattr(self, name))
        for name in ("type_vocab_size", "n_decoder_layers", "tgt_vocab_size"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be ≥ 0, got {getattr(self, name)!r}.", "non_negative",
                                  name=name, value=getattr(self, name))
        if not 0 <= self.pad_token_id < self.vocab_size:
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
