"""ui/bertviz_offline.py: bertviz's head and model views as self-contained HTML (no CDN, no require.js)."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import torch

from ui import bertviz_offline as bv

TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]", "it", "slept", "[SEP]"]
SHA256 = {"d3": "bdad5585ef9a965ff25458738309b006058c55f2c78d794d25fbecae35014609",
          "jquery": "05b85d96f41fff14d8f608dad03ab71e2c1017c2da0914d7c59291bad7a54f8e"}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def weights() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randn(3, 2, len(TOKENS), len(TOKENS), generator=g).softmax(-1)     # (L, H, T, T)


def script_sources(html: str) -> list[str]:
    return re.findall(r"<script[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)", html, flags=re.IGNORECASE)


def assert_offline(html: str) -> None:
    assert script_sources(html) == []                                   # nothing is loaded by URL at all
    assert not re.search(r"<script[^>]*src=[\"']?https?://", html)
    assert "cdnjs" not in html and "require.config" not in html and "require.min.js" not in html
    assert not re.search(r"<link[^>]*href", html) and not re.search(r"@import", html)
    assert "d3js.org v5.7.0" in html and 'version="5.7.0"' in html      # d3 itself is inlined
    assert "jQuery v2.2.4" in html
    assert "window.requirejs = window.require = function (deps, callback)" in html


def test_vendored_files_are_the_documented_releases():
    for name, digest in SHA256.items():
        assert hashlib.sha256(bv.FILES[name].read_bytes()).hexdigest() == digest
        assert digest in (bv.VENDOR / "README.md").read_text(encoding="utf-8")
    assert (bv.VENDOR / "d3" / "LICENSE").is_file() and (bv.VENDOR / "jquery" / "LICENSE.txt").is_file()


def test_for_bertviz_gives_one_rounded_tensor_per_layer(weights):
    layers = bv.for_bertviz(weights)
    assert len(layers) == 3 and layers[0].shape == (1, 2, 8, 8) and layers[0].dtype == torch.float64
    assert torch.equal(layers[2][0], torch.round(weights[2].double(), decimals=3))
    assert json.dumps(layers[1].tolist()).count(".") == 2 * 8 * 8      # short numbers: no 0.1230000034…


def test_head_view_is_self_contained(weights):
    html = bv.head_view_html(weights, TOKENS, sentence_b_start=5, layer=2)
    assert_offline(html)
    assert html.startswith("<!DOCTYPE html>") and '"cat"' in html
    assert "Sentence A -> Sentence B" in html                           # the pair filters bertviz adds
    params = json.loads(re.search(r"const params = (\{.*?\}); //", html, re.DOTALL).group(1))
    assert params["layer"] == 3 and params["include_layers"] == [1, 2, 3]      # counted from 1, as in the app
    assert len(params["attention"][0]["attn"]) == 3
    assert params["attention"][0]["attn"][2][1][4] == pytest.approx(weights[2, 1, 4].tolist(), abs=5e-4)


def test_model_view_is_self_contained(weights):
    html = bv.model_view_html(weights, TOKENS)
    assert_offline(html)
    assert '"display_mode": "light"' in html and '"total_heads": 2' in html
    params = json.loads(re.search(r"const params = (\{.*?\}); //", html, re.DOTALL).group(1))
    assert params["include_layers"] == [1, 2, 3] and params["include_heads"] == [1, 2]


def test_offline_rewrites_bertviz_markup():
    raw = ('<script src="https://cdn.example.org/libs/require.js/2.3.6/require.min.js"></script>'
           '<div id="x"></div><script>require.config({\n paths: {\n  d3: "a",\n }\n});\n'
           'requirejs(["jquery", "d3"], function ($, d3) { draw(); });</script>')
    html = bv.offline(raw)
    assert_offline(html)
    assert 'requirejs(["jquery", "d3"], function ($, d3) { draw(); });' in html


def test_size_guard_and_heights():
    assert bv.fits(12, 12, 40) and not bv.fits(12, 12, 64)
    assert bv.head_view_height(10) == int(10 * 22.5 + 90)
    assert bv.model_view_height(12, 12, 20) == int(12 * (20 * 7 + 10) + 38 + 30)
    assert bv.model_view_height(1, 12, 20) == 20 * 18 + 55 + 30                  # the detail view is taller


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_views_draw_in_a_browser_without_network(weights, tmp_path):
    """Chromium with every non-file request refused: bertviz still draws its lines."""
    from playwright.sync_api import sync_playwright
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page()
        outside, errors = [], []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else (outside.append(route.request.url), route.abort()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        views = {"head": bv.head_view_html(weights, TOKENS), "model": bv.model_view_html(weights, TOKENS)}
        for name, html in views.items():
            path = tmp_path / f"{name}.html"
            path.write_text(html, encoding="utf-8")
            page.goto(path.as_uri())
            page.wait_for_selector("svg")
            drawn = page.locator("svg line, svg path").count()
            assert drawn >= 2 * 8 * 8, (name, drawn)                                  # every head's T × T lines
        browser.close()
    assert outside == [] and errors == []
