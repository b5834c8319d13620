"""Attention Lab — run with ``streamlit run app.py``.

The frame of the app: page navigation in sections, and the shared sidebar (language, model, the
sentence that follows the learner from page to page, presentation mode). Each page is a thin file
under ``views/``; the view state is mirrored into the URL so a copied link reproduces the view.
"""
from __future__ import annotations

import time

import streamlit as st

from ui.st import frame

st.set_page_config(page_title="Attention Lab", page_icon=None, layout="wide")
frame.first_paint()     # a fresh server: the title on screen before the ~2 s of imports below (ui/st/frame.py)

from transformer_core.errors import LabError  # noqa: E402
from ui import export, state  # noqa: E402
from ui.i18n import FRAME, LANGS, TERMS, error_text, picker_label, tr  # noqa: E402
from ui.model_names import display_name  # noqa: E402
from ui.pages import HOME, HOME_ALIAS, by_section  # noqa: E402
from ui.st import failsafe, session, warmup  # noqa: E402
from ui.st.page import EXPORT_FORMAT  # noqa: E402
from ui.st.runtime import tune_allocator  # noqa: E402
from ui.studio import serving  # noqa: E402

st.cache_resource(tune_allocator)()     # once per process: recorded forwards stop paying page faults

# Presentation mode: everything a projector shows grows, not only body text — headings, formulas (KaTeX),
# widget labels and values, captions, tables; plotly fonts grow in ui/page.chart. Wide formulas scroll inside
# their own box instead of widening the page.
PRESENT_CSS = """<style>
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.35rem; }
h1 { font-size: 3.2rem !important; } h2 { font-size: 2.4rem !important; } h3 { font-size: 1.9rem !important; }
.katex { font-size: 1.6em !important; } .katex-display { overflow-x: auto; overflow-y: hidden; }
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"] { font-size: 1.2rem !important; }
input, textarea, [data-baseweb="select"] div, [data-testid="stMarkdownContainer"] code,
[data-baseweb="radio"] div, [data-testid="stToggle"] div, button p { font-size: 1.2rem !important; }
[data-testid="stSidebar"] p, [data-testid="stSidebar"] label { font-size: 1.15rem; }
</style>"""


def pages(lang: str) -> dict[str, list]:
    """Section heading → its st.Page entries, from the one page table (ui/pages.py). Titles follow the
    language, so they are built on every run. No icons: emoji need a colour-emoji font the classroom PC may
    lack, and Material icons load a web font."""
    return {tr(section, lang): [st.Page(p.file, title=tr(p.title, lang), url_path=p.url, default=p is HOME)
                                for p in entries]
            for section, entries in by_section().items()}


def model_picker(lang: str) -> None:
    sb = st.sidebar
    found = [s for s in session.sources() if s.is_encoder]
    keys = [s.key for s in found]
    if session.PENDING_MODEL in st.session_state:    # set by "Open" below, applied before the widget exists
        st.session_state.model = st.session_state.pop(session.PENDING_MODEL)
    if st.session_state.get("model") not in keys:               # first visit: a model of the page's language
        st.session_state.model = next((s.key for s in found if s.lang == lang and s.has_mlm), keys[0])
    if st.session_state.pop(session.LOST_MODEL, False):
        sb.info(FRAME("sb_lost_session_model", lang))
    if session.BAD_LINK in st.session_state:                    # a link named a folder that cannot be opened
        folder, err = st.session_state.pop(session.BAD_LINK)
        sb.warning(FRAME("sb_bad_folder_link", lang, folder=folder, message=error_text(err, lang)))
    labels = {s.key: display_name(s, lang) for s in found}
    sb.selectbox(TERMS("model", lang), keys, format_func=labels.get, key="model")
    with sb.expander(FRAME("sb_open_folder", lang)):
        path = st.text_input(FRAME("sb_folder_path", lang), help=FRAME("sb_folder_help", lang), key="folder_path")
        if st.button(FRAME("sb_open", lang), key="open_folder") and path.strip():
            try:
                source = session.add_local_folder(path.strip())
            except LabError as err:                             # every failure of a folder is a message
                st.error(FRAME("model_error", lang, message=error_text(err, lang)))
            else:
                st.session_state[session.PENDING_MODEL] = source.key
                st.rerun()


def language_changed() -> None:
    """Switching language also switches what is still a default: the example sentences, and a model of
    the old language (an English BERT reading Chinese sees only [UNK]). What the learner chose stays."""
    s = st.session_state
    new = s.lang
    for name, value in state.switched_defaults({"text": s.get("text"), "pair": s.get("pair")}, new).items():
        s[name] = value
    found = [x for x in session.sources() if x.is_encoder]
    current = next((x for x in found if x.key == s.get("model")), None)
    if current is None or current.lang in set(LANGS) - {new}:        # a model of another language
        s.model = next((x.key for x in found if x.lang == new and x.has_mlm), s.get("model"))


def sidebar() -> str:
    """What a learner types or picks comes first in the sidebar (language, model, sentence); the page list
    follows (``navigation``), so the sentence box is in view at 1280 × 720 and 1440 × 900."""
    sb = st.sidebar
    lang = sb.radio(picker_label(), list(LANGS), format_func=LANGS.get, key="lang", horizontal=True,
                    on_change=language_changed)
    model_picker(lang)
    sb.text_area(TERMS("sentence", lang), key="text", height=90)
    sb.text_area(FRAME("sb_pair", lang), key="pair", height=68)
    sb.toggle(FRAME("sb_present", lang), key="present")
    sb.radio(FRAME("sb_export", lang), export.FORMATS, key=EXPORT_FORMAT, horizontal=True, format_func=str.upper,
             help=FRAME("sb_export_help", lang))
    sb.caption(FRAME("sb_link", lang))
    return lang


def navigation(sections: dict[str, list]) -> None:
    """The page list, below the learner's controls: a heading per section, a link per page."""
    sb = st.sidebar
    sb.divider()
    for section, entries in sections.items():
        sb.caption(section)
        for entry in entries:
            sb.page_link(entry)


def main() -> None:
    started = time.perf_counter()
    session.init_state()
    present = bool(st.session_state.get("present"))
    # presentation mode folds the sidebar away (its toggle brings it back); sent on every run, so a change of
    # the toggle — or a shared link with present=1 — folds or unfolds it
    st.set_page_config(initial_sidebar_state="collapsed" if present else "expanded")
    lang = sidebar()
    if present:
        st.html(PRESENT_CSS)
    sections = pages(lang)
    # drawn by navigation(), below the learner's controls. The default page lives at the root; /home opens it
    # too, since Streamlit answers "Page not found" for any path that no st.Page registers
    alias = st.Page(HOME.file, title=tr(HOME.title, lang), url_path=HOME_ALIAS)
    page = st.navigation([*(p for entries in sections.values() for p in entries), alias], position="hidden")
    navigation(sections)
    session.sync_url()
    try:
        page.run()
    finally:                # only when a load test asks for it; a run that ends in st.rerun() counts too
        serving.log_run(page.url_path, time.perf_counter() - started)
    warmup.start(lang)      # once per process, after the first page is on screen: the other pages' imports and models


failsafe.run(main)      # an unexpected error: a message with an error id, the traceback in the log
