"""Sentiment: a fine-tuned BERT classifier, its sentence vector ([CLS] or mean pooling), and where [CLS] looks.

Thin page: widgets and layout only. Numbers and figures come from ui/sentiment_view.py.
"""
from __future__ import annotations

import streamlit as st

from transformer_core import CheckpointError
from transformer_core.bert import BertForSequenceClassification
from ui import sentiment_view as sv
from ui.encode import InputProblem
from ui.model_names import display_name
from ui.st import classroom_widgets, page, session

lang = session.lang()
s = st.session_state


def T(key: str, **values) -> str:
    return sv.TEXT(key, lang, **values)


@st.cache_data(max_entries=64, show_spinner=False)
def classify(_loaded, key: str, text: str) -> sv.SentimentRun:
    return sv.classify(_loaded, text)


def synced_select(label: str, options: list, name: str, default, format_func=str):
    """A select box whose value survives language switches and page changes (kept in s[name])."""
    if s.get(name) not in options:
        s[name] = default
    key = f"{name}@{lang}"
    s[key] = s[name]
    return st.selectbox(label, options, key=key, format_func=format_func,
                        on_change=lambda: s.update({name: s[key]}))


page.header(T("title"), T("intro"))
found = sv.classifiers(session.sources())
if not found:
    st.info(T("none"))
    st.code(sv.TRAIN_COMMAND, language="bash")
    st.stop()

labels = {src.key: display_name(src, lang) for src in found}
s.sentiment_model = sv.follow_sidebar(found, s.get("model"), s.get("_sentiment_sidebar"), s.get("sentiment_model"),
                                      lang)
s._sentiment_sidebar = s.get("model")
key = synced_select(T("pick_model"), list(labels), "sentiment_model", sv.default_classifier(found, lang), labels.get)
source = next(src for src in found if src.key == key)
try:
    loaded = session.load_model(source)
except CheckpointError as err:
    page.problem(err, lang)
    st.stop()

classroom_widgets.facts_caption(loaded, "sentiment", lang)

# the text box follows the sidebar sentence until the learner types here or picks an example
if s.get("_sentiment_shared") != s.get("text", ""):
    s._sentiment_shared = s.sentiment_value = s.get("text", "")
s.sentiment_text = s.get("sentiment_value", "")
st.text_area(T("text"), key="sentiment_text", height=80,
             on_change=lambda: s.update(sentiment_value=s.sentiment_text))
buttons = st.columns(4)
for i, (ex_lang, kind) in enumerate((("en", "pos"), ("en", "neg"), ("zh", "pos"), ("zh", "neg"))):
    buttons[i].button(T(f"ex_{kind}", language=sv.LANG_NAMES[ex_lang][lang]), key=f"sentiment_ex_{ex_lang}_{kind}",
                      on_click=lambda t=sv.EXAMPLES[ex_lang][kind]: s.update(sentiment_value=t),
                      width="stretch")

try:
    run = classify(loaded, source.key, s.sentiment_value)
except InputProblem as err:
    page.problem(err, lang)
    st.stop()
page.notes(run.encoded, lang)
page.language_warning(loaded, s.sentiment_value, None, lang)
names, known = sv.label_names(source.folder, len(run.probs))
pooling = T(f"pool_{run.pooling}")

left, right = st.columns(2)
with left:
    st.subheader(T("prediction"))
    best = max(range(len(run.probs)), key=run.probs.__getitem__)
    st.markdown(T("predicted", label=sv.show_label(names[best], lang), p=run.probs[best]))
    if not known:
        st.caption(T("labels_guessed"))
    page.chart(sv.probability_figure(run, names, lang), key="sentiment_probs")
with right:
    page.formula(r"\begin{aligned} p(y \mid \text{text}) &= \mathrm{softmax}(W v + b) \\"
                 r"v_{\text{[CLS]}} &= \tanh(W_p\, h_{\text{[CLS]}} + b_p) \\"
                 r"v_{\text{mean}} &= \tfrac{1}{T}\textstyle\sum_{t=1}^{T} h_t \end{aligned}",
                 T("formula_caption", pooling=pooling))

st.subheader(T("pooling_head"))
st.markdown(T("pooling_text", pooling=pooling))
if not run.has_pooler:
    st.caption(T("no_pooler"))
cols = st.columns([1, 3])
cols[0].metric(T("cosine"), f"{run.cosine:.3f}")
cols[1].dataframe(sv.vector_rows(run, names, lang), hide_index=True, width="stretch")
page.chart(sv.vectors_figure(run, lang), key="sentiment_vectors")

st.subheader(T("attn_head"))
st.write(T("attn_text"))
n_layers, n_heads = run.cls_attention.shape[:2]
cols = st.columns(2)
with cols[0]:
    layer = synced_select(T("layer"), list(range(n_layers)), "sentiment_layer", n_layers - 1, lambda i: f"{i + 1}")
with cols[1]:
    head = synced_select(T("head_pick"), [-1, *range(n_heads)], "sentiment_head", -1,      # −1: all heads
                         lambda h: T("all_heads") if h < 0 else T("head_n", n=h + 1))
page.chart(sv.cls_attention_bar(run, layer, None if head < 0 else head, lang), key="sentiment_bar")
page.chart(sv.cls_attention_heatmap(run, layer, lang), key="sentiment_heat")
page.show_code(sv.classify, BertForSequenceClassification.forward, lang=lang)
