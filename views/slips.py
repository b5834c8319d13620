"""The source article's slips, made right: each claim in one line, what is right, and the live computation or
count that settles it, with links to the page and the lesson step that teach the idea.

Thin: the computations are ui/slips_view.py (and transformer_core/recurrent.py for the RNN's cost).
"""
from __future__ import annotations

import streamlit as st

from transformer_core.kinds import encoder_of
from ui import mlm_view as mv
from ui import slips_view as sv
from ui.i18n import tr
from ui.st import measured, page, session

lang = session.lang()
state = st.session_state


def say(key: str, **values) -> str:
    return sv.TEXT(key, lang, **values)


@st.cache_data(show_spinner=False)
def saturation() -> list[sv.Saturation]:
    return sv.saturation(keys=KEYS)


@st.cache_data(show_spinner=False)
def counted_crossover() -> int | None:
    return sv.rnn_crossover()


KEYS = 16


def millions(n: int) -> str:
    """One unit for all three sizes, so the article's number compares at a glance: 336M against 3,300M."""
    return f"{n / 1e6:,.0f}M"


def links(slip: sv.Slip, where) -> None:
    """The page that teaches the idea, and the lesson step (a button: the lesson page reads its step from the
    session, as its own Back and Next do)."""
    cols = where.columns(2)
    target = sv.page_at(slip.page)
    if target is not None:
        cols[0].page_link(target.file, label=say("open_page", page=tr(target.title, lang)))
    if slip.lesson:
        n, k = sv.lesson_numbers(*slip.lesson)
        if cols[1].button(say("open_lesson", lesson=n, step=k), key=f"slips_lesson_{slip.name}"):
            state.lesson, state.lesson_step = n, k
            st.switch_page("views/lessons.py")
        cols[1].caption(f"/lessons?lesson={n}&step={k}")


def row(slip: sv.Slip):
    box = st.container(border=True)
    box.markdown(say("claim_line", claim=say(f"{slip.name}_claim")))
    box.markdown(say("right_line", right=say(f"{slip.name}_right")))
    return box


page.header(say("title"), say("intro"))
loaded, run = page.model_and_run(lang, want=lambda s: s.is_encoder)
config = loaded.config if loaded is not None else None
by_name = {slip.name: slip for slip in sv.SLIPS}

# 1/√d_k
box = row(by_name["scaling"])
rows = saturation()
with box:
    page.chart(sv.saturation_figure(rows, KEYS, lang), key="slips_scaling")
box.write(say("scaling_shows", d=rows[-1].d_k, raw=f"{rows[-1].max_raw:.2f}", scaled=f"{rows[-1].max_scaled:.2f}",
                h_raw=f"{rows[-1].entropy_raw:.2f}", h_scaled=f"{rows[-1].entropy_scaled:.2f}", n=KEYS))
links(by_name["scaling"], box)

# sizes and data
sizes = sv.bert_sizes()
box = row(by_name["bert_large"])
cols = box.columns(3)
cols[0].metric("BERT-base", millions(sizes["bert-base"]), help=f"{sizes['bert-base']:,}")
cols[1].metric("BERT-large", millions(sizes["bert-large"]), help=f"{sizes['bert-large']:,}")
cols[2].metric(say("article_says"), millions(sv.ARTICLE_LARGE))
box.write(say("bert_large_shows", ratio=f"{sv.ARTICLE_LARGE / sizes['bert-large']:.1f}"))
links(by_name["bert_large"], box)
box = row(by_name["same_data"])
links(by_name["same_data"], box)

# heads: concatenation + W_O, and their cost
box = row(by_name["heads_summed"])
if run is not None:
    top = config.n_layers - 1
    attn = run.trace.layers[top].self_attn
    check = sv.heads_check(attn.context, attn.output, encoder_of(loaded.model).layers[top].self_attn.out_proj)
    box.write(say("heads_summed_shows", layer=top + 1, H=check.n_heads, dh=check.d_head, d=check.d_model,
                    concat=f"{check.concat_diff:.1e}", blocks=f"{check.blocks_diff:.1e}",
                    summed=f"{100 * check.summed_diff:.0f}"))
links(by_name["heads_summed"], box)
box = row(by_name["heads_cost"])
D = config.d_model if config is not None else 768
T = len(run.encoded.tokens) if run is not None else 128
costs = sv.head_costs(D, T)
box.dataframe([{say("col_heads"): c.n_heads, say("col_width"): c.d_head, say("col_proj"): f"{c.projections:,}",
                say("col_attn"): f"{c.attention:,}", say("col_total"): f"{c.total:,}"} for c in costs],
              hide_index=True, width="stretch")
box.write(say("heads_cost_shows", d=D, T=T))
links(by_name["heads_cost"], box)

# the FFN
box = row(by_name["ffn_per_head"])
if run is not None:
    ffn = sv.ffn_check(encoder_of(loaded.model).layers[0].ffn, sv.ffn_input(run.trace.layers[0], config.norm_first),
                       config.n_heads)
    box.write(say("ffn_per_head_shows", d=ffn.d_in, f=ffn.d_ff, H=ffn.n_heads, dh=ffn.d_in // ffn.n_heads,
                    diff=f"{ffn.alone_diff:.1e}"))
links(by_name["ffn_per_head"], box)

# attention vs RNN
box = row(by_name["rnn_cost"])
box.write(say("rnn_cost_shows", T=counted_crossover()))
if box.button(say("rnn_cost_measure"), key="slips_time") or state.get("slips.measured"):
    with st.spinner(say("rnn_cost_running")):
        timing = measured.rnn_timing("gru")
    state["slips.measured"] = True
    box.write(say("rnn_cost_measured", T=f"{timing.measured:,.0f}") if timing.measured else
                say("rnn_cost_not_crossed", top=timing.lengths[-1]))
links(by_name["rnn_cost"], box)

# stop words
box = row(by_name["stop_words"])
if run is not None:
    pieces = run.encoded.pieces
    found = sv.stop_words(list(run.encoded.tokens), [p.is_special for p in pieces],
                          run.trace.layers[-1].self_attn.weights[0])
    if found.positions:
        box.write(say("stop_words_shows", words=", ".join(found.tokens), n=len(found.positions),
                        tokens=f"{100 * found.token_share:.0f}", attention=f"{100 * found.attention_share:.0f}"))
        if loaded.source.has_mlm:
            first = found.positions[0]
            guesses = mv.top_k(session.run_bert(loaded, state.get("text", ""), None, (first,)).logits, first,
                               loaded.tokenizer, 3)
            box.write(say("stop_words_mlm", word=found.tokens[0],
                            guesses=", ".join(f"{g.token} ({100 * g.prob:.0f}%)" for g in guesses)))
    else:
        box.write(say("stop_words_none"))
links(by_name["stop_words"], box)

# encoder-only
box = row(by_name["encoder_only"])
if run is not None:
    box.write(say("encoder_only_shows", layers=config.n_layers,
                    cross=sum(layer.cross_attn is not None for layer in encoder_of(loaded.model).layers),
                    future=f"{100 * sv.future_weight(run.trace.attentions):.0f}"))
links(by_name["encoder_only"], box)

# ViT, the Keras sketch
box = row(by_name["vit"])
box.write(say("vit_shows", diff=f"{sv.patch_embedding_is_linear():.1e}"))
links(by_name["vit"], box)
box = row(by_name["keras"])
box.markdown(say("keras_faults"))
links(by_name["keras"], box)
page.show_code(sv.saturation, sv.heads_check, sv.head_costs, sv.ffn_check, lang=lang)
