"""What a browser session owns outside its session state — its workspace folder, its training runs — is freed
soon after the session ends (issue 18.11), not whenever Python collects the session.

When a tab closes, Streamlit keeps the disconnected session for ``server.disconnectedSessionTTL`` seconds
(120 by default) so that a tab that lost its connection for a moment can come back to it. After that the
session cannot come back, but Streamlit drops it only lazily (its session store expires entries when it is
next touched) and the objects go only when the garbage collector runs: closed tabs' workspaces were measured
on disk 180–220 s after the close. So each owned object is registered here with its session's id, and one
watcher thread per process checks every ``poll`` seconds which sessions are still connected; the objects
of a session that has been disconnected longer than the TTL are closed (a run stopped, its model freed; a
folder deleted) and freed memory is handed back to the operating system.

Bound: a closed tab's workspace is deleted at most TTL + 2 × poll seconds after the tab closed (120 + 10 s
with Streamlit's default TTL), and not before the TTL (a reconnecting tab finds everything as it left it).
Only weak references are held: an object whose session was collected earlier closed itself then (the
workspace's finalizer), and nothing here keeps a session alive.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

from .runtime import release_memory

LOG = logging.getLogger(__name__)
POLL_S = 5.0                 # the watcher's period (less when the TTL is shorter: a quarter of it)


@dataclass
class _Owned:
    things: list = field(default_factory=list)     # weak references to objects with close(), in order of owning
    last_seen: float = 0.0                         # time.monotonic() when the session was last seen connected


_owned: dict[str, _Owned] = {}
_lock = threading.Lock()
_watcher: threading.Thread | None = None


def own(thing) -> None:
    """Close ``thing`` (anything with a ``close()``) when the browser session running this script ends. Outside
    a served session (AppTest, a bare script) nothing is registered: the object's own lifetime rules."""
    session_id = _current_session()
    if session_id is not None:
        register(session_id, thing, time.monotonic())
        _start_watcher()


def register(session_id: str, thing, now: float) -> None:
    with _lock:
        owned = _owned.setdefault(session_id, _Owned(last_seen=now))
        owned.things.append(weakref.ref(thing))


def ended(last_seen: float, now: float, ttl: float, poll: float) -> bool:
    """Has a session last seen connected at ``last_seen`` certainly ended? Its disconnection happened within one
    poll after ``last_seen``, and Streamlit keeps it for ``ttl`` seconds after that."""
    return now - last_seen > ttl + poll


def sweep(is_active, now: float, ttl: float, poll: float) -> list[str]:
    """Close what the ended sessions own (newest first: a run stops before its folder goes); → their ids."""
    with _lock:
        for session_id, owned in _owned.items():
            if is_active(session_id):
                owned.last_seen = now
        gone = [sid for sid, owned in _owned.items() if ended(owned.last_seen, now, ttl, poll)]
        released = [_owned.pop(sid) for sid in gone]
    for owned in released:
        for ref in reversed(owned.things):
            thing = ref()
            if thing is None:
                continue
            try:
                thing.close()
            except Exception:                    # noqa: BLE001 - one object's failure must not keep the others
                LOG.exception("closing %r of an ended session failed", thing)
    if released:
        gc.collect()                             # the runs' models and optimisers sit in reference cycles
        release_memory()
    return gone


def _current_session() -> str | None:
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None and runtime.exists() else None


def _settings() -> tuple[float, float]:
    from streamlit import config
    ttl = float(config.get_option("server.disconnectedSessionTTL"))
    return ttl, min(POLL_S, max(ttl / 4, 0.1))


def _watch() -> None:
    from streamlit import runtime
    while True:
        ttl, poll = _settings()
        time.sleep(poll)
        if not runtime.exists():
            continue
        try:
            sweep(runtime.get_instance().is_active_session, time.monotonic(), ttl, poll)
        except Exception:                        # noqa: BLE001 - the watcher must outlive any one failure
            LOG.exception("freeing ended sessions failed")


def _start_watcher() -> None:
    global _watcher
    with _lock:
        if _watcher is None or not _watcher.is_alive():
            _watcher = threading.Thread(target=_watch, daemon=True, name="session-end")
            _watcher.start()
