"""BERT vs GPT on one sentence: the bidirectional and the causal mask, what each can predict (a [MASK] in the
middle vs the next piece), and GPT writing with temperature, top-k and top-p, step by step.

A thin view: widgets and layout only; every number and figure comes from ``ui/gpt_view.py`` and the core's
``transformer_core/sampling.py``. BERT is the sidebar's model; GPT is the shipped one of the page's language.
"""
from __future__ import annotations

import streamlit as st
import torch

from transformer_core.sampling import cut, generate
from ui import gpt_view as gv
from ui import models
from ui.encode import InputProblem, encode
from ui.st import page, session
from ui.st.classroom_widgets import facts_caption
from ui.st.keys import Namespace
from ui.st.widgets import kept

lang = session.lang()
state = st.session_state
mine = Namespace("bert_vs_gpt")


def say(key: str, **values) -> str:
    return gv.TEXT(key, lang, **values)


@st.cache_resource(max_entries=4, show_spinner=False)
def load_gpt(source: models.ModelSource) -> models.Loaded:
    with torch.inference_mode():                        # shared read-only by every session
        return models.load(source)


@st.cache_data(max_entries=64, show_spinner=False)
def gpt_run(_gpt, identity: str, ids: tuple) -> tuple:
    """(attention (L, H, T, T) as numpy, logits (T, V)) of GPT on ``ids``, recorded once per sentence."""
    with torch.inference_mode():
        out = _gpt.model(torch.tensor([ids]), record=True)
    return out.trace.attentions[:, 0].numpy(), out.logits[0]


@st.cache_data(max_entries=64, show_spinner=False)
def written(_gpt, identity: str, ids: tuple, steps: int, temperature: float, top_k: int, top_p: float, seed: int):
    sep = _gpt.tokenizer.token_to_id(gv.SEP)
    return generate(_gpt.model, list(ids), steps, temperature, top_k, top_p, seed, stop=(sep,))


page.header(say("title"), say("intro"))
page.formula(r"\text{BERT: } P(x_i \mid x_{\neq i}) \qquad \text{GPT: } P(x_{t+1} \mid x_1, \dots, x_t)",
             say("formula_caption"))

# ── the two models ──
bert = page.model_with(lambda src: src.has_mlm, say("no_bert"), say("bert_differs", model="{model}",
                                                                       other="{other}"), lang)
page.random_warning(bert, lang)
source = gv.gpt_source(lang)
if source is None:
    st.info(say("no_gpt", code=lang))
    st.stop()
gpt = load_gpt(source)
identity = session.model_identity(gpt)
st.caption(say("models", bert=bert.source.label, gpt=gpt.source.label, L=gpt.config.n_layers,
               H=gpt.config.n_heads, D=gpt.config.d_model))
facts_caption(gpt, "gpt", lang)

# ── one sentence, two readers ──
text = state.get("text", "")
try:
    encoded = encode(bert.tokenizer, text, None, bert.config.max_len)
    g_ids, g_tokens, _ = gv.prompt_ids(gpt.tokenizer, encoded.text)
except InputProblem as err:
    page.problem(err, lang)
    st.stop()
page.notes(encoded, lang)
page.language_warning(bert, text, None, lang)
g_ids, g_tokens = g_ids[:gpt.config.max_len], g_tokens[:gpt.config.max_len]
st.markdown(say("pieces", bert=" ".join(encoded.tokens), gpt=" ".join(g_tokens)))
if [t for t in encoded.tokens if t not in (gv.CLS, gv.SEP)] != g_tokens[1:]:
    st.info(say("pieces_differ"))

st.subheader(say("mask_header"))
st.caption(say("mask_caption"))
both, causal = gv.masks(len(encoded.tokens)), gv.masks(len(g_tokens))[1]
page.chart(gv.pair_heatmaps(both[0], encoded.tokens, causal, g_tokens, (say("mask_bert"), say("mask_gpt")), lang),
           key="masks")
page.colour_legend(lang)
run = session.run_bert(bert, text, None, (), encoded=encoded)
g_attention, g_logits = gpt_run(gpt, identity, tuple(g_ids))
layer, head = page.layer_head(bert.config, lang, page="bvg")
g_layer, g_head = min(layer, gpt.config.n_layers - 1), min(head, gpt.config.n_heads - 1)
b_weights = run.trace.attentions[layer, 0, head].numpy()
g_weights = g_attention[g_layer, g_head]
titles = (say("weights_bert", layer=layer + 1, head=head + 1), say("weights_gpt", layer=g_layer + 1, head=g_head + 1))
page.chart(gv.pair_heatmaps(b_weights, encoded.tokens, g_weights, g_tokens, titles, lang), key="weights")
st.caption(say("future", bert=f"{gv.future_share(b_weights):.0%}", gpt=f"{gv.future_share(g_weights):.0%}"))

# ── what each can predict ──
st.subheader(say("predict_header"))
options = [i for i, p in enumerate(encoded.pieces) if not p.is_special]
if not options:
    st.info(say("no_words"))
    st.stop()
where = kept(st.selectbox, say("hide"), key="bvg_hide", options=options, default=options[len(options) // 2],
             format_func=lambda i: f"{i}: {encoded.tokens[i]}")
hidden = encoded.pieces[where]
masked = session.run_bert(bert, text, None, (where,), encoded=encoded)
prefix = encoded.text[:hidden.start]
p_ids = [g_ids[0]]                                  # [CLS] alone: nothing before the first word
if prefix.strip():
    p_ids = gv.prompt_ids(gpt.tokenizer, prefix)[0][:gpt.config.max_len]
after = gpt.tokenizer.encode(encoded.text[hidden.start:], add_special_tokens=False).tokens
prefix_logits = gpt_run(gpt, identity, tuple(p_ids))[1][-1]
titles = (say("bert_guesses", token=hidden.token), say("gpt_guesses", prefix=gv.tail(prefix) or gv.CLS))
page.chart(gv.guesses_figure(gv.guesses(masked.logits[where], bert.tokenizer), gv.guesses(prefix_logits, gpt.tokenizer),
                             (hidden.token, after[0] if after else None), titles, lang), key="guesses")
st.caption(say("predict_caption"))
nxt = gv.guesses(g_logits[-1], gpt.tokenizer, 3)
st.caption(say("next_after", guesses=", ".join(f"{t} ({p:.0%})" for t, p in zip(nxt.tokens, nxt.probs,
                                                                                   strict=True))))

# ── GPT writes ──
st.subheader(say("write_header"))
st.caption(say("write_caption"))
prompt = kept(st.text_input, say("prompt"), key=f"bvg_prompt_{lang}", default=say("default_prompt"))
cols = st.columns(4)
steps = kept(cols[0].slider, say("steps"), 1, gv.MAX_STEPS, key="bvg_steps", default=20)
temperature = kept(cols[1].slider, say("temperature"), 0.0, 2.0, step=0.1, key="bvg_temperature", default=0.8,
                   help=say("temperature_help"))
top_k = kept(cols[2].number_input, say("top_k"), min_value=0, max_value=1_000_000, step=1, key="bvg_top_k",
             default=40, help=say("top_k_help"))
top_p = kept(cols[3].slider, say("top_p"), 0.05, 1.0, step=0.05, key="bvg_top_p", default=0.9,
             help=say("top_p_help"))
if st.button(say("regenerate"), key="bvg_regenerate", help=say("regenerate_help")):
    mine.seed = mine.get("seed", 0) + 1           # a new seed, kept: other reruns do not change the text
seed = mine.get("seed", 0)
try:
    ids, tokens, prompt_notes = gv.prompt_ids(gpt.tokenizer, prompt)
except InputProblem:
    st.warning(say("empty_prompt"))
    st.stop()
todo = gv.plan(ids, tokens, gpt.config.max_len, gpt.config.vocab_size, steps, temperature, top_k, top_p)
for key, values in todo.notes:
    st.info(say(key, **values))
steps_done = written(gpt, identity, tuple(todo.ids), todo.steps, todo.temperature, todo.top_k, todo.top_p, seed)
start, added = gv.written(todo, steps_done, gpt.tokenizer)
st.markdown(f"**{gv.markdown_safe(start)}**{gv.markdown_safe(added)}")
st.caption(say("seed", seed=seed))
if steps_done:
    shown = kept(st.slider, say("step"), 1, len(steps_done), key="bvg_step", default=1,
                 fit=lambda value: min(int(value), len(steps_done))) if len(steps_done) > 1 else 1
    chosen = steps_done[shown - 1]
    st.caption(say("step_caption", token=gpt.tokenizer.id_to_token(chosen.token), p=f"{chosen.token_prob:.1%}",
                   n=f"{chosen.n_kept:,}", mass=f"{chosen.kept_mass:.1%}"))
    page.chart(gv.step_figure(chosen, gpt.tokenizer, lang), key="step")
    st.dataframe(gv.steps_table(steps_done, gpt.tokenizer, lang), hide_index=True)

page.show_code(cut, generate, gv.plan, lang=lang)
