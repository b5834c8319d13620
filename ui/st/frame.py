"""The first paint of a fresh server: a title on screen before the app's heavy imports.

Why: the first run of a fresh server imports torch, the model library and plotly (about 2 s on a quiet 2-core
machine) before any page can draw a line, so the first learner looked at an empty page for ~4 s. On that cold
run only, app.py calls ``first_paint`` before those imports: the app's name appears at once, in a slot that the
page's own title (``title_box``, used by ``ui/st/page.title``) then fills. A warm process (torch already
imported) skips it, so reruns never see the title change. Light by design: Streamlit and the catalog only.
"""
from __future__ import annotations

import sys
import threading

import streamlit as st

from ..i18n import LANGS, TERMS

_slot = threading.local()      # per script thread: the run that reserved the slot is the run that fills it


def first_paint() -> None:
    """On a cold start, draw the app's name as the title now and keep its place for the page's title."""
    _slot.box = None
    if "torch" in sys.modules:                      # a warm process: the page's title comes at once anyway
        return
    asked = st.query_params.get("lang", "")
    _slot.box = st.empty()
    _slot.box.title(TERMS("app_title", asked if asked in LANGS else next(iter(LANGS))))


def title_box():
    """Where this run's page title goes: the slot ``first_paint`` reserved (once), else the page itself."""
    box, _slot.box = getattr(_slot, "box", None), None
    return box or st
