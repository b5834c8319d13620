"""Train a Vision Transformer, live: patch size, depth, heads → train on the 8 × 8 digits while [CLS] learns
where to look → held-out accuracy per digit, beside the shipped vit-digits → download the model.

Thin page: widgets and layout. The logic lives in ui/studio/vision_live.py; the run itself is a LiveRun owned
by this browser session (ui/st/studio_panel.py), training the core's "vision" task.
"""
from __future__ import annotations

import streamlit as st
import torch

from ui.i18n import TERMS
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.widgets import kept
from ui.studio import figures as fg
from ui.studio import speed
from ui.studio import vision_live as vl
from ui.studio.live import ACTIVE
from ui.studio.saving import zip_bytes

KIND = "vision"
DEFAULTS = vl.DEFAULTS
lang = session.lang()
state = st.session_state
mine = panel.mine(KIND)                   # this page's own session keys


def say(key: str, **values) -> str:
    return vl.TEXT(key, lang, **values)


def number(container, name: str, step=1):
    lo, hi = vl.LIMITS[name]
    return int(kept(container.number_input, say(name), lo, hi, step=step, key=f"keep_vit_{name}",
                    default=DEFAULTS[name]))


def settings_section() -> tuple[vl.Settings, list[str]]:
    st.header(say("h_settings"))
    cols = st.columns(4)
    patch = kept(cols[0].selectbox, say("patch"), key="keep_vit_patch", default=DEFAULTS["patch"],
                 options=list(vl.PATCHES), format_func=lambda p: say("patch_option", p=p, n=vl.tokens(p)),
                 help=say("patch_help"))
    layers = number(cols[1], "layers")
    heads = kept(cols[2].selectbox, TERMS("heads", lang), key="keep_vit_heads", default=DEFAULTS["heads"],
                 options=list(vl.HEADS))
    d_model = number(cols[3], "d_model", step=16)
    cols = st.columns(4)
    steps, batch_size = number(cols[0], "steps", step=50), number(cols[1], "batch_size", step=8)
    lr = kept(cols[2].select_slider, TERMS("lr", lang), key="keep_vit_lr", default=DEFAULTS["lr"],
              options=list(vl.LRS), format_func=lambda x: f"{x:g}")
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    device = kept(cols[3].selectbox, TERMS("device", lang), key="keep_vit_device", default="cpu", options=devices,
                  format_func=lambda d: TERMS(f"dev_{d}", lang))
    settings = vl.Settings(patch, layers, heads, d_model, steps, batch_size, lr, device)
    problems = vl.validate(settings, lang, devices)
    for problem in problems:
        st.warning(problem)
    if not problems:
        cols = st.columns(2)
        cols[0].metric(TERMS("params", lang), f"{vl.parameter_count(settings):,}")
        cols[1].metric(say("sequence"), f"{vl.tokens(patch) + 1}", help=say("sequence_help", n=vl.tokens(patch)))
    if patch == 8:
        st.info(say("patch_8"))
    st.caption(say("defaults_note"))
    busy = speed.busy_message(lang)
    if busy:
        st.caption(busy)
    return settings, problems


def attention_section(view) -> None:
    """Drawn inside the live panel: where [CLS] looks on the probe digits, at the latest checkpoint (or, once
    the run has ended, at any checkpoint)."""
    st.subheader(say("h_attention"))
    st.caption(say("attention_help"))
    if not view.frames:
        st.caption(say("no_frames"))
        return
    last = view.frames[-1].data
    n_layers, n_heads = last["cls"].shape[1:3]
    cols = st.columns(3)
    layer = kept(cols[0].selectbox, TERMS("layer", lang), key="keep_vit_layer", default=n_layers - 1,
                 options=list(range(n_layers)), format_func=lambda i: f"{i + 1}")
    head = kept(cols[1].selectbox, TERMS("head", lang), key="keep_vit_head", default=vl.MEAN,
                options=[vl.MEAN, *range(n_heads)],
                format_func=lambda h: say("mean_heads") if h == vl.MEAN else f"{h + 1}")
    frame = view.frames[-1]
    if view.status not in ACTIVE and len(view.frames) > 1:
        steps = [f.step for f in view.frames]
        picked = cols[2].select_slider(say("at_step"), options=steps, value=steps[-1], key="vit_frame_step")
        frame = next(f for f in view.frames if f.step == picked)
    page.chart(vl.attention_figure(frame.data, frame.step, layer, head, lang), key="vit_attention")
    first = view.frames[0].data
    st.caption(say("spread", step0=f"{vl.spread(first, layer):.0%}", step=frame.step,
                   now=f"{vl.spread(frame.data, layer):.0%}", n=vl.tokens(frame.data["patch"])))


def train_section(settings: vl.Settings, problems: list[str]) -> None:
    st.header(say("h_train"))

    panel.form_controls(KIND, lang, problems, lambda: vl.train_config(settings), say, capture=vl.capture,
                        checkpoints=vl.CHECKPOINTS)
    run = panel.current(KIND)
    if run is not None:
        model = run.config.model
        st.caption(say("run_of", patch=model["patch_size"], layers=model["n_layers"], h=model["n_heads"],
                       d=model["d_model"], steps=run.config.steps))
    panel.live(KIND, "vision", lang, extra=attention_section)


def results_section(run, view) -> None:
    if not view.evaluations or view.status in ACTIVE:
        return
    st.header(say("h_results"))
    last = view.evaluations[-1]
    cols = st.columns(2)
    cols[0].metric(say("held_out"), f"{last['accuracy']:.1%}",
                   help=say("held_out_help", n=view.info.get("eval_images", 0), step=last["step"]))
    cols[1].metric(say("macro_f1"), f"{last['macro_f1']:.3f}", help=say("macro_f1_help"))
    shipped = vl.shipped()
    if shipped is not None:
        st.info(vl.comparison(last["accuracy"], last["step"], shipped, lang))
    matrix = vl.confusion(last)
    st.caption(say("weakest", digits=", ".join(f"{d} ({share:.0%})" for d, share in vl.weakest(matrix))))
    page.chart(fg.confusion_figure(matrix, [str(d) for d in range(10)], lang), key="vit_confusion")


def download_section(view) -> None:
    if view.checkpoint is None or view.status in ACTIVE:
        return
    st.subheader(say("h_download"))
    st.caption(say("download_help", step=view.checkpoint_step))
    st.download_button(say("download"), data=zip_bytes(view.checkpoint), file_name="vit-studio.zip",
                       mime="application/zip", key="vit_download")


def main() -> None:
    page.header(say("title"), say("intro"))
    page.formula(r"a_{\mathrm{CLS},n} = \mathrm{softmax}_n\!\Big(\frac{q_{\mathrm{CLS}} \cdot k_n}{\sqrt{d_k}}\Big),"
                 r"\qquad \hat y = \mathrm{softmax}(W_c\,\mathrm{LN}(z_L)_{\mathrm{CLS}})", say("formula_caption"))
    settings, problems = settings_section()
    train_section(settings, problems)
    run = panel.current(KIND)
    if run is not None:
        view = run.view()
        results_section(run, view)
        download_section(view)
    page.show_code(vl.capture, vl.attention_figure, lang=lang)


main()
