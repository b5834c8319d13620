"""Masked language modelling: what BERT guesses behind [MASK], layer by layer, and with heads switched off.

Pure functions (model / logits in → guesses, tables and plotly figures out), unit-tested without
Streamlit. The model calls run under ``torch.inference_mode()``. Shapes: T tokens, V vocabulary,
D = d_model, L layers, H heads. Logits from ``ui.session.run_bert`` are (T, V) for one sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.trace import ModelTrace

from . import colors
from .i18n import TERMS, Scope
from .layer_view import BLUE, ORANGE, stage_names, tidy

MASK = "[MASK]"
MAX_SCAN = 256           # head scan: at most this many heads (L × H forwards)
MAX_SHOWN = 12           # masked positions predicted, charted and filled (4 rows of 3 charts); more stay [MASK]

TEXT = Scope("mlm")


@dataclass(frozen=True)
class Guess:
    id: int
    token: str
    prob: float


@dataclass(frozen=True)
class Fill:
    position: int        # which piece was [MASK]
    guess: Guess         # the token put there
    step: int            # 1 = filled first (iterative); all 1 when filled independently


# ── which positions are masked ───────────────────────────────────────────────────────────────────────

# Brackets a learner's keyboard may type: ASCII, and a Chinese input method's full-width ［ ］ and 【 】.
TYPED_MASK = re.compile(r"[\[［【]\s*(?:mask|ｍａｓｋ)\s*[\]］】]", flags=re.IGNORECASE)


def with_mask_tokens(text: str) -> str:
    """Let learners type [mask] in any case and with a Chinese keyboard's brackets (【MASK】, ［ＭＡＳＫ］):
    the tokenizer only knows the exact piece "[MASK]"."""
    return TYPED_MASK.sub(MASK, text or "")


def maskable(encoded) -> list[int]:
    """Positions a learner may click to hide: real pieces, not [CLS]/[SEP] and not a typed [MASK]."""
    return [i for i, p in enumerate(encoded.pieces) if not p.is_special and p.token != MASK]


def masked_positions(encoded, chosen) -> tuple[int, ...]:
    """The clicked positions that are valid for this sentence, plus every [MASK] typed in the text."""
    ok = set(maskable(encoded))
    typed = {i for i, p in enumerate(encoded.pieces) if p.token == MASK}
    return tuple(sorted({p for p in chosen if p in ok} | typed))


def shown_positions(positions) -> tuple[int, ...]:
    """The masked positions the page predicts for: the first MAX_SHOWN. Any further masks stay hidden in the
    sentence the model reads but get no chart or fill: 28 masks made a grid of 10 chart rows, more than
    plotly's subplot spacing allows (a ValueError), and filling one at a time costs a forward pass per mask."""
    return tuple(positions)[:MAX_SHOWN]


def masked_ids(ids: list[int], positions, mask_id: int) -> torch.Tensor:
    """(1, T) the ids the model reads: every chosen position replaced by [MASK]."""
    ids = torch.tensor([list(ids)])                                          # (1, T)
    ids[0, list(positions)] = mask_id
    return ids


# ── guesses ──────────────────────────────────────────────────────────────────────────────────────────

def top_k(logits: torch.Tensor, position: int, tokenizer, k: int = 5) -> list[Guess]:
    """softmax over the vocabulary at one position, the k most likely pieces."""
    probs = logits[position].float().softmax(-1)                             # (V,) sums to 1
    values, ids = probs.topk(min(k, probs.shape[0]))
    return [Guess(i, tokenizer.id_to_token(i), p) for i, p in zip(ids.tolist(), values.tolist(), strict=True)]


def label_position(prob: float) -> str:
    """A bar's percentage inside it when the bar is long (it would run past 100 % outside), else after it."""
    return "inside" if prob >= 0.5 else "outside"


def guesses_figure(guesses: dict[int, list[Guess]], tokens: list[str], lang: str = "en", per_row: int = 3) -> go.Figure:
    """One bar chart per masked position (a grid, ``per_row`` across): its top-k pieces and probabilities.
    At most MAX_SHOWN positions (the first ones): the page says so when there are more."""
    guesses = dict(list(guesses.items())[:MAX_SHOWN])
    n = max(len(guesses), 1)
    cols, rows = min(n, per_row), -(-n // per_row)
    titles = [TEXT("pos_title", lang).format(i=p, token=tokens[p]) for p in guesses]
    spacing = min(0.12, 0.5 / max(rows - 1, 1))          # plotly refuses spacing × (rows − 1) ≥ 1
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.14,
                        vertical_spacing=spacing)
    for i, found in enumerate(guesses.values()):
        fig.add_trace(go.Bar(x=[g.prob for g in found], y=[f"{r + 1}. {g.token}" for r, g in enumerate(found)],
                             orientation="h", marker_color=BLUE, showlegend=False,
                             text=[f"{g.prob:.1%}" for g in found], cliponaxis=False,        # label inside a
                             textposition=[label_position(g.prob) for g in found],           # long bar, else
                             insidetextanchor="end",                                         # just after it
                             hovertemplate="%{y}: %{x:.2%}<extra></extra>"), i // cols + 1, i % cols + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    k = max((len(g) for g in guesses.values()), default=1)
    fig.update_layout(height=rows * (60 + 30 * k) + 40, margin={"l": 10, "r": 10, "t": 50, "b": 20})
    return tidy(fig)


# ── several masks: all at once, or one at a time ─────────────────────────────────────────────────────

def fill_independent(logits: torch.Tensor, positions, tokenizer) -> list[Fill]:
    """One forward pass: every [MASK] takes its own most likely piece, ignoring what the others become."""
    return [Fill(p, top_k(logits, p, tokenizer, 1)[0], 1) for p in positions]


def fill_iterative(model, ids: torch.Tensor, type_ids: list[int], positions, tokenizer) -> list[Fill]:
    """Fill the most confident [MASK] first, write that guess into the sentence, run the model again,
    and repeat: later guesses can use the earlier ones (one forward pass per mask)."""
    ids, left, fills = ids.clone(), list(positions), []                      # ids: (1, T)
    segments = torch.tensor([type_ids])                                      # (1, T)
    with torch.inference_mode():
        while left:
            logits = model(ids, torch.ones_like(ids), segments).logits[0]    # (T, V)
            best = {p: top_k(logits, p, tokenizer, 1)[0] for p in left}
            pos = max(left, key=lambda p: best[p].prob)                      # the most confident one
            fills.append(Fill(pos, best[pos], len(fills) + 1))
            ids[0, pos] = best[pos].id
            left.remove(pos)
    return sorted(fills, key=lambda f: f.position)


def join_pieces(tokens: list[str]) -> str:
    """Pieces back into text: "##" glues to the previous piece; no spaces between Chinese characters."""
    text = ""
    for tok in tokens:
        text += tok[2:] if tok.startswith("##") else f" {tok}"
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text.strip())


def filled_sentence(encoded, fills: list[Fill]) -> str:
    """The sentence with each [MASK] replaced by its guess (specials left out)."""
    tokens = list(encoded.tokens)
    for f in fills:
        tokens[f.position] = f"**{f.guess.token}**" if not f.guess.token.startswith("##") \
            else f"##**{f.guess.token[2:]}**"
    return join_pieces([t for t, p in zip(tokens, encoded.pieces, strict=True) if not p.is_special])


def fill_rows(encoded, independent: list[Fill], iterative: list[Fill], lang: str = "en") -> list[dict]:
    """A table row per mask: the hidden piece, the one-pass guess and the one-at-a-time guess (with its step)."""
    rows = []
    for a, b in zip(independent, iterative, strict=True):
        rows.append({TERMS("position", lang): a.position, TEXT("col_hidden", lang): encoded.tokens[a.position],
                     TEXT("col_independent", lang): f"{a.guess.token} ({a.guess.prob:.1%})",
                     TEXT("col_iterative", lang): f"{b.guess.token} ({b.guess.prob:.1%})",
                     TEXT("col_step", lang): b.step})
    return rows


# ── logit lens: what would each layer predict? ───────────────────────────────────────────────────────

@dataclass(frozen=True)
class Lens:
    top: list[list[Guess]]   # per stage (embeddings, layer 1 … L): the k most likely pieces
    final: Guess             # the model's real answer (top of the last stage)
    final_prob: list[float]  # per stage: the probability that stage gives to the real answer


def logit_lens(model, trace: ModelTrace, position: int, tokenizer, k: int = 5) -> Lens:
    """Apply the MLM head to the hidden state after the embeddings and after every layer, at one position.
    The head was trained only on the top layer, so early rows are a rough peek; the last row is exactly
    the model's prediction. (Pre-LN models get their final LayerNorm first, as the top layer does.)"""
    x = torch.stack([h[0, position] for h in trace.hidden_states])           # (L + 1, D)
    with torch.inference_mode():
        if model.bert.final_norm is not None:
            x = model.bert.final_norm(x)
        logits = model.mlm(x)                                                # (L + 1, V)
    top = [top_k(logits, i, tokenizer, k) for i in range(logits.shape[0])]
    final = top[-1][0]
    return Lens(top, final, logits.float().softmax(-1)[:, final.id].tolist())


def lens_figure(lens: Lens, lang: str = "en") -> go.Figure:
    """Left: heatmap (rows = embeddings, layer 1 … L; columns = rank; colour = probability; text = piece).
    Right: the probability each stage gives to the final answer — where does the model settle on it?"""
    names = stage_names(len(lens.top) - 1, lang)
    k = len(lens.top[0])
    fig = make_subplots(rows=1, cols=2, column_widths=[0.68, 0.32], shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=(TEXT("lens_top", lang), TEXT("lens_line", lang).format(token=lens.final.token)))
    fig.add_trace(go.Heatmap(
        z=[[g.prob for g in row] for row in lens.top], x=[f"#{r + 1}" for r in range(k)], y=names,
        text=[[g.token for g in row] for row in lens.top], texttemplate="%{text}<br>%{z:.0%}", zmin=0, zmax=1,
        colorscale=colors.SEQUENTIAL, showscale=False,
        hovertemplate="%{y} · %{x}: %{text} %{z:.2%}<extra></extra>"), 1, 1)
    fig.add_trace(go.Bar(x=lens.final_prob, y=names, orientation="h", marker_color=ORANGE, showlegend=False,
                         text=[f"{p:.0%}" for p in lens.final_prob], textposition="auto",
                         hovertemplate="%{y}: %{x:.2%}<extra></extra>"), 1, 2)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", row=1, col=1)
    fig.update_xaxes(range=[0, 1], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=120 + 46 * len(lens.top), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return tidy(fig)


# ── head ablation ────────────────────────────────────────────────────────────────────────────────────

def head_label(head: tuple[int, int]) -> str:
    """(layer, head), 0-based → "L1·H1" (the same in both languages)."""
    return f"L{head[0] + 1}·H{head[1] + 1}"


def head_mask(n_layers: int, n_heads: int, off) -> tuple[tuple[float, ...], ...]:
    """(L, H) of 1.0 = on, 0.0 = off, as a hashable tuple (ui.session.run_bert caches on it)."""
    off = set(off)
    return tuple(tuple(0.0 if (layer, h) in off else 1.0 for h in range(n_heads)) for layer in range(n_layers))


def ablation_rows(base: torch.Tensor, ablated: torch.Tensor, positions, tokenizer, lang: str = "en") -> list[dict]:
    """Per masked position: the top guess with every head on, with the chosen heads off, and how much
    probability the all-heads guess lost."""
    rows = []
    for p in positions:
        on, off = top_k(base, p, tokenizer, 1)[0], top_k(ablated, p, tokenizer, 1)[0]
        kept = float(ablated[p].float().softmax(-1)[on.id])                 # P(all-heads guess), heads off
        rows.append({TERMS("position", lang): p, TEXT("col_on", lang): f"{on.token} ({on.prob:.1%})",
                     TEXT("col_off", lang): f"{off.token} ({off.prob:.1%})",
                     TEXT("col_change", lang): f"{on.token}: {on.prob:.1%} → {kept:.1%}"})
    return rows


def ablation_figure(base: torch.Tensor, ablated: torch.Tensor, positions, tokens, tokenizer,
                    lang: str = "en") -> go.Figure:
    """Grouped bars: probability of each position's all-heads guess, with all heads vs with heads off."""
    labels, on, off = [], [], []
    for p in positions:
        guess = top_k(base, p, tokenizer, 1)[0]
        labels.append(f"{p} {tokens[p]} → {guess.token}")
        on.append(guess.prob)
        off.append(float(ablated[p].float().softmax(-1)[guess.id]))
    fig = go.Figure([go.Bar(x=labels, y=on, name=TEXT("all_on", lang), marker_color=BLUE),
                     go.Bar(x=labels, y=off, name=TEXT("some_off", lang), marker_color=ORANGE)])
    fig.update_layout(barmode="group", yaxis={"range": [0, 1], "tickformat": ".0%"}, height=320,
                      legend={"orientation": "h", "y": 1.15}, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return tidy(fig)


def head_importance(model, ids: torch.Tensor, type_ids: list[int], positions) -> torch.Tensor:
    """(L, H): switch off one head at a time and measure how much probability the all-heads guesses lose
    (averaged over the masked positions). One forward pass per head."""
    cfg = model.config
    segments, ones = torch.tensor([type_ids]), torch.ones_like(ids)          # (1, T) each
    index = list(positions)
    with torch.inference_mode():
        base = model(ids, ones, segments).logits[0, index].softmax(-1)       # (M, V)
        best = base.argmax(-1)                                               # (M,)
        before = base.gather(-1, best[:, None])[:, 0]                        # (M,)
        drop = torch.zeros(cfg.n_layers, cfg.n_heads)
        for layer in range(cfg.n_layers):
            for h in range(cfg.n_heads):
                mask = torch.tensor(head_mask(cfg.n_layers, cfg.n_heads, [(layer, h)]))  # (L, H)
                probs = model(ids, ones, segments, head_mask=mask).logits[0, index].softmax(-1)
                drop[layer, h] = (before - probs.gather(-1, best[:, None])[:, 0]).mean()
    return drop


def importance_figure(drop: torch.Tensor, lang: str = "en") -> go.Figure:
    """Heatmap layer × head of the probability lost when that head alone is switched off."""
    n_layers, n_heads = drop.shape
    fig = go.Figure(go.Heatmap(z=drop.tolist(), x=[str(h + 1) for h in range(n_heads)],
                               y=[str(layer + 1) for layer in range(n_layers)], **colors.signed(drop.numpy()),
                               colorbar={"tickformat": ".1%"},
                               hovertemplate="L%{y}·H%{x}: %{z:.2%}<extra></extra>"))
    fig.update_layout(xaxis={"title": TEXT("head", lang), "type": "category"},
                      yaxis={"title": TEXT("layer", lang), "autorange": "reversed", "type": "category"},
                      height=140 + 28 * n_layers, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return tidy(fig)
