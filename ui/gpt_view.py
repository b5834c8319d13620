"""BERT vs GPT on one sentence: the two masks, what each predicts, and GPT writing with temperature, top-k and
top-p. Pure builders (no Streamlit): the page ``views/bert_vs_gpt.py`` draws what these return.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.kinds import NEXT_TOKEN
from transformer_core.sampling import Step

from . import colors, models
from .encode import clean
from .i18n import TERMS, Scope

TEXT = Scope("bert_vs_gpt")
MAX_STEPS = 40             # new tokens per generation: each is one forward pass of the whole prefix
TOP_SHOWN = 8              # guesses shown per model in the "what each predicts" charts
CLS, SEP, MASK = "[CLS]", "[SEP]", "[MASK]"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LIGHT, BLUE, GREY = "#9ecae1", "#2171b5", "#d9d9d9"      # before the cut, after it, cut away


def gpt_source(lang: str, root: Path | None = None) -> models.ModelSource | None:
    """The shipped causal LM of this language (the first by the cards' order), or None when none is shipped."""
    found = [s for s in models.shipped_models(root or models.MODELS_ROOT) if s.can(NEXT_TOKEN) and s.lang == lang]
    return found[0] if found else None


# ── text ↔ pieces ─────────────────────────────────────────────────────────────────────────────────────

def prompt_ids(tokenizer, text: str) -> tuple[list[int], list[str], list[tuple[str, dict]]]:
    """GPT's input for a prompt: [CLS] ("a text begins") + its pieces, no [SEP] (the text goes on).
    Cleaned as every input is (ui/encode.clean: InputProblem "input_empty" when nothing is left)."""
    text, notes = clean(text)
    enc = tokenizer.encode(text, add_special_tokens=False)
    return [tokenizer.token_to_id(CLS)] + enc.ids, [CLS] + enc.tokens, notes


def join_pieces(tokens: list[str]) -> str:
    """Word pieces back into text: "##" pieces glue to the one before; Chinese characters take no spaces."""
    out = ""
    for tok in tokens:
        if tok == CLS:
            continue
        if tok.startswith("##"):
            out += tok[2:]
        elif out and not (CJK.match(tok[:1]) or CJK.match(out[-1:])) and tok not in ",.;:!?)'" \
                and out[-1:] not in "('":
            out += " " + tok
        else:
            out += tok
    return out


# ── the settings, checked ─────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Plan:
    ids: list[int]                   # the prompt as GPT reads it, maybe cut on the left to leave room
    tokens: list[str]
    steps: int                       # new tokens to write
    temperature: float               # 0 = greedy
    top_k: int                       # 0 = off
    top_p: float                     # 1.0 = off
    notes: list[tuple[str, dict]] = field(default_factory=list)   # (catalog key, values): what changed and why


def plan(ids: list[int], tokens: list[str], max_len: int, vocab_size: int, steps: int, temperature: float,
         top_k: int, top_p: float) -> Plan:
    """Settings a learner (or a link) gave → what runs, with a note for each change. Never raises: a value out
    of range is brought into range and said. A prompt that leaves no room is cut on the left ([CLS] stays)."""
    notes = []
    steps = int(min(max(steps, 1), MAX_STEPS))
    temperature = float(temperature) if np.isfinite(temperature) else 1.0
    if temperature <= 0:
        temperature = 0.0
        notes.append(("greedy", {}))
    top_k = max(int(top_k), 0)
    if top_k >= vocab_size:
        notes.append(("top_k_all", {"k": top_k, "vocab": vocab_size}))
        top_k = 0
    top_p = float(min(max(top_p, 0.01), 1.0)) if np.isfinite(top_p) else 1.0
    keep = max_len - steps                                           # positions left for the prompt
    if len(ids) > keep:
        cut = len(ids) - keep
        ids, tokens = ids[:1] + ids[1 + cut:], tokens[:1] + tokens[1 + cut:]
        notes.append(("prompt_cut", {"n": cut, "max_len": max_len, "steps": steps}))
    return Plan(ids, tokens, steps, temperature, top_k, top_p, notes)


# ── the masks and the attention ───────────────────────────────────────────────────────────────────────

def masks(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, T) "may attend" for BERT (every pair) and GPT (the lower triangle: i sees j ≤ i)."""
    return np.ones((n, n)), np.tril(np.ones((n, n)))


def _labels(tokens: list[str]) -> list[str]:
    return [f"{i} {t}" for i, t in enumerate(tokens)]


def pair_heatmaps(left: np.ndarray, left_tokens: list[str], right: np.ndarray, right_tokens: list[str],
                  titles: tuple[str, str], lang: str) -> go.Figure:
    """Two (T, T) maps side by side on the probability scale (0 white → 1 dark blue), queries down, keys across."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.18)
    for col, (m, tokens) in enumerate(((left, left_tokens), (right, right_tokens)), start=1):
        names = _labels(tokens)
        fig.add_trace(go.Heatmap(z=np.round(m, 4), x=names, y=names, **colors.positive(1.0), showscale=col == 2,
                                 hovertemplate="%{y} → %{x}: %{z:.3f}<extra></extra>"), 1, col)
        fig.update_yaxes(autorange="reversed", type="category", row=1, col=col)
        fig.update_xaxes(type="category", tickangle=-60, title_text=TERMS("key_axis", lang), row=1, col=col)
    fig.update_yaxes(title_text=TERMS("query_axis", lang), row=1, col=1)
    fig.update_yaxes(automargin=True)                          # room for the token names: left and below
    fig.update_xaxes(automargin=True)
    n = max(len(left_tokens), len(right_tokens))
    fig.update_layout(height=min(760, 260 + 22 * n), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def future_share(weights: np.ndarray) -> float:
    """How much attention weight falls on later tokens (above the diagonal): 0 for any causal model."""
    return float(np.triu(weights, 1).sum() / max(weights.sum(), 1e-12))


# ── what each can predict ─────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Guesses:
    tokens: list[str]          # the most likely pieces, best first
    probs: list[float]


def tail(text: str, limit: int = 20) -> str:
    """The end of a long prefix for a chart title ("…" + its last characters, at most ``limit`` columns, a Chinese
    character counting two): the words just before the hidden one are what GPT reads last, and a whole
    sentence in a half-width title runs out of its chart."""
    text, kept, width = text.strip(), "", 0
    for ch in reversed(text):
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width > limit - 1:
            return "…" + kept.lstrip()
        kept = ch + kept
    return text


def guesses(logits: torch.Tensor, tokenizer, k: int = TOP_SHOWN) -> Guesses:
    """softmax over the vocabulary of one position's scores (V,) → the k most likely pieces."""
    probs = logits.float().softmax(-1)
    values, ids = probs.topk(min(k, probs.numel()))
    return Guesses([tokenizer.id_to_token(i) for i in ids.tolist()], values.tolist())


def guesses_figure(bert: Guesses | None, gpt: Guesses | None, truth: tuple[str | None, str | None],
                   titles: tuple[str, str], lang: str) -> go.Figure:
    """BERT's guesses for the [MASK] and GPT's for the next piece, side by side; the hidden piece in dark blue."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.2)
    for col, (found, true) in enumerate(((bert, truth[0]), (gpt, truth[1])), start=1):
        if found is None:
            continue
        fig.add_trace(go.Bar(x=found.probs, y=[f"{r + 1}. {t}" for r, t in enumerate(found.tokens)], orientation="h",
                             marker_color=[BLUE if t == true else LIGHT for t in found.tokens], showlegend=False,
                             text=[f"{p:.1%}" for p in found.probs], textposition="outside", cliponaxis=False,
                             hovertemplate="%{y}: %{x:.2%}<extra></extra>"), 1, col)
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)  # room for the guesses' names
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text=TERMS("probability", lang), automargin=True)
    fig.update_layout(height=120 + 28 * TOP_SHOWN, margin={"l": 10, "r": 30, "t": 50, "b": 10})
    return fig


# ── generation, step by step ──────────────────────────────────────────────────────────────────────────

def step_figure(step: Step, tokenizer, lang: str) -> go.Figure:
    """One step: each candidate's probability after temperature (light) and after the top-k / top-p cut (dark;
    grey name = cut away); the picked token is marked."""
    names = [tokenizer.id_to_token(i) for i in step.candidates.tolist()]
    picked = step.token
    labels = [("→ " if i == picked else "") + (n if k else f"({n})")
              for i, n, k in zip(step.candidates.tolist(), names, step.kept.tolist(), strict=True)]
    before, after = step.probs.tolist(), step.final.tolist()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=before, y=labels, orientation="h", name=TEXT("before_cut", lang),
                         marker_color=[LIGHT if k else GREY for k in step.kept.tolist()],
                         hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.add_trace(go.Bar(x=after, y=labels, orientation="h", name=TEXT("after_cut", lang), marker_color=BLUE,
                         text=[f"{p:.1%}" if p > 0 else "" for p in after], textposition="outside",
                         cliponaxis=False, hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text=TERMS("probability", lang))
    fig.update_layout(barmode="group", height=140 + 34 * len(labels), legend={"orientation": "h", "y": 1.08},
                      margin={"l": 10, "r": 30, "t": 40, "b": 10})
    return fig


def steps_table(steps: list[Step], tokenizer, lang: str) -> pd.DataFrame:
    """One row per written token: the token, its probability after the cut, how many tokens survived the cut
    and how much of the probability they held before it."""
    return pd.DataFrame({
        TERMS("step", lang): [i + 1 for i in range(len(steps))],
        TERMS("token", lang): [tokenizer.id_to_token(s.token) for s in steps],
        TEXT("col_prob", lang): [f"{s.token_prob:.1%}" for s in steps],
        TEXT("col_kept", lang): [s.n_kept for s in steps],
        TEXT("col_mass", lang): [f"{s.kept_mass:.1%}" for s in steps],
    })


MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


def markdown_safe(text: str) -> str:
    """Text shown as markdown as written: every character markdown (or Streamlit's $…$ maths) would read
    is escaped with a backslash."""
    return MARKDOWN.sub(r"\\\1", text)


def written(plan_: Plan, steps: list[Step], tokenizer) -> tuple[str, str]:
    """(the prompt, what GPT added) as text; an end-of-text [SEP] is kept visible."""
    new = [tokenizer.id_to_token(s.token) for s in steps]
    prompt = join_pieces(plan_.tokens)
    return prompt, join_pieces([prompt] + new)[len(prompt):] if prompt else join_pieces(new)
