"""The vision page in AppTest: its own model (never the sidebar's), both languages, drawing by clicking cells,
a test image, the bad drawings, and no model at all."""
from __future__ import annotations

import pytest
import torch
from apptest import open_app_page

from transformer_core.checkpoint import save_pretrained
from transformer_core.train.vision import digits_config
from transformer_core.vit import ViTForImageClassification

pytestmark = pytest.mark.usefixtures("nothing_shipped")


@pytest.fixture
def vit_root(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = ViTForImageClassification(digits_config(d_model=32, n_layers=2, n_heads=4)).eval()
    save_pretrained(model, tmp_path / "vit-digits")
    monkeypatch.setattr("ui.models.MODELS_ROOT", tmp_path)
    return tmp_path


def texts(at) -> str:
    return " ".join(str(e.value) for group in (at.markdown, at.warning, at.info, at.caption) for e in group)


def click(at, *cells):
    """Click cells, then hand the drawing to the model (the grid is a fragment: the page reads it on Read)."""
    for cell in cells:
        at.button(key=f"vision_cell_{cell}").click().run()
    return read(at)


def read(at):
    at.button(key="vision_read").click().run()
    return at


@pytest.mark.parametrize("lang, blank", [("en", "The grid is empty"), ("zh", "网格是空的")])
def test_blank_grid_says_so_in_the_learners_language(vit_root, lang, blank):
    at = open_app_page("vision", lang)
    assert blank in texts(at)
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("lang, answer", [("en", "The model reads"), ("zh", "模型读出的是")])
def test_drawing_a_one_gives_a_prediction_and_charts(vit_root, lang, answer):
    at = click(open_app_page("vision", lang), *[r * 8 + 4 for r in range(1, 7)])
    assert not at.exception
    assert answer in texts(at)
    assert len(at.get("plotly_chart")) == 6           # probabilities, patches, sentence, heads, rollout, positions


def test_all_ink_is_refused(vit_root):
    at = open_app_page("vision")
    read(at.button(key="vision_fill").click().run())
    assert "Every cell is inked" in texts(at)
    read(at.button(key="vision_clear").click().run())
    assert "The grid is empty" in texts(at)


def test_a_test_image_is_read_and_judged(vit_root):
    at = open_app_page("vision", state={"vision.source": "test"})
    assert "The writer drew a" in texts(at)
    assert len(at.get("plotly_chart")) == 7           # the test image itself, then the six


def test_no_shipped_model_is_said_plainly():
    at = open_app_page("vision", "zh")
    assert "tools/train_vit_digits.py" in texts(at)
