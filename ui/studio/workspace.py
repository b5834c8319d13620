"""A browser session's private folder: uploads, tokenizers, checkpoints and saved models live here.

Safety rules, enforced here so that pages cannot get them wrong:
- every session gets its own fresh temporary folder (``mkdtemp``: unique name, mode 0700);
- a learner's file name is never used as a path: uploads are saved under *our* fixed names;
- the folder is deleted by ``close()``: when the browser session ends (``ui/st/session_end.py``: at most
  Streamlit's reconnect window + 10 s after the tab closed), or when the object is garbage-collected, if first.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
import weakref
from pathlib import Path

PREFIX = "attention-lab-session-"
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}(\.(txt|csv|json))?$")    # our own names only


class Workspace:
    def __init__(self, root: str | Path | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root)).resolve()
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def file(self, name: str) -> Path:
        """A path inside the workspace for one of *our* names (``corpus.txt``, ``labelled.csv`` …)."""
        if not SAFE_NAME.match(name):
            raise ValueError(f"{name!r} is not a workspace name (internal names only, never a user's)")
        path = (self.path / name).resolve()
        if path.parent != self.path:                                     # belt and braces
            raise ValueError(f"{name!r} would leave the workspace")
        return path

    def save_upload(self, data: bytes, name: str) -> Path:
        """Write an upload's bytes atomically under our ``name``; the user's file name is not used."""
        path = self.file(name)
        tmp = path.with_name(f".{name}.{uuid.uuid4().hex}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return path

    def new_folder(self, kind: str) -> Path:
        """A fresh sub-folder, e.g. ``run-3f2a…`` for a training run's checkpoints."""
        folder = self.file(f"{kind}-{uuid.uuid4().hex[:12]}")
        folder.mkdir()
        return folder

    def close(self) -> None:
        self._cleanup()

    @property
    def closed(self) -> bool:
        return not self._cleanup.alive
