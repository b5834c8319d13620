"""Next sentence prediction: sentence A (the shared sentence) and B (the second one), their segment ids,
P(IsNext) from BERT's NSP head, and the [CLS] vector the decision is read from.

A thin view: widgets and layout only; every number and figure comes from ``ui/nsp_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core.bert import BertForPreTraining
from ui import nsp_view as nv
from ui.encode import InputProblem, clean
from ui.i18n import FRAME
from ui.st import classroom_widgets, page, session

lang = session.lang()
state = st.session_state
TURN = "nsp.turn"                  # session key: how many random sentences B this learner has drawn


def say(key: str, **values) -> str:
    return nv.TEXT(key, lang, **values)


page.header(FRAME("p_nsp", lang), say("intro"))
page.formula(nv.FORMULA, say("formula_caption"))

loaded = page.model_with(lambda src: src.has_nsp, say("no_nsp"), say("needs_nsp", model="{model}",
                                                                                    other="{other}"), lang)
classroom_widgets.facts_caption(loaded, "nsp", lang)
classroom_widgets.nsp_example_picker(loaded.lang or lang, lang)


def random_b(sentence_lang: str) -> None:
    """Callback (runs before the sidebar is drawn, so it may change the sidebar's sentence B)."""
    state[TURN] = state.get(TURN, -1) + 1
    state.pair = nv.random_sentence(sentence_lang, state[TURN], avoid=state.get("pair", ""))


def swap() -> None:
    state.text, state.pair = state.get("pair", ""), state.get("text", "")


def buttons() -> None:
    left, right = st.columns(2)
    left.button(say("random_b"), on_click=random_b, args=(loaded.source.lang or lang,),
                help=say("random_help"), key="nsp_random", width="stretch")
    right.button(say("swap"), on_click=swap, help=say("swap_help"), key="nsp_swap", width="stretch")


try:
    clean(state.get("pair", ""))
except InputProblem:
    st.warning(say("empty_pair"))
    buttons()
    st.stop()
_, run = page.model_and_run(lang, want=lambda src: src.has_nsp, pair=True)     # the same model as above
buttons()
if run is None:
    st.stop()

# ── the answer ──
st.subheader(say("result_header"))
metric, bars = st.columns([1, 3])
metric.metric(say("p_is_next"), f"{float(run.nsp_probs[0]):.1%}")
with bars:
    page.chart(nv.nsp_figure(run.nsp_probs, lang), key="nsp_probs")

# ── segments A and B ──
st.subheader(say("segments_header"))
st.caption(say("segments_caption"))
page.chart(nv.segment_figure(run.encoded, lang), key="segments")
vectors = nv.segment_vectors(run.trace, run.encoded)
if vectors is not None:
    d = vectors.shape[1]
    st.caption(say("seg_vectors", n=min(d, nv.MAX_DIMS), d=d))
    page.chart(nv.vectors_figure(vectors, ["A (0)", "B (1)"], lang), key="segment_vectors")
    page.colour_legend(lang)

# ── the [CLS] vector ──
st.subheader(say("cls_header"))
st.caption(say("cls_caption"))
cls = nv.cls_vectors(loaded.model, run.trace)
page.chart(nv.cls_figure(cls["raw"], cls["pooled"], lang), key="cls")

page.show_code(nv.cls_vectors, BertForPreTraining.forward, lang=lang)
