"""Train an encoder-decoder, live: task → model size → train while cross-attention forms → held-out decodes
→ save and open it in the decoding explorer.

Thin page: widgets and layout. The logic lives in ui/studio/seq2seq_live.py (strings in seq2seq_text.py);
the run itself is a LiveRun owned by this browser session (ui/st/studio_panel.py).
"""
from __future__ import annotations

import streamlit as st
import torch

from transformer_core import CheckpointError
from transformer_core.config import ConfigError
from transformer_core.data.seq2seq_tasks import TASKS
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.studio_panel import kept
from ui.studio import figures as fg
from ui.studio import seq2seq_live as sl
from ui.studio.live import ACTIVE
from ui.studio.seq2seq_text import TEXT

KIND = "seq2seq"
D = sl.DEFAULTS
lang = session.lang()
s = st.session_state


def T(key: str, **values) -> str:
    return TEXT(key, lang, **values)


def choose(label: str, options: list, key: str, default, container=st, **kwargs):
    """A select box whose value survives page changes; a remembered value that vanished falls back."""
    if s.get(key) not in options:
        s[key] = default
    return container.selectbox(label, options, key=kept(key, default), **kwargs)


def number(container, name: str, step=1):
    lo, hi = sl.LIMITS[name]
    return int(container.number_input(T(name), lo, hi, step=step, key=kept(f"keep_s2st_{name}", D[name])))


def task_section() -> str:
    st.header(T("h_task"))
    task = choose(T("task"), list(TASKS), "keep_s2st_task", D["task"], format_func=lambda k: T(f"task_{k}"))
    st.write(T(f"what_{task}"))
    st.info(T(f"expect_{task}"))
    examples, _ = sl.task_sample(task, 5)
    st.caption(T("examples"))
    st.dataframe([{T("col_source"): a, T("col_target"): b} for a, b in examples], hide_index=True)
    return task


def settings_section(task: str) -> tuple[sl.Settings, list[str]]:
    st.header(T("h_settings"))
    c = st.columns(5)
    layers, d_model = number(c[0], "layers"), number(c[1], "d_model", step=16)
    heads = choose(T("heads"), list(sl.HEADS), "keep_s2st_heads", D["heads"], container=c[2])
    d_ff = number(c[3], "d_ff", step=32)
    dropout = c[4].select_slider(T("dropout"), [0.0, 0.05, 0.1, 0.2, 0.3], key=kept("keep_s2st_dropout", D["dropout"]),
                                 help=T("dropout_help"))
    c = st.columns(5)
    n_pairs, steps = number(c[0], "n_pairs", step=500), number(c[1], "steps", step=100)
    batch_size = number(c[2], "batch_size", step=8)
    lr = c[3].select_slider(T("lr"), [1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3], key=kept("keep_s2st_lr", D["lr"]),
                            format_func=lambda x: f"{x:g}")
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    device = choose(T("device"), devices, "keep_s2st_device", "cpu", container=c[4],
                    format_func=lambda d: T(f"dev_{d}"))
    settings = sl.Settings(task, layers, d_model, heads, d_ff, dropout, n_pairs, steps, batch_size, lr, device)
    problems = sl.validate(settings, lang, devices)
    for problem in problems:
        st.warning(problem)
    if not problems:
        n_chars = sl.task_sample(task, n_pairs)[1]
        st.metric(T("params"), f"{sl.parameter_count(settings, n_chars):,}", help=T("params_help", vocab=n_chars))
    st.caption(T("defaults_note"))
    return settings, problems


def cross_section(run, view) -> None:
    """Drawn inside the live panel: the probe's cross-attention at every checkpoint so far."""
    st.subheader(T("h_cross"))
    st.caption(T("cross_help"))
    if not view.frames:
        st.caption(T("no_frames"))
        return
    first, task = view.frames[0].data, run.config.seq2seq_task
    st.markdown(T("probe", source=first["source"], target=first["target"]))
    n_layers, n_heads = first["cross"].shape[:2]
    c = st.columns(2)
    layer = choose(T("layer"), list(range(n_layers)), "keep_s2st_layer", n_layers - 1, container=c[0],
                   format_func=lambda i: f"{i + 1}")
    head = choose(T("head"), list(range(n_heads)), "keep_s2st_head", 0, container=c[1],
                  format_func=lambda i: f"{i + 1}")
    page.chart(fg.cross_attention_timelapse(sl.head_frames(view.frames, layer, head), first["src_tokens"],
                                            first["tgt_tokens"], lang), key="s2st_timelapse")
    series = sl.alignment_series(view.frames, layer, head, task)
    if series is None:
        st.caption(T("no_alignment"))
        return
    best_layer, best, score = sl.best_head(view.frames[-1].data["cross"], task)
    st.caption(T("best_head", step=view.frames[-1].step, layer=best_layer + 1, head=best + 1, score=score))
    page.chart(sl.alignment_figure(series, layer, head, lang), key="s2st_align")


def train_section(settings: sl.Settings, problems: list[str]) -> None:
    st.header(T("h_train"))

    def start_run() -> None:
        if problems:
            s.s2st_start_error = T("fix_first")
            return
        try:
            config = sl.train_config(settings)
        except ConfigError as err:
            s.s2st_start_error = T("start_failed", message=str(err))
            return
        panel.start(KIND, config, lang, capture=sl.capture, checkpoints=sl.CHECKPOINTS)

    if s.get("s2st_start_error"):
        st.error(s.pop("s2st_start_error"))
    panel.controls(KIND, lang, start_run)
    run = panel.current(KIND)
    if run is not None:
        c = run.config
        st.caption(T("run_of", task=T(f"task_{c.seq2seq_task}"), layers=c.model["n_layers"], d=c.model["d_model"],
                     h=c.model["n_heads"], steps=c.steps))
    panel.live(KIND, "seq2seq", lang, extra=lambda view: cross_section(run, view))


def decoded(view) -> list[sl.Decoded]:
    """Greedy decodes of five held-out sources, computed once per checkpoint."""
    key = (str(view.checkpoint), view.checkpoint_step)
    if s.get("s2st_decoded_key") != key:
        s.s2st_decoded = sl.decode_examples(view.checkpoint, view.info["held_out_examples"][:5])
        s.s2st_decoded_key = key
    return s.s2st_decoded


def results_section(run, view) -> None:
    if view.checkpoint is None or view.status in ACTIVE or not view.info.get("held_out_examples"):
        return
    st.header(T("h_results"))
    last = view.evaluations[-1] if view.evaluations else {}
    if "exact_match" in last:
        n = min(view.info["eval_pairs"], run.config.eval_batches * run.config.batch_size)
        st.metric(T("exact"), f"{last['exact_match']:.1%}", help=T("exact_help", n=n, step=last["step"]))
    try:
        rows = sl.decode_rows(decoded(view), lang)
    except CheckpointError as err:
        st.error(T("decode_failed", message=str(err)))
        return
    st.caption(T("decodes"))
    st.dataframe(rows, hide_index=True)


def explore_section(run, view) -> None:
    if view.checkpoint is None or view.status in ACTIVE:
        return
    task = run.config.seq2seq_task
    st.header(T("h_explore"))
    st.write(T("explore_help"))
    panel.save_box(KIND, lang, T("default_label", task=T(f"task_{task}")), "zh" if task.endswith("-zh") else "en")
    saved = panel.saved_source(KIND)
    examples = view.info.get("held_out_examples") or [("", "")]
    if saved is not None and st.button(T("open"), key="s2st_open", type="primary"):
        s.update(sl.explorer_state(saved.key, examples[0][0]))
        st.switch_page("views/seq2seq.py")


def main() -> None:
    page.header(T("title"), T("intro"))
    page.formula(r"\mathrm{CrossAttention}(i, j) = \mathrm{softmax}_j\!\Big(\frac{q^{\text{dec}}_i \cdot "
                 r"k^{\text{enc}}_j}{\sqrt{d_k}}\Big)", T("formula_caption"))
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
