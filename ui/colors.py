"""The two colour scales of the app, the same on every page (a learner reads colours once):

- signed values (activations, Q/K/V, scores, embeddings, similarities): blue < 0 < red, white at exactly 0;
- probabilities and attention weights (and other sizes ≥ 0): white → dark blue.

Pure helpers that return plotly keyword arguments, so no figure picks its own scale.
"""
from __future__ import annotations

import numpy as np

from .i18n import Scope

DIVERGING = "RdBu_r"      # negative blue, zero white, positive red
SEQUENTIAL = "Blues"      # 0 white, large dark blue


def signed(values, limit: float | None = None) -> dict:
    """go.Heatmap kwargs for signed values: symmetric range around 0, so white is exactly 0."""
    if limit is None:
        finite = np.abs(np.asarray(values, dtype=float))
        finite = finite[np.isfinite(finite)]
        limit = float(finite.max()) if finite.size else 1.0
    limit = limit or 1.0
    return {"colorscale": DIVERGING, "zmin": -limit, "zmax": limit, "zmid": 0.0}


def signed_axis(limit: float) -> dict:
    """The same for a shared coloraxis (layout.coloraxis)."""
    limit = limit or 1.0
    return {"colorscale": DIVERGING, "cmin": -limit, "cmax": limit, "cmid": 0.0}


def positive(zmax: float | None = 1.0, zmin: float = 0.0) -> dict:
    """go.Heatmap kwargs for probabilities / weights / sizes ≥ 0."""
    return {"colorscale": SEQUENTIAL, "zmin": zmin, "zmax": zmax}


TEXT = Scope("colors")
