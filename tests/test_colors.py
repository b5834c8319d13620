"""One diverging scale centred at 0 for signed values, one sequential scale for probabilities, everywhere
(issue 12.9: embeddings drew red = positive, the NSP segment vectors red = negative, Q/K/V used Viridis)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from ui import attention_view as av
from ui import colors
from ui import layer_view as lv
from ui import nsp_view as nv
from ui import positions_view as pv

ROOT = Path(__file__).resolve().parents[1]


def test_no_figure_picks_its_own_scale():
    """Every colour scale named in the UI code is one of the two (studio and seq2seq use the same names)."""
    named = {}
    for path in (ROOT / "ui").rglob("*.py"):
        for scale in re.findall(r"colorscale\"?\s*[:=]\s*\"([A-Za-z_]+)\"", path.read_text(encoding="utf-8")):
            named.setdefault(scale, []).append(path.name)
    assert set(named) <= {colors.DIVERGING, colors.SEQUENTIAL}, named


def test_signed_values_are_centred_at_zero_with_red_positive():
    kw = colors.signed(np.array([[-0.5, 2.0], [1.0, 0.0]]))
    assert kw == {"colorscale": "RdBu_r", "zmin": -2.0, "zmax": 2.0, "zmid": 0.0}
    assert colors.signed(np.zeros((2, 2)))["zmax"] == 1.0                   # all zeros: still a valid range


def test_the_pages_figures_follow_the_convention():
    q = np.random.default_rng(0).normal(size=(5, 8))
    signed = av.heatmap(q, list("abcde")).data[0]
    assert signed.zmid == 0 and signed.zmin == -signed.zmax and signed.colorscale[0][1] == "rgb(5,48,97)"
    weights = av.heatmap(np.full((3, 3), 1 / 3), list("abc"), list("abc"), zmin=0.0).data[0]
    assert weights.zmin == 0 and weights.colorscale[-1][1] == "rgb(8,48,107)"      # Blues: dark blue = large
    nsp = nv.vectors_figure(torch.tensor([[1.0, -1.0], [0.5, 0.2]]), ["A", "B"]).data[0]
    assert nsp.zmid == 0 and nsp.colorscale[-1][1] == "rgb(103,0,31)"               # red = positive, as elsewhere
    ffn = lv.ffn_heatmap(torch.randn(4, 16), list("abcd")).data[0]
    assert ffn.colorscale[-1][1] == "rgb(103,0,31)" and ffn.zmid == 0
    sim = pv.similarity_figure(pv.cosine_similarity(np.random.default_rng(1).normal(size=(6, 4)))).data[0]
    assert sim.zmid == 0 and sim.zmin == -sim.zmax                                   # cosine is signed


def test_the_legend_is_stated_in_both_languages():
    assert "white (0)" in colors.TEXT("legend", "en") and "白（0）" in colors.TEXT("legend", "zh")
