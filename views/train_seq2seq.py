"""Train an encoder-decoder, live: task → model size → train while cross-attention forms → held-out decodes
→ save and open it in the decoding explorer.

Thin page: widgets and layout. The logic lives in ui/studio/seq2seq_live.py (strings in seq2seq_text.py);
the run itself is a LiveRun owned by this browser session (ui/st/studio_panel.py).
"""
from __future__ import annotations

import streamlit as st
import torch

from transformer_core import CheckpointError
from transformer_core.data.seq2seq_tasks import TASKS
from ui.i18n import TERMS, error_text
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.widgets import kept
from ui.studio import figures as fg
from ui.studio import seq2seq_live as sl
from ui.studio.live import ACTIVE
from ui.studio.seq2seq_text import TEXT

KIND = "seq2seq"
DEFAULTS = sl.DEFAULTS
lang = session.lang()
state = st.session_state
mine = panel.mine(KIND)                   # this page's own session keys


def say(key: str, **values) -> str:
    return TEXT(key, lang, **values)


def number(container, name: str, step=1):
    lo, hi = sl.LIMITS[name]
    return int(kept(container.number_input, say(name), lo, hi, step=step, key=f"keep_s2st_{name}",
                    default=DEFAULTS[name]))


def task_section() -> str:
    st.header(say("h_task"))
    task = kept(st.selectbox, say("task"), key="keep_s2st_task", default=DEFAULTS["task"], options=list(TASKS),
                format_func=lambda k: say(f"task_{k}"))
    st.write(say(f"what_{task}"))
    st.info(say(f"expect_{task}"))
    examples, _ = sl.task_sample(task, 5)
    st.caption(say("examples"))
    st.dataframe([{say("col_source"): a, say("col_target"): b} for a, b in examples], hide_index=True)
    return task


def settings_section(task: str) -> tuple[sl.Settings, list[str]]:
    st.header(say("h_settings"))
    cols = st.columns(5)
    layers, d_model = number(cols[0], "layers"), number(cols[1], "d_model", step=16)
    heads = kept(cols[2].selectbox, TERMS("heads", lang), key="keep_s2st_heads", default=DEFAULTS["heads"],
                 options=list(sl.HEADS))
    d_ff = number(cols[3], "d_ff", step=32)
    dropout = kept(cols[4].select_slider, say("dropout"), key="keep_s2st_dropout", default=DEFAULTS["dropout"],
                   options=[0.0, 0.05, 0.1, 0.2, 0.3], help=say("dropout_help"))
    cols = st.columns(5)
    n_pairs, steps = number(cols[0], "n_pairs", step=500), number(cols[1], "steps", step=100)
    batch_size = number(cols[2], "batch_size", step=8)
    lr = kept(cols[3].select_slider, TERMS("lr", lang), key="keep_s2st_lr", default=DEFAULTS["lr"],
              options=[1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3], format_func=lambda x: f"{x:g}")
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    device = kept(cols[4].selectbox, TERMS("device", lang), key="keep_s2st_device", default="cpu", options=devices,
                  format_func=lambda d: TERMS(f"dev_{d}", lang))
    settings = sl.Settings(task, layers, d_model, heads, d_ff, dropout, n_pairs, steps, batch_size, lr, device)
    problems = sl.validate(settings, lang, devices)
    for problem in problems:
        st.warning(problem)
    if not problems:
        n_chars = sl.task_sample(task, n_pairs)[1]
        st.metric(TERMS("params", lang), f"{sl.parameter_count(settings, n_chars):,}",
                  help=say("params_help", vocab=n_chars))
    st.caption(say("defaults_note"))
    return settings, problems


def cross_section(run, view) -> None:
    """Drawn inside the live panel: the probe's cross-attention at every checkpoint so far."""
    st.subheader(say("h_cross"))
    st.caption(say("cross_help"))
    if not view.frames:
        st.caption(say("no_frames"))
        return
    first, task = view.frames[0].data, run.config.seq2seq_task
    st.markdown(say("probe", source=first["source"], target=first["target"]))
    n_layers, n_heads = first["cross"].shape[:2]
    cols = st.columns(2)
    layer = kept(cols[0].selectbox, say("layer"), key="keep_s2st_layer", default=n_layers - 1,
                 options=list(range(n_layers)), format_func=lambda i: f"{i + 1}")
    head = kept(cols[1].selectbox, TERMS("head", lang), key="keep_s2st_head", default=0, options=list(range(n_heads)),
                format_func=lambda i: f"{i + 1}")
    page.chart(fg.cross_attention_timelapse(sl.head_frames(view.frames, layer, head), first["src_tokens"],
                                            first["tgt_tokens"], lang), key="s2st_timelapse")
    series = sl.alignment_series(view.frames, layer, head, task)
    if series is None:
        st.caption(say("no_alignment"))
        return
    best_layer, best, score = sl.best_head(view.frames[-1].data["cross"], task)
    st.caption(say("best_head", step=view.frames[-1].step, layer=best_layer + 1, head=best + 1, score=score))
    page.chart(sl.alignment_figure(series, layer, head, lang), key="s2st_align")


def train_section(settings: sl.Settings, problems: list[str]) -> None:
    st.header(say("h_train"))

    panel.form_controls(KIND, lang, problems, lambda: sl.train_config(settings), say, capture=sl.capture,
                        checkpoints=sl.CHECKPOINTS)
    run = panel.current(KIND)
    if run is not None:
        config = run.config
        st.caption(say("run_of", task=say(f"task_{config.seq2seq_task}"), layers=config.model["n_layers"],
                       d=config.model["d_model"], h=config.model["n_heads"], steps=config.steps))
    panel.live(KIND, "seq2seq", lang, extra=lambda view: cross_section(run, view))


def decoded(view) -> list[sl.Decoded]:
    """Greedy decodes of five held-out sources, computed once per checkpoint."""
    key = (str(view.checkpoint), view.checkpoint_step)
    if mine.get("decoded_at") != key:
        mine.decoded = sl.decode_examples(view.checkpoint, view.info["held_out_examples"][:5])
        mine.decoded_at = key
    return mine.decoded


def results_section(run, view) -> None:
    if view.checkpoint is None or view.status in ACTIVE or not view.info.get("held_out_examples"):
        return
    st.header(say("h_results"))
    last = view.evaluations[-1] if view.evaluations else {}
    if "exact_match" in last:
        n = min(view.info["eval_pairs"], run.config.eval_batches * run.config.batch_size)
        st.metric(say("exact"), f"{last['exact_match']:.1%}", help=say("exact_help", n=n, step=last["step"]))
    try:
        rows = sl.decode_rows(decoded(view), lang)
    except CheckpointError as err:
        st.error(say("decode_failed", message=error_text(err, lang)))
        return
    st.caption(say("decodes"))
    st.dataframe(rows, hide_index=True)


def explore_section(run, view) -> None:
    if view.checkpoint is None or view.status in ACTIVE:
        return
    task = run.config.seq2seq_task
    st.header(say("h_explore"))
    st.write(say("explore_help"))
    panel.save_box(KIND, lang, say("default_label", task=say(f"task_{task}")), "zh" if task.endswith("-zh") else "en")
    saved = panel.saved_source(KIND)
    examples = view.info.get("held_out_examples") or [("", "")]
    if saved is not None and st.button(say("open"), key="s2st_open", type="primary"):
        state.update(sl.explorer_state(saved.key, examples[0][0]))
        st.switch_page("views/seq2seq.py")


def main() -> None:
    page.header(say("title"), say("intro"))
    page.formula(r"\mathrm{CrossAttention}(i, j) = \mathrm{softmax}_j\!\Big(\frac{q^{\text{dec}}_i \cdot "
                 r"k^{\text{enc}}_j}{\sqrt{d_k}}\Big)", say("formula_caption"))
    task = task_section()
    settings, problems = settings_section(task)
    train_section(settings, problems)
    run = panel.current(KIND)
    if run is not None:
        view = run.view()
        results_section(run, view)
        explore_section(run, view)
    page.show_code(sl.capture, sl.decode_examples, lang=lang)


main()
