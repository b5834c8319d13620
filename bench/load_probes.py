"""What bench/classroom_load.py watches from outside: a fresh Streamlit server, its memory over time, and
where the CPU went (the server, the browsers, everything else) — read from /proc, no extra dependency."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from common import ROOT

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raise_priority(by: int):
    """For the server's child process: run ahead of the browsers (a class's browsers run on the students' own
    machines, not on the server's cores). Needs root; without it the server keeps the normal priority."""
    def apply() -> None:
        try:
            os.nice(-by)
        except OSError:
            pass
    return apply


def start_server(port: int, priority: int = 0) -> subprocess.Popen:
    """A fresh server on 127.0.0.1 only, ``priority`` nice levels ahead of this process (0: the same); returns
    once its health check answers."""
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1",
                               "--browser.gatherUsageStats", "false"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=open("/tmp/classroom_load_server.log", "w"),
                              preexec_fn=_raise_priority(priority))
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the server did not start: see /tmp/classroom_load_server.log")


def rss(pid: int) -> int:
    """Resident memory of one process, in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


def _cpu(pid: str) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK                 # utime + stime, this process's threads


def cpu_seconds(server_pid: int) -> dict:
    """CPU seconds used so far by the server, by every Chromium process, and by all the rest."""
    out = {"server": 0.0, "browsers": 0.0, "other": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name = open(f"/proc/{pid}/comm").read().strip()
            used = _cpu(pid)
        except OSError:
            continue
        key = "server" if int(pid) == server_pid else "browsers" if name.startswith(("chromium", "chrome")) else "other"
        out[key] += used
    return out


class ServerProbe:
    """Samples the server's RSS every half second in a thread; ``peak`` is the highest sample."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            self._stop.wait(0.5)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def settle_rss(self, seconds: float) -> int:
        """The server's RSS after every tab has closed and ``seconds`` have passed (closed sessions are freed
        after the reconnect window, 120 s, + ≤ 10 s: ui/st/session_end.py)."""
        time.sleep(seconds)
        return rss(self.pid)
