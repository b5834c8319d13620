"""The download buttons under a view (issue 14): the shown head's weights as CSV, the whole recorded forward
as .npz, a bertviz view as one offline HTML file. What goes into each file: ui/export.py (pure)."""
from __future__ import annotations

import streamlit as st

from .. import export


def export_buttons(lang: str, model_key: str, weights, tokens: list[str], layer: int, head: int, key: str,
                   run=None, text: str = "") -> None:
    """Two buttons side by side: ``weights`` (Tq, Tk) of layer/head (0-based) as CSV, labelled by ``tokens``;
    with a ``run`` (session.BertRun), its whole trace as .npz. Widget keys: ``{key}_csv``, ``{key}_npz``."""
    stem = export.file_stem(model_key, f"layer{layer + 1}", f"head{head + 1}")
    left, right = st.columns(2)
    left.download_button(export.TEXT("csv", lang), export.attention_csv(weights, tokens), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"{key}_csv")
    if run is not None:
        # deferred: a long sentence's trace is tens of MB, compressed only when someone clicks, not on every rerun
        about = {"model": model_key, "text": text}
        right.download_button(export.TEXT("npz", lang),
                              lambda: export.trace_npz(run.trace, run.encoded.tokens, about),
                              file_name=f"{export.file_stem(model_key, 'trace')}.npz",
                              mime="application/octet-stream", key=f"{key}_npz")


def html_button(lang: str, html: str, name: str, key: str) -> None:
    """A standalone HTML page (bertviz_offline: every script inlined) as a file that opens offline."""
    st.download_button(export.TEXT("html", lang), html, file_name=f"{export.file_stem(name)}.html",
                       mime="text/html", key=key)
