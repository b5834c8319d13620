"""The BERT block diagram, drawn with plotly shapes so it follows the config the learner typed.

Top to bottom, in the order the data flows (the same order as the shape table): input ids →
token / segment / position embeddings → N × [attention → Add & Norm → FFN → Add & Norm] →
MLM and NSP heads. Boxes carry parameter counts, the right margin carries tensor shapes, and
the residual connections are drawn as the bypass lines they are. Pre-LN moves each LayerNorm
in front of its sublayer, and the diagram moves it too.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from transformer_core import TransformerConfig

from .i18n import ARCH, TERMS
from .params import format_count, parameter_table

COLORS = {"input": "#eeeeee", "emb": "#fbd3d3", "norm": "#fff2b3", "attn": "#ffd8a8",
          "ffn": "#c7e3f7", "head": "#c9efd5"}
LEFT, RIGHT, CENTER = 0.7, 7.5, 4.1          # main column (x units); shapes are noted right of RIGHT
BODY_L, BODY_R = 1.9, 7.5                    # layer boxes leave room on the left for residual lines
GAP, UNIT_PX = 0.5, 56                       # vertical gap between boxes; pixels per y unit


@dataclass
class _Canvas:
    """Collects plotly shapes and annotations while a cursor walks down the page."""

    y: float = 0.2
    shapes: list = None
    notes: list = None

    def __post_init__(self):
        self.shapes, self.notes = [], []

    def box(self, x0, x1, h, color, title, sub="") -> tuple[float, float]:
        """A filled box at the cursor with a bold title and an optional smaller second line."""
        y0, y1 = self.y, self.y + h
        self.y = y1
        self.shapes.append(dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=color,
                                line=dict(color="#555", width=1.2)))
        text = f"<b>{title}</b>" + (f"<br><span style='font-size:11px'>{sub}</span>" if sub else "")
        self.notes.append(dict(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False,
                               font=dict(size=13, color="#222")))
        return y0, y1

    def side(self, y, text) -> None:
        """A tensor shape (or other note) in the right margin, level with a box."""
        self.notes.append(dict(x=RIGHT + 0.35, y=y, text=text, showarrow=False, xanchor="left",
                               font=dict(size=12, color="#1f4e79", family="monospace"), align="left"))

    def arrow(self, x0, y0, x1, y1) -> None:
        self.notes.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                               text="", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                               arrowcolor="#444"))

    def down(self, h: float = GAP, x: float = CENTER) -> None:
        """Advance the cursor by a gap with an arrow in it: data flows down to the next box."""
        self.arrow(x, self.y, x, self.y + h)
        self.y += h


def _dims(config: TransformerConfig) -> dict[str, str]:
    return dict(D=str(config.d_model), H=str(config.n_heads), Dh=str(config.d_head),
                F=str(config.d_ff), V=str(config.vocab_size))


def _params(rows, lang, part=None, components=()) -> str:
    n = sum(r.each for r in rows if r.part == part or r.component in components)
    return ARCH("d_params", lang, p=format_count(n)) if n else ARCH("d_no_params", lang)


def _embeddings(c: _Canvas, config: TransformerConfig, rows, lang: str) -> None:
    """Three embedding tables side by side (segment only when the model has segments)."""
    learned = config.position == "learned"
    pos_title = ARCH("d_position" if learned else f"d_position_{config.position}", lang)
    boxes = [(ARCH("d_token", lang), f"{config.vocab_size} × {config.d_model}", ("c_word",))]
    if config.type_vocab_size:
        boxes.append((ARCH("d_segment", lang), f"{config.type_vocab_size} × {config.d_model}", ("c_segment",)))
    pos_dims = f"{config.max_len} × {config.d_model}" if config.position == "learned" else ""
    boxes.append((pos_title, pos_dims, ("c_position",)))
    width = (RIGHT - LEFT - 0.3 * (len(boxes) - 1)) / len(boxes)
    top = c.y
    for i, (title, dims, comps) in enumerate(boxes):
        x0 = LEFT + i * (width + 0.3)
        sub = "<br>".join(s for s in (dims, _params(rows, lang, components=comps)) if s)
        c.y = top
        c.box(x0, x0 + width, 1.25, COLORS["emb"], title, sub)
        c.arrow(x0 + width / 2, top + 1.25, CENTER, top + 1.25 + GAP)
    c.y = top + 1.25 + GAP


def _sublayers(config: TransformerConfig, rows, lang: str) -> list[tuple[str, str, str, str]]:
    """(title, subtitle, colour, shape note) for attention and the feed-forward net."""
    d = _dims(config)
    attn_params = _params(rows, lang, components=("c_wq", "c_wk", "c_wv", "c_wo"))
    ffn_params = _params(rows, lang, components=("c_ffn_w1", "c_ffn_w2"))
    return [(ARCH("d_mha", lang), ARCH("d_heads", lang, h=d["H"], dh=d["Dh"]) + " · " + attn_params, COLORS["attn"],
             f"Q, K, V:<br>B × {d['H']} × T × {d['Dh']}<br>scores:<br>B × {d['H']} × T × T"),
            (ARCH("d_ffn", lang), f"{d['D']} → {d['F']} → {d['D']}, {config.activation.upper()} · " + ffn_params,
             COLORS["ffn"], f"hidden: B × T × {d['F']}")]


def _layer(c: _Canvas, config: TransformerConfig, rows, lang: str) -> None:
    """One encoder layer as boxes, inside a dashed frame labelled '× N'; residual lines on the left."""
    frame_top = c.y
    per_layer = format_count(sum(r.each for r in rows if r.part == "part_layer"))
    c.notes.append(dict(x=RIGHT + 0.35, y=frame_top + 0.1, showarrow=False, xanchor="left", yanchor="top",
                        text=f"<b>{ARCH('d_frame', lang, n=config.n_layers)}</b><br>"
                             f"{ARCH('d_per_layer', lang, p=per_layer)}",
                        font=dict(size=13, color="#555"), align="left"))
    for i, (title, sub, color, shape_note) in enumerate(_sublayers(config, rows, lang)):
        c.down(1.1 if i == 0 else GAP)                            # first gap leaves room for the frame label
        branch = c.y - 0.25                                       # the residual leaves the main line here
        if config.norm_first:                                     # pre-LN: normalise the sublayer's input only
            c.box(BODY_L, BODY_R, 0.5, COLORS["norm"], ARCH("d_layernorm", lang))
            c.down()
        y0, y1 = c.box(BODY_L, BODY_R, 0.9, color, title, sub)
        c.side((y0 + y1) / 2, shape_note)
        c.down()
        a0, a1 = c.box(BODY_L, BODY_R, 0.5, COLORS["norm"],
                       ARCH("d_add", lang) if config.norm_first else TERMS("add_norm", lang))
        _residual(c, branch, (a0 + a1) / 2, lang)
    c.side(c.y - 0.25, f"B × T × {config.d_model}")
    c.shapes.append(dict(type="rect", x0=LEFT, x1=RIGHT + 0.1, y0=frame_top, y1=c.y + 0.2,
                         line=dict(color="#888", width=1.5, dash="dash"), fillcolor="rgba(0,0,0,0)"))
    c.y += 0.2


def _residual(c: _Canvas, y_from: float, y_to: float, lang: str) -> None:
    """The skip connection: branch off the main line, run down the left, re-enter at Add."""
    x = LEFT + 0.45
    c.shapes.append(dict(type="path", path=f"M {CENTER},{y_from} L {x},{y_from} L {x},{y_to}",
                         line=dict(color="#777", width=1.5)))
    c.arrow(x, y_to, BODY_L, y_to)
    c.notes.append(dict(x=x - 0.08, y=(y_from + y_to) / 2, text=ARCH("d_residual", lang), textangle=-90,
                        showarrow=False, font=dict(size=10, color="#777")))


def _heads(c: _Canvas, config: TransformerConfig, rows, lang: str) -> None:
    """MLM head on the left (every position), pooler → NSP on the right ([CLS] only)."""
    mid = (LEFT + RIGHT) / 2
    top = c.y
    c.box(LEFT, mid - 0.2, 1.4, COLORS["head"], ARCH("d_mlm", lang), ARCH("d_mlm_sub", lang) + "<br>" +
          _params(rows, lang, part="part_mlm") + "<br>" + ARCH("d_tied", lang))
    c.y = top
    c.box(mid + 0.2, RIGHT, 1.4, COLORS["head"], ARCH("d_nsp", lang), ARCH("d_nsp_sub", lang) + "<br>" +
          _params(rows, lang, components=("c_pooler", "c_nsp")))
    c.arrow(CENTER, top - GAP, (LEFT + mid) / 2, top)             # fan out from the single arrow above
    c.arrow(CENTER, top - GAP, (mid + RIGHT) / 2, top)
    c.y = top + 1.4
    for x, text in (((LEFT + mid) / 2, f"B × T × {config.vocab_size}"), ((mid + RIGHT) / 2, "B × 2")):
        c.arrow(x, c.y, x, c.y + 0.4)
        c.notes.append(dict(x=x, y=c.y + 0.65, text=text, showarrow=False,
                            font=dict(size=12, color="#1f4e79", family="monospace")))
    c.y += 0.9


def architecture_figure(config: TransformerConfig, lang: str = "en") -> go.Figure:
    """A block diagram of ``BertForPreTraining(config)`` annotated with shapes and parameter counts."""
    rows, c = parameter_table(config), _Canvas()
    c.box(LEFT, RIGHT, 0.6, COLORS["input"], ARCH("d_input", lang))
    c.side(0.5, "B × T")
    c.down()
    _embeddings(c, config, rows, lang)
    y0, y1 = c.box(LEFT, RIGHT, 0.7, COLORS["norm"], ARCH("d_sum_norm", lang),
                   _params(rows, lang, components=("c_emb_norm",)))
    c.side((y0 + y1) / 2, f"B × T × {config.d_model}")
    c.down()
    _layer(c, config, rows, lang)
    if config.norm_first:                                         # pre-LN leaves the stream un-normalised
        c.down()
        c.box(LEFT, RIGHT, 0.5, COLORS["norm"], ARCH("d_final_norm", lang))
    c.y += GAP
    _heads(c, config, rows, lang)
    return _layout(c)


def _layout(c: _Canvas) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(shapes=c.shapes, annotations=c.notes, height=int(c.y * UNIT_PX) + 20,
                      margin=dict(l=10, r=10, t=10, b=10), showlegend=False,
                      paper_bgcolor="white", plot_bgcolor="white", dragmode=False)
    fig.update_xaxes(range=[0.3, 11.0], visible=False, fixedrange=True)
    fig.update_yaxes(range=[c.y + 0.1, 0], visible=False, fixedrange=True)
    return fig
