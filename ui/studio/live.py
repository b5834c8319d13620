"""A training run that belongs to one browser session and advances in a background worker thread.

    run = LiveRun(config, workspace.new_folder("run"), capture=…, alive=…)
    run.start()                 # a worker thread builds the data and the model, then trains step by step
    run.pause(); run.resume()   # takes effect between two steps (a step is a fraction of a second)
    run.stop()                  # ends early; the model so far is saved as a checkpoint
    view = run.view()           # a consistent copy for the page: status, curves, checkpoints, frames

Why a thread and not the page's own script run: training then keeps going while the learner looks at
other pages, and the page only *reads* progress every two seconds. PyTorch releases Python's GIL inside its
kernels, so the server stays responsive while a step runs.

Ownership. The run object lives in the session's ``st.session_state`` and nowhere else. The worker holds
only a *weak* reference between steps, so when Streamlit drops a closed tab's session, the run, its model
and optimiser are garbage-collected and the worker ends by itself. While the tab is merely disconnected
(``alive()`` false) the worker pauses instead of burning the CPU for nobody.

Failures (a NaN loss, out of memory, a bad setting found while building) stop the run with a message; the
last good checkpoint stays on disk and usable. Nothing here imports Streamlit.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from transformer_core.config import ConfigError
from transformer_core.errors import DataError, LabError
from transformer_core.train.build import build_parts
from transformer_core.train.config import TrainConfig
from transformer_core.train.trainer import Trainer, TrainingStopped

from . import serving

Status = Literal["preparing", "running", "paused", "done", "stopped", "error"]
FailureKind = Literal["", "nan", "memory", "data", "config", "other"]     # "" while nothing failed
ACTIVE: tuple[Status, ...] = ("preparing", "running")          # statuses that use the CPU
FINISHED: tuple[Status, ...] = ("done", "stopped", "error")
MAX_ACTIVE = int(os.environ.get("ATTENTION_LAB_MAX_RUNS", "2"))   # a small server has few cores to share
MEMORY_WORDS = ("out of memory",                  # CUDA, and torch.OutOfMemoryError's text
                "can't allocate memory",          # the CPU allocator: "DefaultCPUAllocator: can't allocate memory:
                "defaultcpuallocator",            #   you tried to allocate N bytes. Error code 12"
                "cannot allocate memory")         # errno 12 (ENOMEM) from the operating system
_active_runs: weakref.WeakSet = weakref.WeakSet()
_active_lock = threading.Lock()


def worker_threads(active: int) -> int:
    """CPU threads for one run's worker: keep a core for the web server, share the rest among the runs.

    Why not all cores: PyTorch's OpenMP threads wait for each other at every operation. When more threads
    want to run than there are cores, each operation waits for a descheduled thread, and a step that takes
    30 ms alone was measured at 2 s on this project's 2-core machine. ``torch.set_num_threads`` is
    per thread, so this affects the worker only, not the pages' forward passes."""
    fixed = os.environ.get("ATTENTION_LAB_TRAIN_THREADS")
    if fixed:
        return max(1, int(fixed))
    cores = os.cpu_count() or 1
    return max(1, (cores - 1) // max(1, active))


class Busy(RuntimeError):
    """Too many runs are training on this server right now (``running`` of them)."""

    def __init__(self, running: int):
        super().__init__(f"{running} training runs are already using this server's processors. "
                         "Wait for one to finish, or pause yours and try again.")
        self.running = running


@dataclass(frozen=True)
class Frame:
    step: int            # training steps done when this was captured
    data: dict           # what the page's capture function returned, e.g. {"embeddings": (N, D) array}


@dataclass(frozen=True)
class RunView:
    status: Status
    step: int            # steps done
    total: int           # steps planned
    history: list        # one dict per step (Trainer.StepMetrics as a dict)
    evaluations: list    # held-out results, one dict per checkpoint
    frames: list         # Frame per checkpoint (attention snapshots are in the checkpoint folder)
    checkpoint: Path | None   # the last good checkpoint (HF layout + trainer state), None before the first
    checkpoint_step: int      # the step it was written at (-1 before the first)
    message: str         # why it stopped or paused ("" when nothing to say)
    error: FailureKind   # what kind of failure ended the run ("" when none did)
    info: dict           # from the build: sizes, label names …
    notes: list          # what the build changed from what was asked
    step_times: list     # perf_counter() at the end of each step (wall clock: for the time left)
    failure: Exception | None = None   # what stopped the run: a keyed LabError the page says in its language


def checkpoint_steps(total: int, n: int) -> list[int]:
    """Step 0 (random weights) and ``n`` evenly spaced steps up to the last: the time-lapse's frames."""
    n = max(1, min(n, total))
    return sorted({0, *(round(total * (i + 1) / n) for i in range(n))})


def _work(ref: weakref.ref) -> None:
    """The worker: one step per turn, holding the run only during the turn, below the pages' priority."""
    serving.lower_priority()
    while True:
        run = ref()
        if run is None or not run._turn():
            return
        del run


class LiveRun:
    def __init__(self, config: TrainConfig, folder: Path, capture=None, checkpoints: int = 10, alive=None,
                 build=build_parts):
        self.config = config.replace(out_dir=str(folder), save_every=0, eval_every=0)
        self.folder, self._capture, self._alive, self._build = Path(folder), capture, alive, build
        self.save_at = checkpoint_steps(self.config.steps, checkpoints)
        self._lock = threading.Lock()
        self._go, self._stop = threading.Event(), threading.Event()
        self._idle = threading.Event()                        # set while the worker waits between steps
        self._discard = False                                 # closed with its session: no last save
        self.trainer: Trainer | None = None
        self.parts = None                                     # the build's RunParts while training
        self.status: Status = "preparing"
        self.message, self.error = "", ""
        self.failure: Exception | None = None
        self.history, self.evaluations, self.frames = [], [], []
        self.step_times: list[float] = []                     # perf_counter() after each step (benchmarks)
        self.info, self.notes, self.checkpoint, self.checkpoint_step = {}, [], None, -1
        self.thread: threading.Thread | None = None
        self.threads = 0                                      # CPU threads the worker uses now

    # ---------------------------------------------------------------- controls (called by the page)
    def start(self) -> None:
        _claim(self)
        self._go.set()
        self.thread = threading.Thread(target=_work, args=(weakref.ref(self),), daemon=True, name="live-run")
        self.thread.start()

    def pause(self, message: str = "", wait: float = 0.0) -> None:
        """Pause after the current step; ``wait`` > 0: return only once the worker is idle (or after
        ``wait`` seconds), so that the step count no longer changes."""
        with self._lock:
            if self.status in ACTIVE:
                self._go.clear()
                self._idle.clear()
                self.status, self.message = "paused", message
                _active_runs.discard(self)
        if wait > 0 and self.thread is not None and self.thread is not threading.current_thread():
            self._idle.wait(wait)

    def resume(self) -> None:
        with self._lock:
            if self.status != "paused":
                return
            _claim(self)
            self.status, self.message = "running" if self.trainer else "preparing", ""
            self._go.set()

    def stop(self) -> None:
        self._stop.set()
        self._go.set()

    def close(self, timeout: float = 30.0) -> None:
        """The session that owns this run has ended (ui/st/session_end.py): stop without a last save (its
        folder is about to be deleted) and wait for the worker, so nothing writes there afterwards."""
        self._discard = True
        self.stop()
        if self.thread is not threading.current_thread():
            self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def view(self) -> RunView:
        with self._lock:
            return RunView(status=self.status, step=len(self.history), total=self.config.steps,
                           history=list(self.history), evaluations=list(self.evaluations), frames=list(self.frames),
                           checkpoint=self.checkpoint, checkpoint_step=self.checkpoint_step, message=self.message,
                           error=self.error, info=dict(self.info), notes=list(self.notes),
                           step_times=list(self.step_times), failure=self.failure)

    # ---------------------------------------------------------------- the worker's side
    def _turn(self) -> bool:
        """One unit of work; False when the worker should end."""
        if self._stop.is_set():
            self._finish("stopped", save=not self._discard)
            return False
        if self._alive is not None and self.status in ACTIVE and not self._alive():
            self.pause("tab")
        if not self._go.is_set():
            self._idle.set()
            self._go.wait(0.5)
            return True
        try:
            if self.trainer is None:
                self._prepare()
            elif self.trainer.step_count >= self.config.steps:
                self._finish("done", save=False)
                return False
            else:
                self._share_cores()
                serving.wait_for_pages()                      # learners' clicks first (ui/studio/serving.py)
                self.trainer.step()
                self.step_times.append(time.perf_counter())
                if self.trainer.step_count in self.save_at:
                    self._save()
        except Exception as err:                                  # noqa: BLE001 — every failure becomes a message
            self._fail(err)
            return False
        return True

    def _share_cores(self) -> None:
        wanted = worker_threads(len([r for r in list(_active_runs) if r.status in ACTIVE]))
        if wanted != self.threads:
            torch.set_num_threads(wanted)                     # this thread only
            self.threads = wanted

    def _prepare(self) -> None:
        self._share_cores()
        parts = self._build(self.config)
        trainer = Trainer(self.config, parts.model, parts.train, parts.eval, **parts.trainer_kwargs())
        with self._lock:
            self.trainer, self.parts = trainer, parts
            self.history = trainer.history                    # the same list: steps appear as they happen
            self.info, self.notes = dict(parts.info), list(parts.notes)
            if self.status == "preparing":
                self.status = "running"
        self._save()                                          # step 0: the random start, for the time-lapse

    def _save(self) -> None:
        trainer = self.trainer
        result = trainer.evaluate() if trainer.eval_batches else {}
        frame = self._capture(trainer.model, self.parts) if self._capture else None
        folder = trainer.save(self.folder)
        with self._lock:
            if result:
                self.evaluations.append({"step": trainer.step_count, **result})
            if frame is not None:
                self.frames.append(Frame(trainer.step_count, frame))
            self.checkpoint, self.checkpoint_step = folder, trainer.step_count

    def _finish(self, status: Status, save: bool) -> None:
        trainer = self.trainer
        if save and trainer is not None and (self.checkpoint is None or trainer.step_count not in self.save_at):
            try:
                self._save()
            except Exception as err:                          # noqa: BLE001
                self._fail(err)
                return
        with self._lock:
            self.status = status
            self._release()

    def _fail(self, err: Exception) -> None:
        kind, message = describe_failure(err)
        failure = LabError(message, "out_of_memory") if kind == "memory" else err
        with self._lock:
            self.status, self.error, self.message, self.failure = "error", kind, message, failure
            self._release()

    def _release(self) -> None:
        """Free the model and optimiser: what remains is on disk (the checkpoint) and in the curves."""
        self.trainer, self.parts = None, None
        _active_runs.discard(self)


def _claim(run: LiveRun) -> None:
    with _active_lock:
        busy = [r for r in _active_runs if r is not run and r.status in ACTIVE]
        if len(busy) >= MAX_ACTIVE:
            raise Busy(len(busy))
        _active_runs.add(run)


def describe_failure(err: Exception) -> tuple[FailureKind, str]:
    """(kind, a message a student can act on) for anything that stopped a run."""
    if isinstance(err, TrainingStopped):
        return "nan", str(err)
    text = str(err).lower()
    if isinstance(err, torch.OutOfMemoryError | MemoryError) or any(words in text for words in MEMORY_WORDS):
        return "memory", ("The model or batch did not fit in memory. Use a smaller batch size, fewer layers, "
                          "a smaller d_model or a shorter max length.")
    if isinstance(err, DataError):
        return "data", str(err)
    if isinstance(err, ConfigError | ValueError):
        return "config", str(err)
    return "other", f"{type(err).__name__}: {err}"


def wait_for(run: LiveRun, statuses=FINISHED, timeout: float = 120.0) -> RunView:
    """Block until the run reaches one of ``statuses`` (tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = run.view()
        if view.status in statuses:
            return view
        time.sleep(0.02)
    raise TimeoutError(f"run still {run.view().status} after {timeout} s")
