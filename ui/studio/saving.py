"""Turning a training checkpoint into a model the explorer can open, and into a downloadable zip.

A checkpoint folder holds the model in the Hugging Face layout *plus* the trainer's state (optimiser
moments, data position: ``trainer_state.*``), which is three times the model's size and of no use to
someone who wants the model. Exporting copies everything but that, and writes a label into
``config.json`` (``attention_lab_card``) so the sidebar's picker can name it.
"""
from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from pathlib import Path

from ui.models import ModelSource, describe_folder

TRAINER_ONLY = ("trainer_state.pt", "trainer_state.json")
MAX_LABEL = 60


def clean_label(text: str, fallback: str) -> str:
    """A display name: printable characters only, at most 60 of them; never used as a path."""
    label = "".join(ch for ch in str(text) if ch.isprintable()).strip()[:MAX_LABEL]
    return label or fallback


def export_model(checkpoint: Path, dest: Path, label: str, lang: str) -> ModelSource:
    """Copy a checkpoint's model files to ``dest`` (a fresh folder of ours) and describe it for the picker."""
    checkpoint, dest = Path(checkpoint), Path(dest)
    for path in checkpoint.iterdir():
        if path.is_file() and path.name not in TRAINER_ONLY:
            shutil.copy2(path, dest / path.name)
    config_path = dest / "config.json"
    data = json.loads(config_path.read_text(encoding="utf-8"))
    data["attention_lab_card"] = {**data.get("attention_lab_card", {}), "label": label, "language": lang}
    config_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return describe_folder(dest, origin="session", key=f"session:{uuid.uuid4().hex[:10]}", label=label)


def zip_bytes(folder: Path, top: str = "model") -> bytes:
    """The folder as a zip held in memory (small models: a few MB), files under ``top/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file() and path.name not in TRAINER_ONLY:
                archive.write(path, f"{top}/{path.name}")
    return buffer.getvalue()
