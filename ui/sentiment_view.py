"""The sentiment page's logic: run a fine-tuned classifier, compare [CLS] and mean pooling, draw charts.

A classifier is BERT + one linear layer on ONE sentence vector v (D numbers):
    p(class | text) = softmax(W·v + b)
and v comes from the last hidden state h (T × D) in one of two ways, fixed when the model was fine-tuned:
    "cls"  v = tanh(W_p · h_[CLS] + b_p)     (BERT's pooler on the first token)
    "mean" v = (1/T) Σ_t h_t                 (the average of every token's vector)
Pure functions, no Streamlit: the page draws what these return.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from transformer_core.kinds import CLASSIFY
from transformer_core.model_folder import side_json

from . import colors
from .encode import Encoded, encode
from .i18n import FALLBACK, TERMS, Scope
from .models import Loaded, ModelSource

TEXT = Scope("sentiment")
SHORT_LABELS = {"neg": "negative", "pos": "positive"}     # label names some data sets use
TRAIN_COMMAND = ("python -m transformer_core.train finetune --pretrained runs/bert-zh --corpus sentiment-zh "
                 "--pooling mean --out assets/models/my-sentiment-zh")


def classifiers(found: list[ModelSource]) -> list[ModelSource]:
    return [s for s in found if s.can(CLASSIFY)]


def default_classifier(found: list[ModelSource], lang: str) -> str | None:
    """The key of the first classifier in the UI language, else of the first classifier."""
    return next((s.key for s in found if s.lang == lang), found[0].key if found else None)


def follow_sidebar(found: list[ModelSource], sidebar_key: str | None, last_seen: str | None,
                   current: str | None, lang: str) -> str | None:
    """The page's classifier: the sidebar's model when a classifier was newly picked there (or just saved by
    the fine-tune studio, which selects it in the sidebar); on a first visit only a classifier of the
    learner's language (or of unknown language) is followed. Otherwise the page's own choice stays."""
    picked = next((s for s in found if s.key == sidebar_key), None)
    if picked is None or sidebar_key == last_seen:
        return current
    if last_seen is None and picked.lang not in (lang, ""):
        return current
    return sidebar_key


def example_languages(model_lang: str, langs=("en", "zh")) -> list[str]:
    """The languages whose example buttons to offer: the classifier's own, so every example is one it can read
    (an English classifier has nothing to say about a Chinese review); every language when it is not known."""
    return [model_lang] if model_lang in langs else list(langs)


def label_names(folder: str | None, n_labels: int) -> tuple[list[str], bool]:
    """(names, known). Looked up in order: the shipping card, HF's id2label (when it is not the
    placeholder LABEL_i), the shipped corpus named in trainer_state.json. Else ("class 0", …), False."""
    data, state = side_json(folder, "config.json"), side_json(folder, "trainer_state.json")   # {} when unusable
    card = data.get("attention_lab_card")
    card = card.get("label_names") if isinstance(card, dict) else None
    id2label = data.get("id2label")
    id2label = id2label if isinstance(id2label, dict) else {}          # a hand-edited file may hold a list here
    from_hf = [id2label.get(str(i), "") for i in range(n_labels)]
    for names in (card, from_hf, _corpus_labels(state)):
        if isinstance(names, list) and len(names) == n_labels and all(
                isinstance(n, str) and n and not n.startswith("LABEL_") for n in names):
            return [str(n) for n in names], True
    return [f"class {i}" for i in range(n_labels)], False


def _corpus_labels(state: dict) -> list[str] | None:
    config = state.get("config")
    corpus = config.get("corpus") if isinstance(config, dict) else None
    if not isinstance(corpus, str):
        return None
    from transformer_core.data.corpora import read_manifest
    try:
        return read_manifest()["corpora"][corpus]["label_names"]
    except (KeyError, OSError, ValueError):
        return None


def show_label(name: str, lang: str) -> str:
    """"positive" → "正面 (positive)" in Chinese; as written in English (the names are English words), and
    for names we do not know."""
    if lang == FALLBACK:
        return name
    if name.startswith("class ") and name[6:].isdigit():
        return TEXT("class_n", lang, n=name[6:])
    known = f"label_{SHORT_LABELS.get(name.lower(), name.lower())}"
    return f"{TEXT(known, lang)} ({name})" if known in TEXT else name


@dataclass(frozen=True)
class SentimentRun:
    encoded: Encoded           # the T pieces the model read, and what encode changed (truncated, …)
    probs: list[float]         # (n_labels,) softmax of the logits
    pooling: str               # "cls" or "mean": what the classifier was trained on
    has_pooler: bool
    cls_vector: list[float]    # (D,) pooled [CLS] (raw h_[CLS] when the model has no pooler)
    mean_vector: list[float]   # (D,) average of the T token vectors
    cls_probs: list[float]     # what the classifier says when given the [CLS] vector
    mean_probs: list[float]    # … and when given the mean vector
    cls_attention: np.ndarray  # (L, H, T) row 0 of every layer's attention: where [CLS] looks

    @property
    def tokens(self) -> list[str]:
        return self.encoded.tokens

    @property
    def cosine(self) -> float:
        return cosine(self.cls_vector, self.mean_vector)


def cosine(a, b) -> float:
    """cos θ = a·b / (‖a‖ ‖b‖): 1 = same direction, 0 = unrelated, −1 = opposite."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


@torch.inference_mode()
def classify(loaded: Loaded, text: str) -> SentimentRun:
    """Encode (raises ui.encode.InputProblem for unusable text) and run the classifier with record=True."""
    model = loaded.model
    enc = encode(loaded.tokenizer, text, None, loaded.config.max_len)
    ids = torch.tensor([enc.ids])                                                    # (1, T)
    out = model(ids, torch.ones_like(ids), torch.tensor([enc.type_ids]), record=True)
    h = out.last_hidden_state[0]                                                     # (T, D)
    pooler = model.bert.pooler
    cls = torch.tanh(pooler(h[0])) if pooler is not None else h[0]                   # (D,) v = tanh(W_p h_[CLS] + b_p)
    mean = h.mean(0)                                                                 # (D,) v = (1/T) Σ h_t
    head = lambda v: model.classifier(v).softmax(-1).tolist()                        # (n_labels,) eval: no dropout
    attn = torch.stack([layer.self_attn.weights[0, :, 0, :] for layer in out.trace.layers])   # (L, H, T)
    return SentimentRun(enc, out.logits[0].softmax(-1).tolist(), model.config.pooling,
                        pooler is not None, cls.tolist(), mean.tolist(), head(cls), head(mean), attn.numpy())


def vector_rows(run: SentimentRun, names: list[str], lang: str) -> list[dict]:
    """The comparison table: both sentence vectors, how each is made, and what the classifier says."""
    def says(probs):
        best = int(np.argmax(probs))
        return f"{show_label(names[best], lang)} {probs[best]:.1%}"
    rows = []
    for kind, vector, probs in (("cls", run.cls_vector, run.cls_probs), ("mean", run.mean_vector, run.mean_probs)):
        how = TEXT("how_mean", lang, n=len(run.tokens)) if kind == "mean" else TEXT(
            "how_pooled" if run.has_pooler else "how_raw", lang)
        rows.append({TEXT("col_vector", lang): TEXT(f"vec_{kind}", lang), TEXT("col_formula", lang): how,
                     TEXT("col_trained", lang): TEXT("yes" if kind == run.pooling else "no", lang),
                     TEXT("col_norm", lang): round(float(np.linalg.norm(vector)), 3),
                     TEXT("col_says", lang): says(probs)})
    return rows


def _token_axis(fig: go.Figure, tokens: list[str]) -> None:
    """Positions on x, pieces as tick labels: repeated pieces ("the" twice) stay separate bars."""
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(tokens))), ticktext=tokens, tickangle=-45 if
                     len(tokens) > 12 else 0)


def probability_figure(run: SentimentRun, names: list[str], lang: str) -> go.Figure:
    labels = [show_label(n, lang) for n in names]
    best = int(np.argmax(run.probs))
    colors = ["#2e7d32" if i == best else "#9e9e9e" for i in range(len(names))]
    fig = go.Figure(go.Bar(x=run.probs, y=labels, orientation="h", marker_color=colors,
                           text=[f"{p:.1%}" for p in run.probs], textposition="auto"))
    fig.update_layout(height=90 + 40 * len(names), margin=dict(l=10, r=10, t=10, b=30),
                      xaxis=dict(range=[0, 1], title=TERMS("probability", lang), tickformat=".0%"),
                      yaxis=dict(autorange="reversed", automargin=True))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def cls_attention_bar(run: SentimentRun, layer: int, head: int | None, lang: str) -> go.Figure:
    """One head's [CLS] row (head=None: the mean over heads) as bars over the tokens."""
    weights = run.cls_attention[layer]                                               # (H, T)
    row = weights.mean(0) if head is None else weights[head]                         # (T,)
    name = TERMS("all_heads", lang) if head is None else TERMS("head_n", lang, n=head + 1)
    fig = go.Figure(go.Bar(x=list(range(len(run.tokens))), y=row.tolist(), marker_color="#1f77b4",
                           customdata=run.tokens, hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"))
    _token_axis(fig, run.tokens)
    fig.update_layout(title=TEXT("bar_title", lang, layer=layer + 1, head=name), height=340,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_title=TEXT("attn_weight", lang))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def cls_attention_heatmap(run: SentimentRun, layer: int, lang: str) -> go.Figure:
    weights = run.cls_attention[layer]                                               # (H, T)
    heads = [TERMS("head_n", lang, n=h + 1) for h in range(weights.shape[0])]
    fig = go.Figure(go.Heatmap(z=weights.tolist(), x=list(range(len(run.tokens))), y=heads,
                               colorscale=colors.SEQUENTIAL, zmin=0, zmax=float(weights.max()),
                               customdata=[run.tokens] * len(heads),
                               hovertemplate="%{y} → %{customdata}: %{z:.3f}<extra></extra>"))
    _token_axis(fig, run.tokens)
    fig.update_layout(title=TEXT("heat_title", lang, layer=layer + 1), height=120 + 28 * len(heads),
                      margin=dict(l=10, r=10, t=50, b=10), yaxis=dict(autorange="reversed"))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def vectors_figure(run: SentimentRun, lang: str) -> go.Figure:
    """Dimension by dimension: if the two vectors pointed the same way the dots would lie on a line."""
    fig = go.Figure(go.Scatter(x=run.cls_vector, y=run.mean_vector, mode="markers",
                               marker=dict(size=6, color="#6a1b9a", opacity=0.7),
                               hovertemplate="dim %{pointNumber}: [CLS] %{x:.3f}, mean %{y:.3f}<extra></extra>"))
    fig.update_layout(title=TEXT("scatter_title", lang, d=len(run.cls_vector)), height=380,
                      margin=dict(l=10, r=10, t=50, b=10), xaxis_title=TEXT("vec_cls", lang),
                      yaxis_title=TEXT("vec_mean", lang))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig
