"""Compression: int8, bf16/fp16, head pruning, low rank and ALBERT's factorised embeddings applied to a shipped
BERT and measured here (size, parameters, latency, score), plus distillation (stored, and re-runnable tiny).

A thin view: widgets and layout only; every number and figure comes from ``ui/compression_view.py``.
"""
from __future__ import annotations

import streamlit as st

from transformer_core import CheckpointError
from transformer_core import compress as cz
from transformer_core.kinds import CLASSIFY
from transformer_core.train.distill import compare
from ui import compression_view as cv
from ui.model_names import display_name
from ui.st import page, session
from ui.st.widgets import kept

lang = session.lang()
state = st.session_state
GO = "compression.go"              # session key: the model identities whose measurements were asked for
LIVE = "compression.live"          # session key: the last tiny distillation run of this session


def say(key: str, **values) -> str:
    return cv.TEXT(key, lang, **values)


@st.cache_resource(max_entries=4, show_spinner=False)
def importance(_loaded, identity: str):
    loss_of = cv.calibration_loss(cv.task_of(_loaded.source), _loaded.tokenizer, _loaded.source.lang or "en",
                                  _loaded.config.max_len)
    return cz.head_importance(_loaded.model, loss_of)


@st.cache_resource(max_entries=4, show_spinner=False)
def scored_data(_loaded, identity: str):
    lang_of = _loaded.source.lang or "en"
    if cv.task_of(_loaded.source) == "mlm":
        return cv.mlm_batches(_loaded.tokenizer, lang_of, "validation", max_len=_loaded.config.max_len)
    return cv.labelled(lang_of, "test")


@st.cache_data(max_entries=64, show_spinner=False)
def measured(_loaded, identity: str, method: str, knob: int | None) -> cv.Row:
    heads = importance(_loaded, identity) if method == "prune_heads" else None
    return cv.measure(_loaded, method, knob, heads, scored_data(_loaded, identity))


page.header(say("title"), say("intro"))
found = [src for src in session.sources() if src.has_mlm or src.can(CLASSIFY)]
if not found:
    st.info(say("none"))
    st.stop()
labels = {src.key: display_name(src, lang) for src in found}
picked = state.get("model") if state.get("model") in labels else found[0].key
key = kept(st.selectbox, say("pick_model"), key=f"compression_model@{lang}", store="compression.model",
           default=picked, options=list(labels), format_func=labels.get)
source = next(src for src in found if src.key == key)
try:
    loaded = session.load_model(source)
except CheckpointError as err:
    page.problem(err, lang)
    st.stop()
identity, config, task = session.model_identity(loaded), loaded.config, cv.task_of(source)
st.caption(say(f"task_{task}"))

limits = cv.knob_limits(config)
cols = st.columns(3)
knobs = {}
for col, (name, (low, high, default)) in zip(cols, limits.items(), strict=True):
    knobs[name] = kept(col.slider, say(f"knob_{name}"), key=f"compression_{name}@{lang}", store=f"compression.{name}",
                       default=default, min_value=low, max_value=high, help=say(f"knob_{name}_help"),
                       fit=lambda value, low=low, high=high, default=default: min(max(value or default, low), high))
st.caption(say("break_even", even=cz.break_even_rank(config.d_model, config.d_ff), d=config.d_model, f=config.d_ff))

methods = [("fp32", None), ("int8", None), ("prune_heads", knobs["k"]), ("low_rank", knobs["r"]),
           ("factor_embeddings", knobs["e"]), ("bf16", None), ("fp16", None)]     # 16-bit last: slowest on a CPU
if st.button(say("measure"), key="compression_measure", type="primary"):
    state[GO] = {*state.get(GO, set()), identity}
if identity not in state.get(GO, set()):
    st.info(say("press"))
else:
    rows = []
    progress, slot = st.progress(0.0, text=say("measuring")), st.empty()
    for i, (method, knob) in enumerate(methods):                  # each row shown as soon as it is measured
        rows.append(measured(loaded, identity, method, knob))
        progress.progress((i + 1) / len(methods), text=say("measuring"))
        slot.dataframe(cv.table(rows, task, lang), hide_index=True, width="stretch")
    progress.empty()
    st.caption(say("table_caption", t=min(cv.T_LATENCY, config.max_len), n=cv.REPEATS))
    page.chart(cv.scatter(rows, task, lang), key="compression_scatter")
    for line in cv.notes(rows, config, lang):
        st.markdown("- " + line)

st.subheader(say("kd_head"))
page.formula(r"L = \tau^2\,\mathrm{KL}\big(p_T^{\tau}\,\|\,p_S^{\tau}\big) + \alpha\,\mathrm{CE}(y, p_S),"
             r"\qquad p^{\tau} = \mathrm{softmax}(z/\tau)", say("kd_formula"))
record = cv.stored_distillation()
if record is None:
    st.info(say("kd_missing"))
else:
    st.markdown(say("kd_stored", steps=record["settings"]["steps"], teacher=record["teacher"],
                    params=record["student_parameters"] / 1e6, alpha=record["settings"]["alpha"],
                    tau=record["settings"]["temperature"]))
    st.dataframe(cv.distillation_table(record, lang), hide_index=True, width="stretch")
    st.markdown(cv.distillation_verdict(record, lang))
    st.caption(say("kd_command", machine=record["machine"]))
    st.code(record["command"], language="bash")
if source.has_mlm and source.folder:
    if st.button(say("kd_rerun"), key="compression_rerun", help=say("kd_rerun_help")):
        with st.spinner(say("kd_running")):
            state[LIVE] = compare(source.folder, corpus=source.lang or "en", **cv.LIVE_RUN)
    if state.get(LIVE):
        st.markdown(say("kd_live", steps=cv.LIVE_RUN["steps"]))
        st.dataframe(cv.distillation_table(state[LIVE], lang), hide_index=True, width="stretch")
else:
    st.caption(say("kd_needs_mlm"))
page.show_code(cz.prune_heads, cz.LowRankLinear, lang=lang)
