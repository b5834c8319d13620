"""Session keys in namespaces: what a page or a part keeps in ``st.session_state`` is named "<owner>.<name>"
("studio.pretrain.tok", "app.session_models"), so two parts never share a key by accident.

The shared view — lang, model, text, pair, layer, head … (``ui/state.FIELDS``) — keeps its plain names: those
are what every page reads and what the URL carries. Everything else goes through a ``Namespace``.
"""
from __future__ import annotations

import streamlit as st

_MISSING = object()


class Namespace:
    """``mine = Namespace("studio.pretrain")``: ``mine.tok = x`` stores st.session_state["studio.pretrain.tok"];
    ``mine.tok``, ``mine.get("tok")``, ``mine.pop("tok")``, ``"tok" in mine`` read it back."""

    def __init__(self, prefix: str):
        object.__setattr__(self, "prefix", prefix)

    def key(self, name: str) -> str:
        """The full session key of ``name``."""
        return f"{self.prefix}.{name}"

    def __getattr__(self, name: str):
        try:
            return st.session_state[self.key(name)]
        except KeyError:
            raise AttributeError(self.key(name)) from None

    def __setattr__(self, name: str, value) -> None:
        st.session_state[self.key(name)] = value

    def __getitem__(self, name: str):
        return st.session_state[self.key(name)]

    def __setitem__(self, name: str, value) -> None:
        st.session_state[self.key(name)] = value

    def __contains__(self, name: str) -> bool:
        return self.key(name) in st.session_state

    def get(self, name: str, default=None):
        return st.session_state.get(self.key(name), default)

    def pop(self, name: str, default=_MISSING):
        if default is _MISSING:
            return st.session_state.pop(self.key(name))
        return st.session_state.pop(self.key(name), default)

    def setdefault(self, name: str, default):
        return st.session_state.setdefault(self.key(name), default)
