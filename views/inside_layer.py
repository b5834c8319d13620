"""Inside a layer: the FFN's neurons, the residual stream and LayerNorm, for the shared sentence.

A thin view: widgets and layout only; every number and figure comes from ``ui/layer_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core.layers import FeedForward, TransformerLayer, layer_norm
from ui import layer_view as lv
from ui.model_names import display_name
from ui.st import page
from ui.st.session import lang as current_lang

lang = current_lang()
T = lv.TEXT
page.header(T("title", lang), T("intro", lang))
loaded, run = page.model_and_run(lang)
if run is None:
    st.stop()
config, tokens = loaded.config, run.encoded.tokens
# only the layer matters here (the FFN and LayerNorm are per layer, not per head); shared with other pages
layer = page.layer_picker(config, lang, st.columns(2)[0], page="inside_layer")

# ── the feed-forward network ──
st.subheader(T("ffn_header", lang))
page.formula(lv.ffn_formula(config.activation))
st.caption(T("ffn_caption", lang, f=config.d_ff, act=config.activation.upper()))
act = lv.ffn_activations(run.trace, layer)                                  # (T, F)
if config.d_ff > lv.MAX_NEURONS:
    st.caption(T("ffn_subset", lang, n=lv.MAX_NEURONS, f=config.d_ff))
page.chart(lv.ffn_heatmap(act, tokens, lang), key="ffn_heatmap")
page.colour_legend(lang)

left, right = st.columns(2)
with left:
    position = st.selectbox(T("token", lang), range(len(tokens)), index=min(1, len(tokens) - 1),
                            format_func=lambda i: f"{i}: {tokens[i]}", key="inside_token")
    strongest = lv.top_neurons(act, position, k=10)
    page.chart(lv.ranked_bars([T("neuron_label", lang, n=n, v=v) for n, v in strongest], [v for _, v in strongest],
                              T("top_neurons", lang, token=tokens[position])), key="top_neurons")
with right:
    candidates = [n for n, _ in lv.top_neurons(act, position, k=50)]     # this token's neurons, strongest first
    neuron = st.selectbox(T("neuron", lang), candidates, key=f"inside_neuron_{layer}_{position}_{lang}",
                          format_func=lambda n: T("neuron_label", lang, n=n, v=float(act[position, n])))
    excite = lv.top_tokens(act, neuron, k=10)
    page.chart(lv.ranked_bars([f"{p}: {tokens[p]}" for p, _ in excite], [v for _, v in excite],
                              T("top_tokens", lang, n=neuron), color=lv.GREEN), key="top_tokens")
diff = lv.ffn_alone_difference(loaded.model, run.trace, layer, position)
st.success(T("ffn_alone", lang, token=tokens[position], f=config.d_ff, diff=diff))

# ── the residual stream ──
st.subheader(T("residual_header", lang))
st.caption(T("residual_caption", lang))
page.chart(lv.stream_figure(run.trace, tokens, lang), key="stream")

# ── LayerNorm ──
st.subheader(T("norm_header", lang))
page.formula(r"\mathrm{LayerNorm}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta,\quad "
             r"\mu = \tfrac{1}{D}\textstyle\sum_j x_j,\ \sigma^2 = \tfrac{1}{D}\sum_j (x_j - \mu)^2",
             T("norm_caption", lang))
page.chart(lv.norm_figure(run.trace, layer, tokens, lang), key="norms")

st.subheader(T("ln_header", lang))
kind = lv.placement(config)
for name, latex in (("post", lv.POST_LN), ("pre", lv.PRE_LN)):
    mark = "  ◀" if name == kind else ""
    st.markdown(f"**{T(name, lang)}**{mark} — {T(f'ln_{name}', lang)}")
    st.latex(latex)
st.info(T("ln_uses", lang, model=display_name(loaded.source, lang), kind=T(kind, lang)) + " "
        + T("ln_why", lang))

page.show_code(FeedForward.forward, TransformerLayer._add_norm, layer_norm, lv.ffn_alone_difference,
               lv.update_sizes, lang=lang)
