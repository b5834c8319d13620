"""Closed tabs free what they own soon after their session ends (issue 18.11): the workspace folder is deleted
and a training run stopped within Streamlit's reconnect window (``server.disconnectedSessionTTL``) plus two
polls, never before it. The rules with a fake clock; then a real server and browser with a 2-second TTL."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM, _free_port, server_answers
from test_studio_live import config

from ui.st import session_end
from ui.studio.live import LiveRun, wait_for
from ui.studio.workspace import PREFIX, Workspace

ROOT = Path(__file__).resolve().parents[2]
TTL, POLL = 120.0, 5.0


class Run:
    """Stands for a LiveRun: records its close()."""
    closed = False

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def _registry(monkeypatch):
    monkeypatch.setattr(session_end, "_owned", {})


def test_a_session_is_freed_after_the_reconnect_window_and_not_before(tmp_path):
    ws, run, other = Workspace(tmp_path), Run(), Workspace(tmp_path)
    session_end.register("closed-tab", ws, now=0.0)
    session_end.register("closed-tab", run, now=0.0)
    session_end.register("open-tab", other, now=0.0)
    connected = {"closed-tab", "open-tab"}
    assert session_end.sweep(connected.__contains__, 10.0, TTL, POLL) == []
    connected.discard("closed-tab")                                   # the tab closes soon after 10 s
    assert session_end.sweep(connected.__contains__, 10.0 + TTL, TTL, POLL) == []      # it could still return
    assert ws.path.is_dir() and not run.closed
    assert session_end.sweep(connected.__contains__, 10.0 + TTL + POLL + 0.1, TTL, POLL) == ["closed-tab"]
    assert not ws.path.exists() and run.closed
    assert other.path.is_dir()                                        # a connected session keeps everything
    assert session_end.sweep(lambda sid: False, 1e6, TTL, POLL) == ["open-tab"] and not other.path.exists()


def test_a_session_that_reconnects_keeps_everything(tmp_path):
    ws = Workspace(tmp_path)
    session_end.register("flaky", ws, now=0.0)
    for now in (0.0, 60.0, 100.0):                                    # offline, back at 100 s, then offline
        session_end.sweep(lambda sid, now=now: now == 100.0, now, TTL, POLL)
    assert session_end.sweep(lambda sid: False, 100.0 + TTL, TTL, POLL) == [] and ws.path.is_dir()


def test_nothing_is_kept_alive_by_the_registry(tmp_path):
    ws = Workspace(tmp_path)
    path = ws.path
    session_end.register("gone", ws, now=0.0)
    del ws                                                            # the session was collected first
    assert not path.exists()
    assert session_end.sweep(lambda sid: False, 1e6, TTL, POLL) == ["gone"]


def test_closing_a_run_stops_it_without_a_last_save(tmp_path):
    ws = Workspace(tmp_path)
    run = LiveRun(config(steps=100_000), ws.new_folder("run"), checkpoints=2)
    run.start()
    while run.view().step < 2:
        time.sleep(0.01)
    run.close()
    assert wait_for(run, timeout=5).status == "stopped"
    assert run.view().checkpoint_step == 0                            # only step 0 was saved, no last save
    assert not run.thread.is_alive()
    ws.close()
    assert not ws.path.exists()


# ── a real server: the tab closes, the folder goes ───────────────────────────────────────────────────
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_a_closed_tab_frees_its_workspace_within_the_bound(tmp_path):
    from playwright.sync_api import sync_playwright
    ttl = 2
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}                     # the workspaces go here
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.disconnectedSessionTTL", str(ttl)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        assert server_answers(url), "streamlit did not start"
        folders = lambda: list(tmp_path.glob(f"{PREFIX}*"))             # noqa: E731
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context().new_page()
            page.goto(f"{url}/train-pretrain")                        # trains a tokenizer in its workspace
            deadline = time.monotonic() + 180
            while not folders():
                assert time.monotonic() < deadline, "the studio made no workspace"
                page.wait_for_timeout(250)
            page.wait_for_timeout(1000)
            page.context.close()                                      # the tab closes
            closed = time.monotonic()
            browser.close()
        while folders():
            assert time.monotonic() - closed < ttl + 30, "the workspace outlived its session"
            time.sleep(0.1)
        seconds = time.monotonic() - closed
        print(f"\nworkspace deleted {seconds:.1f} s after the tab closed (TTL {ttl} s, poll {ttl / 4:.1f} s)")
        assert seconds >= ttl * 0.9                                    # not before a reconnect could come
    finally:
        server.terminate()
        server.wait(timeout=10)
