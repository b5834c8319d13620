"""The home page's map of the model: every block of BERT and of the encoder-decoder, with the live
shape of the tensor it hands on, each block a link to the page that opens it up.

Pure: a config and a sequence length in, a plotly figure out. A click on a block selects its point,
whose ``customdata`` is the page to open (the page switches; see views/home.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from transformer_core import TransformerConfig

from .i18n import Scope

TEXT = Scope("home", shared={"norm1": "glossary.add_norm", "norm2": "glossary.add_norm"})   # Block keys


SEQ_Y = -0.4            # the encoder-decoder row
HEADS_X = 10.4          # the column of BERT's three heads


@dataclass(frozen=True)
class Block:
    key: str          # TEXT key of its label
    x: float          # centre
    y: float
    shape: str        # the tensor it hands on, e.g. "1 × 12 × 256"
    page: str         # url path of the page that explains it
    colour: str


def blocks(config: TransformerConfig, seq_len: int) -> list[Block]:
    """Both rows of blocks with the live shapes for one sentence of seq_len pieces (batch 1)."""
    t, d, h, f, v = seq_len, config.d_model, config.n_heads, config.d_ff, config.vocab_size
    top = [("text", "“…”", "tokenization", "#e8eaf6"), ("tokens", f"1 × {t}", "tokenization", "#e8eaf6"),
           ("embed", f"1 × {t} × {d}", "embeddings", "#e3f2fd"), ("position", f"1 × {t} × {d}", "positions", "#e3f2fd"),
           ("mha", f"1 × {h} × {t} × {t}", "multi-head", "#fff3e0"), ("norm1", f"1 × {t} × {d}", "inside-layer",
                                                                         "#f1f8e9"),
           ("ffn", f"1 × {t} × {f}", "inside-layer", "#fce4ec"), ("norm2", f"1 × {t} × {d}", "inside-layer", "#f1f8e9")]
    row = [Block(k, i * 1.25, 2.0, s, p, c) for i, (k, s, p, c) in enumerate(top)]
    heads = [("mlm", f"1 × {t} × {v}", "mlm"), ("nsp", "1 × 2", "nsp"), ("cls", "1 × C", "sentiment")]
    row += [Block(k, HEADS_X, 2.9 - i * 0.9, s, p, "#ede7f6") for i, (k, s, p) in enumerate(heads)]
    bottom = [("src", "1 × S", "seq2seq"), ("encoder", f"1 × S × {d}", "seq2seq"), ("target", "1 × t", "seq2seq"),
              ("masked_self", f"1 × {h} × t × t", "seq2seq"), ("cross", f"1 × {h} × t × S", "seq2seq"),
              ("decode", "beams × t", "seq2seq")]
    row += [Block(k, 0.0 + i * 2.0, SEQ_Y, s, p, "#e0f2f1") for i, (k, s, p) in enumerate(bottom)]
    return row



def _path(fig: go.Figure, points: list[tuple[float, float]], label: str, dash: str = "solid") -> None:
    """A line through ``points`` ending in an arrow, with a label under its middle stretch."""
    xs, ys = zip(*points, strict=True)
    fig.add_trace(go.Scatter(x=xs[:-1], y=ys[:-1], mode="lines", hoverinfo="skip",
                             line={"color": "#607d8b", "width": 1.5, "dash": dash}))
    _arrow(fig, *points[-2], *points[-1])
    (xa, ya), (xb, _) = points[1], points[2]
    fig.add_annotation(x=(xa + xb) / 2, y=ya - 0.1, text=label, showarrow=False, font={"size": 11, "color": "#455a64"})


def _seq2seq_links(fig: go.Figure, seq: dict, lang: str) -> None:
    """The encoder's output feeds the cross-attention of every decoder layer; the decoder reads the target
    shifted right, and each token it writes is appended to it."""
    enc, cross, target, decode = seq["encoder"], seq["cross"], seq["target"], seq["decode"]
    _arrow(fig, seq["src"].x + 0.55, SEQ_Y, enc.x - 0.55, SEQ_Y)
    for a, b in ((target, seq["masked_self"]), (seq["masked_self"], cross), (cross, decode)):
        _arrow(fig, a.x + 0.55, SEQ_Y, b.x - 0.55, SEQ_Y)
    low = SEQ_Y - 0.75
    _path(fig, [(enc.x, SEQ_Y - 0.4), (enc.x, low), (cross.x, low), (cross.x, SEQ_Y - 0.4)], TEXT("memory", lang))
    lower = SEQ_Y - 1.25
    _path(fig, [(decode.x + 0.2, SEQ_Y - 0.4), (decode.x + 0.2, lower), (target.x, lower), (target.x, SEQ_Y - 0.4)],
          TEXT("feedback", lang), dash="dot")
    for blocks_in, name in (((enc, enc), "n_layers"), ((seq["masked_self"], cross), "n_layers")):
        first, last = blocks_in
        fig.add_shape(type="rect", x0=first.x - 0.7, x1=last.x + 0.7, y0=SEQ_Y - 0.5, y1=SEQ_Y + 0.5,
                      line={"color": "#ff7043", "width": 2, "dash": "dash"}, layer="below")
        fig.add_annotation(x=first.x - 0.7, y=SEQ_Y + 0.62, xanchor="left", showarrow=False,
                           font={"color": "#d84315"}, text=TEXT(name, lang))


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float) -> None:
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor="#607d8b", text="")


def map_figure(config: TransformerConfig, seq_len: int, lang: str = "en") -> go.Figure:
    """Boxes (shapes) with labels and live shapes; an invisible marker on each box carries its page."""
    fig = go.Figure()
    found = blocks(config, seq_len)
    for b in found:
        fig.add_shape(type="rect", x0=b.x - 0.6, x1=b.x + 0.6, y0=b.y - 0.4, y1=b.y + 0.4,
                      fillcolor=b.colour, line={"color": "#455a64", "width": 1}, layer="below")
    fig.add_trace(go.Scatter(
        x=[b.x for b in found], y=[b.y for b in found], mode="markers+text",
        text=[f"<b>{TEXT(b.key, lang)}</b><br><span style='font-size:10px'>{b.shape}</span>" for b in found],
        textfont={"size": 10}, marker={"size": 90, "symbol": "square", "opacity": 0.01},   # the whole box clicks
        customdata=[b.page for b in found], hovertemplate="%{text}<extra>→ /%{customdata}</extra>"))
    encoder = [b for b in found if b.y == 2.0 and b.x < HEADS_X]         # the heads column is not in the chain
    for a, b in zip(encoder, encoder[1:], strict=False):
        _arrow(fig, a.x + 0.55, a.y, b.x - 0.55, b.y)
    for head in (b for b in found if b.x == HEADS_X):
        _arrow(fig, encoder[-1].x + 0.55, encoder[-1].y, head.x - 0.55, head.y)
    _seq2seq_links(fig, {b.key: b for b in found if b.y == SEQ_Y}, lang)
    layer = encoder[4:]
    fig.add_shape(type="rect", x0=layer[0].x - 0.7, x1=layer[-1].x + 0.7, y0=1.45, y1=2.55,
                  line={"color": "#ff7043", "width": 2, "dash": "dash"}, layer="below")
    fig.add_annotation(x=layer[0].x - 0.7, y=2.68, xanchor="left", showarrow=False, font={"color": "#d84315"},
                       text=TEXT("layers", lang, n=config.n_layers))     # left end: clear of the heads
    fig.add_annotation(x=-0.5, y=3.35, showarrow=False, xanchor="left", font={"size": 14},
                       text=f"<b>{TEXT('encoder_row', lang)}</b>")
    fig.add_annotation(x=-0.5, y=0.45, showarrow=False, xanchor="left", font={"size": 14},
                       text=f"<b>{TEXT('seq_row', lang)}</b>")
    fig.update_xaxes(visible=False, range=[-0.8, 11.2])
    fig.update_yaxes(visible=False, range=[-1.9, 3.6])
    fig.update_layout(height=500, margin={"l": 5, "r": 5, "t": 10, "b": 5}, showlegend=False,
                      plot_bgcolor="white", paper_bgcolor="white", clickmode="event+select", dragmode=False)
    return fig
