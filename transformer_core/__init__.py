"""transformer_core: a compact, readable, fully inspectable Transformer / BERT in PyTorch.

    from transformer_core import TransformerConfig, BertForPreTraining, load_pretrained
    out = model(input_ids, attention_mask, record=True)   # out.trace holds every intermediate

No Streamlit anywhere below this package: the UI reads traces, it never reaches into modules.
"""
from .attention import MultiHeadAttention, additive_mask, attention, causal_allowed, padding_allowed
from .bert import (BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertModel,
                   ClassifierOutput, EncoderOutput, PreTrainingOutput)
from .config import PRESETS, ConfigError, TransformerConfig
from .embeddings import Embeddings, apply_rotary, rotary_angles, sinusoidal_table
from .layers import FeedForward, TransformerLayer, layer_norm
from .trace import (AttentionTrace, DecodeStep, EmbeddingTrace, FFNTrace, LayerTrace, ModelTrace, NormTrace,
                    Seq2SeqTrace)

__all__ = [name for name in dir() if not name.startswith("_")]
