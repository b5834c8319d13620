"""Measurements made once per server and shown by more than one page: cached with st.cache_data, so every session
(and every page) reads the same numbers, and a second page asking for them gets them at once."""
from __future__ import annotations

import streamlit as st

from .. import rnn_view


@st.cache_data(max_entries=4, show_spinner=False)
def rnn_timing(rnn: str) -> rnn_view.Timing:
    """Both models of the RNN vs Transformer page timed at growing T on this machine (one thread)."""
    return rnn_view.measure(rnn, repeats=1)
