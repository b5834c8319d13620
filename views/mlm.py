"""Masked language model: hide pieces, see BERT's guesses, fill several masks two ways, peek at every
layer (logit lens) and switch attention heads off.

A thin view: widgets and layout only; every number and figure comes from ``ui/mlm_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core.bert import MLMHead
from ui import mlm_view as mv
from ui.encode import InputProblem, encode
from ui.i18n import FRAME
from ui.st import classroom_widgets, page, session

lang = session.lang()
T = mv.TEXT
s = st.session_state
page.header(T("title", lang), T("intro", lang))
page.formula(r"P(w_i = v \mid \text{sentence}) = \mathrm{softmax}\big(E\,\mathrm{LN}(\mathrm{GELU}(W h_i + b))"
             r" + b'\big)_v", T("formula_caption", lang))


@st.cache_data(max_entries=64, show_spinner=False)
def iterative(_loaded, key: str, ids: tuple, type_ids: tuple, positions: tuple) -> list[mv.Fill]:
    mask_id = _loaded.tokenizer.token_to_id(mv.MASK)
    return mv.fill_iterative(_loaded.model, mv.masked_ids(ids, positions, mask_id), list(type_ids), positions,
                             _loaded.tokenizer)


@st.cache_data(max_entries=16, show_spinner=False)
def scan(_loaded, key: str, ids: tuple, type_ids: tuple, positions: tuple):
    mask_id = _loaded.tokenizer.token_to_id(mv.MASK)
    return mv.head_importance(_loaded.model, mv.masked_ids(ids, positions, mask_id), list(type_ids), positions)


def store_masked() -> None:
    s.masked = tuple(sorted(s.mlm_pick))


# ── a model that can fill [MASK] ──
loaded = page.model_with(lambda src: src.has_mlm, T("no_mlm", lang), FRAME("needs_mlm", lang, model="{model}",
                                                                                   other="{other}"), lang)
page.random_warning(loaded, lang)
classroom_widgets.facts_caption(loaded, "mlm", lang)
classroom_widgets.mlm_example_picker(loaded.lang or lang, lang)
if loaded.tokenizer.token_to_id(mv.MASK) is None:
    st.warning(T("no_mask_token", lang))
    st.stop()

# ── which pieces are hidden ──
text = mv.with_mask_tokens(s.get("text", ""))
try:
    encoded = encode(loaded.tokenizer, text, None, loaded.config.max_len)
except InputProblem as err:
    page.problem(err, lang)
    st.stop()
page.notes(encoded, lang)
page.language_warning(loaded, s.get("text", ""), None, lang)
tokens, options = encoded.tokens, mv.maskable(encoded)
s.mlm_pick = [p for p in s.get("masked", ()) if p in options]
st.pills(T("pick", lang), options, selection_mode="multi", format_func=lambda i: tokens[i], key="mlm_pick",
         on_change=store_masked, help=T("pick_help", lang))
positions = mv.masked_positions(encoded, s.mlm_pick)
typed = [p for p in positions if tokens[p] == mv.MASK]
if typed:
    st.caption(T("typed", lang, where=", ".join(map(str, typed))))
if not positions:
    st.info(T("no_mask", lang))
    st.stop()
run = session.run_bert(loaded, text, None, positions)

# ── the guesses ──
st.subheader(T("guesses_header", lang))
k = st.columns(3)[0].slider(T("k", lang), 1, 10, 5, key="mlm_k")
guesses = {p: mv.top_k(run.logits, p, loaded.tokenizer, k) for p in positions}
page.chart(mv.guesses_figure(guesses, tokens, lang), key="guesses")

# ── several masks ──
st.subheader(T("fill_header", lang))
st.caption(T("fill_caption", lang))
if len(positions) < 2:
    st.info(T("fill_one", lang))
else:
    at_once = mv.fill_independent(run.logits, positions, loaded.tokenizer)
    one_by_one = iterative(loaded, loaded.source.key, tuple(encoded.ids), tuple(encoded.type_ids), positions)
    left, right = st.columns(2)
    left.markdown(f"**{T('sentence_independent', lang)}:** {mv.filled_sentence(encoded, at_once)}")
    right.markdown(f"**{T('sentence_iterative', lang)}:** {mv.filled_sentence(encoded, one_by_one)}")
    st.table(mv.fill_rows(encoded, at_once, one_by_one, lang), hide_index=True)

# ── logit lens ──
st.subheader(T("lens_header", lang))
st.caption(T("lens_caption", lang))
where = st.selectbox(T("lens_position", lang), positions, format_func=lambda i: f"{i}: {tokens[i]}",
                     key="mlm_lens_pos")
page.chart(mv.lens_figure(mv.logit_lens(loaded.model, run.trace, where, loaded.tokenizer), lang), key="lens")

# ── head ablation ──
st.subheader(T("ablation_header", lang))
st.caption(T("ablation_caption", lang))
cfg = loaded.config
heads = [(layer, h) for layer in range(cfg.n_layers) for h in range(cfg.n_heads)]
off = st.multiselect(T("heads_off", lang), heads, format_func=mv.head_label, key="mlm_heads_off",
                     placeholder=T("choose", lang))
if off:
    ablated = session.run_bert(loaded, text, None, positions, mv.head_mask(cfg.n_layers, cfg.n_heads, off))
    page.chart(mv.ablation_figure(run.logits, ablated.logits, positions, tokens, loaded.tokenizer, lang),
               key="ablation")
    st.table(mv.ablation_rows(run.logits, ablated.logits, positions, loaded.tokenizer, lang), hide_index=True)
else:
    st.caption(T("ablation_none", lang))
if len(heads) > mv.MAX_SCAN:
    st.caption(T("scan_too_big", lang, n=len(heads), limit=mv.MAX_SCAN))
elif st.toggle(T("scan", lang), key="mlm_scan"):
    with st.spinner():
        drop = scan(loaded, loaded.source.key, tuple(encoded.ids), tuple(encoded.type_ids), positions)
    st.caption(T("scan_caption", lang))
    page.chart(mv.importance_figure(drop, lang), key="scan")

page.show_code(mv.top_k, MLMHead.forward, mv.fill_iterative, mv.logit_lens, mv.head_importance, lang=lang)
