"""Sentiment: a fine-tuned BERT classifier, its sentence vector ([CLS] or mean pooling), and where [CLS] looks.

Thin page: widgets and layout only. Numbers and figures come from ui/sentiment_view.py.
"""
from __future__ import annotations

import streamlit as st

from transformer_core import CheckpointError
from transformer_core.bert import BertForSequenceClassification
from ui import sentiment_view as sv
from ui.encode import InputProblem
from ui.examples import sentiment_example
from ui.i18n import LANGS, TERMS, language_name
from ui.model_names import display_name
from ui.st import classroom_widgets, page, session
from ui.st.widgets import kept

lang = session.lang()
state = st.session_state
TYPED = "sentiment_review"               # what the text box holds (the sidebar's sentence until the learner types;
                                         # a shared field: a copied link carries it as review=)
SHARED_SEEN = "sentiment.shared_seen"    # the sidebar sentence it last followed
SIDEBAR_SEEN = "sentiment.sidebar_seen"  # the sidebar model last seen (a newly picked classifier is followed)


def say(key: str, **values) -> str:
    return sv.TEXT(key, lang, **values)


@st.cache_data(max_entries=64, show_spinner=False)
def classify(_loaded, key: str, text: str) -> sv.SentimentRun:
    return sv.classify(_loaded, text)


page.header(say("title"), say("intro"))
found = sv.classifiers(session.sources())
if not found:
    st.info(say("none"))
    st.code(sv.TRAIN_COMMAND, language="bash")
    st.stop()

labels = {src.key: display_name(src, lang) for src in found}
state.sentiment_model = sv.follow_sidebar(found, state.get("model"), state.get(SIDEBAR_SEEN),
                                          state.get("sentiment_model"), lang)
if state.sentiment_model not in labels:                  # a shared field (the URL's classifier): always one
    state.sentiment_model = sv.default_classifier(found, lang)
state[SIDEBAR_SEEN] = state.get("model")
key = kept(st.selectbox, say("pick_model"), key=f"sentiment_model@{lang}", store="sentiment_model",
           options=list(labels), format_func=labels.get)
source = next(src for src in found if src.key == key)
try:
    loaded = session.load_model(source)
except CheckpointError as err:
    page.problem(err, lang)
    st.stop()

classroom_widgets.facts_caption(loaded, "sentiment", lang)

# the text box follows the sidebar sentence until the learner types here or picks an example
if state.get(SHARED_SEEN) != state.get("text", ""):
    if SHARED_SEEN in state or not state.get(TYPED):        # a link's review wins on the page's first run
        state[TYPED] = state.get("text", "")
    state[SHARED_SEEN] = state.get("text", "")
kept(st.text_area, say("text"), key="sentiment_text", store=TYPED, default="", height=80)
choices = [(ex_lang, kind) for ex_lang in sv.example_languages(loaded.lang, LANGS) for kind in ("pos", "neg")]
buttons = st.columns(len(choices))
for i, (ex_lang, kind) in enumerate(choices):
    example = sentiment_example(ex_lang, kind)
    buttons[i].button(say(f"ex_{kind}", language=language_name(ex_lang, lang)), key=f"sentiment_ex_{ex_lang}_{kind}",
                      on_click=lambda t=example: state.update({TYPED: t}), width="stretch")

try:
    run = classify(loaded, source.key, state[TYPED])
except InputProblem as err:
    page.problem(err, lang)
    st.stop()
page.notes(run.encoded, lang)
page.language_warning(loaded, state[TYPED], None, lang)
names, known = sv.label_names(source.folder, len(run.probs))
pooling = say(f"pool_{run.pooling}")

left, right = st.columns(2)
with left:
    st.subheader(say("prediction"))
    best = max(range(len(run.probs)), key=run.probs.__getitem__)
    st.markdown(say("predicted", label=sv.show_label(names[best], lang), p=run.probs[best]))
    if not known:
        st.caption(say("labels_guessed"))
    page.chart(sv.probability_figure(run, names, lang), key="sentiment_probs")
with right:
    page.formula(r"\begin{aligned} p(y \mid \text{text}) &= \mathrm{softmax}(W v + b) \\"
                 r"v_{\text{[CLS]}} &= \tanh(W_p\, h_{\text{[CLS]}} + b_p) \\"
                 r"v_{\text{mean}} &= \tfrac{1}{T}\textstyle\sum_{t=1}^{T} h_t \end{aligned}",
                 say("formula_caption", pooling=pooling))

st.subheader(say("pooling_head"))
st.markdown(say("pooling_text", pooling=pooling))
if not run.has_pooler:
    st.caption(say("no_pooler"))
cols = st.columns([1, 3])
cols[0].metric(say("cosine"), f"{run.cosine:.3f}")
cols[1].dataframe(sv.vector_rows(run, names, lang), hide_index=True, width="stretch")
page.chart(sv.vectors_figure(run, lang), key="sentiment_vectors")

st.subheader(say("attn_head"))
st.write(say("attn_text"))
n_layers, n_heads = run.cls_attention.shape[:2]
cols = st.columns(2)
layer = kept(cols[0].selectbox, TERMS("layer", lang), key=f"sentiment_layer@{lang}", store="sentiment.layer",
             default=n_layers - 1, options=list(range(n_layers)), format_func=lambda i: f"{i + 1}")
head = kept(cols[1].selectbox, TERMS("head", lang), key=f"sentiment_head@{lang}", store="sentiment.head",
            default=-1, options=[-1, *range(n_heads)],                                  # −1: all heads
            format_func=lambda h: TERMS("all_heads", lang) if h < 0 else TERMS("head_n", lang, n=h + 1))
page.chart(sv.cls_attention_bar(run, layer, None if head < 0 else head, lang), key="sentiment_bar")
page.chart(sv.cls_attention_heatmap(run, layer, lang), key="sentiment_heat")
page.show_code(sv.classify, BertForSequenceClassification.forward, lang=lang)
