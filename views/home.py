"""Home: the whole model on one map, with the live shapes of the picked model for the shared sentence.
Each block opens the page that explains it."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from transformer_core import CheckpointError
from ui import architecture as arch
from ui import home_view
from ui.encode import InputProblem, encode
from ui.i18n import tr
from ui.model_names import display_name
from ui.st import page, session

TEXT = {
    "title": {"en": "Attention Lab", "zh": "注意力实验室"},
    "intro": {"en": "Look inside a real Transformer while it runs. Type a sentence in the sidebar: every page "
                    "shows what this model computes for it — the word pieces, the vectors, every attention head, "
                    "the predictions — with the formula and the code that did it. The map below is the whole "
                    "model; the shapes under each block are the tensors it hands on for your sentence.",
              "zh": "在真实的 Transformer 运行时观察它的内部。在侧边栏输入一句话：每个页面都会展示这个模型为它"
                    "计算了什么——词元、向量、每一个注意力头、预测结果——并附上公式和实际执行的代码。下面的图就是"
                    "整个模型；每个模块下的形状是它为你的句子传递下去的张量。"},
    "model": {"en": "Model: **{name}** — {layers} layers, {heads} heads, d_model {d}, FFN {f}, vocabulary {v:,}, "
                    "{params} parameters, reads at most {max_len} pieces.",
              "zh": "模型：**{name}** —— {layers} 层，{heads} 个头，d_model {d}，FFN {f}，词表 {v:,}，"
                    "参数 {params}，最多读取 {max_len} 个词元。"},
    "pieces": {"en": "Your sentence is **{n}** pieces long (T = {n}), including [CLS] and [SEP].",
               "zh": "你的句子有 **{n}** 个词元（T = {n}），包括 [CLS] 和 [SEP]。"},
    "pages": {"en": "Or go straight to a page", "zh": "或者直接进入某个页面"},
    "card": {"en": "Model card", "zh": "模型卡片"},
}
LINKS = ["tokenization", "embeddings", "positions", "attention_head", "multi_head", "inside_layer", "mlm", "nsp",
         "sentiment", "seq2seq"]


def page_file(url_path: str) -> str:
    return f"views/{url_path.replace('-', '_')}.py"


def main() -> None:
    lang = session.lang()
    page.header(tr(TEXT, "title", lang), tr(TEXT, "intro", lang))
    try:
        loaded = session.current_model()
    except CheckpointError as err:
        page.problem(err, lang)
        return
    page.random_warning(loaded, lang)
    page.language_warning(loaded, st.session_state.get("text", ""), None, lang)
    c = loaded.config
    st.markdown(tr(TEXT, "model", lang, name=display_name(loaded.source, lang), layers=c.n_layers, heads=c.n_heads,
                   d=c.d_model, f=c.d_ff, v=c.vocab_size, params=arch.format_count(sum(p.numel() for p in
                                                                          loaded.model.parameters())),
                   max_len=c.max_len))
    try:
        seq_len = len(encode(loaded.tokenizer, st.session_state.get("text", ""), None, c.max_len).pieces)
        st.markdown(tr(TEXT, "pieces", lang, n=seq_len))
    except InputProblem as err:
        page.problem(err, lang)
        seq_len = 8
    st.caption(tr(home_view.TEXT, "hint", lang))
    event = st.plotly_chart(home_view.map_figure(c, seq_len, lang), width="stretch", theme=None, key="home_map",
                            on_select="rerun", selection_mode="points", config={"displayModeBar": False})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points and points[0].get("customdata"):
        st.switch_page(page_file(points[0]["customdata"]))
    st.subheader(tr(TEXT, "pages", lang))
    cols = st.columns(5)
    for i, name in enumerate(LINKS):
        cols[i % 5].page_link(f"views/{name}.py")
    card = Path(loaded.source.folder or "") / "MODEL_CARD.md"
    if loaded.source.folder and card.is_file():
        with st.expander(tr(TEXT, "card", lang)):
            st.markdown(card.read_text(encoding="utf-8"))


main()
