"""Next sentence prediction: sentence A (the shared sentence) and B (the second one), their segment ids,
P(IsNext) from BERT's NSP head, and the [CLS] vector the decision is read from.

A thin view: widgets and layout only; every number and figure comes from ``ui/nsp_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core.bert import BertForPreTraining
from ui import nsp_view as nv
from ui.encode import InputProblem, clean
from ui.st import classroom_widgets, page, session

lang = session.lang()
T = nv.TEXT
s = st.session_state
page.header(T("title", lang), T("intro", lang))
page.formula(nv.FORMULA, T("formula_caption", lang))

loaded = page.model_with(lambda src: src.has_nsp, T("no_nsp", lang), T("needs_nsp", lang, model="{model}",
                                                                                    other="{other}"), lang)
classroom_widgets.facts_caption(loaded, "nsp", lang)
classroom_widgets.nsp_example_picker(loaded.lang or lang, lang)


def random_b(sentence_lang: str) -> None:
    """Callback (runs before the sidebar is drawn, so it may change the sidebar's sentence B)."""
    s.nsp_turn = s.get("nsp_turn", -1) + 1
    s.pair = nv.random_sentence(sentence_lang, s.nsp_turn, avoid=s.get("pair", ""))


def swap() -> None:
    s.text, s.pair = s.get("pair", ""), s.get("text", "")


def buttons() -> None:
    left, right = st.columns(2)
    left.button(T("random_b", lang), on_click=random_b, args=(loaded.source.lang or lang,),
                help=T("random_help", lang), key="nsp_random", width="stretch")
    right.button(T("swap", lang), on_click=swap, help=T("swap_help", lang), key="nsp_swap", width="stretch")


try:
    clean(s.get("pair", ""))
except InputProblem:
    st.warning(T("empty_pair", lang))
    buttons()
    st.stop()
_, run = page.model_and_run(lang, want=lambda src: src.has_nsp, pair=True)     # the same model as above
buttons()
if run is None:
    st.stop()

# ── the answer ──
st.subheader(T("result_header", lang))
metric, bars = st.columns([1, 3])
metric.metric(T("p_is_next", lang), f"{float(run.nsp_probs[0]):.1%}")
with bars:
    page.chart(nv.nsp_figure(run.nsp_probs, lang), key="nsp_probs")

# ── segments A and B ──
st.subheader(T("segments_header", lang))
st.caption(T("segments_caption", lang))
page.chart(nv.segment_figure(run.encoded, lang), key="segments")
vectors = nv.segment_vectors(run.trace, run.encoded)
if vectors is not None:
    d = vectors.shape[1]
    st.caption(T("seg_vectors", lang, n=min(d, nv.MAX_DIMS), d=d))
    page.chart(nv.vectors_figure(vectors, ["A (0)", "B (1)"], lang), key="segment_vectors")
    page.colour_legend(lang)

# ── the [CLS] vector ──
st.subheader(T("cls_header", lang))
st.caption(T("cls_caption", lang))
cls = nv.cls_vectors(loaded.model, run.trace)
page.chart(nv.cls_figure(cls["raw"], cls["pooled"], lang), key="cls")

page.show_code(nv.cls_vectors, BertForPreTraining.forward, lang=lang)
