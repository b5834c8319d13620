"""Model sizes: pick a BERT size and see its parameters, shapes and diagram.

This file only lays out widgets and results; every number and
figure comes from the pure functions in ``ui/`` (unit-tested without Streamlit), which in turn read
``transformer_core``. Nothing here is trainable, so all heavy work is cached per config and shared.
"""
from __future__ import annotations

import streamlit as st

from transformer_core import PRESETS, ConfigError, TransformerConfig
from transformer_core.config import POSITIONS
from ui import architecture as arch
from ui.i18n import ARCH, TERMS, error_text
from ui.st import page, session
from ui.st.widgets import kept

# widget key → (min, max, step of the +/− buttons); any whole number in range may be typed
LIMITS = {"n_layers": (1, 48, 1), "d_model": (1, 4096, 64), "n_heads": (1, 64, 1), "d_ff": (1, 16384, 256),
          "vocab_size": (1, 250_000, 1000), "max_len": (1, 8192, 64)}
INPUT_LIMITS = {"batch": (1, 64, 1), "seq_len": (1, 8192, 8)}
DEFAULT_PRESET = "bert-base"


def load_preset() -> None:
    """Copy the chosen preset's numbers into the widgets; runs as the preset select's on_change."""
    config = PRESETS[st.session_state.preset]
    for name in LIMITS:
        st.session_state[name] = getattr(config, name)
    st.session_state.position = config.position
    st.session_state.norm_first = config.norm_first


def init_state() -> None:
    """First visit: start from the default preset and a small input batch."""
    if "preset" not in st.session_state:
        st.session_state.preset = DEFAULT_PRESET
        load_preset()
        st.session_state.batch, st.session_state.seq_len = 2, 16


def sidebar(lang: str) -> None:
    """This page's widgets, under the shared ones. Values live in ``st.session_state`` under their keys."""
    sb = st.sidebar
    sb.header(ARCH("preset", lang))
    sb.selectbox(ARCH("preset", lang), list(PRESETS), key="preset", on_change=load_preset)
    for name, (low, high, step) in LIMITS.items():
        sb.number_input(ARCH(name, lang), min_value=low, max_value=high, step=step, key=name)
    # labels in the learner's language: a widget per language, on one language-neutral value (see kept)
    kept(sb.radio, ARCH("position", lang), key=f"position@{lang}", store="position", options=POSITIONS,
         format_func=lambda p: TERMS(f"pos_{p}", lang))
    kept(sb.radio, ARCH("norm", lang), key=f"norm_first@{lang}", store="norm_first", options=(False, True),
         format_func=lambda first: ARCH("norm_pre" if first else "norm_post", lang))
    sb.header(ARCH("sidebar_input", lang))
    for name, (low, high, step) in INPUT_LIMITS.items():
        sb.number_input(ARCH(name, lang), min_value=low, max_value=high, step=step, key=name)


def build_config() -> TransformerConfig:
    """The preset with the learner's numbers; raises ConfigError with a readable message when invalid."""
    state = st.session_state
    changes = {name: int(state[name]) for name in LIMITS}
    return arch.config_from_preset(state.preset, position=state.position, norm_first=bool(state.norm_first),
                                   **changes)


@st.cache_resource(max_entries=16)
def meta_model(config: TransformerConfig):
    """One shape-only model per config, shared read-only by every session (it holds no data)."""
    return arch.build_meta_model(config)


@st.cache_data(max_entries=256)
def shape_table(config: TransformerConfig, batch: int, seq_len: int, lang: str) -> list[dict]:
    return arch.shape_records(arch.shape_flow(config, batch, seq_len, lang, model=meta_model(config)), lang)


@st.cache_data(max_entries=64)
def figure(config: TransformerConfig, lang: str):
    return arch.architecture_figure(config, lang)


def show_counts(config: TransformerConfig, lang: str) -> None:
    """Headline numbers, with the formula checked against PyTorch's own count of the model."""
    total, seq_len = arch.parameter_total(config), int(st.session_state.seq_len)
    per_layer = sum(r.each for r in arch.parameter_table(config) if r.part == "part_layer")
    flops = arch.flops_per_token(config, seq_len).forward
    cols = st.columns(3)
    cols[0].metric(ARCH("total_params", lang), arch.format_count(total),
                   help=ARCH("total_params_help", lang, n=f"{total:,}"))
    cols[1].metric(ARCH("params_per_layer", lang), arch.format_count(per_layer), help=f"{per_layer:,}")
    cols[2].metric(ARCH("flops", lang), arch.format_count(flops), help=ARCH("flops_help", lang))
    counted = arch.model_parameter_count(meta_model(config))
    if counted == total:
        st.success(ARCH("verified", lang, n=f"{counted:,}"))
    else:
        st.warning(ARCH("mismatch", lang, formula=f"{total:,}", model=f"{counted:,}"))
    sizes = arch.bert_size_check()
    st.info(ARCH("bert_sizes", lang, base=arch.format_count(sizes["bert-base"]),
              large=arch.format_count(sizes["bert-large"])))


def show_details(config: TransformerConfig, lang: str) -> None:
    """Formula, diagram, live shapes, parameter table: top to bottom, each at full width so the
    diagram's labels fit inside their boxes."""
    st.subheader(ARCH("formula_header", lang))
    st.latex(r"\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\!\left(\frac{QK^{\top}}{\sqrt{d_k}}\right)V")
    st.caption(ARCH("formula_caption", lang))
    st.subheader(ARCH("diagram_header", lang))
    page.chart(figure(config, lang), fonts=False)
    st.subheader(ARCH("shapes_header", lang))
    try:
        st.table(shape_table(config, int(st.session_state.batch), int(st.session_state.seq_len), lang),
                 hide_index=True)
        st.caption(ARCH("shapes_caption", lang))
    except ConfigError as err:                       # e.g. seq_len > max_len: a lesson, not a crash
        st.error(ARCH("config_error", lang, message=error_text(err, lang)))
    st.subheader(ARCH("params_header", lang))
    records = arch.param_records(arch.parameter_table(config), lang)
    numbers = {ARCH(key, lang): st.column_config.NumberColumn(format="localized") for key in ("col_each", "col_total")}
    st.dataframe(records, width="stretch", hide_index=True, column_config=numbers, height=35 * (len(records) + 1) + 3)


def main() -> None:
    init_state()
    lang = session.lang()
    sidebar(lang)
    page.title(TERMS("app_title", lang))
    st.caption(ARCH("page_subtitle", lang))
    st.write(ARCH("intro", lang))
    try:
        config = build_config()
    except ConfigError as err:
        st.error(ARCH("config_error", lang, message=error_text(err, lang)))
        return
    if config.n_decoder_layers:
        st.caption(ARCH("decoder_note", lang, n=config.n_decoder_layers))
    show_counts(config, lang)
    show_details(config, lang)


main()
