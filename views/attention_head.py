"""One attention head, step by step: X → Q, K, V → QKᵀ → ÷√d_k → + M → softmax → · V, with real numbers,
and two variants (no projections, no scaling) beside the real thing. Numbers and figures: ui/attention_view.py."""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

from transformer_core.attention import attention_steps
from ui import attention_view as av
from ui.i18n import FRAME, TERMS
from ui.st import session
from ui.st.export_buttons import export_buttons
from ui.st.page import chart, chart_columns, colour_legend, formula, header, layer_head, model_and_run, show_code

lang = session.lang()


def say(key: str, **values) -> str:
    return av.TEXT(key, lang, **values)


def matrix(m, rows, cols=None, query=None, key=None, narrow=False, **heat) -> None:
    """Numbers for a short sentence (fewer columns in a narrow column), a heatmap for a long one."""
    if av.is_small(len(rows)):
        st.dataframe(av.table(m, rows, cols, query, max_cols=av.TABLE_DIMS // 2 if narrow else av.TABLE_DIMS),
                     height=av.table_height(len(rows)))
    else:
        chart(av.heatmap(m, rows, cols, query, **heat), key=key)


header(FRAME("p_attention_head", lang), say("intro"))
formula(r"\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}+M\right)V",
        say("formula_caption"))
loaded, run = model_and_run(lang)
if run is None:
    st.stop()
config = loaded.config
layer, head = layer_head(config, lang, page="attention_head")
names = av.labels(run.encoded.tokens)
T = len(names)
if st.session_state.get("ah_query", T) >= T:              # first visit, or the sentence got shorter
    st.session_state.ah_query = min(1, T - 1)
query = st.selectbox(say("query"), range(T), format_func=names.__getitem__, key="ah_query")
steps = av.head_steps(run.trace, layer, head, config.norm_first)
dk = steps.d_k
st.caption(say("shapes", T=T, D=config.d_model, H=config.n_heads, dk=dk) + " "
           + say("small_note" if av.is_small(T) else "large_note", n=av.TABLE_DIMS if av.is_small(T) else av.HEAT_DIMS))

st.subheader(say("s1_title"))
st.write(say("s1_body", T=T, D=config.d_model) + say("which_pre" if config.norm_first else "which_post"))
matrix(steps.x, names, query=query, key="ah_x")
colour_legend(lang)

st.subheader(say("s2_title"))
formula(r"Q = XW_Q^{(h)} + b_Q^{(h)},\quad K = XW_K^{(h)} + b_K^{(h)},\quad V = XW_V^{(h)} + b_V^{(h)}")
st.write(say("s2_body", T=T, D=config.d_model, dk=dk))
if config.position == "rotary":
    st.info(say("rotary_note"))
else:
    q_again = av.project_head(steps.x, av.attention_module(loaded.model, layer).q_proj, head, dk)
    st.caption(say("q_check", diff=float(np.abs(q_again - steps.q).max())))
for column, name, m in zip(st.columns(3), "QKV", (steps.q, steps.k, steps.v), strict=True):
    with column:
        st.markdown(f"**{name}** ({T} × {dk})")
        matrix(m, names, query=query if name == "Q" else None, key=f"ah_{name}", narrow=True)

st.subheader(say("s3_title"))
st.write(say("s3_body", T=T))
matrix(steps.scores, names, names, query, key="ah_scores")

st.subheader(say("s4_title"))
allowed = steps.allowed
st.write(say("s4_body", dk=dk, sqrt=math.sqrt(dk), before=float(steps.scores[allowed].std()),
           after=float(steps.scaled[allowed].std())))
matrix(steps.scaled, names, names, query, key="ah_scaled")

st.subheader(say("s5_title"))
blocked = int((~allowed).sum())
if blocked:
    st.write(say("s5_some", n=blocked))
    matrix(steps.masked, names, names, query, key="ah_masked")
else:
    st.info(say("s5_none"))

st.subheader(say("s6_title"))
formula(r"a_{ij} = \frac{\exp(s_{ij})}{\sum_{j'} \exp(s_{ij'})},\qquad \sum_j a_{ij} = 1")
st.write(say("s6_body"))
matrix(steps.weights, names, names, query, key="ah_weights", zmin=0.0)
sums = av.row_sums(steps.weights)
if np.allclose(sums, 1.0, atol=1e-4):
    st.success(say("rows_sum", lo=float(sums.min()), hi=float(sums.max())))
else:
    st.warning(say("rows_off", lo=float(sums.min()), hi=float(sums.max())))
chart(av.bars({TERMS("weight", lang): steps.weights[query]}, names, say("bar_title", token=names[query])), key="ah_bar")
export_buttons(lang, loaded.source.key, steps.weights, run.encoded.tokens, layer, head, "ah", run, run.encoded.text)

st.subheader(say("s7_title"))
formula(r"z_i = \sum_j a_{ij}\, v_j \qquad Z = AV")
st.write(say("s7_body", T=T, dk=dk))
matrix(steps.context, names, query=query, key="ah_context")
top = np.argsort(-steps.weights[query])[:3]
st.write(say("top_keys", token=names[query], top=", ".join(f"{names[j]} ({steps.weights[query, j]:.0%})" for j in top)))
st.caption(say("ctx_check", diff=float(np.abs(steps.weights @ steps.v - steps.context).max())))

st.header(say("variants_title"))
st.write(say("variants_intro"))
left, right = st.columns(2)
show_a = left.toggle(say("toggle_a"), key="ah_unprojected")
show_b = right.toggle(say("toggle_b"), key="ah_unscaled")


def side_by_side(variant, title: str, key: str) -> None:
    for column, m, name in zip(chart_columns(2), (steps.weights, variant), (say("map_real"), title), strict=True):
        with column:
            chart(av.heatmap(m, names, names, query, title=name, zmin=0.0, zmax=1.0), key=f"{key}_{name}")


if show_a:
    st.subheader(say("toggle_a"))
    st.write(say("a_body", D=config.d_model))
    wa = av.unprojected(steps.x, allowed)
    side_by_side(wa, say("map_a"), "ah_a")
    st.write(say("a_diag", real=av.self_share(steps.weights), variant=av.self_share(wa)))
    chart(av.bars({say("real"): steps.weights[query], say("a_name"): wa[query]}, names,
                  say("bar_title", token=names[query])), key="ah_a_bar")
if show_b:
    st.subheader(say("toggle_b"))
    st.write(say("b_body", dk=dk, sqrt=math.sqrt(dk)))
    wb = av.unscaled(steps)
    side_by_side(wb, say("map_b"), "ah_b")
    st.dataframe(av.saturation_table(steps.weights, wb, (say("real"), say("b_name")),
                                     (say("col_entropy", u=math.log2(T)), say("col_max"))))
    chart(av.bars({say("real"): steps.weights[query], say("b_name"): wb[query]}, names,
                  say("bar_title", token=names[query])), key="ah_b_bar")
    chart(av.variance_figure(av.variance_by_dk(), dk, float(steps.scores[allowed].var()),
                             float(steps.scaled[allowed].var()),
                             {"raw": say("var_raw"), "scaled": say("var_scaled"), "head": say("var_head"),
                              "y": say("var_y")}),
          key="ah_var")
    st.caption(say("var_caption", dk=dk))

show_code(av.head_steps, av.project_head, attention_steps, av.unprojected, av.unscaled, lang=lang)
