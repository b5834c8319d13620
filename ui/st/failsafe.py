"""No traceback for a learner: a run that fails unexpectedly shows a message with a short error id, in the
learner's language, and the traceback goes to the server's log under that id (issue 18.9).

Expected problems (bad input, an unusable model) already have their own messages (``page.problem``); this
is the net under everything else. Tracebacks name server paths and say nothing a learner can act on; the id
lets a teacher find the details in the terminal that runs the app. Streamlit's own box for an error that
escapes this net (inside a fragment's rerun) is kept without details by ``client.showErrorDetails = "none"``
in ``.streamlit/config.toml``.

``ATTENTION_LAB_TRACEBACKS=1`` shows the real traceback instead, on the page (tests set it, so a failing page
is still reported as an exception by Streamlit's AppTest and by the browser test; a developer may set it).
"""
from __future__ import annotations

import logging
import os
import secrets

import streamlit as st

from ..i18n import FRAME, LANGS
from ..studio import serving

SHOW_TRACEBACKS = "ATTENTION_LAB_TRACEBACKS"     # env: "1" shows tracebacks (tests, development)
LOG = logging.getLogger("attention_lab.errors")


def error_id() -> str:
    """Eight hex digits: short enough to read out, random enough that two reports do not collide."""
    return secrets.token_hex(4)


def _log_handler() -> None:
    """The app's errors reach the terminal with a time, whatever logging the process configured (Streamlit
    configures only its own loggers)."""
    if not LOG.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)


def report(err: BaseException, lang: str | None = None) -> str:
    """Log ``err`` with its traceback under a new id and show the learner a message naming that id."""
    ident = error_id()
    _log_handler()
    LOG.error("error %s: %s: %s", ident, type(err).__name__, err, exc_info=err)
    lang = lang if lang in LANGS else st.session_state.get("lang", "en")
    st.error(FRAME("page_failed", lang if lang in LANGS else "en", id=ident))
    return ident


def run(main) -> None:
    """Call ``main()`` (the whole app run: sidebar and page); an unexpected exception ends in ``report``.
    Streamlit's st.stop / st.rerun / st.switch_page are BaseExceptions, not Exceptions: they pass through."""
    try:
        with serving.page_run():                   # training steps wait while pages run (ui/studio/serving.py)
            main()
    except Exception as err:  # noqa: BLE001 - the net under everything: no learner sees a traceback
        if os.environ.get(SHOW_TRACEBACKS) == "1":
            st.exception(err)
        else:
            report(err)
