"""Embeddings: token + segment + position vectors, LayerNorm before/after, and the vocabulary as a map.
Thin page: numbers and figures come from ui/embeddings_view.py."""
from __future__ import annotations

import streamlit as st
import torch

from transformer_core.embeddings import Embeddings
from ui import embeddings_view as ev
from ui.st import page, session
from ui.tokens_view import usable

FORMULA = (r"\begin{aligned}x_i&=\mathrm{LayerNorm}\big(E_{\text{token}}[\mathrm{id}_i]+E_{\text{segment}}"
           r"[\mathrm{type}_i]+E_{\text{position}}[i]\big)\\ \mathrm{LayerNorm}(h)&=\gamma\odot\frac{h-\mu}"
           r"{\sqrt{\sigma^2+\epsilon}}+\beta\end{aligned}")


def word_table(loaded) -> torch.Tensor:
    return ev.embeddings_module(loaded.model).word.weight.detach()                      # (V, D)


@st.cache_resource(max_entries=8, show_spinner=False)
def vocab_sample(_loaded, key: str) -> ev.VocabSample:
    """Once per model (keyed by ``key``): the PCA of the token table is the slow part."""
    return ev.vocab_sample(word_table(_loaded), _loaded.tokenizer.get_vocab())


@st.cache_resource(max_entries=64, show_spinner=False)
def map_figures(_loaded, key: str, own: tuple[int, ...], query: int | None, dims: int, lang: str):
    return ev.map_figures(word_table(_loaded), vocab_sample(_loaded, key), list(own), query, dims, lang)


@st.cache_resource(max_entries=64, show_spinner=False)
def vector_figures(_run, key: str, text: str, pair: str | None, window: tuple[int, int], lang: str):
    vectors = ev.parts(_run.trace.embeddings)
    tokens = _run.encoded.tokens
    stats = ev.norm_stats(vectors["summed"], vectors["output"])
    return (ev.parts_figure(vectors, tokens, window, lang),
            ev.norm_figure(vectors["summed"], vectors["output"], tokens, window, lang),
            ev.stats_figure(stats, tokens, lang))


def pick_window(d_model: int, lang: str) -> tuple[int, int]:
    options = ev.windows(d_model)
    if len(options) == 1:
        return options[0]
    return st.selectbox(ev.TEXT("window", lang), options, format_func=lambda w: f"{w[0]} – {w[1] - 1}",
                        help=ev.TEXT("window_help", lang, d=d_model, w=ev.WINDOW), key="emb_window")


def vectors_section(loaded, run, lang: str) -> None:
    st.subheader(ev.TEXT("parts_header", lang))
    window = pick_window(loaded.config.d_model, lang)
    enc = run.encoded
    identity = session.model_identity(loaded)
    parts_fig, norm_fig, stats_fig = vector_figures(run, identity, enc.text, enc.pair, window, lang)
    page.chart(parts_fig, key="emb_parts")
    page.colour_legend(lang)
    st.caption(ev.TEXT("parts_caption", lang))
    st.subheader(ev.TEXT("ln_header", lang))
    st.write(ev.TEXT("ln_intro", lang))
    page.chart(norm_fig, key="emb_norm")
    page.chart(stats_fig, key="emb_stats")


def chosen_piece(loaded, run, names: dict, lang: str) -> int | None:
    """The piece whose neighbours are shown: typed in the box, else picked from the sentence."""
    own = list(dict.fromkeys(p.id for p in run.encoded.pieces if not p.is_special and p.id in names))
    left, right = st.columns(2)
    picked = left.selectbox(ev.TEXT("pick_token", lang), own, format_func=names.get, key="emb_pick") \
        if own else None
    typed = right.text_input(ev.TEXT("any_token", lang), key="emb_typed").strip()
    if not typed:
        if picked is None:
            st.info(ev.TEXT("no_pieces", lang))
        return picked
    found, split = ev.lookup(loaded.tokenizer, typed)
    if found is not None and found in names:
        return found
    if split and any(tok != "[UNK]" for tok in split):
        st.warning(ev.TEXT("piece_unknown", lang, text=typed, split=" ".join(split)))
    else:
        st.warning(ev.TEXT("piece_none", lang, text=typed))
    return None


def map_section(loaded, run, lang: str) -> None:
    st.subheader(ev.TEXT("map_header", lang))
    sample = vocab_sample(loaded, session.model_identity(loaded))
    table = word_table(loaded)
    st.write(ev.TEXT("map_intro", lang, v=table.shape[0], d=table.shape[1], n=len(sample.ids)))
    if loaded.source.origin == "random":
        st.caption(ev.TEXT("map_random", lang))
    dims = st.radio(ev.TEXT("map_dims", lang), (2, 3), format_func=lambda k: f"{k}-D", horizontal=True,
                    key="emb_dims")
    query = chosen_piece(loaded, run, sample.names, lang)
    own = tuple(dict.fromkeys(p.id for p in run.encoded.pieces if not p.is_special and p.id in sample.names))
    cloud, bars = map_figures(loaded, session.model_identity(loaded), own, query, dims, lang)
    cols = page.chart_columns([3, 2]) if bars else [st.container()]
    with cols[0]:
        page.chart(cloud, key="emb_map")
    if bars:
        with cols[1]:
            page.chart(bars, key="emb_nn")


def main() -> None:
    lang = session.lang()
    page.header(ev.TEXT("title", lang), ev.TEXT("intro", lang))
    page.formula(FORMULA, ev.TEXT("formula_caption", lang))
    has_pair = usable(st.session_state.get("pair"))
    loaded, run = page.model_and_run(lang, pair=has_pair)
    if run is None:
        return
    vectors_section(loaded, run, lang)
    map_section(loaded, run, lang)
    page.show_code(Embeddings.forward, ev.fit_pca, ev.nearest, lang=lang)


main()
