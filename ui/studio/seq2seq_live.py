"""The "Train an encoder-decoder, live" page's logic: settings → a validated TrainConfig, the cross-attention
captured at every checkpoint, how aligned it is, and greedy decodes of held-out sources afterwards.

Pure functions, no Streamlit (tests/test_studio_seq2seq.py). Strings live in ``seq2seq_text.TEXT``.

Why cross-attention: in an encoder-decoder it is the one place where output meets input, so it is where
a learned "algorithm" becomes visible. Copy needs output i to find source i (a diagonal), reverse needs
source n − 1 − i (an anti-diagonal) — and at step 0, with random weights, every row is a grey blur.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import torch

from transformer_core.char_vocab import CharVocab
from transformer_core.checkpoint import load_seq2seq
from transformer_core.data.pretraining import pad_rows
from transformer_core.data.seq2seq_tasks import TASKS, make_pairs
from transformer_core.decoding import greedy_decode
from transformer_core.seq2seq import Seq2SeqTransformer
from transformer_core.train.config import TrainConfig
from ui.seq2seq_view import STEP, shown

from ..i18n import TERMS
from . import figures as fg
from .seq2seq_text import TEXT

ALIGNED = ("copy", "reverse")        # tasks with one expected source position per output character
HEADS = (1, 2, 3, 4, 6, 8)           # offered in the picker; 3 and 6 do not divide every d_model
LIMITS = {"layers": (1, 4), "d_model": (16, 256), "d_ff": (16, 1024), "n_pairs": (100, 20_000),
          "steps": (10, 5000), "batch_size": (4, 256), "lr": (1e-5, 1e-2), "dropout": (0.0, 0.5)}
CHECKPOINTS = 10                     # frames of the time-lapse, besides step 0
PROBE_CHARS = 24                     # the probe pair: the longest held-out source up to this many characters
MAX_EXTRA_STEPS = 10                 # decoding writes at most len(source) + this many tokens


@dataclass(frozen=True)
class Settings:
    """What the learner chose. The defaults were measured: reverse reaches ~98% held-out exact match in
    600 steps (≈ 17 s of one CPU core); with dropout 0.1 the same run reaches only ~46% (and is slower)."""
    task: str = "reverse"
    layers: int = 2              # encoder layers; the decoder gets as many
    d_model: int = 64
    heads: int = 4
    d_ff: int = 256
    dropout: float = 0.0
    n_pairs: int = 4000
    steps: int = 600
    batch_size: int = 32
    lr: float = 1e-3
    device: str = "cpu"
    seed: int = 0


DEFAULTS = asdict(Settings())


# ── settings → config ─────────────────────────────────────────────────────────────────────────

def validate(settings: Settings, lang: str = "en", devices=("cpu",)) -> list[str]:
    """Every problem with the settings, each as a sentence in the learner's language (empty = fine)."""
    say = lambda key, **v: TEXT(key, lang, **v)                      # noqa: E731
    problems = []
    if settings.task not in TASKS:
        problems.append(say("task_unknown", value=settings.task))
    if settings.device not in devices:
        problems.append(say("device_unknown", value=settings.device))
    for name, (lo, hi) in LIMITS.items():
        value = getattr(settings, name)
        whole = name not in ("lr", "dropout")
        if whole and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(say("whole", name=say(f"name_{name}"), value=value))
        elif not lo <= value <= hi:
            problems.append(say("range", name=say(f"name_{name}"), lo=f"{lo:,g}", hi=f"{hi:,g}", value=value))
    if problems:
        return problems
    d, h = settings.d_model, settings.heads
    if h < 1 or d % h:
        problems.append(say("divisible", d=d, h=h, options=", ".join(str(k) for k in HEADS if d % k == 0)))
    if d % 2:
        problems.append(say("even", d=d))
    n_train = round(0.8 * settings.n_pairs)                                # split_pairs keeps 80% for training
    if n_train < settings.batch_size:
        problems.append(say("one_batch", n=settings.n_pairs, train=n_train, batch=settings.batch_size,
                            need=int(np.ceil(settings.batch_size / 0.8))))
    return problems


def train_config(settings: Settings) -> TrainConfig:
    """The TrainConfig of a run (validate first). The decoder gets as many layers as the encoder."""
    model = {"n_layers": settings.layers, "d_model": settings.d_model, "n_heads": settings.heads,
             "d_ff": settings.d_ff, "dropout": settings.dropout, "attn_dropout": settings.dropout}
    return TrainConfig(task="seq2seq", preset="mini", model=model, seq2seq_task=settings.task,
                       n_pairs=settings.n_pairs, steps=settings.steps, batch_size=settings.batch_size,
                       lr=settings.lr, device=settings.device, seed=settings.seed)


@lru_cache(maxsize=32)
def task_sample(task: str, n_pairs: int, seed: int = 0) -> tuple[list[tuple[str, str]], int]:
    """(five example pairs, characters in the vocabulary) — the same pairs and vocabulary the run builds."""
    pairs = make_pairs(task, n_pairs, seed)
    return pairs[:5], len(CharVocab.from_pairs(pairs)) - len(CharVocab.SPECIALS)


def parameter_count(settings: Settings, n_chars: int) -> int:
    """Parameters of the model these settings build, counted on PyTorch's "meta" device (shapes, no memory)."""
    config = train_config(settings).model_config(vocab_size=n_chars + len(CharVocab.SPECIALS), type_vocab_size=0,
                                                 position="sinusoidal", activation="relu")
    with torch.device("meta"):
        return sum(p.numel() for p in Seq2SeqTransformer(config).parameters())


# ── capture: the cross-attention at one checkpoint ───────────────────────────────────────────

def pick_probe(pairs: list[tuple[str, str]], limit: int = PROBE_CHARS) -> tuple[str, str]:
    """The held-out pair to watch: the longest source that still fits a readable heatmap."""
    fitting = [p for p in pairs if len(p[0]) <= limit]
    return max(fitting, key=lambda p: len(p[0])) if fitting else min(pairs, key=lambda p: len(p[0]))


@torch.no_grad()
def capture(model: Seq2SeqTransformer, parts) -> dict | None:
    """Cross-attention of the probe pair, teacher-forced, in eval mode (no dropout).

    The decoder reads [BOS] y1 … yn and at position i writes y(i+1) (the last row writes [EOS]), so row i
    belongs to output token i: ``tgt_tokens`` = y1 … yn [EOS], ``src_tokens`` = x1 … xm [EOS].
    Returns {"cross": (L, H, T_tgt, T_src) float32, "source", "target", "src_tokens", "tgt_tokens"}
    (spaces drawn as ␣), or None when the run has no held-out pairs."""
    vocab: CharVocab = parts.info["vocab"]
    examples = parts.info.get("held_out_examples") or []
    if not examples:
        return None
    source, target = pick_probe(examples)
    device = next(model.parameters()).device
    src = torch.tensor([vocab.encode(source, add_eos=True)], device=device)        # (1, T_src)
    tgt_in = torch.tensor([vocab.encode(target, add_bos=True)], device=device)     # (1, T_tgt): [BOS] y1 … yn
    was_training = model.training
    model.eval()
    try:
        trace = model(src, tgt_in, record=True).trace
    finally:
        model.train(was_training)
    cross = trace.decoder.cross_attentions[:, 0]                                     # (L, H, T_tgt, T_src)
    return {"cross": cross.float().cpu().numpy(), "source": source, "target": target,
            "src_tokens": [shown(c) for c in source] + ["[EOS]"],
            "tgt_tokens": [shown(c) for c in target] + ["[EOS]"]}


# ── reading the frames ───────────────────────────────────────────────────────────────────────

def head_frames(frames, layer: int, head: int) -> list[tuple[int, np.ndarray]]:
    """[(step, (T_tgt, T_src))] of one decoder layer and head, one per checkpoint."""
    return [(f.step, f.data["cross"][layer, head]) for f in frames]


def best_head(cross: np.ndarray, task: str) -> tuple[int, int, float] | None:
    """(layer, head, score) of the most aligned head in one (L, H, T_tgt, T_src) frame; None if no alignment."""
    if task not in ALIGNED:
        return None
    scores = [(fg.alignment_score(cross[i, j], task), i, j) for i in range(cross.shape[0])
              for j in range(cross.shape[1])]
    score, i, j = max(scores)
    return i, j, score


@dataclass(frozen=True)
class Alignment:
    steps: list[int]            # one per checkpoint
    chosen: list[float]         # the picked layer/head's score at each checkpoint
    best: list[float]           # the best head's score at each checkpoint
    uniform: float              # the score of attention spread evenly: 1 / T_src


def alignment_series(frames, layer: int, head: int, task: str) -> Alignment | None:
    """The alignment score (figures.alignment_score) over training; None for tasks without one."""
    if task not in ALIGNED or not frames:
        return None
    chosen = [fg.alignment_score(f.data["cross"][layer, head], task) for f in frames]
    best = [best_head(f.data["cross"], task)[2] for f in frames]
    return Alignment([f.step for f in frames], chosen, best, 1.0 / frames[0].data["cross"].shape[-1])


def alignment_figure(series: Alignment, layer: int, head: int, lang: str = "en") -> go.Figure:
    """A small line chart: the picked head's score, the best head's, and the uniform baseline."""
    say = lambda key, **v: TEXT(key, lang, **v)                      # noqa: E731
    fig = go.Figure()
    fig.add_scatter(x=series.steps, y=series.chosen, mode="lines+markers", name=say("align_chosen", layer=layer + 1,
                                                                                      head=head + 1))
    fig.add_scatter(x=series.steps, y=series.best, mode="lines", name=say("align_best"), line={"dash": "dash"})
    fig.add_hline(y=series.uniform, line={"dash": "dot", "color": "grey"}, annotation_text=say("align_uniform"))
    fig.update_yaxes(title=say("align_axis"), range=[0, 1.02])
    fig.update_xaxes(title=TERMS("step", lang), rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return fg.style(fig, say("align_title"), 320)


# ── after the run ────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Decoded:
    source: str
    target: str
    output: str

    @property
    def right(self) -> bool:
        return self.output == self.target


@torch.inference_mode()
def decode_examples(folder, pairs: list[tuple[str, str]]) -> list[Decoded]:
    """Greedy decoding of every source at once with the checkpoint in ``folder``."""
    model, src_vocab, tgt_vocab = load_seq2seq(folder)
    src = pad_rows([src_vocab.encode(s, add_eos=True) for s, _ in pairs], src_vocab.pad_id)      # (B, T_src)
    limit = min(model.config.max_len - 1, max(len(s) for s, _ in pairs) + MAX_EXTRA_STEPS)
    result = greedy_decode(model, src, tgt_vocab.bos_id, tgt_vocab.eos_id, max_len=limit)
    return [Decoded(s, t, tgt_vocab.decode(row)) for (s, t), row in zip(pairs, result.tokens.tolist(), strict=True)]


def decode_rows(decoded: list[Decoded], lang: str = "en") -> list[dict]:
    say = lambda key: TEXT(key, lang)                                   # noqa: E731
    return [{say("col_source"): d.source, say("col_target"): d.target, say("col_wrote"): d.output or "∅",
             say("col_right"): "✓" if d.right else "✗"} for d in decoded]


def explorer_state(source_key: str, text: str) -> dict:
    """What views/seq2seq.py reads to open on the new model with a source it can read."""
    return {"s2s_model": source_key, "s2s_value": text, STEP: 1}

