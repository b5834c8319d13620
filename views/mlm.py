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
state = st.session_state


def say(key: str, **values) -> str:
    return mv.TEXT(key, lang, **values)


page.header(FRAME("p_mlm", lang), say("intro"))
page.formula(r"P(w_i = v \mid \text{sentence}) = \mathrm{softmax}\big(E\,\mathrm{LN}(\mathrm{GELU}(W h_i + b))"
             r" + b'\big)_v", say("formula_caption"))


@st.cache_data(max_entries=64, show_spinner=False)
def iterative(_loaded, key: str, ids: tuple, type_ids: tuple, positions: tuple, shown: tuple) -> list[mv.Fill]:
    """Every position in ``positions`` is hidden; the ``shown`` ones are filled, one forward pass each."""
    mask_id = _loaded.tokenizer.token_to_id(mv.MASK)
    return mv.fill_iterative(_loaded.model, mv.masked_ids(ids, positions, mask_id), list(type_ids), shown,
                             _loaded.tokenizer)


@st.cache_data(max_entries=16, show_spinner=False)
def scan(_loaded, key: str, ids: tuple, type_ids: tuple, positions: tuple, shown: tuple):
    mask_id = _loaded.tokenizer.token_to_id(mv.MASK)
    return mv.head_importance(_loaded.model, mv.masked_ids(ids, positions, mask_id), list(type_ids), shown)


def store_masked() -> None:
    state.masked = tuple(sorted(state.mlm_pick))


# ── a model that can fill [MASK] ──
loaded = page.model_with(lambda src: src.has_mlm, say("no_mlm"), FRAME("needs_mlm", lang, model="{model}",
                                                                                   other="{other}"), lang)
page.random_warning(loaded, lang)
classroom_widgets.facts_caption(loaded, "mlm", lang)
classroom_widgets.mlm_example_picker(loaded.lang or lang, lang)
if loaded.tokenizer.token_to_id(mv.MASK) is None:
    st.warning(say("no_mask_token"))
    st.stop()

# ── which pieces are hidden ──
text = mv.with_mask_tokens(state.get("text", ""))
try:
    encoded = encode(loaded.tokenizer, text, None, loaded.config.max_len)
except InputProblem as err:
    page.problem(err, lang)
    st.stop()
page.notes(encoded, lang)
page.language_warning(loaded, state.get("text", ""), None, lang)
tokens, options = encoded.tokens, mv.maskable(encoded)
state.mlm_pick = [p for p in state.get("masked", ()) if p in options]
st.pills(say("pick"), options, selection_mode="multi", format_func=lambda i: tokens[i], key="mlm_pick",
         on_change=store_masked, help=say("pick_help"))
positions = mv.masked_positions(encoded, state.mlm_pick)
typed = [p for p in positions if tokens[p] == mv.MASK]
if typed:
    st.caption(say("typed", where=", ".join(map(str, typed))))
if not positions:
    st.info(say("no_mask"))
    st.stop()
run = session.run_bert(loaded, text, None, positions, encoded=encoded)           # tokenized once, above
identity = session.model_identity(loaded)                # what the caches below key on
shown = mv.shown_positions(positions)               # every mask stays hidden; the first MAX_SHOWN are predicted
if len(shown) < len(positions):
    st.info(say("masks_cut", shown=len(shown), n=len(positions)))

# ── the guesses ──
st.subheader(say("guesses_header"))
k = st.columns(3)[0].slider(say("k"), 1, 10, 5, key="mlm_k")
guesses = {p: mv.top_k(run.logits, p, loaded.tokenizer, k) for p in shown}
page.chart(mv.guesses_figure(guesses, tokens, lang), key="guesses")

# ── several masks ──
st.subheader(say("fill_header"))
st.caption(say("fill_caption"))
if len(positions) < 2:
    st.info(say("fill_one"))
else:
    at_once = mv.fill_independent(run.logits, shown, loaded.tokenizer)
    one_by_one = iterative(loaded, identity, tuple(encoded.ids), tuple(encoded.type_ids), positions, shown)
    left, right = st.columns(2)
    left.markdown(f"**{say('sentence_independent')}:** {mv.filled_sentence(encoded, at_once)}")
    right.markdown(f"**{say('sentence_iterative')}:** {mv.filled_sentence(encoded, one_by_one)}")
    st.table(mv.fill_rows(encoded, at_once, one_by_one, lang), hide_index=True)

# ── logit lens ──
st.subheader(say("lens_header"))
st.caption(say("lens_caption"))
where = st.selectbox(say("lens_position"), shown, format_func=lambda i: f"{i}: {tokens[i]}",
                     key="mlm_lens_pos")
page.chart(mv.lens_figure(mv.logit_lens(loaded.model, run.trace, where, loaded.tokenizer), lang), key="lens")

# ── head ablation ──
st.subheader(say("ablation_header"))
st.caption(say("ablation_caption"))
cfg = loaded.config
heads = [(layer, h) for layer in range(cfg.n_layers) for h in range(cfg.n_heads)]
off = st.multiselect(say("heads_off"), heads, format_func=mv.head_label, key="mlm_heads_off",
                     placeholder=say("choose"))
if off:
    ablated = session.run_bert(loaded, text, None, positions, mv.head_mask(cfg.n_layers, cfg.n_heads, off), encoded)
    page.chart(mv.ablation_figure(run.logits, ablated.logits, shown, tokens, loaded.tokenizer, lang),
               key="ablation")
    st.table(mv.ablation_rows(run.logits, ablated.logits, shown, loaded.tokenizer, lang), hide_index=True)
else:
    st.caption(say("ablation_none"))
if len(heads) > mv.MAX_SCAN:
    st.caption(say("scan_too_big", n=len(heads), limit=mv.MAX_SCAN))
elif st.toggle(say("scan"), key="mlm_scan"):
    with st.spinner():
        drop = scan(loaded, identity, tuple(encoded.ids), tuple(encoded.type_ids), positions, shown)
    st.caption(say("scan_caption"))
    page.chart(mv.importance_figure(drop, lang), key="scan")

page.show_code(mv.top_k, MLMHead.forward, mv.fill_iterative, mv.logit_lens, mv.head_importance, lang=lang)
