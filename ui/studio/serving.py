"""Pages first: a training thread runs below the pages' priority, and each step waits while pages run.

Why: the app is one Python process, so every page run and every studio run share one interpreter lock.
A training step on a small model is mostly Python between short kernels; while two runs train, each page
run waits for the lock between its own lines (bench/classroom_load.py, 6 learners and one run on a busy
machine: pages answered in 13.9 s at the median before this module, 4.3 s after). Letting each step wait
until no page is running (at most ``MAX_WAIT_S``, so a busy class slows training down but never stops it)
gives the learners' clicks the interpreter first. The live panel's own refreshes (fragments) do not count
as page runs, so a run never waits for its own progress line.
"""
from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager

TRAIN_NICE = 10           # how much lower than the pages a training thread runs (Linux nice levels)
RUN_LOG = "ATTENTION_LAB_RUN_LOG"   # env: a file that gets one JSON line per page run (bench/classroom_load.py)
MAX_WAIT_S = 2.0          # the longest one training step waits for pages; then it runs anyway
_running = 0              # page runs in progress, all sessions together
_changed = threading.Condition()


def page_threads(others: int, load: float, cores: int) -> int:
    """OpenMP threads for one page run: every core when the page has the machine to itself, one when it shares.

    Why: PyTorch's threads wait for each other at every operation, so a two-thread kernel on two cores that
    something else keeps busy waits for a descheduled thread each time. Measured on this project's 2-core
    machine with two other processes training: loading minilm-mlm-en took 1.0 s on one thread and 3.6 s on two
    (its NaN check 0.18 s vs 1.8 s). ``others``: page runs in progress besides this one; ``load``: the 1-minute
    load average (training threads, other sessions, browsers on the same machine all count)."""
    return cores if others == 0 and load < cores - 0.5 else 1


@contextmanager
def page_run():
    """Around one whole page run (app.py's, through ui/st/failsafe.run): counted, so training steps wait, and
    given as many CPU threads as it can use without waiting for other work (``page_threads``)."""
    import torch  # the app imports it anyway; here only to set this thread's count
    global _running
    with _changed:
        _running += 1
        others = _running - 1
    before = torch.get_num_threads()
    cores = os.cpu_count() or 1
    torch.set_num_threads(page_threads(others, os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0, cores))
    try:
        yield
    finally:
        torch.set_num_threads(before)              # per thread: Streamlit reuses it for the next run
        with _changed:
            _running -= 1
            _changed.notify_all()


def pages_running() -> int:
    return _running


def wait_for_pages(max_wait: float = MAX_WAIT_S) -> float:
    """Block until no page run is in progress, or ``max_wait`` seconds; returns the seconds waited."""
    start = time.monotonic()
    with _changed:
        _changed.wait_for(lambda: _running == 0, timeout=max_wait)
    return time.monotonic() - start


def lower_priority(by: int = TRAIN_NICE) -> bool:
    """Run the calling thread ``by`` nice levels below the server's pages: a learner's click must not wait
    for someone else's training. Linux gives each thread its own nice value (OpenMP threads started from
    this one inherit it); elsewhere this does nothing and returns False."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + by))
        return True
    except OSError:
        return False


def log_run(page: str, seconds: float) -> None:
    """When ``ATTENTION_LAB_RUN_LOG`` names a file, append ``{"page", "s", "busy"}`` for one page run: the server's
    own time for it, which a load test cannot read from browsers that share the server's cores."""
    path = os.environ.get(RUN_LOG)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"page": page, "s": round(seconds, 4), "busy": _running}) + "\n")
