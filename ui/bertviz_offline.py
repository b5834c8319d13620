"""bertviz's head view and model view, made to work with no network.

bertviz (Jesse Vig) draws attention as lines between tokens. Its HTML expects a notebook with
internet access: it loads require.js, then asks require.js for d3 and jQuery from a CDN. Here we
take the HTML bertviz returns and make it self-contained:

1. drop the ``<script src=…require.min.js>`` tag and the ``require.config({paths: …})`` block;
2. inline d3 5.7.0 and jQuery 2.2.4 from ``assets/vendor/`` (see its README for versions and licences);
3. define a tiny ``require(deps, callback)`` that hands the callback ``window.jQuery`` / ``window.d3``.

The result is one HTML document that a page shows with ``st.iframe``. Pure functions: no Streamlit.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import torch

VENDOR = Path(__file__).resolve().parents[1] / "assets" / "vendor"
FILES = {"d3": VENDOR / "d3" / "d3.min.js", "jquery": VENDOR / "jquery" / "jquery.min.js"}
DECIMALS = 3                  # weights rounded in the HTML: 3 decimals are plenty for line opacity, and small
MAX_NUMBERS = 400_000         # L·H·T² above this: the HTML would be many MB, so pages draw top-k lines instead

# require.js stand-in: bertviz calls requirejs(['jquery', 'd3'], function ($, d3) {...}).
SHIM = """
window.requirejs = window.require = function (deps, callback) {
  var found = {jquery: window.jQuery, d3: window.d3};
  callback.apply(window, deps.map(function (name) { return found[name]; }));
};
"""
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<style>body {{ margin: 0; background: {background}; color: {color}; }}</style>
<script>{d3}</script>
<script>{jquery}</script>
<script>{shim}</script>
</head><body>
{body}
</body></html>"""

_REQUIRE_TAG = re.compile(r"<script[^>]*\bsrc=[\"'][^\"']*require[^\"']*[\"'][^>]*>\s*</script>", re.IGNORECASE)
_REQUIRE_CONFIG = re.compile(r"require\.config\(\s*\{.*?\}\s*\}\s*\);?", re.DOTALL)


@cache
def vendor_script(name: str) -> str:
    """The minified library, read once per process."""
    return FILES[name].read_text(encoding="utf-8")


def offline(html: str, dark: bool = False) -> str:
    """bertviz's HTML → one self-contained document: no script is fetched from anywhere."""
    body = _REQUIRE_TAG.sub("", html)
    body = _REQUIRE_CONFIG.sub("", body)
    return PAGE.format(background="#111" if dark else "#fff", color="#eee" if dark else "#000",
                       d3=vendor_script("d3"), jquery=vendor_script("jquery"), shim=SHIM, body=body)


def for_bertviz(weights: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(L, H, T, T) weights → what bertviz expects: a tuple of L tensors (1, H, T, T), rounded.
    float64 after rounding, so ``tolist()`` writes 0.123 instead of 0.12300000339746475."""
    rounded = torch.round(weights.detach().double(), decimals=DECIMALS)   # (L, H, T, T)
    return tuple(layer[None] for layer in rounded)                         # L × (1, H, T, T)


def fits(n_layers: int, n_heads: int, n_tokens: int) -> bool:
    """Whether bertviz can show every line of every head without a multi-megabyte page."""
    return n_layers * n_heads * n_tokens ** 2 <= MAX_NUMBERS


def head_view_height(n_tokens: int) -> int:
    """Pixels the head view needs: bertviz draws T rows of 22.5 px under 30 px of heading, below the
    layer menu and the head colour boxes (≈ 50 px)."""
    return int(n_tokens * 22.5 + 30 + 60)


def model_view_height(n_layers: int, n_heads: int, n_tokens: int) -> int:
    """Pixels the model view needs, following bertviz's own layout: thumbnails of T rows × 7·12/H px,
    one per layer, under a 38 px axis; or the enlarged detail of one head if that is taller."""
    thumbnail = n_tokens * 7 * 12 / n_heads + 10
    detail = n_tokens * 18 + 30 + 25
    return int(max(n_layers * thumbnail + 38, detail) + 30)


_PARAMS = re.compile(r"const params = (\{.*?\}); //", re.DOTALL)


def one_based(html: str) -> str:
    """bertviz numbers layers and heads from 0; the app counts them from 1 everywhere. Only the names it
    shows change (``include_layers`` / ``include_heads`` / the starting ``layer``): its data is indexed by
    position in those lists, never by the numbers themselves."""
    found = _PARAMS.search(html)
    if found is None:
        return html
    params = json.loads(found.group(1))
    for name in ("include_layers", "include_heads"):
        if params.get(name) is not None:
            params[name] = [i + 1 for i in params[name]]
    if params.get("layer") is not None:
        params["layer"] += 1
    return html[:found.start(1)] + json.dumps(params) + html[found.end(1):]


def head_view_html(weights: torch.Tensor, tokens: list[str], sentence_b_start: int | None = None,
                   layer: int = 0, heads: list[int] | None = None) -> str:
    """bertviz head view of (L, H, T, T) attention weights, as an offline HTML document."""
    # imported here, not at the top: bertviz pulls in IPython, which only these two functions need
    from bertviz import head_view
    html = head_view(for_bertviz(weights), list(tokens), sentence_b_start=sentence_b_start, layer=layer,
                     heads=heads, html_action="return")
    return offline(one_based(html.data))


def model_view_html(weights: torch.Tensor, tokens: list[str], sentence_b_start: int | None = None) -> str:
    """bertviz model view (every layer × head as a thumbnail), as an offline HTML document."""
    from bertviz import model_view
    html = model_view(for_bertviz(weights), list(tokens), sentence_b_start=sentence_b_start,
                      display_mode="light", html_action="return")
    return offline(one_based(html.data))
