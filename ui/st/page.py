"""What every explorer page draws the same way: title and explanation, formula, charts, notes about the
input, the "show the code" expander, and the shared layer / head pickers.

Pages stay thin: they call pure functions for numbers and figures and hand the results to these.
"""
from __future__ import annotations

import inspect

import plotly.graph_objects as go
import streamlit as st

from transformer_core import CheckpointError

from .. import colors, export, language
from ..encode import Encoded, InputProblem
from ..i18n import FRAME, TERMS, error_text
from ..model_names import short_name
from . import frame, session
from .widgets import kept

EXPORT_FORMAT = "app.export_format"   # session key: the format the charts' download button writes
PRESENT_SCALE = 1.5          # presentation mode: fonts and chart heights × this
PRESENT_MAX_HEIGHT = 560     # … but a chart grows no taller than this (it stays inside a 1280 × 720 view)
PRESENT_LIMIT = 680          # and a taller chart is brought down to this
PRESENT_TITLE_CHARS = 48     # a title line at projector size (20 px) fits a half-width column at 1280 px


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def title(text: str) -> None:
    """A page's title: every page draws it first (views never call st.title themselves), in the place the
    frame kept for it on a cold start (ui/st/frame.py)."""
    frame.title_box().title(text)
    # pandas is imported here, after the title is on screen (it takes ~0.6 s on a cold start) and before any
    # chart: plotly looks pandas up in sys.modules, and a session drawing its first chart while another thread
    # was half-way through importing pandas met a half-initialised module ("partially initialized module
    # 'pandas'"). An import statement waits for a running import to finish, so after this line it is whole.
    import pandas  # noqa: F401


def header(title_text: str, intro: str) -> None:
    title(title_text)
    st.write(intro)


def colour_legend(lang: str) -> None:
    """The one statement of the app's two colour scales, under the first chart that uses them."""
    st.caption(colors.TEXT("legend", lang))


def formula(latex: str, caption: str | None = None) -> None:
    st.latex(latex)
    if caption:
        st.caption(caption)


def present_height(height: int | None) -> int | None:
    """A chart's height in presentation mode: taller, up to PRESENT_MAX_HEIGHT; a chart already taller than a
    720-pixel projector shows is brought down to PRESENT_LIMIT, so each chart can be seen whole."""
    if not height:
        return height
    return min(max(height, min(int(height * PRESENT_SCALE), PRESENT_MAX_HEIGHT)), PRESENT_LIMIT)


def wrap(text: str | None, width: int) -> str | None:
    """A title broken into lines of at most ~``width`` characters (plotly does not wrap titles itself); lines
    already broken with <br> are wrapped each on their own."""
    if not text or len(text) <= width:
        return text
    if "<br>" in text:
        return "<br>".join(wrap(part, width) or "" for part in text.split("<br>"))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def for_projector(fig) -> go.Figure:
    """A copy of ``fig`` with every font PRESENT_SCALE × larger (title, axes, ticks, legend, annotations), long
    titles wrapped and every axis making room for its larger tick labels."""
    fig = go.Figure(fig)                     # a copy: a cached figure must not grow at every rerun
    base = fig.layout.font.size or 12
    fig.update_layout(font_size=base * PRESENT_SCALE)
    if fig.layout.title.text:
        fig.update_layout(title_text=wrap(fig.layout.title.text, PRESENT_TITLE_CHARS),
                          title_font_size=fig.layout.title.font.size or int(base * PRESENT_SCALE * 1.1))
        if "<br>" in fig.layout.title.text:          # several lines: plotly centres them in the top margin
            fig.layout.title.y = fig.layout.title.yanchor = None
    columns = max(1, len({a.x for a in fig.layout.annotations or () if a.yref == "paper"}))
    for annotation in fig.layout.annotations or ():     # subplot titles carry their own font size
        if annotation.font.size:
            annotation.font.size = annotation.font.size * PRESENT_SCALE
        annotation.text = wrap(annotation.text, PRESENT_TITLE_CHARS // columns)
    lines = max([1] + [str(x.text).count("<br>") + 1 for x in (fig.layout.title, *(fig.layout.annotations or ()))
                       if x.text])
    top = fig.layout.margin.t if fig.layout.margin.t is not None else 80
    fig.update_layout(margin_t=max(int(top * PRESENT_SCALE), 60) + 34 * (lines - 1))   # larger, wrapped titles
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def chart(fig, key: str | None = None, height: int | None = None, fonts: bool = True) -> None:
    """A plotly figure at full width; bigger type (unless ``fonts`` is False: a diagram whose labels must fit
    its boxes) and taller, within a projector's view, in presentation mode."""
    if presenting():
        fig = for_projector(fig) if fonts else go.Figure(fig)
        height = present_height(height or fig.layout.height)
        if height:
            fig.update_layout(height=height)
    elif height:
        fig.update_layout(height=height)
    # the modebar's one button downloads the chart as drawn, in the browser (plotly.js toImage: offline), as PNG
    # at projector resolution or SVG for a paper (the sidebar's choice)
    fmt = st.session_state.get(EXPORT_FORMAT, export.FORMATS[0])
    st.plotly_chart(fig, width="stretch", theme=None, key=key,
                    config=export.image_config(f"attention-lab_{key or 'chart'}", fmt))


def chart_columns(spec) -> list:
    """Columns for charts side by side (``spec`` as for st.columns); stacked in presentation mode, where a
    narrow chart's larger type would not fit (its titles ran out of the chart)."""
    if presenting():
        return [st.container() for _ in range(spec if isinstance(spec, int) else len(spec))]
    return st.columns(spec)


def show_code(*objects, lang: str) -> None:
    """The real source of the functions that computed what is on screen (not a paraphrase)."""
    with st.expander(FRAME("show_code", lang)):
        for obj in objects:
            st.caption(f"{obj.__module__}.{obj.__qualname__}")
            st.code(inspect.getsource(obj), language="python")


def notes(encoded: Encoded, lang: str) -> None:
    """What we changed in the learner's input (truncated, control characters…), said plainly."""
    for key, values in encoded.notes:
        st.info(FRAME(key, lang, **values))


def problem(err: Exception, lang: str) -> None:
    """Bad input or an unusable model: a friendly message instead of a traceback."""
    if isinstance(err, InputProblem):
        st.warning(FRAME(err.key, lang, **err.values))
    elif isinstance(err, CheckpointError):
        st.error(FRAME("model_error", lang, message=error_text(err, lang)))
    else:
        st.warning(error_text(err, lang))


def language_warning(loaded, text: str | None, pair: str | None, lang: str) -> None:
    """A warning when the sentence is written in another language than the one the model reads."""
    message = language.warning(text, loaded.lang, short_name(loaded.source, lang), lang, pair)
    if message:
        st.warning(message)


def random_warning(loaded, lang: str) -> None:
    if loaded.source.origin == "random":
        st.warning(FRAME("random_warning", lang))


def _numbered(container, name: str, label: str, n: int, widget_key: str) -> int:
    """A pick among ``n`` (a layer, a head), shown from 1, kept in the shared view's field ``name`` (one value
    for every page and the URL); a value this model lacks shows as its last one."""
    return kept(container.selectbox, label, key=widget_key, store=name, default=0, options=range(n),
                fit=lambda value: min(int(value), n - 1), format_func=lambda i: f"{i + 1}")


def layer_picker(config, lang: str, container=None, page: str = "") -> int:
    """Only the layer (0-based), for pages where a head means nothing (e.g. the FFN)."""
    return _numbered(container or st, "layer", TERMS("layer", lang), config.n_layers, f"{page}_layer_w")


def layer_head(config, lang: str, container=None, page: str = "") -> tuple[int, int]:
    """Layer and head pickers (shown 1-based, returned 0-based)."""
    container = container or st
    cols = container.columns(2)
    layer = _numbered(cols[0], "layer", TERMS("layer", lang), config.n_layers, f"{page}_layer_w")
    head = _numbered(cols[1], "head", TERMS("head", lang), config.n_heads, f"{page}_head_w")
    return layer, head


def model_with(want, lacking: str, differs: str, lang: str):
    """The picked model if ``want(source)`` holds, else the first model that qualifies, with a note
    (``differs``: a message with {model} and {other}); stops the page with ``lacking`` when none does."""
    picked = session.current_source()
    try:
        loaded = session.current_model(want)
    except CheckpointError as err:
        problem(err, lang)
        st.stop()
    if not want(loaded.source):
        st.warning(lacking)
        st.stop()
    if loaded.source.key != picked.key:
        st.info(differs.format(model=short_name(picked, lang), other=short_name(loaded.source, lang)))
    return loaded


def model_and_run(lang: str, want=None, pair: bool = False, masked=(), head_mask=None):
    """The picked model (narrowed by ``want``) and its cached run on the shared sentence(s), or None
    after drawing a friendly message."""
    try:
        loaded = session.current_model(want)
    except CheckpointError as err:
        problem(err, lang)
        return None, None
    random_warning(loaded, lang)
    s = st.session_state
    language_warning(loaded, s.get("text", ""), s.get("pair") if pair else None, lang)
    try:
        run = session.run_bert(loaded, s.get("text", ""), s.get("pair") if pair else None, tuple(masked), head_mask)
    except InputProblem as err:
        problem(err, lang)
        return loaded, None
    notes(run.encoded, lang)
    return loaded, run
