"""Multi-head attention: the layers × heads grid, one head up close (pieces or words), bertviz offline (or
top-k lines for long inputs), and Concat(heads) · W_O. Numbers and figures: ui/multihead_view.py,
ui/bertviz_offline.py."""
from __future__ import annotations

import numpy as np
import streamlit as st

from transformer_core.attention import MultiHeadAttention
from ui import attention_view as av
from ui import bertviz_offline as bv
from ui import multihead_view as mv
from ui.i18n import FRAME, TERMS
from ui.st import session
from ui.st.export_buttons import export_buttons, html_button
from ui.st.page import chart, formula, header, layer_head, model_and_run, show_code

lang = session.lang()


def say(key: str, **values) -> str:
    return mv.TEXT(key, lang, **values)


@st.cache_data(max_entries=16, show_spinner=False)
def bertviz_html(kind: str, model_key: str, text: str, pair: str | None, layer: int,
                 _weights, _tokens: tuple[str, ...], _b_start: int | None) -> str:
    """The offline bertviz page, cached per model + sentence(s) (+ the head view's starting layer)."""
    if kind == "head":
        return bv.head_view_html(_weights, list(_tokens), _b_start, layer=layer)
    return bv.model_view_html(_weights, list(_tokens), _b_start)


header(FRAME("p_multi_head", lang), say("intro"))
formula(r"\mathrm{MultiHead}(X)=\mathrm{Concat}(\mathrm{head}_1,\dots,\mathrm{head}_H)\,W_O,\quad"
        r"\mathrm{head}_h=\mathrm{softmax}\!\left(\frac{Q_hK_h^\top}{\sqrt{d_k}}\right)V_h", say("formula_caption"))
use_pair = st.toggle(say("use_pair"), key="mh_pair")
loaded, run = model_and_run(lang, pair=use_pair)
if run is None:
    st.stop()
config = loaded.config
L, H, D = config.n_layers, config.n_heads, config.d_model
layer, head = layer_head(config, lang, page="multi_head")
trace_weights = run.trace.attentions[:, 0]                    # (L, H, T, T) torch, for bertviz
weights = mv.all_weights(run.trace)                            # (L, H, T, T) numpy
tokens = run.encoded.tokens
names = av.labels(tokens)
T = len(tokens)

st.subheader(say("grid_title"))
st.write(say("grid_body", L=L, H=H, n=L * H))
if T > mv.GRID_T:
    st.caption(say("grid_pooled", T=T, n=mv.GRID_T))
chart(mv.grid_figure(weights, (layer, head), TERMS("layer", lang), TERMS("head", lang), names), key="mh_grid")
sums = weights.sum(-1)
st.caption(say("rows_sum", lo=float(sums.min()), hi=float(sums.max())))

st.subheader(say("head_title", layer=layer + 1, head=head + 1))
one = weights[layer, head]                                     # (T, T)
shown, plain = names, tokens
if st.toggle(say("by_words"), key="mh_words"):
    groups, words = mv.word_groups(loaded.tokenizer, run.encoded)
    one = mv.aggregate(one, groups)                            # (W, W)
    shown, plain = av.labels(words), words
    st.write(say("words_body", pieces=T, words=len(groups)))
    formula(r"A^{\mathrm{word}}_{UV}=\frac{1}{|U|}\sum_{i\in U}\sum_{j\in V}a_{ij}")
chart(av.heatmap(one, shown, shown, zmin=0.0), key="mh_head")
st.caption(say("rows_sum", lo=float(one.sum(-1).min()), hi=float(one.sum(-1).max())))
export_buttons(lang, loaded.source.key, one, plain, layer, head, "mh", run, run.encoded.text)

st.subheader(say("lines_title"))
if T <= mv.LONG_T and bv.fits(L, H, T):
    view = st.radio(say("view"), ["head", "model"], format_func=lambda v: say(f"view_{v}"), horizontal=True,
                    key="mh_view")
    st.caption(say(f"{view}_view_help"))
    b_start = next((i for i, p in enumerate(run.encoded.pieces) if p.segment == 1), None)
    html = bertviz_html(view, session.model_identity(loaded), run.encoded.text, run.encoded.pair,
                        layer if view == "head" else 0, trace_weights, tuple(tokens), b_start)
    st.iframe(html, height=bv.head_view_height(T) if view == "head" else bv.model_view_height(L, H, T))
    html_button(lang, html, f"{loaded.source.key}_bertviz-{view}", key="mh_html")
else:
    st.info(say("long_mode", T=T, lines=T * T))
    k = st.slider(say("k"), 1, min(10, T), min(3, T), key="mh_k")
    chart(mv.edges_figure(mv.top_k_edges(weights[layer, head], k), names, (say("queries"), say("keys"))),
          key="mh_edges")
    st.caption(say("k_share", k=k, share=mv.top_k_share(weights[layer, head], k)))

st.subheader(say("concat_title"))
dk = D // H
st.write(say("concat_body", T=T, dk=dk, H=H, D=D, layer=layer + 1))
rows = mv.shape_rows(T, D, H)
st.table({TERMS("step", lang): [r[0] for r in rows], say("col_shape"): [r[1] for r in rows]})
attn = run.trace.layers[layer].self_attn
context = attn.context[0].float().numpy()                      # (H, T, d_k)
concat = mv.concat_heads(context)                              # (T, D)
output = mv.project_out(concat, av.attention_module(loaded.model, layer).out_proj)   # (T, D)
if st.session_state.get("mh_token", T) >= T:
    st.session_state.mh_token = min(1, T - 1)
token = st.selectbox(say("token"), range(T), format_func=names.__getitem__, key="mh_token")
chart(mv.concat_figure(concat[token], output[token], H,
                       {"concat": say("concat_plot", token=names[token], D=D), "output": say("output_plot", D=D),
                        "head": TERMS("head", lang), "dims": TERMS("dimension", lang)}), key="mh_concat")
st.caption(say("concat_check", a=float(np.abs(concat - attn.concat[0].float().numpy()).max()),
             b=float(np.abs(output - attn.output[0].float().numpy()).max())))
st.info(say("cost", T=T, dk=dk, H=H, D=D))

show_code(MultiHeadAttention.forward, mv.concat_heads, mv.project_out, mv.aggregate, mv.top_k_edges, bv.offline,
          lang=lang)
