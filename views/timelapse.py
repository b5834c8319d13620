"""Heads forming: the attention snapshots recorded while a shipped model was pretrained, played back."""
from __future__ import annotations

import streamlit as st

from ui import timelapse_view as tv
from ui.i18n import TERMS
from ui.model_names import display_name
from ui.st import page, session


@st.cache_data(max_entries=8, show_spinner=False)
def snapshots(folder: str):
    return tv.load(folder)


def main() -> None:
    lang = session.lang()
    page.header(tv.TEXT("title", lang), tv.TEXT("intro", lang))
    found = [src for src in session.sources() if tv.has_snapshots(src.folder)]
    if not found:
        st.info(tv.TEXT("none", lang))
        return
    picked = session.current_source()
    default = next((i for i, src in enumerate(found) if src.key == picked.key), 0)
    source = st.selectbox(TERMS("model", lang), found, index=default, format_func=lambda src: display_name(src, lang))
    meta, by_step = snapshots(source.folder)
    texts = [p["text"] for p in meta["probes"]]
    probe = st.radio(tv.TEXT("probe", lang), range(len(texts)), format_func=texts.__getitem__, horizontal=True)
    first = by_step[meta["steps"][0]][probe]
    config = type("C", (), {"n_layers": first.shape[0], "n_heads": first.shape[1]})
    layer, head = page.layer_head(config, lang, page="timelapse")
    page.chart(tv.animation(meta, by_step, probe, layer, head, lang), key="timelapse_anim")
    page.chart(tv.strip(by_step, meta["probes"][probe]["tokens"], probe, layer, head), key="timelapse_strip")
    page.formula(r"H(\text{row}) = -\sum_j a_{ij}\log_2 a_{ij}\quad(\le \log_2 T)")
    page.chart(tv.entropy_figure(by_step, probe, lang, (layer, head)), key="timelapse_entropy")
    curve = tv.curve(source.folder, lang)
    if curve is not None:
        page.chart(curve, key="timelapse_curve")
    page.show_code(tv.head_entropy, tv.animation, lang=lang)


main()
