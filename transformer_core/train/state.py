"""Saving and resuming a run safely: atomic checkpoint folders, plain-tensor state, RNG capture.

A checkpoint folder holds the model in the Hugging Face layout (``config.json``, ``model.safetensors``,
``tokenizer.json``) plus two files of our own:
  * ``trainer_state.pt``   optimizer and scheduler state, RNG states, the data iterator's position —
                           tensors and plain containers only, read back with ``torch.load(weights_only=True)``,
                           which refuses to unpickle arbitrary objects (a checkpoint cannot run code);
  * ``trainer_state.json`` the step, the TrainConfig and the metric history, readable by a person.
The whole folder is written beside the target and then renamed over it, so a crash or a full disk
mid-save leaves the previous checkpoint whole.
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

STATE_PT, STATE_JSON = "trainer_state.pt", "trainer_state.json"




# ------------------------------------------------------------------------------------ atomic folders
def _old(target: Path) -> Path:
    return target.parent / f".{target.name}.old"


@contextmanager
def atomic_folder(target):
    """Yield a fresh temp folder beside ``target``; when the block succeeds it replaces ``target``.
    The old folder is first renamed aside and only deleted once the new one is in place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        yield tmp
        old = _old(target)
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
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


def checkpoint_folder(folder) -> Path:
    """The folder to resume from; if a save died between its two renames, the set-aside copy."""
    folder = Path(folder)
    if not folder.exists() and _old(folder).is_dir():
        return _old(folder)
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
