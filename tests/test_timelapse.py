"""The heads-forming time-lapse: snapshots → animation frames, entropy, and the page."""
from __future__ import annotations

import json
import math

import pytest
import torch
from apptest import open_app_page

from transformer_core import BertForPreTraining, TransformerConfig, save_pretrained
from transformer_core.tokenizer import train_wordpiece
from transformer_core.train import snapshots
from ui import timelapse_view as tv

STEPS = (0, 50, 100)


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    """A tiny BERT folder with snapshots at three steps, under a folder of model folders."""
    root = tmp_path_factory.mktemp("models")
    folder = root / "tiny-timelapse"
    tokenizer = train_wordpiece(["the cat sat on the mat", "a dog ran in the park"] * 20, vocab_size=60)
    model = BertForPreTraining(TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=16, n_heads=2,
                                                 n_layers=2, d_ff=32, max_len=32))
    save_pretrained(model, folder, tokenizer)
    data = json.loads((folder / "config.json").read_text())
    data["attention_lab_card"] = {"label": "tiny timelapse", "language": "en"}
    (folder / "config.json").write_text(json.dumps(data))
    probes = snapshots.bert_probes(tokenizer, ["the cat sat", "a dog ran in the park"], 32)
    for step in STEPS:
        for p in model.parameters():
            p.data.mul_(1.5)                                             # sharper attention each "checkpoint"
        snapshots.append(folder, folder, probes, step, snapshots.capture(model, probes, "cpu"))
    (folder / "training_log.json").write_text(json.dumps({"curve": [
        {"step": s, "loss": 9 - s / 20, "mlm_accuracy": s / 200} for s in STEPS]}))
    return root


def test_uniform_rows_have_the_maximum_entropy():
    uniform = torch.full((2, 3, 5, 5), 0.2)
    assert torch.allclose(tv.head_entropy(uniform), torch.full((2, 3), math.log2(5)))
    onehot = torch.eye(5).expand(2, 3, 5, 5)
    assert torch.allclose(tv.head_entropy(onehot), torch.zeros(2, 3), atol=1e-6)


def test_animation_has_a_frame_per_checkpoint_and_rows_sum_to_one(model_root):
    meta, by_step = tv.load(str(model_root / "tiny-timelapse"))
    assert meta["steps"] == list(STEPS)
    fig = tv.animation(meta, by_step, probe=1, layer=1, head=0, lang="zh")
    assert [f.name for f in fig.frames] == [str(s) for s in STEPS]
    z = torch.tensor(fig.frames[0].data[0].z)
    assert z.shape == (len(meta["probes"][1]["tokens"]),) * 2
    assert torch.allclose(z.sum(-1), torch.ones(len(z)), atol=2e-3)
    assert fig.layout.sliders[0].currentvalue.prefix.startswith("步")            # the glossary's "step"
    tokens = meta["probes"][1]["tokens"]                     # a repeated token keeps its own row and column
    assert list(fig.layout.yaxis.ticktext) == tokens and list(fig.layout.yaxis.tickvals) == list(range(len(tokens)))


def test_readable_axes_and_a_short_legend(model_root):
    """Issue 12.8: clipped y ticks, the x title over the ticks, a 16-line legend, an unlabelled second axis."""
    meta, by_step = tv.load(str(model_root / "tiny-timelapse"))
    fig = tv.animation(meta, by_step, probe=0, layer=0, head=0, lang="en")
    assert fig.layout.xaxis.side == "top" and fig.layout.updatemenus[0].y == 0        # ticks up, controls down
    ent = tv.entropy_figure(by_step, 0, "en", selected=(1, 0))
    assert [t.name for t in ent.data if t.showlegend is not False] == ["each head (hover for its name)",
                                                                      "the head picked above: layer 2, head 1"]
    assert ent.layout.yaxis.automargin and ent.layout.yaxis.title.text == "entropy (bits)"
    assert ent.layout.xaxis.title.text == "step"
    curve = tv.curve(str(model_root / "tiny-timelapse"), "zh")
    if curve is not None:
        assert curve.layout.yaxis.title.text == "损失" and "准确率" in curve.layout.yaxis2.title.text
        assert curve.layout.yaxis2.dtick == 0.2                                  # 0, 0.2 … 1, not 0.794 / 0.583


def test_the_page_plays_back_the_injected_model(model_root, monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_MODELS", str(model_root))
    at = open_app_page("timelapse", timeout=90)
    assert at.selectbox[0].value.label == "tiny timelapse"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["frames"]) == len(STEPS)
    at.radio[0].set_value(1).run()                                       # the second probe
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["frames"][0]["data"][0]["z"]) == 8                   # [CLS] a dog ran in the park [SEP]
    assert len(at.get("plotly_chart")) == 4                              # animation, strip, entropy, curve


def test_no_snapshots_gives_a_message(tmp_path, monkeypatch):
    monkeypatch.setattr("ui.models.MODELS_ROOT", tmp_path)
    at = open_app_page("timelapse", timeout=90)
    assert at.info and "snapshots" in at.info[0].value
