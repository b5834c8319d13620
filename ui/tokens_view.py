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
from .i18n import tr

EXAMPLES = {"en": "Tokenizers split unbelievable words into pieces.", "zh": "注意力机制让模型关注重要的词。"}
LANG_NAMES = {"en": {"en": "English", "zh": "英文"}, "zh": {"en": "Chinese", "zh": "中文"}}

# colours: one pastel per word (cycled), and one fixed colour per kind of special cell
WORD_COLOURS = ["#bfdbfe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#d9f99d"]
KIND_COLOURS = {"frame": "#475569", "pad": "#e5e7eb", "mask_tok": "#7c3aed", "unk": "#ef4444",
                "plain": "#f8fafc", "seg_a": "#dbeafe", "seg_b": "#ffedd5", "on": "#bbf7d0", "off": "#d1d5db"}
COLOURS = WORD_COLOURS + list(KIND_COLOURS.values())
CODE = {name: len(WORD_COLOURS) + i for i, name in enumerate(KIND_COLOURS)}   # kind → colour index

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Tokenization: from text to ids", "zh": "分词：从文本到 ID"},
    "intro": {
        "en": "A Transformer reads numbers, not letters. The tokenizer cuts the sentence into **word pieces** "
              "from a fixed vocabulary: common words stay whole, rare words break into pieces that continue with "
              "`##` (playing → play ##ing), and each Chinese character is a piece of its own. Every piece is "
              "then replaced by its **id**, its row in the embedding table. BERT frames the input as "
              "[CLS] sentence A [SEP] sentence B [SEP]; the **token type** row says which sentence a piece "
              "belongs to, and the **attention mask** row says which pieces are real (1) and which are padding (0).",
        "zh": "Transformer 读的是数字，而不是字母。分词器用一个固定的词表把句子切成**词元**（word piece）：常见词"
              "保持完整，少见的词被拆成几块，后续部分以 `##` 开头（playing → play ##ing），每个汉字单独成为一个"
              "词元。然后每个词元被换成它的 **ID**，也就是它在嵌入表中的行号。BERT 把输入组织成 [CLS] 句子 A [SEP] "
              "句子 B [SEP]；**句段编号**（token type）一行说明词元属于哪个句子，**注意力掩码**（attention mask）"
              "一行说明哪些是真实词元（1），哪些只是填充（0）。"},
    "formula_caption": {
        "en": "Token type ids are 0 for [CLS], sentence A and its [SEP], then 1 for sentence B; the mask is 1 for "
              "every real piece and 0 for [PAD].",
        "zh": "[CLS]、句子 A 及其 [SEP] 的句段编号为 0，句子 B 为 1；真实词元的掩码为 1，[PAD] 为 0。"},
    "grid_header": {"en": "Your sentence as the model reads it", "zh": "模型读到的句子"},
    "grid_caption": {
        "en": "Pieces of the same word share a colour. Dark grey: [CLS]/[SEP] added by the template; red: [UNK]; "
              "purple: [MASK]; light grey: [PAD]. Hover a cell for the characters it came from.",
        "zh": "同一个词的词元颜色相同。深灰：模板加入的 [CLS]/[SEP]；红色：[UNK]；紫色：[MASK]；浅灰：[PAD]。"
              "把鼠标移到格子上可以看到它来自原文的哪些字符。"},
    "row_position": {"en": "position", "zh": "位置"},
    "row_piece": {"en": "piece", "zh": "词元"},
    "row_id": {"en": "id", "zh": "ID"},
    "row_type": {"en": "token type", "zh": "句段编号"},
    "row_mask": {"en": "attention mask", "zh": "注意力掩码"},
    "hover_word": {"en": "from “{word}”", "zh": "来自“{word}”"},
    "hover_special": {"en": "added by the template", "zh": "由模板加入"},
    "hover_pad": {"en": "padding: attention mask 0", "zh": "填充：注意力掩码为 0"},
    "m_words": {"en": "Words (and punctuation)", "zh": "词数（含标点）"},
    "m_pieces": {"en": "Pieces (with [CLS]/[SEP])", "zh": "词元数（含 [CLS]/[SEP]）"},
    "m_ratio": {"en": "Pieces per word", "zh": "每词词元数"},
    "m_unknown": {"en": "[UNK] pieces", "zh": "[UNK] 词元"},
    "words_header": {"en": "Which pieces each word became", "zh": "每个词被切成了哪些词元"},
    "col_segment": {"en": "Sentence", "zh": "句子"},
    "col_word": {"en": "Word", "zh": "词"},
    "col_pieces": {"en": "Pieces", "zh": "词元"},
    "col_ids": {"en": "Ids", "zh": "ID"},
    "unk_explain": {
        "en": "[UNK] means “unknown”: the vocabulary has no piece that can spell {chars}. WordPiece can break any "
              "word into smaller pieces, down to single characters, but a character that is not in the vocabulary "
              "at all (an emoji, a rare script, a Chinese character in an English-only vocabulary) has nothing to "
              "break into, so the whole word becomes [UNK] and the model cannot tell such words apart.",
        "zh": "[UNK] 表示“未知”：词表里没有能拼出 {chars} 的词元。WordPiece 可以把任何词拆成更小的词元，直到单个"
              "字符；但如果某个字符根本不在词表里（表情符号、罕见文字、纯英文词表中的汉字），就无处可拆，整个词都会"
              "变成 [UNK]，模型也就分不清这些词了。"},
    "side_header": {"en": "English and Chinese side by side", "zh": "英文和中文对照"},
    "side_intro": {
        "en": "English words are split by spaces and punctuation, then into pieces; Chinese has no spaces, and "
              "BERT-style tokenizers simply make every Chinese character its own piece.",
        "zh": "英文先按空格和标点分词，再切成词元；中文没有空格，BERT 风格的分词器直接把每个汉字作为一个词元。"},
    "yours": {"en": "Your sentence · {model}", "zh": "你的句子 · {model}"},
    "other_box": {"en": "An example in {language}", "zh": "一个{language}例子"},
    "other_by": {"en": "Tokenized by {model}, a {language} model.", "zh": "由{language}模型 {model} 分词。"},
    "fallback_unk": {
        "en": "No {language} model is installed, so the picked model's tokenizer reads this. Its vocabulary lacks "
              "some of these characters, so they become [UNK] (red).",
        "zh": "没有安装{language}模型，所以用当前模型的分词器来读。它的词表里缺少其中一些字符，"
              "于是它们变成了 [UNK]（红色）。"},
    "fallback_ok": {
        "en": "No {language} model is installed, so the picked model's tokenizer reads this: each Chinese "
              "character becomes one piece (or [UNK] when the vocabulary lacks it), and English words break into "
              "whatever pieces this vocabulary has.",
        "zh": "没有安装{language}模型，所以用当前模型的分词器来读：每个汉字成为一个词元（词表中没有时为 [UNK]），"
              "英文词则被拆成这个词表里有的词元。"},
    "pad_header": {"en": "Padding to a batch", "zh": "填充成一个批次"},
    "pad_intro": {
        "en": "A batch is one rectangular tensor, so shorter sentences are filled up with [PAD] to the longest "
              "length. The attention mask is 0 there: no token attends to padding, so the real pieces get the same "
              "result as without it.",
        "zh": "一个批次是一个矩形张量，所以较短的句子要用 [PAD] 填到最长的长度。这些位置的注意力掩码为 0："
              "没有词元会关注填充位置，所以真实词元的结果与不填充时相同。"},
    "pad_length": {"en": "Pad to length", "zh": "填充到长度"},
    "pad_full": {"en": "This sentence already uses all {n} positions the model has (max_len), so there is no room "
                       "for padding.",
                 "zh": "这个句子已经用满了模型的全部 {n} 个位置（max_len），没有空间再填充。"},
    "pair_toggle": {"en": "Add the second sentence as segment B", "zh": "把第二个句子作为句段 B 加入"},
}


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
        detail = tr(TEXT, "hover_pad", lang)
    elif piece.start is None:
        detail = tr(TEXT, "hover_special", lang)
    else:
        detail = tr(TEXT, "hover_word", lang, word=(sources[piece.segment] or "")[piece.start:piece.end])
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
    fig.update_yaxes(autorange="reversed", tickvals=ticks, ticktext=[tr(TEXT, f"row_{rows[t % step]}", lang)
                                                                      for t in ticks], showgrid=False, zeroline=False,
                     automargin=True)
    fig.update_xaxes(visible=False)
    fig.update_layout(height=40 + 30 * len(z), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      plot_bgcolor="white", paper_bgcolor="white")
    return fig


def word_records(spans: list[WordSpan], pieces: list[Piece], lang: str = "en") -> list[dict]:
    """One row per word: the pieces it became and their ids (a dataframe for the page)."""
    names = ("A", "B")
    return [{tr(TEXT, "col_segment", lang): names[s.segment], tr(TEXT, "col_word", lang): s.text,
             tr(TEXT, "col_pieces", lang): " ".join(pieces[i].token for i in s.piece_indices),
             tr(TEXT, "col_ids", lang): " ".join(str(pieces[i].id) for i in s.piece_indices)} for s in spans]


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
    own = model_lang if model_lang in EXAMPLES else ui_lang
    return "en" if own == "zh" else "zh"


def source_for(sources, lang: str):
    """The first encoder model made for ``lang`` (ModelSource.lang), or None."""
    return next((s for s in sources if s.is_encoder and s.lang == lang), None)


def fallback_note(pieces: list[Piece], language: str, lang: str) -> str:
    """What to say when the example is read by the picked model's tokenizer instead of a native one."""
    any_unknown = any(p.is_unknown for p in pieces)
    return tr(TEXT, "fallback_unk" if any_unknown else "fallback_ok", lang, language=language)

