"""Saving and resuming a run safely: atomic checkpoint folders, plain-tensor state, RNG capture.

A checkpoint folder holds the model in the Hugging Face layout (``config.json``, ``model.safetensors``,
``tokenizer.json``) plus two files of our own:
  * ``trainer_state.pt``   optimizer and scheduler state, RNG states, the data iterator's position —
                           tensors and plain containers only, read back with ``torch.load(weights_only=True)``,
                           which refuses to unpickle arbitrary objects (a checkpoint cannot run code);
  * ``trainer_state.json`` the step, the TrainConfig and the metric history, readable by a person.
The whole folder is written beside the target, synced, and swapped in by renames; the previous checkpoint
is deleted last. A crash (or two: one in a save and one in the recovery after it) at any moment leaves a
whole checkpoint that the next save or ``--resume`` finds (see ``atomic_folder`` and ``recover``).
"""
from __future__ import annotations

import errno
import json
import os
import random
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import torch

from ..checkpoint import CheckpointError, load_pretrained, save_pretrained
from ..errors import Phrase, SaveError

try:                                     # POSIX: the recovery of a folder is done by one process at a time
    import fcntl
except ImportError:                      # Windows: one process per run folder (no multi-process resume there)
    fcntl = None

STATE_PT, STATE_JSON = "trainer_state.pt", "trainer_state.json"


# ------------------------------------------------------------------------------------ atomic folders
# Beside a checkpoint folder T, a save uses three names:
#   .T.tmp-XXXX   being written (incomplete until renamed)          → removed by the next start
#   .T.new        written and synced: complete, waiting for the swap → the next start swaps it in
#   .T.old        the previous T, set aside during the swap          → the only copy while T is missing
# Save: write .tmp → fsync → rename to .new → rename T to .old → rename .new to T → delete .old. Each rename
# is atomic, so after a crash at any point T or .new or .old is a whole checkpoint, and ``recover`` (run by the
# next save and by every resume) finishes the swap. Recovery is itself renames, so a crash inside it is
# recovered the same way. Nothing whole is deleted while it is the only copy.
SAVE_POINTS = ("written", "synced", "staged", "set_aside", "swapped", "cleaned")
RECOVER_POINTS = ("recover.set_aside", "recover.swapped", "recover.restored", "recover.cleaned")
crash_hook = None            # tests: called with each point's name, a crash is injected there (os._exit)


def _at(point: str) -> None:
    if crash_hook is not None:
        crash_hook(point)


def _old(target: Path) -> Path:
    return target.parent / f".{target.name}.old"


def _new(target: Path) -> Path:
    return target.parent / f".{target.name}.new"


def _fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a directory cannot be opened on Windows: skipped)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Every file's data on disk before the folder is called complete: a rename alone can reach the disk before
    the data it names, and a power cut would then leave a complete-looking folder of empty files."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


@contextmanager
def _locked(folder: Path):
    """An exclusive lock on a directory itself (no lock file is left behind), held by this process until the
    block ends or the process dies. On the parent: processes that resume the same run (DDP ranks) recover its
    folder one after the other, and never while a save swaps folders (interleaved renames could set aside a
    folder just swapped in). On a temp folder: a save is writing it, so a recovery leaves it alone."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                     # closing releases the lock


def _being_written(folder: Path) -> bool:
    """Does a live save hold this temp folder (``_locked`` in ``atomic_folder``)?"""
    if fcntl is None:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def recover(target) -> None:
    """Finish or undo a save that a crash interrupted, so that ``target`` is a whole checkpoint if any was
    written, and remove what is left over (stale ``.tmp-*`` folders, a superseded ``.old``)."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    old, new = _old(target), _new(target)
    with _locked(parent):
        if new.is_dir():                           # a complete checkpoint waits: finish its swap
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)           # T is whole, so .old is not needed
                os.replace(target, old)
                _fsync_dir(parent)
                _at("recover.set_aside")
            os.replace(new, target)
            _fsync_dir(parent)
            _at("recover.swapped")
        elif not target.exists() and old.is_dir():   # died between the two renames of a swap without .new
            os.replace(old, target)
            _fsync_dir(parent)
            _at("recover.restored")
        if target.is_dir() and old.exists():
            shutil.rmtree(old, ignore_errors=True)
            _at("recover.cleaned")
        for stale in parent.glob(f".{target.name}.tmp-*"):      # never complete: renamed to .new when it was
            if not _being_written(stale):
                shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def atomic_folder(target):
    """Yield a fresh temp folder beside ``target``; when the block succeeds it replaces ``target``: synced,
    renamed to ``.new``, the old folder renamed aside, ``.new`` renamed in, the old one deleted last."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)                      # an earlier save's crash first: .old may be the only whole copy
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        with _locked(tmp):
            yield tmp
            _at("written")
            _fsync_tree(tmp)
            _at("synced")
            with _locked(target.parent):
                _swap(tmp, target)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = Phrase("the disk is full", "disk_full") if err.errno == errno.ENOSPC else str(err)
        kept = (Phrase(f"The previous checkpoint in {target} is intact.", "previous_kept", target=target)
                if target.exists() else Phrase("Nothing was saved.", "nothing_saved"))
        raise SaveError(f"Could not save a checkpoint to {target}: {reason}. {kept}", "save_failed",
                        target=target, reason=reason, kept=kept) from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, target: Path) -> None:
    """A complete, synced ``tmp`` becomes ``target``; the previous ``target`` is deleted last."""
    old, new = _old(target), _new(target)
    os.replace(tmp, new)
    _fsync_dir(target.parent)
    _at("staged")
    if target.exists():
        os.replace(target, old)          # recover() left no .old behind while target exists
    _at("set_aside")
    os.replace(new, target)
    _fsync_dir(target.parent)
    _at("swapped")
    shutil.rmtree(old, ignore_errors=True)
    _at("cleaned")


def checkpoint_folder(folder) -> Path:
    """The folder to resume from, after finishing or undoing a save that a crash interrupted (``recover``)."""
    folder = Path(folder)
    recover(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a checkpoint folder (it does not exist).", "no_checkpoint_folder",
                              folder=folder)
    return folder


# ------------------------------------------------------------------------------------ RNG state
def capture_rng() -> dict:
    """Every random stream a step draws from (dropout uses torch's global generator)."""
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(_tuples(state["python"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _tuples(value):
    """random.setstate wants tuples; a round trip may hand back lists."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


# ------------------------------------------------------------------------------------ trainer state
def write_state(folder: Path, tensors: dict, info: dict) -> None:
    torch.save(tensors, folder / STATE_PT)
    (folder / STATE_JSON).write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")


def read_info(folder: Path) -> dict:
    """The JSON half: step, TrainConfig and history (enough to plan a resume before loading anything)."""
    pt, js = folder / STATE_PT, folder / STATE_JSON
    for path in (pt, js):
        if not path.is_file():
            raise CheckpointError(f"{path} is missing: {folder} is not a resumable training checkpoint.",
                                  "not_resumable", path=path, folder=folder)
    try:
        return json.loads(js.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{js} is corrupt and cannot be read as JSON ({err}).", "json_corrupt",
                              path=js, err=err) from err


def read_state(folder: Path) -> tuple[dict, dict]:
    """(tensor state, JSON info); a missing or damaged file gives a CheckpointError naming it."""
    info, pt = read_info(folder), folder / STATE_PT
    try:       # weights_only: tensors and plain containers, never arbitrary pickled objects
        tensors = torch.load(pt, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for a damaged file
        raise CheckpointError(f"{pt} is corrupt or truncated and cannot be read ({err}).", "file_corrupt",
                              path=pt, err=err) from err
    return tensors, info


# ------------------------------------------------------------------------------------ models
def save_model(model, folder: Path, tokenizer=None) -> None:
    """BERT models in the HF layout; the encoder-decoder as "Seq2SeqTransformer" (see checkpoint.py)."""
    save_pretrained(model, folder, tokenizer)


def load_model(folder: Path, model_class):
    """Inverse of ``save_model`` → (model, tokenizer or None); ``model_class``: a ModelKind or its name."""
    return load_pretrained(folder, model_class=model_class)
