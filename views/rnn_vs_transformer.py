"""RNN vs Transformer: the same toy tasks for a GRU/LSTM and a Transformer of about the same size, trained here,
then what each costs at growing length, measured on this machine, and how far apart two positions are.

Thin: the models, tasks and counts are transformer_core/recurrent.py; runs, timings and figures ui/rnn_view.py.
"""
from __future__ import annotations

import streamlit as st

from ui import rnn_view as rv
from ui.st import measured, page, session
from ui.st.keys import Namespace
from ui.st.widgets import kept

lang = session.lang()
state = st.session_state
mine = Namespace("rnn")


def say(key: str, **values) -> str:
    return rv.TEXT(key, lang, **values)


page.header(say("title"), say("intro"))

# ── the claim, and what is right ──
st.subheader(say("claim_header"))
st.warning(say("claim"))
st.info(say("claim_right"))
page.formula(r"\begin{aligned} C_{\mathrm{attn}} &= O(T^2\cdot d), & S_{\mathrm{attn}} &= O(1) \\"
             r"C_{\mathrm{RNN}} &= O(T\cdot d^2), & S_{\mathrm{RNN}} &= O(T) \end{aligned}", say("claim_formula"))

# ── train both ──
st.subheader(say("train_header"))
st.write(say("train_intro"))
cols = st.columns(4)
task = kept(cols[0].radio, say("task"), key=f"rnn_task@{lang}", store=mine.key("task"), default="copy",
            options=list(rv.LENGTHS), format_func=lambda t: say(f"task_{t}"))
rnn = kept(cols[1].radio, say("rnn"), key=f"rnn_kind@{lang}", store=mine.key("kind"), default="gru",
           options=["gru", "lstm"], format_func=lambda k: say(f"kind_{k}"))
steps = kept(cols[2].selectbox, say("steps"), key="rnn_steps", store=mine.key("steps"), default=200,
             options=list(rv.STEP_CHOICES))
lengths = cols[3].multiselect(say("lengths"), list(rv.LENGTHS[task]), default=list(rv.DEFAULT_LENGTHS[task]),
                              key=f"rnn_lengths_{task}")
st.caption(say(f"task_{task}_help"))
try:
    runs = rv.plan(task, lengths, rnn)
except rv.PlanProblem as err:
    st.warning(say(err.key, **err.values))
    runs = []
results_key = (task, rnn, steps)
results = mine.setdefault("results", {})                     # (task, rnn, steps) → {(kind, L): RunResult}
if st.button(say("train_button"), type="primary", disabled=not runs, key="rnn_train"):
    models = rv.configs(rnn, task, [n for _, n in runs])
    done = results.setdefault(results_key, {})
    bar = st.progress(0.0, text=say("progress_start"))
    for i, (kind, length) in enumerate(runs):
        def tick(step: int, loss: float, i=i, kind=kind, length=length) -> None:
            if step % 20 == 0 or step == steps - 1:
                bar.progress((i + (step + 1) / steps) / len(runs),
                             text=say("progress", model=say(f"kind_{kind}"), length=length, step=step + 1,
                                      steps=steps, loss=f"{loss:.3f}"))
        done[kind, length] = rv.train_run(models[kind], task, length, steps, on_step=tick)
    bar.empty()
shown = list(results.get(results_key, {}).values())
if shown:
    page.chart(rv.accuracy_figure(shown, task, lang), key="rnn_accuracy")
    st.dataframe(rv.result_rows(shown, lang), hide_index=True, width="stretch")
    st.caption(say("params_note"))
    st.info(say(f"reading_{task}"))
else:
    st.info(say("not_trained"))

# ── cost: measured on this machine ──
st.subheader(say("time_header"))
st.write(say("time_intro", batch=rv.TIME_BATCH, lengths=", ".join(map(str, rv.TIME_LENGTHS))))
measured_key = mine.key(f"measured_{rnn}")
if st.button(say("time_button"), key="rnn_time") or state.get(measured_key):
    with st.spinner(say("time_running")):
        result = measured.rnn_timing(rnn)
    state[measured_key] = True
    page.chart(rv.time_figure(result, lang), key="rnn_time_chart")
    st.dataframe(rv.timing_rows(result, lang), hide_index=True, width="stretch")
    found = say("crossover", T=f"{result.measured:,.0f}") if result.measured else say("no_crossover",
                                                                                     top=rv.TIME_LENGTHS[-1])
    st.success(found + " " + say("counted", T=f"{result.counted:,}"))
    st.caption(say("time_note"))

# ── path length ──
st.subheader(say("path_header"))
T = st.slider(say("path_T"), 4, 256, 32, key="rnn_path_T")
page.chart(rv.path_figure(T, rnn, lang), key="rnn_path")
st.caption(say("path_note", T=T, steps=T - 1))
page.show_code(rv.plan, rv.train_run, rv.measure, lang=lang)
