"""Streamlit glue shared by the three studio pages: the session's workspace and runs, the run controls,
the live panel (a fragment that re-reads the run every two seconds), and saving a trained model.

What belongs to whom: the ``Workspace`` and every ``LiveRun`` live in this browser session's
``st.session_state`` only, so two learners never see each other's model, curves or files.
"""
from __future__ import annotations

import re

import streamlit as st

from transformer_core.errors import LabError
from transformer_core.kinds import CLASSIFY
from ui.st import failsafe, page, session, session_end
from ui.st.keys import Namespace

from ..i18n import Scope, error_text
from ..studio import figures as fg
from ..studio import speed
from ..studio.live import ACTIVE, FINISHED, Busy, LiveRun
from ..studio.saving import clean_label, export_model, zip_bytes
from ..studio.workspace import Workspace

RUNS, WORKSPACE = "studio.runs", "studio.workspace"     # session keys: {kind: LiveRun}, this session's folder
REFRESH_S = 2.0                        # the live panel re-reads the run this often while it trains (the
#                                        browser redraws the charts each time: on a 2-core laptop that cost
#                                        training speed at 1 s)

TEXT = Scope("studio")


# ── what this session owns ───────────────────────────────────────────────────────────────────────────

def workspace() -> Workspace:
    """This session's private folder (created on first use, deleted when the session ends: session_end)."""
    ws = st.session_state.get(WORKSPACE)
    if ws is None or ws.closed:
        ws = st.session_state[WORKSPACE] = Workspace()
        session_end.own(ws)
    return ws


def mine(kind: str) -> Namespace:
    """The session keys of one studio page and its run ("studio.pretrain.…"): what the page keeps, plus the
    panel's own — ``busy`` (a refusal to show), ``saved`` (the last saved model), ``step_estimate`` (seconds
    per step the page predicted, which the live panel compares with the run's)."""
    return Namespace(f"studio.{kind}")


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
        mine(kind).busy = TEXT("busy", lang, n=err.running)
        return None
    runs[kind] = run
    session_end.own(run)                               # stopped and freed when this session ends
    mine(kind).pop("saved", None)
    return run


# ── controls and the live panel ─────────────────────────────────────────────────────────────────────

def form_controls(kind: str, lang: str, problems: list[str], make_config, say, **start_with) -> None:
    """``controls`` for a page whose run comes from a settings form: Start begins a run only when the form has
    no problem (``problems``) and ``make_config()`` gives a valid TrainConfig; otherwise the learner reads why
    (``say("fix_first")`` / ``say("start_failed", message=…)``, in the page's own words)."""
    def start_run() -> None:
        if problems:
            mine(kind).start_error = say("fix_first")
            return
        try:
            config = make_config()
        except LabError as err:
            mine(kind).start_error = say("start_failed", message=error_text(err, lang))
            return
        start(kind, config, lang, **start_with)

    if mine(kind).get("start_error"):
        st.error(mine(kind).pop("start_error"))
    controls(kind, lang, start_run)


def controls(kind: str, lang: str, start_run) -> None:
    """Start (``start_run()`` builds the config and calls ``start``), pause / resume, stop."""
    run = current(kind)
    status = run.view().status if run else None
    if "busy" in mine(kind):
        st.error(mine(kind).pop("busy"))
    cols = st.columns(3)
    label = "start" if status is None or status in FINISHED else "restart"
    if cols[0].button(TEXT(label, lang), key=f"{kind}_start", type="primary" if status is None else "secondary"):
        start_run()
        st.rerun()
    if status in ACTIVE and cols[1].button(TEXT("pause", lang), key=f"{kind}_pause"):
        run.pause(wait=5)
        st.rerun()
    if status == "paused" and cols[1].button(TEXT("resume", lang), key=f"{kind}_resume"):
        try:
            run.resume()
        except Busy as err:
            mine(kind).busy = TEXT("busy", lang, n=err.running)
        st.rerun()
    if status in (*ACTIVE, "paused") and cols[2].button(TEXT("stop", lang), key=f"{kind}_stop"):
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
        failsafe.run(draw)                             # a fragment's own reruns happen outside app.py's net

    def draw() -> None:
        view = run.view()
        status_line(view, lang)
        if view.history:
            p = fg.progress(view.history, view.total, view.step_times)
            st.progress(min(1.0, view.step / view.total), text=fg.progress_line(p, lang, view.status))
            speed.record(kind, mine(kind).get("step_estimate"), p.elapsed_s / max(p.step, 1), p.step)
        page.chart(fg.curves(view.history, view.evaluations, task, lang), key=f"{kind}_curves")
        if extra is not None:
            extra(view)
        if polling and view.status not in ACTIVE:
            st.rerun(scope="app")                      # finished or paused: redraw the page's result sections
    panel()


def status_line(view, lang: str) -> None:
    if view.status == "preparing":
        st.info(TEXT("preparing", lang))
    elif view.status == "paused":
        st.warning(TEXT("paused_tab", lang) if view.message == "tab" else TEXT("paused", lang))
    elif view.status == "done":
        st.success(TEXT("done", lang, step=view.step))
    elif view.status == "stopped":
        st.info(TEXT("stopped", lang, step=view.step))
    elif view.status == "error":
        kept = (TEXT("kept", lang, step=view.checkpoint_step)
                if view.checkpoint else TEXT("nothing_kept", lang))
        message = error_text(view.failure, lang) if getattr(view.failure, "key", None) else view.message
        st.error(f"{TEXT('error', lang)} {message}\n\n{kept}")
    for note in view.notes:
        st.caption(f"{TEXT('notes', lang)}: {note.removeprefix('note: ')}")


# ── saving ───────────────────────────────────────────────────────────────────────────────────────────

def save_box(kind: str, lang: str, default_label: str, model_lang: str) -> None:
    """Name the model, add it to the picker, download it; only once a checkpoint exists."""
    run = current(kind)
    view = run.view() if run else None
    if view is None or view.checkpoint is None or view.status in ACTIVE:
        return
    st.subheader(TEXT("save_title", lang))
    this = (str(view.checkpoint), view.checkpoint_step)
    saved = mine(kind).get("saved")
    name = st.text_input(TEXT("save_name", lang), value=default_label, key=f"{kind}_save_name", max_chars=60)
    label = clean_label(name, default_label)
    if st.button(TEXT("save", lang), key=f"{kind}_save"):
        if saved is None or saved[0] != this or saved[1].label != label:    # the same model twice: one entry
            source = export_model(view.checkpoint, workspace().new_folder("model"), label, model_lang)
            session.register_session_model(source)
            mine(kind).saved = (this, source)
            if source.is_encoder:
                st.session_state[session.PENDING_MODEL] = source.key   # the sidebar's picker selects it
        st.rerun()                                     # the sidebar's picker is drawn before this page: redraw
    if saved is not None:
        source = saved[1]
        where = saved_message(source)
        st.success(TEXT(where, lang, label=source.label))
        st.download_button(TEXT("download", lang), data=zip_bytes(source.folder),
                           file_name=f"{zip_name(source.label, kind)}.zip", mime="application/zip",
                           key=f"{kind}_download")


def saved_message(source) -> str:
    """Which "saved" message is true: a classifier is also selected on the Sentiment page."""
    if not source.is_encoder:
        return "saved_s2s"
    return "saved_classifier" if source.can(CLASSIFY) else "saved"


def saved_source(kind: str):
    """The model this session last saved from the ``kind`` page (a ModelSource), or None."""
    saved = mine(kind).get("saved")
    return saved[1] if saved else None


def zip_name(label: str, fallback: str) -> str:
    """A file name from the model's label: letters, digits, - and _ only (never a path)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-")[:40] or f"{fallback}-model"
