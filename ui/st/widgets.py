"""The one way every page draws a widget whose value survives page visits, language switches and reruns."""
from __future__ import annotations

import streamlit as st

from ..state import FIELDS

STORE = "kept."          # session_state prefix of a kept value that has no name of its own


def stored(key: str) -> str:
    """Where ``kept(…, key=key)`` keeps its value when no ``store`` is given."""
    return STORE + key


def kept(widget, label: str, *args, key: str, default=None, store: str | None = None, options=None, fit=None,
         **kwargs):
    """``widget(label, *args, key=key, **kwargs)`` — st.selectbox, st.number_input, a column's radio … — with
    its value kept in ``st.session_state[store]``; returns the widget's value.

    Why not the widget's own state: Streamlit forgets the state of every widget a run did not draw, so a
    value chosen on one page was gone after a visit to another, and re-owning the widget key on each run was
    not enough while a fragment (the studio's live panel) kept rerunning. So the value lives under a plain key
    that Streamlit never clears (``store``; ``stored(key)`` unless given — a field of the shared view such as
    "layer" when several pages show one value, each with a widget of its own), is copied into the widget
    before it is drawn, and copied back when the learner changes it. A widget whose labels follow the
    language gets a key per language (``…@en``): when only its labels change, Streamlit's frontend keeps the
    keyed widget but drops its displayed choice.

    ``options`` (passed on as ``options=``): a kept value that is not one of them (an option gone) is shown as
    ``default``; ``fit(value)``, when given, is what is shown instead (a layer the model lacks → its last
    one, a step beyond the end → the last step).

    What is shown is what is kept, from the first time it is shown: a default that depends on another choice
    (the data set on the base model's language) stays put when that choice changes. Except for the fields of
    the shared view (``ui/state.FIELDS``, carried by the URL): those keep their own defaults, so that links
    stay short, and a value a model cannot show stays for the next model that can.
    """
    state = st.session_state
    store = store or stored(key)
    value = state.get(store, default)
    if options is not None:
        kwargs["options"] = options
    if fit is not None:
        value = fit(value)
    elif options is not None and value not in options:
        value = default
    if store not in FIELDS:
        state[store] = value
    state[key] = value
    also = kwargs.pop("on_change", None)

    def keep() -> None:
        state[store] = state[key]
        if also is not None:
            also()
    return widget(label, *args, key=key, on_change=keep, **kwargs)
