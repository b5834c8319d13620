"""Vision Transformer: a handwritten digit read as a sentence of patches (the shipped vit-digits).

The page needs no model from the sidebar: it loads its own shipped model once per server
(st.cache_resource, eval mode, read-only). Numbers and figures come from ui/vision_view.py.
"""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from transformer_core import CheckpointError, load_pretrained
from transformer_core.data.digits import split
from ui import models
from ui import vision_view as vv
from ui.i18n import TERMS
from ui.st import page, session
from ui.st.keys import Namespace
from ui.st.widgets import kept

MODEL = "vit-digits"
mine = Namespace("vision")
TEXT = vv.TEXT


@st.cache_resource(max_entries=2, show_spinner=False)
def shipped_model(folder: str):
    with torch.inference_mode():
        model, _ = load_pretrained(folder)
    return model


@st.cache_data(max_entries=1, show_spinner=False)
def test_images() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The held-out images (the model card's test split): (N, 8, 8), digits, file rows."""
    _, test = split()
    return test.images[:, 0].numpy(), test.labels.numpy(), test.index.numpy()


def toggle(cell: int) -> None:
    cells = list(mine.cells)
    cells[cell] = 0 if cells[cell] else vv.MAX_INK
    mine.cells = cells


def set_all(value: int) -> None:
    mine.cells = [value] * (vv.SIDE * vv.SIDE)


def cell_grid(lang: str) -> np.ndarray:
    """The drawing grid (a fragment: a click reruns only the grid, so drawing stays quick), then the button that
    hands the drawing to the model. Returns the drawing the model reads: the one handed over last."""
    mine.setdefault("cells", [0] * (vv.SIDE * vv.SIDE))
    st.caption(TEXT("draw_help", lang))
    grid = st.container()                              # drawn above the button, filled after it has been read
    if st.button(TEXT("read", lang), key="vision_read", type="primary") or "read_cells" not in mine:
        mine.read_cells = list(mine.cells)
    with grid:
        drawing(lang)
    return vv.cells_to_image(mine.read_cells)


@st.fragment
def drawing(lang: str) -> None:
    """8 × 8 buttons; a click inks a cell or wipes it."""
    for r in range(vv.SIDE):
        cols = st.columns(vv.SIDE, gap="small")
        for c in range(vv.SIDE):
            cell = r * vv.SIDE + c
            inked = mine.cells[cell] > 0
            cols[c].button("■" if inked else "·", key=f"vision_cell_{cell}", on_click=toggle, args=(cell,),
                           type="primary" if inked else "secondary", width="stretch")
    left, right = st.columns(2)
    left.button(TEXT("clear", lang), on_click=set_all, args=(0,), key="vision_clear")
    right.button(TEXT("fill", lang), on_click=set_all, args=(vv.MAX_INK,), key="vision_fill")
    if mine.cells != mine.get("read_cells", mine.cells):
        st.caption(TEXT("changed", lang))


def pick_test_image(lang: str) -> tuple[np.ndarray, int]:
    images, digits, rows = test_images()
    index = kept(st.selectbox, TEXT("test_pick", lang), key="vision_test_w", default=0, options=range(len(digits)),
                 format_func=lambda i: TEXT("test_option", lang, i=i + 1, digit=int(digits[i]), row=int(rows[i])))
    page.chart(vv.digit_figure(images[index]), key="vision_digit")
    return images[index], int(digits[index])


def main() -> None:
    lang = session.lang()
    page.header(TEXT("title", lang), TEXT("intro", lang))
    folder = models.MODELS_ROOT / MODEL
    try:
        model = shipped_model(str(folder)) if (folder / "config.json").is_file() else None
    except CheckpointError as err:
        page.problem(err, lang)
        return
    if model is None:
        st.info(TEXT("no_model", lang, name=MODEL))
        return
    page.formula(r"z_0 = [\,x_{\mathrm{CLS}};\ W p_1;\ \dots;\ W p_N\,] + E_{\mathrm{pos}},\qquad "
                 r"\hat y = \mathrm{softmax}(W_c\,\mathrm{LN}(z_L)_{0})", TEXT("formula_caption", lang))
    source = kept(st.radio, TEXT("source", lang), key=f"vision_source@{lang}", store="vision.source",
                  default="draw", options=("draw", "test"), horizontal=True,
                  format_func=lambda s: TEXT(f"source_{s}", lang))
    left, right = page.chart_columns([2, 3])
    with left:
        image, truth = (cell_grid(lang), None) if source == "draw" else pick_test_image(lang)
    problem = vv.input_problem(image)
    if problem:
        right.warning(TEXT(problem, lang))
        return
    run = vv.run(model, image)
    with right:
        guess = int(run.probs.argmax())
        st.markdown(TEXT("answer", lang, digit=guess, p=f"{run.probs[guess]:.0%}"))
        if truth is not None:
            st.caption(TEXT("truth_right" if truth == guess else "truth_wrong", lang, digit=truth))
        page.chart(vv.probability_figure(run.probs, lang), key="vision_probs")
    st.subheader(TEXT("tokens_head", lang))
    st.write(TEXT("tokens_text", lang, n=run.grid ** 2, p=run.patch, t=run.grid ** 2 + 1))
    a, b = page.chart_columns([2, 3])
    with a:
        page.chart(vv.patches_figure(run.image, run.patch, lang), key="vision_patches")
    with b:
        page.chart(vv.sequence_figure(run.image, run.patch, lang), key="vision_sequence")
    st.subheader(TEXT("cls_head", lang))
    st.write(TEXT("cls_text", lang))
    page.chart(vv.head_grid_figure(run, lang), key="vision_heads")
    page.colour_legend(lang)
    st.subheader(TEXT("rollout_head", lang))
    page.formula(r"R = \hat A_L \cdots \hat A_1,\qquad \hat A_l = \tfrac12\,\overline{A_l} + \tfrac12 I",
                 TEXT("rollout_caption", lang))
    page.chart(vv.rollout_figure(run, lang), key="vision_rollout")
    st.subheader(TEXT("pos_head", lang))
    near, far = vv.neighbour_similarity(run.positions, run.grid)
    st.write(TEXT("pos_text", lang, near=f"{near:.2f}", far=f"{far:.2f}"))
    picked = kept(st.selectbox, TEXT("pos_pick", lang), key="vision_pos_w", default=1,
                  options=range(1, run.grid ** 2 + 1), store="vision.pos")
    page.chart(vv.position_figure(run, picked, lang), key="vision_positions")
    st.caption(TEXT("layers_note", lang, layer=TERMS("layer", lang), head=TERMS("head", lang)))
    page.show_code(vv.rollout, vv.neighbour_similarity, lang=lang)


main()
