"""Streamlit glue for the BERT pages' classroom aids: the model's measured scores and the example pickers.

The content is pure and tested elsewhere (``ui/model_facts.py``, ``ui/examples.py``); this file only
draws it. Example pickers change the sidebar's sentences in a callback, which runs before the sidebar is
drawn on the next rerun (a widget's value cannot change after it is drawn).
"""
from __future__ import annotations

import streamlit as st

from .. import examples, model_facts
from ..i18n import Scope

TEXT = Scope("classroom")


def _t(key: str, lang: str) -> str:
    return TEXT(key, lang)


def facts_caption(loaded, kind: str, lang: str) -> None:
    """One caption under the page header: what this model scored, measured before class."""
    line = model_facts.facts(loaded.source.folder, kind, lang)
    if line:
        st.caption(line)


def _set_text(key: str, options: list[str]) -> None:
    chosen = st.session_state.get(key)
    if chosen and chosen in options:       # only a real example: never a placeholder label carried over
        st.session_state.text, st.session_state.masked = chosen, ()


def mlm_example_picker(example_lang: str, lang: str) -> None:
    # One widget per (example language, interface language): its options and labels change with both,
    # and a widget whose options changed under one key handed back the old placeholder as a choice.
    options = ["", *examples.mlm_examples(example_lang)]
    key = f"mlm_example_{example_lang}_{lang}"
    st.selectbox(_t("try", lang), options, key=key, on_change=_set_text, args=(key, options),
                 format_func=lambda v: v or _t("choose", lang))


def _set_pair(key: str, pairs: list) -> None:
    index = st.session_state.get(key)
    if index is not None and index >= 0:
        st.session_state.text, st.session_state.pair = pairs[index][0], pairs[index][1]


def nsp_example_picker(example_lang: str, lang: str) -> None:
    pairs = examples.nsp_examples(example_lang)

    def label(i: int) -> str:
        if i < 0:
            return _t("choose", lang)
        a, b, follows = pairs[i]
        return f"{a} / {b} ({_t('coherent' if follows else 'unrelated', lang)})"
    key = f"nsp_example_{example_lang}_{lang}"           # one widget per language pair (see above)
    st.selectbox(_t("try", lang), [-1, *range(len(pairs))], key=key, format_func=label,
                 on_change=_set_pair, args=(key, pairs))
