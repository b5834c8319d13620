"""Home: the whole model on one map, with the live shapes of the picked model for the shared sentence.
Each block opens the page that explains it."""
from __future__ import annotations

import streamlit as st

from transformer_core import CheckpointError
from transformer_core.model_folder import side_text
from ui import architecture as arch
from ui import home_view, pages
from ui.encode import InputProblem, encode
from ui.i18n import TERMS, Scope
from ui.model_names import display_name
from ui.st import page, session

TEXT = Scope("home_page")


def main() -> None:
    lang = session.lang()
    page.header(TERMS("app_title", lang), TEXT("intro", lang))
    try:
        loaded = session.current_model()
    except CheckpointError as err:
        page.problem(err, lang)
        return
    page.random_warning(loaded, lang)
    page.language_warning(loaded, st.session_state.get("text", ""), None, lang)
    config = loaded.config
    params = arch.format_count(sum(p.numel() for p in loaded.model.parameters()))
    st.markdown(TEXT("model", lang, name=display_name(loaded.source, lang), layers=config.n_layers,
                     heads=config.n_heads, d=config.d_model, f=config.d_ff, v=config.vocab_size, params=params,
                     max_len=config.max_len))
    try:
        seq_len = len(encode(loaded.tokenizer, st.session_state.get("text", ""), None, config.max_len).pieces)
        st.markdown(TEXT("pieces", lang, n=seq_len))
    except InputProblem as err:
        page.problem(err, lang)
        seq_len = 8
    st.caption(home_view.TEXT("hint", lang))
    event = st.plotly_chart(home_view.map_figure(config, seq_len, lang), width="stretch", theme=None, key="home_map",
                            on_select="rerun", selection_mode="points", config={"displayModeBar": False})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points and points[0].get("customdata"):
        st.switch_page(pages.by_url(points[0]["customdata"]).file)
    st.subheader(TEXT("pages", lang))
    cols = st.columns(5)
    for i, linked in enumerate(p for p in pages.explorer() if p is not pages.HOME):
        cols[i % 5].page_link(linked.file)
    card = side_text(loaded.source.folder, "MODEL_CARD.md")     # None when missing or unusable (a learner's folder)
    if card:
        with st.expander(TEXT("card", lang)):
            st.markdown(card)


main()
