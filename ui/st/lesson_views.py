"""The live view of a lesson step: each entry of ``VIEWS`` draws one of the explorer pages' figures with the
step's settings, by calling the same pure builders the page calls (ui/*_view.py) — never a second version.

``Here`` is what a view gets: the learner's language, the model, its recorded run on the shared sentence(s)
and the step's layer, head and query position.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from .. import attention_view as av
from .. import beam_tree as bt
from .. import embeddings_view as ev
from .. import home_view, layer_view, lessons, nsp_view
from .. import mlm_view as mv
from .. import multihead_view as mh
from .. import positions_view as pv
from .. import sentiment_view as sv
from .. import seq2seq_figures as figs
from .. import seq2seq_view as sq
from .. import tokens_view as tv
from ..examples import sentiment_example
from ..i18n import TERMS
from ..studio import figures as studio_figures
from . import page, session


@dataclass(frozen=True)
class Here:
    lang: str
    loaded: object                 # models.Loaded
    run: object = None             # session.BertRun (BERT lessons)
    layer: int = 0                 # fitted to the model (0-based)
    head: int = 0
    query: int = 0                 # the position the step follows (the lesson's word)
    greedy: object = None          # seq2seq_view.Greedy (encoder-decoder lesson)
    beam: object = None            # beam_tree.BeamView

    @property
    def names(self) -> list[str]:
        return av.labels(self.run.encoded.tokens)

    def steps(self) -> av.HeadSteps:
        return av.head_steps(self.run.trace, self.layer, self.head, self.loaded.config.norm_first)


def _chart(fig, key: str) -> None:
    page.chart(fig, key=f"lesson_{key}")


# ── lesson 1: attention from scratch ────────────────────────────────────────────────────────────────

def tokens(h: Here) -> None:
    _chart(tv.token_grid(h.run.encoded.pieces, h.lang), "tokens")


def embeddings(h: Here) -> None:
    D = h.loaded.config.d_model
    _chart(ev.parts_figure(ev.parts(h.run.trace.embeddings), h.run.encoded.tokens, ev.windows(D)[0], h.lang),
           "embeddings")


def positions(h: Here) -> None:
    T = len(h.run.encoded.tokens)
    table = pv.learned_table(h.loaded.model)
    table = pv.sinusoids(T, h.loaded.config.d_model) if table is None else table[:T]     # (T, D)
    _chart(pv.similarity_figure(pv.cosine_similarity(table), h.lang, key="cos"), "positions")


def qkv(h: Here) -> None:
    steps = h.steps()
    for column, name, m in zip(page.chart_columns(3), "QKV", (steps.q, steps.k, steps.v), strict=True):
        with column:
            _chart(av.heatmap(m, h.names, query=h.query if name == "Q" else None, title=name), f"qkv_{name}")


def scores(h: Here) -> None:
    _chart(av.heatmap(h.steps().scores, h.names, h.names, h.query, title="QKᵀ"), "scores")


def scale(h: Here) -> None:
    steps = h.steps()
    allowed = steps.allowed
    _chart(av.variance_figure(av.variance_by_dk(), steps.d_k, float(steps.scores[allowed].var()),
                              float(steps.scaled[allowed].var()),
                              {k: av.TEXT(f"var_{k}", h.lang) for k in ("raw", "scaled", "head", "y")}), "variance")
    left, right = page.chart_columns(2)
    for column, m, title in ((left, steps.weights, "÷ √d_k"), (right, av.unscaled(steps), "—")):
        with column:
            _chart(av.heatmap(m, h.names, h.names, h.query, title=title, zmin=0.0, zmax=1.0), f"scale_{title}")


def weights(h: Here) -> None:
    steps = h.steps()
    _chart(av.heatmap(steps.weights, h.names, h.names, h.query, zmin=0.0), "weights")
    _chart(av.bars({TERMS("weight", h.lang): steps.weights[h.query]}, h.names,
                   av.TEXT("bar_title", h.lang, token=h.names[h.query])), "weights_bar")


def context(h: Here) -> None:
    _chart(av.heatmap(h.steps().context, h.names, query=h.query, title="AV"), "context")


def heads(h: Here) -> None:
    _chart(mh.grid_figure(mh.all_weights(h.run.trace), (h.layer, h.head), TERMS("layer", h.lang),
                          TERMS("head", h.lang), h.names), "heads")


def concat(h: Here) -> None:
    attn = h.run.trace.layers[h.layer].self_attn
    joined = mh.concat_heads(attn.context[0].float().numpy())                       # (T, D)
    output = mh.project_out(joined, av.attention_module(h.loaded.model, h.layer).out_proj)   # (T, D)
    D, H = joined.shape[1], h.loaded.config.n_heads
    _chart(mh.concat_figure(joined[h.query], output[h.query], H,
                            {"concat": mh.TEXT("concat_plot", h.lang, token=h.names[h.query], D=D),
                             "output": mh.TEXT("output_plot", h.lang, D=D), "head": TERMS("head", h.lang),
                             "dims": TERMS("dimension", h.lang)}), "concat")


def norm(h: Here) -> None:
    _chart(layer_view.norm_figure(h.run.trace, h.layer, h.run.encoded.tokens, h.lang), "norm")


def ffn(h: Here) -> None:
    _chart(layer_view.ffn_heatmap(layer_view.ffn_activations(h.run.trace, h.layer), h.run.encoded.tokens, h.lang),
           "ffn")


def stream(h: Here) -> None:
    _chart(layer_view.stream_figure(h.run.trace, h.run.encoded.tokens, h.lang), "stream")


# ── lesson 2: BERT ──────────────────────────────────────────────────────────────────────────────────

def architecture(h: Here) -> None:
    T = len(h.greedy.source.tokens) if h.greedy is not None else len(h.run.encoded.tokens)
    _chart(home_view.map_figure(h.loaded.config, T, h.lang), "map")


def masking(h: Here) -> None:
    sample = lessons.masking_sample(h.run.encoded, h.loaded.tokenizer)
    _chart(studio_figures.masking_figure(sample["pieces"], sample["shown"], sample["fate"], sample["segments"],
                                         True, h.lang), "masking")


def guesses(h: Here) -> None:
    found = {h.query: mv.top_k(h.run.logits, h.query, h.loaded.tokenizer, 5)}      # the step hid the query
    _chart(mv.guesses_figure(found, h.run.encoded.tokens, h.lang), "guesses")


def lens(h: Here) -> None:
    _chart(mv.lens_figure(mv.logit_lens(h.loaded.model, h.run.trace, h.query, h.loaded.tokenizer), h.lang), "lens")


def ablation(h: Here) -> None:
    cfg = h.loaded.config
    off = mv.head_mask(cfg.n_layers, cfg.n_heads, [(h.layer, h.head)])
    masked = (h.query,)
    ablated = session.run_bert(h.loaded, st.session_state.get("text", ""), None, masked, off)
    _chart(mv.ablation_figure(h.run.logits, ablated.logits, masked, h.run.encoded.tokens, h.loaded.tokenizer,
                              h.lang), "ablation")


def segments(h: Here) -> None:
    _chart(nsp_view.segment_figure(h.run.encoded, h.lang), "segments")


def nsp(h: Here) -> None:
    if h.run.nsp_probs is not None:
        _chart(nsp_view.nsp_figure(h.run.nsp_probs, h.lang), "nsp")


def cls(h: Here) -> None:
    found = nsp_view.cls_vectors(h.loaded.model, h.run.trace) if h.run.nsp_probs is not None else None
    if found is not None:
        _chart(nsp_view.cls_figure(found["raw"], found["pooled"], h.lang), "cls")


def _sentiment(h: Here):
    """The first classifier of the learner's language on its clearly positive example, or None."""
    found = sv.classifiers(session.sources())
    key = sv.default_classifier(found, h.lang)
    source = next((s for s in found if s.key == key), None)
    if source is None:
        return None, None
    loaded = session.load_model(source)
    return source, sv.classify(loaded, sentiment_example(h.lang, "pos"))


def sentiment(h: Here) -> None:
    source, run = _sentiment(h)
    if run is not None:
        names, _ = sv.label_names(source.folder, len(run.probs))
        _chart(sv.probability_figure(run, names, h.lang), "sentiment")


def pooling(h: Here) -> None:
    _, run = _sentiment(h)
    if run is not None:
        _chart(sv.vectors_figure(run, h.lang), "pooling")


# ── lesson 3: the original Transformer ──────────────────────────────────────────────────────────────

def _title(h: Here, layer: int) -> str:
    return f"{TERMS('layer', h.lang)} {layer + 1} · {TERMS('head', h.lang)} {h.head + 1}"


def enc(h: Here) -> None:
    g = h.greedy
    layer = min(h.layer, g.encoder_attn.shape[0] - 1)
    _chart(figs.attention_heatmap(g.encoder_attn[layer, h.head], g.source.tokens, g.source.tokens,
                                  _title(h, layer), h.lang), "enc")


def dec(h: Here) -> None:
    g = h.greedy
    layer = min(h.layer, g.decoder_attn.shape[0] - 1)
    _chart(figs.attention_heatmap(g.decoder_attn[layer, h.head], g.decoder_in, g.decoder_in, _title(h, layer),
                                  h.lang, causal=True), "dec")


def cross(h: Here) -> None:
    g = h.greedy
    layer = min(h.layer, g.cross_attn.shape[0] - 1)
    _chart(figs.attention_heatmap(g.cross_attn[layer, h.head], g.written, g.source.tokens, _title(h, layer), h.lang,
                                  highlight_row=0, axis_titles=("written", "source")), "cross")


def greedy(h: Here) -> None:
    g = h.greedy
    layer = min(h.layer, g.cross_attn.shape[0] - 1)
    left, right = page.chart_columns(2)
    with left:
        _chart(figs.candidates_figure(g.steps[0].candidates, 0, h.lang), "candidates")
    with right:
        _chart(figs.cross_bar(g.cross_attn[layer], g.source.tokens, 0, g.written[0], layer, h.head, h.lang),
               "cross_bar")


def output(h: Here) -> None:
    st.metric(sq.TEXT("output", h.lang), h.greedy.text or "∅")
    dec(h)


def beam(h: Here) -> None:
    _chart(bt.tree_figure(h.beam, h.lang), "beam")


def compare(h: Here) -> None:
    g, b = h.greedy, h.beam
    st.markdown(sq.TEXT("greedy_says", h.lang, text=g.text or "∅", score=g.score) + "  \n" +
                sq.TEXT("beam_says", h.lang, k=b.beam_size, text=b.text or "∅", score=b.score))
    st.write(sq.TEXT(sq.comparison(g, b.text, b.score), h.lang))
    beam(h)


def attention_matrix(h: Here) -> np.ndarray:
    """(Tq, Tk) the weights a step's CSV download holds: the step's layer and head."""
    if h.greedy is not None:
        return h.greedy.encoder_attn[min(h.layer, h.greedy.encoder_attn.shape[0] - 1), h.head]
    return h.run.trace.layers[h.layer].self_attn.weights[0, h.head].float().numpy()


VIEWS = {f.__name__: f for f in (
    tokens, embeddings, positions, qkv, scores, scale, weights, context, heads, concat, norm, ffn, stream,
    masking, guesses, lens, ablation, segments, nsp, cls, sentiment, pooling,
    enc, dec, cross, greedy, output, beam, compare)}
VIEWS["map"] = architecture
