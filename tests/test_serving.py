"""Pages first (ui/studio/serving.py): a training step waits while a page runs, never longer than its cap."""
import threading
import time

from ui.studio import serving


def test_no_page_running_no_wait():
    assert serving.pages_running() == 0
    assert serving.wait_for_pages(1.0) < 0.05


def test_a_step_waits_for_the_page_then_goes():
    waited = []
    with serving.page_run():
        assert serving.pages_running() == 1
        worker = threading.Thread(target=lambda: waited.append(serving.wait_for_pages(5.0)))
        worker.start()
        time.sleep(0.3)
        assert worker.is_alive()                                  # still waiting: the page is running
    worker.join(2.0)
    assert not worker.is_alive() and 0.25 <= waited[0] < 2.0
    assert serving.pages_running() == 0


def test_a_busy_class_slows_training_but_never_stops_it():
    with serving.page_run():
        assert 0.2 <= serving.wait_for_pages(0.2) < 1.0


def test_a_failing_page_still_counts_down():
    try:
        with serving.page_run():
            raise ValueError("the page broke")
    except ValueError:
        pass
    assert serving.pages_running() == 0


def test_a_training_thread_runs_below_the_pages():
    import os
    import sys

    import pytest

    from ui.studio.serving import TRAIN_NICE, lower_priority
    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread nice values are Linux's")
    seen = {}

    def worker():
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        seen["lowered"] = lower_priority()
        seen["by"] = os.getpriority(os.PRIO_PROCESS, tid) - before
    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["lowered"]
    assert seen["by"] == min(TRAIN_NICE, 19 - main_before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before   # the pages' thread kept its own


def test_a_page_shares_cores_on_one_thread_and_uses_all_when_alone():
    assert serving.page_threads(others=0, load=0.2, cores=2) == 2
    assert serving.page_threads(others=0, load=0.2, cores=16) == 16
    assert serving.page_threads(others=1, load=0.2, cores=2) == 1          # another session's page is running
    assert serving.page_threads(others=0, load=2.3, cores=2) == 1          # training, browsers: cores are busy


def test_a_page_run_sets_its_threads_and_gives_them_back(monkeypatch):
    import torch
    before = torch.get_num_threads()
    monkeypatch.setattr(serving.os, "getloadavg", lambda: (9.0, 9.0, 9.0))   # a busy machine
    seen = []
    with serving.page_run():
        seen.append(torch.get_num_threads())
    assert seen == [1] and torch.get_num_threads() == before
