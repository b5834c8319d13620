"""Encoder-decoder: the toy number translator — its three kinds of attention, greedy decoding step by step,
and beam search drawn as a tree.

Thin page: widgets and layout only. Numbers come from ui/seq2seq_view.py and ui/beam_tree.py, figures
from ui/seq2seq_figures.py. Decoding results are cached per model, source text and beam size; the work of one
decode is bounded (sq.MAX_SOURCE_CHARS, MAX_STEPS, BEAM_WORK), so any accepted input reruns within a second.
"""
from __future__ import annotations

from types import SimpleNamespace

import streamlit as st

from transformer_core import CheckpointError
from transformer_core.attention import causal_allowed
from transformer_core.decoding import beam_search, greedy_decode
from ui import beam_tree as bt
from ui import seq2seq_figures as figs
from ui import seq2seq_view as sq
from ui.encode import InputProblem
from ui.i18n import FRAME, TERMS
from ui.st import page, session
from ui.st.widgets import kept

TRAIN_COMMAND = ("python -m transformer_core.train seq2seq --seq2seq-task number-zh --steps 3000 "
                 "--out assets/models/my-numbers")
lang = session.lang()
state = st.session_state


def say(key: str, **values) -> str:
    return sq.TEXT(key, lang, **values)


def say_problem(key: str, values: dict) -> str:
    """A note or problem: this page's own strings, else the frame's (empty input, control characters…)."""
    return sq.TEXT(key, lang, **values) if key in sq.TEXT else FRAME(key, lang, **values)


page.header(say("title"), say("intro"))
found = sq.seq2seq_sources(session.sources())
if not found:
    st.info(say("none"))
    st.code(TRAIN_COMMAND, language="bash")
    st.stop()
keys = [src.key for src in found]
if state.get("s2s_model") not in keys:
    state.s2s_model = keys[0]
if len(found) > 1:
    st.selectbox(say("pick_model"), keys, key="s2s_model", format_func={src.key: src.label for src in found}.get)
source = next(src for src in found if src.key == state.s2s_model)
try:
    loaded = session.load_model(source)
except CheckpointError as err:
    page.problem(err, lang)
    st.stop()

source_text = kept(st.text_input, say("source"), key="s2s_text", store="s2s_value", default=sq.DEFAULT_SOURCE)
readable = [e for e in sq.EXAMPLES if set(e) <= set(loaded.tokenizer.source.index)]   # a model of another task
if readable:                                                                     # (trained in the studio) skips them
    buttons = st.columns(len(readable))
    for i, example in enumerate(readable):
        buttons[i].button(example, key=f"s2s_ex_{i}", on_click=lambda e=example: state.update(s2s_value=e),
                          width="stretch")
try:
    run = session.greedy(loaded, source_text)
except InputProblem as err:
    st.warning(say_problem(err.key, err.values))
    st.stop()
for note, values in run.source.notes:
    st.info(say_problem(note, values))
st.metric(say("output"), run.text or "∅")
if not run.finished:
    st.caption(say("no_eos", n=len(run.written)))

config = loaded.config
n_enc, n_dec = config.n_layers, config.n_decoder_layers or config.n_layers
layer, head = page.layer_head(SimpleNamespace(n_layers=max(n_enc, n_dec), n_heads=config.n_heads), lang,
                              page="seq2seq")
enc_layer, dec_layer = min(layer, n_enc - 1), min(layer, n_dec - 1)
names = f"{TERMS('layer', lang)} {{layer}} · {TERMS('head', lang)} {head + 1}"
if n_enc != n_dec:
    st.caption(say("stacks", enc=n_enc, dec=n_dec))

st.subheader(say("enc_head"))
st.write(say("enc_text"))
page.chart(figs.attention_heatmap(run.encoder_attn[enc_layer, head], run.source.tokens, run.source.tokens,
                                  names.format(layer=enc_layer + 1), lang), key="s2s_enc")

st.subheader(say("dec_head"))
st.write(say("dec_text"))
page.formula(r"\mathrm{MaskedAttention}(Q,K,V) = \mathrm{softmax}\!\Big(\frac{QK^\top}{\sqrt{d_k}} + M\Big)V,"
             r"\qquad M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}")
page.chart(figs.attention_heatmap(run.decoder_attn[dec_layer, head], run.decoder_in, run.decoder_in,
                                  names.format(layer=dec_layer + 1), lang, causal=True), key="s2s_dec")
page.show_code(causal_allowed, lang=lang)

n_steps = len(run.steps)


def fit_step(value) -> int:
    return min(max(int(value), 1), n_steps)


step = fit_step(state.get(sq.STEP, 1)) - 1               # counted from 1 on screen
st.subheader(say("cross_head"))
st.write(say("cross_text"))
page.formula(r"\mathrm{CrossAttention} = \mathrm{softmax}\!\Big(\frac{Q_{\text{decoder}}\,K_{\text{encoder}}^\top}"
             r"{\sqrt{d_k}}\Big)\,V_{\text{encoder}}")
page.chart(figs.attention_heatmap(run.cross_attn[dec_layer, head], run.written, run.source.tokens,
                                  names.format(layer=dec_layer + 1), lang, highlight_row=step,
                                  axis_titles=("written", "source")), key="s2s_cross")

st.subheader(say("steps_head"))
st.write(say("steps_text"))
page.formula(r"y_t = \arg\max_{y}\; p(y \mid y_{<t},\, x)")
if n_steps > 1:
    kept(st.slider, say("step"), 1, n_steps, key="s2s_step", store=sq.STEP, default=1, fit=fit_step)
current = run.steps[step]
st.markdown(say("prefix", prefix=" ".join(current.prefix), token=current.chosen, p=current.chosen_prob))
left, right = st.columns(2)
with left:
    page.chart(figs.candidates_figure(current.candidates, step, lang), key="s2s_cands")
with right:
    page.chart(figs.cross_bar(run.cross_attn[dec_layer], run.source.tokens, step, run.written[step], dec_layer,
                              head, lang), key="s2s_cross_bar")
page.show_code(sq.decode_greedy, greedy_decode, lang=lang)

st.subheader(say("beam_head"))
st.write(say("beam_text"))
page.formula(r"\mathrm{score}(y_1 \dots y_t) = \sum_{i=1}^{t} \log p(y_i \mid y_{<i},\, x)", say("keep_k"))
cols = st.columns(2)
if "s2s_beam" not in state:                        # 4 unless a shared link said otherwise
    state.s2s_beam = 4
k = cols[0].slider(say("beam_size"), 1, 8, key="s2s_beam")
n_pruned = cols[1].select_slider(say("pruned_n"), [0, 1, 2, 3], 1, key="s2s_pruned")
view = session.beam(loaded, source_text, k, n_pruned)
if view.cut:                                       # the wider the beam, the fewer steps (sq.BEAM_WORK)
    st.info(say("beam_cut", k=k, steps=view.cut, work=sq.BEAM_WORK))
page.chart(bt.tree_figure(view, lang), key="s2s_tree")

st.subheader(say("compare"))
st.markdown(say("greedy_says", text=run.text or "∅", score=run.score) + "  \n" +
            say("beam_says", k=k, text=view.text or "∅", score=view.score))
st.write(say(sq.comparison(run, view.text, view.score)))
st.caption(say("short_bias"))
st.caption(say("hypotheses"))
st.dataframe([{TERMS("rank", lang): i + 1, say("col_text"): text or "∅", say("col_score"): round(score, 4),
               say("col_prob"): sq.sentence_probability(score), say("col_len"): n}
              for i, (text, score, n) in enumerate(view.hypotheses)], hide_index=True, width="stretch")
page.show_code(beam_search, bt.build_tree, lang=lang)
