"""transformer_core: a compact, readable, fully inspectable Transformer / BERT in PyTorch.

    from transformer_core import BertForPreTraining, load_pretrained, save_pretrained
    model, tokenizer = load_pretrained("path/to/folder")         # ours or a real HF BERT folder
    out = model(input_ids, attention_mask, record=True)          # out.trace holds every intermediate

No Streamlit anywhere below this package: the UI reads traces, it never reaches into modules.
"""
from .attention import MultiHeadAttention, additive_mask, attention_steps, causal_allowed, padding_allowed
from .bert import (
                   BertForMaskedLM,
                   BertForPreTraining,
                   BertForSequenceClassification,
                   BertModel,
                   ClassifierOutput,
                   EncoderOutput,
                   PreTrainingOutput,
)
from .checkpoint import load_pretrained, load_seq2seq, save_pretrained
from .config import PRESETS, TransformerConfig
from .decoding import BeamResult, GreedyResult, beam_search, greedy_decode
from .embeddings import Embeddings, apply_rotary, rotary_angles, sinusoidal_table
from .errors import CheckpointError, ConfigError, DataError, LabError, SaveError
from .kinds import KINDS, ModelKind, kind_named, kind_of, register
from .layers import FeedForward, TransformerLayer, layer_norm
from .seq2seq import Seq2SeqOutput, Seq2SeqTransformer
from .trace import AttentionTrace, DecodeStep, EmbeddingTrace, FFNTrace, LayerTrace, ModelTrace, NormTrace, Seq2SeqTrace

__all__ = [
    "MultiHeadAttention", "additive_mask", "attention_steps", "causal_allowed", "padding_allowed",
    "BertForMaskedLM", "BertForPreTraining", "BertForSequenceClassification", "BertModel",
    "ClassifierOutput", "EncoderOutput", "PreTrainingOutput",
    "CheckpointError", "load_pretrained", "load_seq2seq", "save_pretrained",
    "PRESETS", "TransformerConfig",
    "LabError", "ConfigError", "DataError", "SaveError",
    "KINDS", "ModelKind", "kind_named", "kind_of", "register",
    "BeamResult", "GreedyResult", "beam_search", "greedy_decode",
    "Embeddings", "apply_rotary", "rotary_angles", "sinusoidal_table",
    "FeedForward", "TransformerLayer", "layer_norm",
    "Seq2SeqOutput", "Seq2SeqTransformer",
    "AttentionTrace", "DecodeStep", "EmbeddingTrace", "FFNTrace", "LayerTrace", "ModelTrace", "NormTrace",
    "Seq2SeqTrace",
]
