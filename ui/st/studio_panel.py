"""Streamlit glue shared by the three studio pages: the session's workspace and runs, the run controls,
the live panel (a fragment that re-reads the run every two seconds), and saving a trained model.

What belongs to whom: the ``Workspace`` and every ``LiveRun`` live in this browser session's
``st.session_state`` only, so two learners never see each other's model, curves or files.
"""
from __future__ import annotations

import re

import streamlit as st

from ui.i18n import tr
from ui.models import CLASSIFIER
from ui.st import page, session

from ..studio import figures as fg
from ..studio import speed
from ..studio.file_errors import explain
from ..studio.live import ACTIVE, FINISHED, Busy, LiveRun
from ..studio.saving import clean_label, export_model, zip_bytes
from ..studio.workspace import Workspace

RUNS, WORKSPACE, SAVED = "studio_runs", "studio_workspace", "studio_saved"
REFRESH_S = 2.0                        # the live panel re-reads the run this often while it trains (the
#                                        browser redraws the charts each time: on a 2-core laptop that cost
#                                        training speed at 1 s)

TEXT = {
    "start": {"en": "▶ Start training", "zh": "▶ 开始训练"},
    "pause": {"en": "❚❚ Pause", "zh": "❚❚ 暂停"},
    "resume": {"en": "▶ Resume", "zh": "▶ 继续"},
    "stop": {"en": "■ Stop", "zh": "■ 停止"},
    "restart": {"en": "Start a new run (the current one is discarded)", "zh": "重新开始（丢弃当前这次训练）"},
    "preparing": {"en": "Preparing the data and the model …", "zh": "正在准备数据和模型……"},
    "running": {"en": "Training", "zh": "训练中"},
    "paused": {"en": "Paused", "zh": "已暂停"},
    "paused_tab": {"en": "Paused because this tab lost its connection. Press Resume to go on.",
                   "zh": "由于此标签页断开了连接，训练已暂停。按“继续”接着训练。"},
    "done": {"en": "Finished: {step} steps.", "zh": "完成：共 {step} 步。"},
    "stopped": {"en": "Stopped after {step} steps; the model so far is saved.",
                "zh": "已在第 {step} 步停止；目前的模型已保存。"},
    "error": {"en": "Training stopped with a problem:", "zh": "训练因问题而停止："},
    "kept": {"en": "The last good checkpoint (step {step}) is kept and can still be saved and explored.",
             "zh": "最后一个正常的检查点（第 {step} 步）已保留，仍然可以保存和查看。"},
    "nothing_kept": {"en": "No checkpoint had been written yet.", "zh": "还没有写入任何检查点。"},
    "busy": {"en": "The server is busy: {detail}", "zh": "服务器正忙：已有其他训练在占用处理器。请等其中一个结束，"
                                                      "或暂停你的训练后再试。"},
    "save_title": {"en": "Save the model", "zh": "保存模型"},
    "save_name": {"en": "Name in the model picker", "zh": "在模型选择器中的名称"},
    "save": {"en": "Add to the model picker", "zh": "加入模型选择器"},
    "saved": {"en": "“{label}” is now in the sidebar's model picker, and selected: every explorer page shows it.",
              "zh": "“{label}”已加入侧边栏的模型选择器并被选中：每个探索页面都会显示它。"},
    "saved_classifier": {
        "en": "“{label}” is now in the sidebar's model picker, and selected there and on the Sentiment page: the "
              "explorer pages show it (a page that needs a masked-LM head says which model it uses instead).",
        "zh": "“{label}”已加入侧边栏的模型选择器，并在侧边栏和“情感分类”页面中被选中：各探索页面都会显示它"
              "（需要掩码语言模型头的页面会说明改用了哪个模型）。"},
    "saved_s2s": {"en": "“{label}” is now in the model list of the Encoder-decoder page (the sidebar lists BERTs).",
                  "zh": "“{label}”已加入“编码器-解码器”页面的模型列表（侧边栏只列出 BERT 模型）。"},
    "download": {"en": "⬇ Download (zip, Hugging Face layout)", "zh": "⬇ 下载（zip，Hugging Face 格式）"},
    "notes": {"en": "Note", "zh": "注意"},
}


# ── what this session owns ───────────────────────────────────────────────────────────────────────────

def workspace() -> Workspace:
    """This session's private folder (created on first use, deleted with the session)."""
    ws = st.session_state.get(WORKSPACE)
    if ws is None or ws.closed:
        ws = st.session_state[WORKSPACE] = Workspace()
    return ws


def kept(key: str, default) -> str:
    """A widget key whose value survives page changes (``keep_…``, re-owned by session.init_state);
    the default goes into session state, not into the widget, so Streamlit sees one source of truth."""
    st.session_state.setdefault(key, default)
    return key


def alive_check():
    """A function the worker calls between steps: is this browser tab still connected?"""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    session_id = ctx.session_id if ctx is not None else None

    def alive() -> bool:
        if session_id is None or not runtime.exists():
            return True                                # AppTest or a bare script: no connection to lose
        return runtime.get_instance().is_active_session(session_id)
    return alive


def current(kind: str) -> LiveRun | None:
    return st.session_state.get(RUNS, {}).get(kind)


def start(kind: str, config, lang: str, capture=None, checkpoints: int = 10) -> LiveRun | None:
    """Replace this session's ``kind`` run by a new one and start it (the old one is stopped and freed)."""
    runs = st.session_state.setdefault(RUNS, {})
    old = runs.pop(kind, None)
    if old is not None:
        old.stop()
    run = LiveRun(config, workspace().new_folder("run"), capture=capture, checkpoints=checkpoints,
                  alive=alive_check())
    try:
        run.start()
    except Busy as err:                                # shown by controls() after the rerun that follows
        st.session_state[f"{kind}_busy"] = tr(TEXT, "busy", lang, detail=str(err))
        return None
    runs[kind] = run
    st.session_state.pop(f"{SAVED}_{kind}", None)
    return run


# ── controls and the live panel ─────────────────────────────────────────────────────────────────────

def controls(kind: str, lang: str, start_run) -> None:
    """Start (``start_run()`` builds the config and calls ``start``), pause / resume, stop."""
    run = current(kind)
    status = run.view().status if run else None
    if f"{kind}_busy" in st.session_state:
        st.error(st.session_state.pop(f"{kind}_busy"))
    cols = st.columns(3)
    label = "start" if status is None or status in FINISHED else "restart"
    if cols[0].button(tr(TEXT, label, lang), key=f"{kind}_start", type="primary" if status is None else "secondary"):
        start_run()
        st.rerun()
    if status in ACTIVE and cols[1].button(tr(TEXT, "pause", lang), key=f"{kind}_pause"):
        run.pause(wait=5)
        st.rerun()
    if status == "paused" and cols[1].button(tr(TEXT, "resume", lang), key=f"{kind}_resume"):
        try:
            run.resume()
        except Busy as err:
            st.session_state[f"{kind}_busy"] = tr(TEXT, "busy", lang, detail=str(err))
        st.rerun()
    if status in (*ACTIVE, "paused") and cols[2].button(tr(TEXT, "stop", lang), key=f"{kind}_stop"):
        run.stop()
        run.join(timeout=30)
        st.rerun()


def live(kind: str, task: str, lang: str, extra=None) -> None:
    """Progress and curves, redrawn every two seconds while the run trains; ``extra(view)`` draws more."""
    run = current(kind)
    if run is None:
        return
    polling = run.view().status in ACTIVE

    @st.fragment(run_every=REFRESH_S if polling else None)
    def panel() -> None:
        view = run.view()
        status_line(view, lang)
        if view.history:
            p = fg.progress(view.history, view.total, view.step_times)
            st.progress(min(1.0, view.step / view.total), text=fg.progress_line(p, lang, view.status))
            speed.record(kind, st.session_state.get(f"{kind}_step_estimate"), p.elapsed_s / max(p.step, 1), p.step)
        page.chart(fg.curves(view.history, view.evaluations, task, lang), key=f"{kind}_curves")
        if extra is not None:
            extra(view)
        if polling and view.status not in ACTIVE:
            st.rerun(scope="app")                      # finished or paused: redraw the page's result sections
    panel()


def status_line(view, lang: str) -> None:
    if view.status == "preparing":
        st.info(tr(TEXT, "preparing", lang))
    elif view.status == "paused":
        st.warning(tr(TEXT, "paused_tab", lang) if view.message == "tab" else tr(TEXT, "paused", lang))
    elif view.status == "done":
        st.success(tr(TEXT, "done", lang, step=view.step))
    elif view.status == "stopped":
        st.info(tr(TEXT, "stopped", lang, step=view.step))
    elif view.status == "error":
        kept = (tr(TEXT, "kept", lang, step=view.checkpoint_step)
                if view.checkpoint else tr(TEXT, "nothing_kept", lang))
        message = explain(view.message, lang) if view.error == "data" else view.message
        st.error(f"{tr(TEXT, 'error', lang)} {message}\n\n{kept}")
    for note in view.notes:
        st.caption(f"{tr(TEXT, 'notes', lang)}: {note.removeprefix('note: ')}")


# ── saving ───────────────────────────────────────────────────────────────────────────────────────────

def save_box(kind: str, lang: str, default_label: str, model_lang: str) -> None:
    """Name the model, add it to the picker, download it; only once a checkpoint exists."""
    run = current(kind)
    view = run.view() if run else None
    if view is None or view.checkpoint is None or view.status in ACTIVE:
        return
    st.subheader(tr(TEXT, "save_title", lang))
    this = (str(view.checkpoint), view.checkpoint_step)
    saved = st.session_state.get(f"{SAVED}_{kind}")
    name = st.text_input(tr(TEXT, "save_name", lang), value=default_label, key=f"{kind}_save_name", max_chars=60)
    label = clean_label(name, default_label)
    if st.button(tr(TEXT, "save", lang), key=f"{kind}_save"):
        if saved is None or saved[0] != this or saved[1].label != label:    # the same model twice: one entry
            source = export_model(view.checkpoint, workspace().new_folder("model"), label, model_lang)
            session.register_session_model(source)
            st.session_state[f"{SAVED}_{kind}"] = (this, source)
            if source.is_encoder:
                st.session_state["pending_model"] = source.key     # the sidebar's picker selects it
        st.rerun()                                     # the sidebar's picker is drawn before this page: redraw
    if saved is not None:
        source = saved[1]
        where = saved_message(source)
        st.success(tr(TEXT, where, lang, label=source.label))
        st.download_button(tr(TEXT, "download", lang), data=zip_bytes(source.folder),
                           file_name=f"{zip_name(source.label, kind)}.zip", mime="application/zip",
                           key=f"{kind}_download")


def saved_message(source) -> str:
    """Which "saved" message is true: a classifier is also selected on the Sentiment page."""
    if not source.is_encoder:
        return "saved_s2s"
    return "saved_classifier" if source.architecture == CLASSIFIER else "saved"


def saved_source(kind: str):
    """The model this session last saved from the ``kind`` page (a ModelSource), or None."""
    saved = st.session_state.get(f"{SAVED}_{kind}")
    return saved[1] if saved else None


def zip_name(label: str, fallback: str) -> str:
    """A file name from the model's label: letters, digits, - and _ only (never a path)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-")[:40] or f"{fallback}-model"
