"""Inside a layer: the FFN's neurons, the residual stream and LayerNorm, for the shared sentence.

A thin view: widgets and layout only; every number and figure comes from ``ui/layer_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core.layers import FeedForward, TransformerLayer, layer_norm
from ui import layer_view as lv
from ui.i18n import FRAME
from ui.model_names import display_name
from ui.st import page, session

lang = session.lang()


def say(key: str, **values) -> str:
    return lv.TEXT(key, lang, **values)


page.header(FRAME("p_inside_layer", lang), say("intro"))
loaded, run = page.model_and_run(lang)
if run is None:
    st.stop()
config, tokens = loaded.config, run.encoded.tokens
# only the layer matters here (the FFN and LayerNorm are per layer, not per head); shared with other pages
layer = page.layer_picker(config, lang, st.columns(2)[0], page="inside_layer")

# ── the feed-forward network ──
st.subheader(say("ffn_header"))
page.formula(lv.ffn_formula(config.activation))
st.caption(say("ffn_caption", f=config.d_ff, act=config.activation.upper()))
act = lv.ffn_activations(run.trace, layer)                                  # (T, F)
if config.d_ff > lv.MAX_NEURONS:
    st.caption(say("ffn_subset", n=lv.MAX_NEURONS, f=config.d_ff))
page.chart(lv.ffn_heatmap(act, tokens, lang), key="ffn_heatmap")
page.colour_legend(lang)

left, right = st.columns(2)
with left:
    position = st.selectbox(say("token"), range(len(tokens)), index=min(1, len(tokens) - 1),
                            format_func=lambda i: f"{i}: {tokens[i]}", key="inside_token")
    strongest = lv.top_neurons(act, position, k=10)
    page.chart(lv.ranked_bars([say("neuron_label", n=n, v=v) for n, v in strongest], [v for _, v in strongest],
                              say("top_neurons", token=tokens[position])), key="top_neurons")
with right:
    candidates = [n for n, _ in lv.top_neurons(act, position, k=50)]     # this token's neurons, strongest first
    neuron = st.selectbox(say("neuron"), candidates, key=f"inside_neuron_{layer}_{position}_{lang}",
                          format_func=lambda n: say("neuron_label", n=n, v=float(act[position, n])))
    excite = lv.top_tokens(act, neuron, k=10)
    page.chart(lv.ranked_bars([f"{p}: {tokens[p]}" for p, _ in excite], [v for _, v in excite],
                              say("top_tokens", n=neuron), color=lv.GREEN), key="top_tokens")
diff = lv.ffn_alone_difference(loaded.model, run.trace, layer, position)
st.success(say("ffn_alone", token=tokens[position], f=config.d_ff, diff=diff))

# ── the residual stream ──
st.subheader(say("residual_header"))
st.caption(say("residual_caption"))
page.chart(lv.stream_figure(run.trace, tokens, lang), key="stream")

# ── LayerNorm ──
st.subheader(say("norm_header"))
page.formula(r"\mathrm{LayerNorm}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta,\quad "
             r"\mu = \tfrac{1}{D}\textstyle\sum_j x_j,\ \sigma^2 = \tfrac{1}{D}\sum_j (x_j - \mu)^2",
             say("norm_caption"))
page.chart(lv.norm_figure(run.trace, layer, tokens, lang), key="norms")

st.subheader(say("ln_header"))
kind = lv.placement(config)
for name, latex in (("post", lv.POST_LN), ("pre", lv.PRE_LN)):
    mark = "  ◀" if name == kind else ""
    st.markdown(f"**{say(name)}**{mark} — {say(f'ln_{name}')}")
    st.latex(latex)
st.info(say("ln_uses", model=display_name(loaded.source, lang), kind=say(kind)) + " "
        + say("ln_why"))

page.show_code(FeedForward.forward, TransformerLayer._add_norm, layer_norm, lv.ffn_alone_difference,
               lv.update_sizes, lang=lang)
