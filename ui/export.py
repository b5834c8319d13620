"""What a learner, teacher or author can take away: the numbers behind a view and a chart's image settings.

- ``attention_csv``: one head's attention weights as CSV (rows: queries, columns: keys, token labels).
- ``trace_arrays`` / ``trace_npz``: every tensor of a recorded forward (``ModelTrace``) in one ``.npz``,
  with ``index.json`` inside (and ``trace_index`` for its own download) naming each array's shape and dtype.
- ``image_config``: plotly's modebar set to its own client-side "download plot" button (no server, no
  network) at projector or paper resolution; ``caption``: a citation-ready line under a chart.
Pure: no Streamlit.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import fields, is_dataclass

import numpy as np
import torch

from .i18n import Scope

TEXT = Scope("export")
FORMATS = ("png", "svg")
PNG_SCALE = 3          # a 900-pixel-wide chart → 2,700 pixels: sharp on a projector and at 300 dpi on paper
INDEX = "index.json"   # the array inside the .npz that names the others


def attention_csv(weights: np.ndarray, tokens: list[str]) -> str:
    """(Tq, Tk) weights → CSV text: a header of key labels, one row per query ("3 cat", weights…)."""
    labels = [f"{i} {tok}" for i, tok in enumerate(tokens)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["query \\ key", *labels[:weights.shape[1]]])
    for label, row in zip(labels, weights, strict=False):
        writer.writerow([label, *(f"{float(w):.6f}" for w in row)])
    return out.getvalue()


def trace_arrays(trace, prefix: str = "") -> dict[str, np.ndarray]:
    """Every tensor stored in a trace (nested dataclasses, tuples of layers) → {"layers.0.self_attn.q": array}.
    Only stored fields: what a trace derives on demand (scores, scaled) is recomputed from these."""
    out: dict[str, np.ndarray] = {}
    if isinstance(trace, torch.Tensor):
        out[prefix] = trace.detach().float().cpu().numpy()
    elif is_dataclass(trace):
        for f in fields(trace):
            out.update(trace_arrays(getattr(trace, f.name), f"{prefix}.{f.name}" if prefix else f.name))
    elif isinstance(trace, (tuple, list)):
        for i, item in enumerate(trace):
            out.update(trace_arrays(item, f"{prefix}.{i}"))
    return out


def trace_index(arrays: dict[str, np.ndarray], tokens: list[str], about: dict | None = None) -> dict:
    """What the .npz holds: {"about": …, "tokens": …, "arrays": {name: {"shape": […], "dtype": "float32"}}}."""
    return {"about": about or {}, "tokens": list(tokens),
            "arrays": {name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in arrays.items()}}


def trace_npz(trace, tokens: list[str], about: dict | None = None) -> bytes:
    """The whole trace as .npz bytes (np.load(…) reads it; no pickle needed), ``index.json`` inside."""
    arrays = trace_arrays(trace)
    index = json.dumps(trace_index(arrays, tokens, about), ensure_ascii=False, indent=1)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays, **{INDEX: np.array(index)})
    return buffer.getvalue()


def file_stem(*parts) -> str:
    """A safe file name from a few parts: "minilm-mlm-en_layer2_head3"."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "attention-lab"


def image_config(filename: str, fmt: str = "png") -> dict:
    """plotly config: only the "download plot" button, exporting ``fmt`` in the browser (plotly.js toImage).
    PNG at PNG_SCALE × the chart's size; SVG is vector, for papers."""
    fmt = fmt if fmt in FORMATS else FORMATS[0]
    return {"displayModeBar": True, "displaylogo": False, "modeBarButtons": [["toImage"]],
            "toImageButtonOptions": {"format": fmt, "filename": file_stem(filename),
                                     "scale": PNG_SCALE if fmt == "png" else 1}}


def caption(model: str, text: str, lang: str, layer: int | None = None, head: int | None = None) -> str:
    """A line to paste under a figure: model, sentence, and the layer / head when the view has one (1-based)."""
    where = TEXT("where_head", lang, layer=layer, head=head) if head is not None else (
        TEXT("where_layer", lang, layer=layer) if layer is not None else "")
    return TEXT("caption", lang, model=model, text=text, where=where)
