"""How fast this machine trains *now*. A run's estimate before it starts comes from a probe (pretraining) or a
cost per token (fine-tuning); both were far off on a busy machine (41 s estimated, 285 s taken). So:

- every run records, in this process, how its measured seconds per step compare with its estimate, and the
  next estimate of that kind is scaled by that factor ("measured on this machine");
- a busy machine (load above the cores it has) is said plainly, next to the estimate;
- while a run trains, its time left comes from its own wall clock (ui/studio/figures.progress), every 2 s.

Pure functions over a small process-wide table; no Streamlit.
"""
from __future__ import annotations

import os
import threading

from ..i18n import Scope

MIN_STEPS = 10                   # a run's speed is trusted after this many steps
_FACTORS: dict[str, float] = {}  # kind → measured / estimated seconds per step, latest run of that kind
_LOCK = threading.Lock()

TEXT = Scope("speed")


def record(kind: str, estimated_step_s: float | None, measured_step_s: float | None, steps: int) -> None:
    """Remember how a run's real step time compares with what was estimated for it (after MIN_STEPS steps)."""
    if not estimated_step_s or not measured_step_s or steps < MIN_STEPS or estimated_step_s <= 0:
        return
    with _LOCK:
        _FACTORS[kind] = measured_step_s / estimated_step_s


def factor(kind: str) -> float | None:
    """measured / estimated of the latest run of this kind in this process, or None."""
    with _LOCK:
        return _FACTORS.get(kind)


def calibrated(kind: str, estimated_s: float) -> float:
    """An estimate (seconds) scaled by what this machine really did last time."""
    return estimated_s * (factor(kind) or 1.0)


def note(kind: str, lang: str) -> str:
    """"scaled by the speed measured …" when a measured factor exists, else ""."""
    found = factor(kind)
    if found is None:
        return ""
    return TEXT("measured", lang, kind=TEXT(f"kind_{kind}", lang), factor=found)


def load(cores: int | None = None) -> tuple[float, int]:
    """(1-minute load average, cores); load 0 where the system cannot say."""
    try:
        now = os.getloadavg()[0]
    except (OSError, AttributeError):
        now = 0.0
    return now, cores or os.cpu_count() or 1


def busy_message(lang: str, now: float | None = None, cores: int | None = None) -> str | None:
    """A message when more is running than the machine has cores for, else None."""
    found, cores = load(cores)
    now = found if now is None else now
    if now <= cores:
        return None
    return TEXT("busy", lang, load=now, cores=cores)
