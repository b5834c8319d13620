"""Next-sentence prediction: segments A and B, the [CLS] vector, and P(IsNext) from BERT's NSP head.

Pure functions (trace / model in → numbers and plotly figures out), unit-tested without Streamlit.
Shapes: T tokens, D = d_model. A trace holds a batch of one, so ``[0]`` drops B.
"""
from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from transformer_core.trace import ModelTrace

from . import colors
from .layer_view import BLUE, GREY, ORANGE, tidy

MAX_DIMS = 256           # vectors wider than this are drawn as their first MAX_DIMS dimensions

# Unrelated sentences for the "random B" button: after any A, these should look like NotNext.
RANDOM_SENTENCES = {
    "en": ["Penguins cannot fly, but they swim very well.", "The train to the airport leaves every ten minutes.",
           "She bought three kilos of apples at the market.", "Volcanoes can stay quiet for hundreds of years.",
           "My phone battery died in the middle of the call.", "The museum is closed on Mondays.",
           "He learned to play the violin at the age of forty.", "Salt water freezes at a lower temperature."],
    "zh": ["企鹅不会飞，但是很会游泳。", "去机场的火车每十分钟一班。", "她在市场上买了三公斤苹果。",
           "火山可以沉睡几百年。", "打电话打到一半，手机没电了。", "博物馆星期一闭馆。",
           "他四十岁才开始学小提琴。", "盐水结冰的温度更低。"],
}

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Next sentence prediction", "zh": "下一句预测"},
    "intro": {
        "en": "BERT's second pretraining task: it reads two sentences packed into one input, "
              "[CLS] A [SEP] B [SEP], and decides whether B really followed A in the text (IsNext) or was picked "
              "at random (NotNext). Half of the training pairs were real, half random. The answer is read from "
              "the vector of the [CLS] token, which can attend to every piece of both sentences.",
        "zh": "BERT 的第二个预训练任务：把两个句子拼成一个输入 [CLS] A [SEP] B [SEP]，判断 B 是否真的是原文中"
              "A 的下一句（IsNext），还是随机挑来的（NotNext）。训练数据中一半是真实的下一句，一半是随机句子。"
              "答案来自 [CLS] 词元的向量——它可以关注两个句子中的每一个词元。"},
    "formula_caption": {
        "en": "h_[CLS] is the top-layer vector of [CLS]; the pooler squashes it with tanh; a 2-way linear layer "
              "and softmax give P(IsNext) and P(NotNext).",
        "zh": "h_[CLS] 是 [CLS] 的顶层向量；池化层用 tanh 压缩它；再经过一个二分类线性层和 softmax，"
              "得到 P(IsNext) 与 P(NotNext)。"},
    "needs_nsp": {"en": "{model} has no next-sentence head (only BertForPreTraining has one); showing {other} instead.",
                  "zh": "{model} 没有下一句预测头（只有 BertForPreTraining 才有）；改用 {other}。"},
    "no_nsp": {"en": "None of the available models has a next-sentence head. Open a BertForPreTraining folder "
                     "in the sidebar to try this page.",
               "zh": "可用的模型都没有下一句预测头。请在侧边栏打开一个 BertForPreTraining 模型文件夹再试。"},
    "empty_pair": {"en": "Sentence B is empty. Type a second sentence in the sidebar (“Second sentence”), or press "
                         "“Random sentence as B” below.",
                   "zh": "句子 B 是空的。请在侧边栏的“第二个句子”中输入，或点击下面的“随机句子作为 B”。"},
    "random_b": {"en": "Random sentence as B", "zh": "随机句子作为 B"},
    "random_help": {"en": "An unrelated sentence: P(IsNext) should drop (for a trained model).",
                    "zh": "一个不相关的句子：（对训练好的模型来说）P(IsNext) 应该下降。"},
    "swap": {"en": "⇅ Swap A and B", "zh": "⇅ 交换 A 和 B"},
    "swap_help": {"en": "B before A: the order matters to NSP.", "zh": "把 B 放到 A 前面：顺序对 NSP 很重要。"},
    "segments_header": {"en": "Two sentences, one input", "zh": "两个句子，一个输入"},
    "segments_caption": {
        "en": "Every piece carries a segment id: 0 for [CLS], sentence A and the first [SEP]; 1 for sentence B and "
              "the last [SEP]. The model adds the matching segment embedding (one learned vector for A, one for "
              "B) to each piece, so attention can tell the two sentences apart.",
        "zh": "每个词元都带有句段编号：[CLS]、句子 A 和第一个 [SEP] 为 0；句子 B 和最后一个 [SEP] 为 1。模型给"
              "每个词元加上对应的句段嵌入（A 一个可学习向量，B 一个），这样注意力就能区分两个句子。"},
    "piece": {"en": "piece", "zh": "词元"},
    "segment": {"en": "segment", "zh": "句段"},
    "seg_vectors": {"en": "The two segment embeddings (first {n} of {d} dimensions)",
                    "zh": "两个句段嵌入（{d} 维中的前 {n} 维）"},
    "result_header": {"en": "Is B the next sentence?", "zh": "B 是下一句吗？"},
    "is_next": {"en": "IsNext", "zh": "IsNext（是下一句）"},
    "not_next": {"en": "NotNext", "zh": "NotNext（不是下一句）"},
    "p_is_next": {"en": "P(IsNext)", "zh": "P(IsNext)"},
    "cls_header": {"en": "The [CLS] vector the decision is made from", "zh": "做出判断所用的 [CLS] 向量"},
    "cls_caption": {
        "en": "Top: the last layer's raw vector at [CLS]. Bottom: after the pooler, tanh(W·h + b), every number "
              "lies between −1 and 1; the NSP head is a single linear layer on this pooled vector.",
        "zh": "上图：最后一层在 [CLS] 处的原始向量。下图：经过池化层 tanh(W·h + b) 后，每个数都在 −1 和 1 "
              "之间；NSP 头就是作用在这个池化向量上的一个线性层。"},
    "raw": {"en": "h_[CLS] (last layer)", "zh": "h_[CLS]（最后一层）"},
    "pooled": {"en": "pooled: tanh(W·h_[CLS] + b)", "zh": "池化后：tanh(W·h_[CLS] + b)"},
    "dimension": {"en": "dimension", "zh": "维度"},
}

FORMULA = (r"P(\text{IsNext}) = \mathrm{softmax}\big(W_{\text{NSP}}\,\tanh(W_{\text{pool}}\,h_{\text{[CLS]}}"
           r" + b_{\text{pool}}) + b_{\text{NSP}}\big)_0")


def random_sentence(lang: str, turn: int, avoid: str = "") -> str:
    """The built-in unrelated sentence number ``turn`` (cycling), skipping the one already in B."""
    options = RANDOM_SENTENCES.get(lang, RANDOM_SENTENCES["en"])
    for i in range(len(options)):
        choice = options[(turn + i) % len(options)]
        if choice.strip() != (avoid or "").strip():
            return choice
    return options[0]


def segment_figure(encoded, lang: str = "en") -> go.Figure:
    """A strip of the pieces coloured by segment (A blue, B orange), with the segment id underneath."""
    seg = encoded.type_ids
    names = [TEXT["piece"][lang], TEXT["segment"][lang]]
    text = [encoded.tokens, [f"{s} ({'AB'[s]})" for s in seg]]
    fig = go.Figure(go.Heatmap(z=[seg, seg], x=list(range(len(seg))), y=names, text=text, texttemplate="%{text}",
                               textfont={"size": 13 if len(seg) <= 24 else 10 if len(seg) <= 48 else 7},
                               zmin=0, zmax=1, colorscale=[[0, "#c6dbef"], [1, "#fdd0a2"]], showscale=False,
                               xgap=2, ygap=2, hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(xaxis={"showticklabels": False}, yaxis={"autorange": "reversed"}, height=150,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return tidy(fig)


def segment_vectors(trace: ModelTrace, encoded) -> torch.Tensor | None:
    """(2, D) the segment-A and segment-B embeddings that were added, or None (no segments, or no B)."""
    seg = trace.embeddings.segment
    if seg is None or 1 not in encoded.type_ids:
        return None
    a, b = encoded.type_ids.index(0), encoded.type_ids.index(1)
    return torch.stack([seg[0, a], seg[0, b]])                               # (2, D)


def vectors_figure(rows: torch.Tensor, names: list[str], lang: str = "en", limit: int = MAX_DIMS) -> go.Figure:
    """Heatmap of a few vectors (rows) over their first ``limit`` dimensions."""
    z = rows[:, :limit]                                                      # (n, ≤ limit)
    fig = go.Figure(go.Heatmap(z=z.tolist(), x=list(range(z.shape[1])), y=names, **colors.signed(z),
                               hovertemplate="%{y} · dim %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(xaxis={"title": TEXT["dimension"][lang]}, yaxis={"autorange": "reversed"},
                      height=110 + 40 * len(names),
                      margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return tidy(fig)


def nsp_figure(probs: torch.Tensor, lang: str = "en") -> go.Figure:
    """Two bars: P(IsNext) (index 0) and P(NotNext) (index 1)."""
    values = probs.tolist()
    fig = go.Figure(go.Bar(x=values, y=[TEXT["is_next"][lang], TEXT["not_next"][lang]], orientation="h",
                           marker_color=[BLUE, ORANGE], text=[f"{v:.1%}" for v in values], textposition="auto",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_layout(xaxis={"range": [0, 1], "tickformat": ".0%"}, yaxis={"autorange": "reversed"}, height=170,
                      margin={"l": 10, "r": 10, "t": 10, "b": 30})
    return tidy(fig)


def cls_vectors(model, trace: ModelTrace) -> dict[str, torch.Tensor]:
    """The raw top-layer [CLS] vector (after the final LayerNorm in pre-LN models) and the pooled one,
    tanh(W·h + b), that the NSP head reads; plus the NSP probabilities recomputed from it."""
    top = trace.final_norm.output if trace.final_norm is not None else trace.layers[-1].output
    raw = top[0, 0]                                                          # (D,) position 0 is [CLS]
    with torch.inference_mode():
        pooled = torch.tanh(model.bert.pooler(raw))                          # (D,) between −1 and 1
        probs = model.nsp(pooled).softmax(-1)                                # (2,) IsNext, NotNext
    return {"raw": raw, "pooled": pooled, "probs": probs}


def cls_figure(raw: torch.Tensor, pooled: torch.Tensor, lang: str = "en", limit: int = 2 * MAX_DIMS) -> go.Figure:
    """Two bar charts over the dimensions: the raw [CLS] vector and the pooled vector."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(TEXT["raw"][lang], TEXT["pooled"][lang]))
    for row, (vec, color) in enumerate(((raw, GREY), (pooled, BLUE)), start=1):
        values = vec[:limit].tolist()
        fig.add_trace(go.Bar(x=list(range(len(values))), y=values, marker_color=color, showlegend=False,
                             hovertemplate="dim %{x}: %{y:.3f}<extra></extra>"), row, 1)
    fig.update_yaxes(range=[-1.05, 1.05], row=2, col=1)
    fig.update_xaxes(title=TEXT["dimension"][lang], row=2, col=1)
    fig.update_layout(height=420, bargap=0, margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return tidy(fig)

