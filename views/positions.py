"""Positional encoding: sinusoidal (formula, curves, table, relative-position property), the picked model's
learned table, and rotary (RoPE). Thin page: numbers and figures come from ui/positions_view.py."""
from __future__ import annotations

import streamlit as st

from transformer_core import CheckpointError
from transformer_core.embeddings import apply_rotary, rotary_angles, sinusoidal_table
from ui import positions_view as pv
from ui.model_names import display_name
from ui.st import page, session

SIN = (r"PE_{(pos,\,2i)}=\sin\!\Big(\frac{pos}{10000^{2i/d}}\Big),\qquad "
       r"PE_{(pos,\,2i+1)}=\cos\!\Big(\frac{pos}{10000^{2i/d}}\Big)")
REL = (r"\begin{aligned}PE_{pos+k}&=R(k)\,PE_{pos}\\ PE_{p}\cdot PE_{p+k}&=\sum_{i}\cos(k\,\omega_i),"
       r"\quad \omega_i=10000^{-2i/d}\end{aligned}")
ROPE = r"(R_{m}\,q)^{\top}(R_{n}\,k)=q^{\top}R_{m}^{\top}R_{n}\,k=q^{\top}R_{n-m}\,k"


@st.cache_resource(max_entries=32, show_spinner=False)
def sinusoid_figures(n: int, d: int, base: float, dims: tuple[int, ...], lang: str):
    table = pv.sinusoids(n, d, base)                                                    # (P, D)
    sim = pv.dot_similarity(table)                                                      # (P, P)
    starts = [0, n // 4, n // 2]
    return (pv.curves_figure(table, list(dims), lang, base), pv.table_figure(table, lang),
            pv.similarity_figure(sim, lang, "dot"), pv.offset_figure(pv.offset_curves(sim, starts, n // 2 - 1), lang),
            pv.rotation_error(table, min(50, n - 1), base))


@st.cache_resource(max_entries=16, show_spinner=False)
def learned_figures(_loaded, key: str, n: int, lang: str):
    table = pv.learned_table(_loaded.model)[:n]                                         # (P, D)
    sim = pv.cosine_similarity(table)
    starts = [0, n // 4, n // 2]
    return (pv.table_figure(table, lang), pv.similarity_figure(sim, lang, "cos"),
            pv.offset_figure(pv.offset_curves(sim, starts, n // 2 - 1), lang, "cos"), pv.smoothness(sim))


@st.cache_resource(max_entries=32, show_spinner=False)
def rope_figure(d_head: int, m1: int, m2: int, base: float, lang: str):
    return pv.rope_figure(pv.rope_scores(d_head, list(dict.fromkeys([m1, m2])), 48, base), lang)


def sinusoidal_section(config, lang: str) -> int:
    st.subheader(pv.TEXT("sin_header", lang))
    page.formula(SIN, pv.TEXT("sin_caption", lang))
    d, top = config.d_model, min(config.max_len, 256)
    cols = st.columns(2)
    n = cols[0].slider(pv.TEXT("n_positions", lang), min(8, top), top, min(100, top), key="pos_n")
    default = [x for x in dict.fromkeys([0, 1, d // 16 * 2, d // 2]) if x < d]
    dims = cols[1].multiselect(pv.TEXT("dims", lang), list(range(d)), default=default, key="pos_dims")
    curves, table, sim, offsets, error = sinusoid_figures(n, d, config.rope_base, tuple(dims), lang)
    page.chart(curves, key="pos_curves")
    page.chart(table, key="pos_table")
    page.colour_legend(lang)
    st.caption(pv.TEXT("table_caption", lang, shown=len(pv.dim_sample(d)), d=d))
    st.subheader(pv.TEXT("rel_header", lang))
    st.write(pv.TEXT("rel_intro", lang))
    page.formula(REL)
    k = min(5, n - 1)
    m = st.columns(3)
    m[0].metric(pv.TEXT("rotation_metric", lang), f"{error:.1e}",
                help=pv.TEXT("rotation_help", lang, k=min(50, n - 1)))
    table_values = pv.sinusoids(k + 1, d, config.rope_base)
    m[1].metric(f"PE(0)·PE({k})", f"{float(table_values[0] @ table_values[k]):.4f}")
    m[2].metric(pv.TEXT("closed_metric", lang, k=k), f"{pv.closed_form(k, d, config.rope_base):.4f}")
    left, right = page.chart_columns(2)
    with left:
        page.chart(sim, key="pos_sim")
    with right:
        page.chart(offsets, key="pos_offsets")
    return n


def learned_section(loaded, n: int, lang: str) -> None:
    st.subheader(pv.TEXT("learned_header", lang))
    st.write(pv.TEXT("learned_intro", lang))
    config = loaded.config
    if pv.learned_table(loaded.model) is None:
        st.info(pv.TEXT("learned_none", lang, kind=pv.TEXT(f"kind_{config.position}", lang)))
        return
    if loaded.source.origin == "random":
        st.warning(pv.TEXT("learned_random", lang))
    n = min(n, config.max_len)
    table, sim, offsets, (near, far, gap, verdict) = learned_figures(loaded, session.model_identity(loaded), n, lang)
    page.chart(table, key="pos_learned_table")
    st.markdown(pv.TEXT("smooth_measured", lang, n=n, near=near, far=far, gap=gap,
                   verdict=pv.TEXT(verdict, lang)))
    left, right = page.chart_columns(2)
    with left:
        page.chart(sim, key="pos_learned_sim")
    with right:
        page.chart(offsets, key="pos_learned_offsets")


def rope_section(config, lang: str) -> None:
    st.subheader(pv.TEXT("rope_header", lang))
    st.write(pv.TEXT("rope_intro", lang))
    page.formula(ROPE)
    cols = st.columns(2)
    m1 = cols[0].slider(pv.TEXT("rope_m1", lang), 0, 200, 0, key="pos_m1")
    m2 = cols[1].slider(pv.TEXT("rope_m2", lang), 0, 200, 60, key="pos_m2")
    d_head = config.d_head + config.d_head % 2                  # rotary turns pairs of dimensions
    page.chart(rope_figure(d_head, m1, m2, config.rope_base, lang), key="pos_rope")
    st.caption(pv.TEXT("rope_caption", lang, d=d_head, k=48))


def main() -> None:
    lang = session.lang()
    page.header(pv.TEXT("title", lang), pv.TEXT("intro", lang))
    try:
        loaded = session.current_model()
    except CheckpointError as err:
        page.problem(err, lang)
        return
    config = loaded.config
    st.markdown(pv.TEXT("uses", lang, model=display_name(loaded.source, lang), d=config.d_model, n=config.max_len,
                   kind=pv.TEXT(f"kind_{config.position}", lang)))
    n = sinusoidal_section(config, lang)
    learned_section(loaded, n, lang)
    rope_section(config, lang)
    page.show_code(sinusoidal_table, pv.rotate, rotary_angles, apply_rotary, lang=lang)


main()
