"""A fresh server's first visits, prepared in the background (issue 17: every page's first visit ≤ 2 s).

Once the first page of a freshly started server has run, one background thread does what the other pages'
first visits would otherwise do while a learner waits: it imports the modules the pages import (found in
``views/*.py``, so a new page needs nothing here) and loads the shipped models of the learner's language
into the shared model cache (``session.load_model``: ``st.cache_resource``, global, usable from any
thread). It runs once per process, at a lower CPU priority than the pages (Linux: per thread), and its
failures only mean that a page does the work itself later, so they are logged, never shown.

``ATTENTION_LAB_WARMUP=0`` turns it off (the tests do: each test should pay for what it uses).
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import logging
import os
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("ui", "transformer_core")          # the packages whose modules a page imports
TEXT_KINDS = ("wordpiece", "char_pair")     # what session.load_model loads (the image and sound pages load their own)
_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_started = False


def enabled() -> bool:
    return os.environ.get("ATTENTION_LAB_WARMUP", "1") != "0"


def page_modules(folder: Path = ROOT / "views") -> list[str]:
    """Our modules that the pages import (``from ui.st import page`` counts ``ui.st.page`` when it is a
    module), in a stable order."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] in OURS)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.split(".")[0] in OURS:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}"))
    return sorted(found)


def _is_module(name: str) -> bool:
    """Whether ``from package import name`` names a module (ui.st.page) rather than a value (ui.i18n.tr)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, AttributeError, ValueError):      # the parent is a module, not a package
        return False


def warm(lang: str, load=None) -> list[str]:
    """Import the pages' modules, then load the shipped text models of ``lang`` (and those of no language, e.g.
    the encoder-decoder) with ``load`` (default: ``session.load_model``). Returns what failed, as text."""
    failed = []
    import pandas  # noqa: F401  (whole before any chart: see ui/st/page.title)
    import torch
    torch.empty(1, device="meta") + 1      # PyTorch's first meta-device op sets up its meta kernels (1.8 s once,
    #                                        measured): the Model sizes page builds its models on that device
    for name in page_modules():
        try:
            importlib.import_module(name)
        except Exception as err:                                 # noqa: BLE001  the page will say it itself
            failed.append(f"import {name}: {err!r}")
    from .. import models
    from . import session
    load = load or session.load_model
    for source in models.available():
        if source.origin == "shipped" and source.lang in (lang, None, "") and source.kind.tokenizer in TEXT_KINDS:
            try:
                load(source)
            except Exception as err:                             # noqa: BLE001
                failed.append(f"load {source.key}: {err!r}")
    return failed


def _run(lang: str) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)    # this thread only (Linux)
    except (AttributeError, OSError):
        pass
    for problem in warm(lang):
        _LOG.warning("warm-up: %s", problem)


def start(lang: str) -> bool:
    """Start the warm-up once per process (later calls do nothing); returns whether this call started it."""
    global _started
    if not enabled():
        return False
    with _lock:
        if _started:
            return False
        _started = True
    threading.Thread(target=_run, args=(lang,), name="attention-lab-warmup", daemon=True).start()
    return True
