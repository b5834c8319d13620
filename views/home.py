"""Home: the whole model on one map, with the live shapes of the picked model for the shared sentence.
Each block opens the page that explains it."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from transformer_core import CheckpointError
from ui import architecture as arch
from ui import home_view
from ui.encode import InputProblem, encode
from ui.i18n import Scope
from ui.model_names import display_name
from ui.st import page, session

TEXT = Scope("home_page")
LINKS = ["tokenization", "embeddings", "positions", "attention_head", "multi_head", "inside_layer", "mlm", "nsp",
         "sentiment", "seq2seq"]


def page_file(url_path: str) -> str:
    return f"views/{url_path.replace('-', '_')}.py"


def main() -> None:
    lang = session.lang()
    page.header(TEXT("title", lang), TEXT("intro", lang))
    try:
        loaded = session.current_model()
    except CheckpointError as err:
        page.problem(err, lang)
        return
    page.random_warning(loaded, lang)
    page.language_warning(loaded, st.session_state.get("text", ""), None, lang)
    c = loaded.config
    st.markdown(TEXT("model", lang, name=display_name(loaded.source, lang), layers=c.n_layers, heads=c.n_heads,
                   d=c.d_model, f=c.d_ff, v=c.vocab_size, params=arch.format_count(sum(p.numel() for p in
                                                                          loaded.model.parameters())),
                   max_len=c.max_len))
    try:
        seq_len = len(encode(loaded.tokenizer, st.session_state.get("text", ""), None, c.max_len).pieces)
        st.markdown(TEXT("pieces", lang, n=seq_len))
    except InputProblem as err:
        page.problem(err, lang)
        seq_len = 8
    st.caption(home_view.TEXT("hint", lang))
    event = st.plotly_chart(home_view.map_figure(c, seq_len, lang), width="stretch", theme=None, key="home_map",
                            on_select="rerun", selection_mode="points", config={"displayModeBar": False})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points and points[0].get("customdata"):
        st.switch_page(page_file(points[0]["customdata"]))
    st.subheader(TEXT("pages", lang))
    cols = st.columns(5)
    for i, name in enumerate(LINKS):
        cols[i % 5].page_link(f"views/{name}.py")
    card = Path(loaded.source.folder or "") / "MODEL_CARD.md"
    if loaded.source.folder and card.is_file():
        with st.expander(TEXT("card", lang)):
            st.markdown(card.read_text(encoding="utf-8"))


main()
