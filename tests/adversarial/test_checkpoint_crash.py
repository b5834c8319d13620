"""Checkpoint replacement survives any single or double crash (issue 18.10).

A crash is injected at every named point of a save (``state.SAVE_POINTS``) and of the recovery that follows it
(``state.RECOVER_POINTS``) through ``state.crash_hook``, in a child process that dies there with ``os._exit`` —
no ``finally``, no cleanup, as after ``kill -9``. Then the folder must give back a whole checkpoint (the old one
or the new one, never a mix and never nothing once something was saved), with no temporary folder left.
The protocol is checked exhaustively on small folders (forked children: milliseconds each); the real training
CLI is killed at every save point and resumed, and must end with the same losses as a run never killed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fixtures_models import write_corpus

from transformer_core.checkpoint import CheckpointError
from transformer_core.train import state
from transformer_core.train.cli import main

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="crashes are injected in forked children")

ROOT = Path(__file__).resolve().parents[2]
CRASHED = 75                                                   # a child's exit status when it died at its point
FILES = ("config.json", "model.safetensors", "trainer_state.json")


# ── the protocol, on small folders ─────────────────────────────────────────────────────────────────────
def in_child(action, crash_at: str | None = None) -> int:
    """Run ``action`` in a forked child that dies at ``crash_at`` → CRASHED, or ends normally → 0."""
    pid = os.fork()
    if pid == 0:                                               # the child: only file operations, then _exit
        code = 1
        try:
            state.crash_hook = lambda point: os._exit(CRASHED) if point == crash_at else None
            action()
            code = 0
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def save(target: Path, version: str, crash_at: str | None = None) -> int:
    def write():
        with state.atomic_folder(target) as tmp:
            for name in FILES:                                 # every file says which save wrote it
                (tmp / name).write_text(f"{version} {name}")
    return in_child(write, crash_at)


def version_of(target: Path) -> str:
    """The one save every file of the folder came from (a mix would fail here)."""
    found = {(target / name).read_text().split()[0] for name in FILES}
    assert len(found) == 1, f"a mixed checkpoint: {found}"
    return found.pop()


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name != target.name)


def kept(point: str | None, before: str | None, after: str) -> str | None:
    """Which version a save that died at ``point`` leaves: the new one once it was staged (.new is complete)."""
    if point is None or state.SAVE_POINTS.index(point) >= state.SAVE_POINTS.index("staged"):
        return after
    return before


@pytest.mark.parametrize("first", state.SAVE_POINTS)
def test_a_crash_in_the_first_save(tmp_path, first):
    target = tmp_path / "run"
    assert save(target, "v1", first) == CRASHED
    expected = kept(first, None, "v1")
    if expected is None:                                       # died before its folder was complete
        with pytest.raises(CheckpointError, match="does not exist"):
            state.checkpoint_folder(target)
    else:
        assert version_of(state.checkpoint_folder(target)) == expected
    assert leftovers(target) == []


@pytest.mark.parametrize("second", [None, *state.RECOVER_POINTS, *state.SAVE_POINTS])
@pytest.mark.parametrize("first", state.SAVE_POINTS)
def test_one_or_two_crashes_leave_a_whole_checkpoint(tmp_path, first, second):
    """v1 saved; the save of v2 dies at ``first``; then either a resume's recovery dies at ``second`` or the
    save of v3 dies there; then a resume must find a whole checkpoint, the newest one that was complete."""
    target = tmp_path / "run"
    assert save(target, "v1") == 0
    assert save(target, "v2", first) == CRASHED
    expected = kept(first, "v1", "v2")
    if second in state.SAVE_POINTS:
        assert save(target, "v3", second) == CRASHED
        expected = kept(second, expected, "v3")
    elif second is not None:                                   # a point this state's recovery may not pass
        assert in_child(lambda: state.checkpoint_folder(target), second) in (0, CRASHED)
    assert version_of(state.checkpoint_folder(target)) == expected
    assert leftovers(target) == []
    assert save(target, "v4") == 0 and version_of(target) == "v4"          # and the next save works


def test_the_state_the_old_code_left_is_recovered(tmp_path):
    """The issue's case: a crash between the two renames left only .old; the next save (killed while writing)
    used to delete .old first, leaving nothing but a temp folder, and --resume said the folder did not exist."""
    target = tmp_path / "run"
    assert save(target, "v1") == 0
    target.rename(tmp_path / ".run.old")
    (tmp_path / ".run.tmp-dead").mkdir()
    assert save(target, "v2", "written") == CRASHED
    assert version_of(state.checkpoint_folder(target)) == "v1" and leftovers(target) == []


def test_a_folder_still_being_written_is_not_removed(tmp_path):
    target = tmp_path / "run"
    assert save(target, "v1") == 0
    busy = tmp_path / ".run.tmp-busy"
    busy.mkdir()
    with state._locked(busy):                                  # as a live save holds its temp folder
        state.recover(target)
        assert busy.is_dir()
    state.recover(target)
    assert not busy.exists()


# ── the training CLI, killed at every save point and resumed ──────────────────────────────────────────
CRASHER = """
import os, sys
from transformer_core.train import state
point, nth, seen = sys.argv[1], int(sys.argv[2]), []
def hook(name):
    if name == point:
        seen.append(name)
        if len(seen) == nth:
            os._exit(CRASHED)
state.crash_hook = hook
from transformer_core.train.cli import main
sys.exit(main(sys.argv[3:]))
""".replace("CRASHED", str(CRASHED))
TINY = ["--layers", "1", "--d-model", "16", "--heads", "2", "--ffn", "32", "--max-len", "24", "--device", "cpu",
        "--batch-size", "4", "--vocab-size", "60", "--warmup", "2", "--dropout", "0.1", "--steps", "6",
        "--save-every", "2", "--decay", "constant"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    """Every run on one CPU thread, here and in the killed processes (OMP_NUM_THREADS=1): the same sums in the
    same order, so losses match to the last bit whichever process computed them."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "docs.txt", documents=20, sentences=5)


@pytest.fixture(scope="module")
def whole(corpus, tmp_path_factory) -> list[float]:
    """The losses of the run never killed."""
    folder = tmp_path_factory.mktemp("whole") / "run"
    assert main(["pretrain", "--corpus", str(corpus), *TINY, "--out", str(folder)]) == 0
    return losses(folder)


def losses(folder: Path) -> list[float]:
    return [h["loss"] for h in json.loads((folder / "trainer_state.json").read_text())["history"]]


def killed(point: str, nth: int, *args) -> int:
    """The CLI in a new process that dies at the ``nth`` time it passes ``point``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}     # as this process (_one_thread)
    done = subprocess.run([sys.executable, "-c", CRASHER, point, str(nth), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    return done.returncode


@pytest.mark.parametrize("point", state.SAVE_POINTS)
def test_training_killed_at_every_save_point_resumes_exactly(corpus, whole, tmp_path, point):
    folder = tmp_path / "run"
    assert killed(point, 2, "pretrain", "--corpus", corpus, *TINY, "--out", folder) == CRASHED   # the step-4 save
    assert main(["pretrain", "--resume", str(folder)]) == 0
    assert losses(folder) == pytest.approx(whole, abs=1e-6)
    assert leftovers(folder) == []


def test_training_killed_twice_resumes_exactly(corpus, whole, tmp_path):
    """Killed once the step-4 save was staged, then the resumed run killed while recovering, between its renames:
    the moment the old code lost everything."""
    folder = tmp_path / "run"
    assert killed("staged", 2, "pretrain", "--corpus", corpus, *TINY, "--out", folder) == CRASHED
    assert leftovers(folder) == [".run.new"]                   # run (step 2) and .run.new (step 4)
    assert killed("recover.set_aside", 1, "pretrain", "--resume", folder) == CRASHED
    assert not folder.exists() and leftovers(folder) == [".run.new", ".run.old"]
    assert main(["pretrain", "--resume", str(folder)]) == 0
    assert losses(folder) == pytest.approx(whole, abs=1e-6)
    assert leftovers(folder) == []
