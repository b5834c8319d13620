"""The files of a model folder someone else made, read with care: what cannot be used is a CheckpointError.

A folder opened from the sidebar, named in a link or found in the Hugging Face cache may hold anything: a
config.json that is a list, or nested ten thousand deep; a ``vocab.txt`` that is a link to ``/etc/passwd``; a
gigabyte where a config belongs. Every file of a model folder is reached through ``model_file`` (a link may
not lead out of the folder) and read through ``read_text`` / ``read_json`` (bounded in size, UTF-8, JSON
errors of every kind turned into a sentence). ``side_json`` / ``side_text`` read the optional extras (the
card's scores, the training log) and give nothing, not an error, when they are unusable.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .errors import CheckpointError

CONFIG_BYTES = 1 << 20          # a BERT's config.json is under 1 KB; a megabyte is no config
TEXT_BYTES = 64 << 20           # tokenizer.json of a multilingual BERT is ~3 MB; a vocab.txt ~1 MB
JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
              type(None): "null"}


def _inside(real: Path, home: Path) -> bool:
    """Inside the folder; or, for a snapshot of the Hugging Face cache (``models--org--name/snapshots/REV``),
    in that repository's ``blobs/``, where the cache keeps the files its snapshots link to."""
    if real.is_relative_to(home):
        return True
    repo = home.parent.parent
    return home.parent.name == "snapshots" and repo.name.startswith("models--") and real.is_relative_to(repo / "blobs")


def model_file(folder, name: str) -> Path | None:
    """``folder/name`` as a real path when it is a regular file inside the folder; None when there is none.
    A link that leads out of the folder is refused: its target is never read."""
    path = Path(folder) / name
    try:
        if not path.is_file():           # also False for a dangling link, a folder, a FIFO or a device
            return None
        real, home = path.resolve(strict=True), Path(folder).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):    # a loop of links, a name the system refuses
        return None
    if not _inside(real, home):
        raise CheckpointError(f"{path} is a link to a file outside the model folder; only the folder's own files "
                              "are read.", "file_outside_folder", path=path)
    return real


def read_text(path: Path, most: int = TEXT_BYTES) -> str:
    """A file's UTF-8 text, refusing a file of more than ``most`` bytes before reading it."""
    try:
        size = path.stat().st_size
        if size > most:
            mib, most_mib = size / 2**20, most / 2**20
            raise CheckpointError(f"{path} is {mib:,.1f} MiB, more than such a file can be ({most_mib:,.0f} MiB at "
                                  "most).", "model_file_too_big", path=path, mib=mib, most_mib=most_mib)
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckpointError(f"{path} is not UTF-8 text (byte {err.start} cannot be read).", "not_utf8",
                              path=path, byte=err.start) from None
    except OSError as err:
        raise CheckpointError(f"{path} cannot be read ({err.strerror}).", "file_unreadable", path=path,
                              err=err.strerror) from None


def read_json(path: Path, most: int = CONFIG_BYTES):
    """A JSON file's value, whatever its type; every way it can be broken is a CheckpointError."""
    text = read_text(path, most)
    try:
        return json.loads(text)
    except RecursionError:
        raise CheckpointError(f"{path} is nested too deeply to be read as settings.", "json_too_deep",
                              path=path) from None
    except ValueError as err:            # JSONDecodeError, and an integer of thousands of digits
        raise CheckpointError(f"{path} is not valid JSON ({err}).", "bad_json", path=path, err=err) from None


def json_type(value) -> str:
    """JSON's name for a value's type: object, array, string, number, boolean, null."""
    return JSON_TYPES.get(type(value), "number")


def read_object(path: Path) -> dict:
    """A JSON file that must hold one object (``{…}``), as config.json and tokenizer_config.json do."""
    data = read_json(path)
    if not isinstance(data, dict):
        found = json_type(data)
        raise CheckpointError(f"{path} must hold one JSON object ({{ … }}), not a JSON {found}.",
                              "json_not_object", path=path, found=found)
    return data


def read_config_json(folder) -> dict:
    """config.json of a model folder as a dict."""
    path = model_file(folder, "config.json")
    if path is None:
        path = Path(folder) / "config.json"
        raise CheckpointError(f"{path} is missing: a model folder needs config.json and model.safetensors.",
                              "no_config", path=path)
    return read_object(path)


def side_json(folder, name: str) -> dict:
    """An optional JSON object beside the model (evaluation.json, a training log): {} when it is missing,
    unreadable, outside the folder or not an object — the page then shows less, never an error."""
    try:
        path = model_file(folder, name) if folder else None
        data = read_json(path, TEXT_BYTES) if path else {}
    except CheckpointError:
        return {}
    return data if isinstance(data, dict) else {}


def side_text(folder, name: str) -> str | None:
    """An optional text file beside the model (MODEL_CARD.md): None when it is missing or unusable."""
    try:
        path = model_file(folder, name) if folder else None
        return read_text(path, CONFIG_BYTES) if path else None
    except CheckpointError:
        return None


def check_finite(weights: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse weights holding NaN or infinity: every page of such a model would draw noise or fail (an SVD of
    the embeddings has no answer)."""
    bad = [name for name, t in weights.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        n, keys = len(bad), ", ".join(bad[:5]) + (" …" if len(bad) > 5 else "")
        raise CheckpointError(f"{path} holds weights that are not numbers (NaN or infinity) in {n} tensors: {keys}. "
                              "Such a model was saved after its training broke down.", "weights_not_finite",
                              path=path, n=n, keys=keys)
