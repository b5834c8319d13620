"""The tokenization page's pure logic: pieces in, a coloured grid of pieces / ids / segments / mask out.

BERT never sees letters. WordPiece cuts the text into pieces from a fixed vocabulary (a rare word
becomes several pieces: "playing" → play ##ing; a Chinese character is a piece of its own), each
piece is replaced by its row number (the id), and the template frames it: [CLS] A [SEP] B [SEP].
Two more rows travel with the ids: the token type (0 for sentence A, 1 for B) and the attention
mask (1 for a real piece, 0 for [PAD] added only to make a batch rectangular).
No Streamlit here: everything is unit-tested in tests/test_tokens_view.py.
"""
from __future__ import annotations

import html

import plotly.graph_objects as go

from transformer_core.tokenizer import Piece, WordSpan

from .encode import InputProblem, clean
from .i18n import LANGS, TERMS, Scope

# colours: one pastel per word (cycled), and one fixed colour per kind of special cell
WORD_COLOURS = ["#bfdbfe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#d9f99d"]
KIND_COLOURS = {"frame": "#475569", "pad": "#e5e7eb", "mask_tok": "#7c3aed", "unk": "#ef4444",
                "plain": "#f8fafc", "seg_a": "#dbeafe", "seg_b": "#ffedd5", "on": "#bbf7d0", "off": "#d1d5db"}
COLOURS = WORD_COLOURS + list(KIND_COLOURS.values())
CODE = {name: len(WORD_COLOURS) + i for i, name in enumerate(KIND_COLOURS)}   # kind → colour index

TEXT = Scope("tokens", shared={f"row_{name}": f"glossary.{name}" for name in ("position", "piece", "id")})


def usable(text: str | None) -> bool:
    """Whether a sentence has anything left after cleaning (the second sentence is optional: an empty or
    invisible one is simply left out rather than reported)."""
    try:
        clean(text)
    except InputProblem:
        return False
    return True


def word_keys(pieces: list[Piece]) -> dict[tuple[int, int], int]:
    """(segment, word) → 0, 1, 2… in reading order: the colour number of each word."""
    keys: dict[tuple[int, int], int] = {}
    for p in pieces:
        if p.word_index is not None and not p.is_special:
            keys.setdefault((p.segment, p.word_index), len(keys))
    return keys


def piece_kind(piece: Piece) -> str:
    """Which colour family a piece belongs to: a word, or one of the special tokens."""
    if piece.token == "[PAD]":
        return "pad"
    if piece.token == "[MASK]":
        return "mask_tok"
    if piece.is_unknown:
        return "unk"
    if piece.is_special or piece.word_index is None:
        return "frame"
    return "word"


def pad_to(pieces: list[Piece], length: int, pad_id: int) -> tuple[list[Piece], list[int]]:
    """The pieces filled up with [PAD] to ``length`` (no change when already as long), and the attention mask:
    1 for each real piece, 0 for each pad."""
    n_pad = max(0, length - len(pieces))
    pad = Piece(id=pad_id, token="[PAD]", start=None, end=None, word_index=None, segment=0,
                is_special=True, is_unknown=False)
    return list(pieces) + [pad] * n_pad, [1] * len(pieces) + [0] * n_pad


def short(token: str, limit: int = 10) -> str:
    """A long piece cut to fit its cell (the hover shows it whole)."""
    return token if len(token) <= limit else token[:limit - 1] + "…"


def _cell_hover(piece: Piece, index: int, sources: tuple[str, str | None], lang: str) -> str:
    if piece.token == "[PAD]":
        detail = TEXT("hover_pad", lang)
    elif piece.start is None:
        detail = TEXT("hover_special", lang)
    else:
        detail = TEXT("hover_word", lang, word=(sources[piece.segment] or "")[piece.start:piece.end])
    return f"#{index} {html.escape(piece.token)} · id {piece.id}<br>{html.escape(detail)}"


def token_grid(pieces: list[Piece], lang: str = "en", mask: list[int] | None = None, per_line: int = 16,
               rows: tuple[str, ...] = ("position", "piece", "id", "type", "mask"),
               sources: tuple[str, str | None] = ("", None)) -> go.Figure:
    """A grid with one column per piece, wrapped every ``per_line`` pieces; each block of lines shows the
    requested rows. Colours: a pastel per word, fixed colours for the special tokens (see KIND_COLOURS)."""
    mask = mask if mask is not None else [0 if p.token == "[PAD]" else 1 for p in pieces]
    colour_of = word_keys(pieces)
    step = len(rows) + 1                                   # rows per block, plus one empty spacer row
    n_blocks = max(1, -(-len(pieces) // per_line))
    z = [[None] * per_line for _ in range(n_blocks * step - 1)]
    text = [[""] * per_line for _ in range(n_blocks * step - 1)]
    hover = [[""] * per_line for _ in range(n_blocks * step - 1)]
    for i, piece in enumerate(pieces):
        block, col = divmod(i, per_line)
        kind = piece_kind(piece)
        colour = colour_of[piece.segment, piece.word_index] % len(WORD_COLOURS) if kind == "word" else CODE[kind]
        values = {"position": (str(i), CODE["plain"]), "id": (str(piece.id), CODE["plain"]),
                  "piece": (html.escape(short(piece.token)), colour),
                  "type": (str(piece.segment), CODE["seg_b" if piece.segment else "seg_a"]),
                  "mask": (str(mask[i]), CODE["on" if mask[i] else "off"])}
        for r, row in enumerate(rows):
            y = block * step + r
            text[y][col], code = values[row]
            z[y][col] = code + 0.5                        # the middle of its colour band (see colorscale)
            hover[y][col] = _cell_hover(piece, i, sources, lang)
    n = len(COLOURS)
    scale = [[edge, colour] for k, colour in enumerate(COLOURS) for edge in (k / n, (k + 1) / n)]
    fig = go.Figure(go.Heatmap(z=z, text=text, texttemplate="%{text}", customdata=hover,
                               hovertemplate="%{customdata}<extra></extra>", colorscale=scale, zmin=0, zmax=n,
                               showscale=False, xgap=2, ygap=2, textfont={"size": 13}))
    ticks = [b * step + r for b in range(n_blocks) for r in range(len(rows))]
    fig.update_yaxes(autorange="reversed", tickvals=ticks, ticktext=[TEXT(f"row_{rows[t % step]}", lang)
                                                                      for t in ticks], showgrid=False, zeroline=False,
                     automargin=True)
    fig.update_xaxes(visible=False)
    fig.update_layout(height=40 + 30 * len(z), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      plot_bgcolor="white", paper_bgcolor="white")
    return fig


def word_records(spans: list[WordSpan], pieces: list[Piece], lang: str = "en") -> list[dict]:
    """One row per word: the pieces it became and their ids (a dataframe for the page)."""
    names = ("A", "B")
    return [{TERMS("sentence", lang): names[s.segment], TEXT("col_word", lang): s.text,
             TEXT("col_pieces", lang): " ".join(pieces[i].token for i in s.piece_indices),
             TEXT("col_ids", lang): " ".join(str(pieces[i].id) for i in s.piece_indices)} for s in spans]


def stats(pieces: list[Piece]) -> dict[str, float]:
    """Words, pieces (with [CLS]/[SEP]), pieces per word, [UNK] count."""
    words = len(word_keys(pieces))
    in_words = sum(1 for p in pieces if p.word_index is not None and not p.is_special)
    return {"words": words, "pieces": len(pieces), "ratio": in_words / words if words else 0.0,
            "unknown": sum(p.is_unknown for p in pieces)}


def unknown_sources(pieces: list[Piece], text: str, pair: str | None = None) -> list[str]:
    """The original characters behind each [UNK] piece, without repeats, in reading order."""
    found: list[str] = []
    for p in pieces:
        if p.is_unknown and p.start is not None:
            chars = (text, pair)[p.segment][p.start:p.end]
            if chars not in found:
                found.append(chars)
    return found


def other_language(model_lang: str, ui_lang: str) -> str:
    """The language of the side-by-side example: the one the picked model is not (or the one the reader
    is not reading, when the model's language is unknown)."""
    own = model_lang if model_lang in LANGS else ui_lang
    return next(other for other in LANGS if other != own)


def source_for(sources, lang: str):
    """The first encoder model made for ``lang`` (ModelSource.lang), or None."""
    return next((s for s in sources if s.is_encoder and s.lang == lang), None)


def fallback_note(pieces: list[Piece], language: str, lang: str) -> str:
    """What to say when the example is read by the picked model's tokenizer instead of a native one."""
    any_unknown = any(p.is_unknown for p in pieces)
    return TEXT("fallback_unk" if any_unknown else "fallback_ok", lang, language=language)

