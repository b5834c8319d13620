"""The studio's Vision Transformer: the core's "vision" task (trains, resumes, refuses bad sizes with keyed
errors), the page's logic (ui/studio/vision_live.py) and the page itself in both languages."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apptest import open_app_page

from transformer_core.config import ConfigError
from transformer_core.data.digits import DigitBatches, split
from transformer_core.train.build import build_parts
from transformer_core.train.config import TrainConfig
from transformer_core.train.evaluate import evaluate_folder
from transformer_core.train.trainer import Trainer
from transformer_core.train.vision import vision_problems
from transformer_core.vit import ViTForImageClassification
from ui.i18n import error_text
from ui.st import studio_panel as panel
from ui.studio import vision_live as vl
from ui.studio.live import wait_for

SMALL = {"patch_size": 4, "d_model": 32, "n_layers": 2, "n_heads": 4, "dropout": 0.0}


def small_config(tmp_path, steps: int = 300) -> TrainConfig:
    return TrainConfig(task="vision", model=SMALL, steps=steps, batch_size=64, lr=3e-3, decay="cosine",
                       weight_decay=0.05, eval_batches=6, out_dir=str(tmp_path / "run"), device="cpu",
                       precision="fp32")


def test_vision_task_trains_well_above_chance_and_saves_a_vit(tmp_path):
    torch.set_num_threads(1)
    config = small_config(tmp_path)
    parts = build_parts(config)
    trainer = Trainer(config, parts.model, parts.train, parts.eval, **parts.trainer_kwargs())
    trainer.run(config.steps)
    result = trainer.evaluate()
    assert result["accuracy"] > 0.5, result["accuracy"]                 # chance is 0.1; ~0.8 measured
    assert sum(c[2] for c in result["confusion"]) == 359 == parts.info["eval_images"]   # every test image
    folder = trainer.save()
    assert evaluate_folder(folder)["accuracy"] == pytest.approx(result["accuracy"])
    assert json.loads((folder / "config.json").read_text())["model_type"] == "vit"


def test_a_resumed_vision_run_continues_with_the_same_batches(tmp_path):
    config = small_config(tmp_path, steps=6)
    parts = build_parts(config)
    trainer = Trainer(config, parts.model, parts.train, parts.eval, **parts.trainer_kwargs())
    trainer.run(3)
    trainer.save()
    resumed = Trainer.load(config.out_dir)
    assert [m.loss for m in trainer.run(3)] == pytest.approx([m.loss for m in resumed.run(3)], abs=1e-6)


def test_digit_batches_are_seeded_by_step_and_resume_from_one_number():
    train, _ = split()
    a, b = DigitBatches(train, 8, seed=1), DigitBatches(train, 8, seed=1)
    first = [x["labels"] for _, x in zip(range(3), iter(a), strict=False)]
    b.load_state_dict({"drawn": 2})
    assert torch.equal(next(iter(b))["labels"], first[2]) and a.state_dict() == {"drawn": 3}


@pytest.mark.parametrize("model, key", [({"patch_size": 3}, "vision_patch"), ({"n_layers": 9}, "vision_range"),
                                        ({"d_model": 50, "n_heads": 4}, "vision_heads"),
                                        ({"n_heads": 2.0}, "vision_range")])
def test_bad_sizes_are_keyed_errors_in_both_languages(model, key):
    with pytest.raises(ConfigError) as caught:
        TrainConfig(task="vision", model=model)
    assert caught.value.key == key
    zh = error_text(caught.value, "zh")
    assert zh != error_text(caught.value, "en") and any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_page_settings_are_checked_before_a_run_starts():
    assert vl.validate(vl.Settings()) == [] and vl.parameter_count(vl.Settings()) == 69_194
    problems = vl.validate(vl.Settings(d_model=50, heads=4), "zh")
    assert problems == [error_text(vision_problems({"d_model": 50, "n_heads": 4}, 64)[0], "zh")]
    assert "1, 2, 5" in problems[0]
    config = vl.train_config(vl.Settings(batch_size=48))
    assert config.eval_batches * 48 >= 359 > (config.eval_batches - 1) * 48


def test_capture_follows_cls_and_the_figure_draws_every_probe_digit():
    torch.manual_seed(0)
    model = ViTForImageClassification(vl.vision_model_config(vl.train_config(vl.Settings(layers=1, heads=2))))
    frame = vl.capture(model.train())
    assert model.training                                              # restored after the eval-mode forward
    K = len(vl.PROBE_DIGITS)
    assert frame["cls"].shape == (K, 1, 2, 16) and frame["probs"].shape == (K, 10)
    assert np.all(frame["cls"].sum(-1) <= 1 + 1e-5) and frame["digits"] == list(vl.PROBE_DIGITS)
    assert vl.spread(frame, 0) > 0.9                                   # random weights: spread almost evenly
    fig = vl.attention_figure(frame, 0, 0, vl.MEAN, "en")
    assert sum(t.type == "heatmap" for t in fig.data) == K and "mean of the heads" in fig.layout.title.text
    assert np.allclose(vl.cls_maps(frame, 0, vl.MEAN), frame["cls"][:, 0].mean(axis=1))


def test_per_digit_results_and_the_shipped_models_own_numbers():
    matrix = vl.confusion({"confusion": [[3, 3, 9], [3, 8, 1], [8, 8, 5]]})
    assert vl.per_digit(matrix)[3] == 0.9 and vl.weakest(matrix, 1) == [(0, 0.0)]
    ours = vl.shipped()
    if ours is None:
        pytest.skip("vit-digits is not shipped")
    measured = json.loads((vl.MODELS_ROOT / vl.SHIPPED / "evaluation.json").read_text())["fp16"]["accuracy"]
    assert ours.accuracy == measured and ours.patch == 2 and ours.steps > 0
    assert f"{measured:.1%}" in vl.comparison(0.5, 100, ours, "en")
    assert "更久" in vl.comparison(0.5, 100, ours, "zh") and "或更好" in vl.comparison(1.0, 100, ours, "zh")


# ── the page ─────────────────────────────────────────────────────────────────────────────────────

def test_page_trains_and_shows_curves_attention_results_and_download():
    at = open_app_page("train-vision", timeout=60)
    assert not at.warning and at.metric[0].value == "69,194"
    at.selectbox(key="keep_vit_patch").set_value(4)
    at.number_input(key="keep_vit_steps").set_value(60).run()
    at.button(key="vision_start").click().run()
    run = at.session_state[panel.RUNS]["vision"]
    view = wait_for(run, timeout=120)
    assert view.status == "done", view.message
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    assert any("Vision Transformer training" in t for t in titles)
    assert any(t.startswith("[CLS] → patches at step 60") for t in titles)
    assert any("Confusion" in t or "confusion" in t for t in titles)
    assert [f.step for f in view.frames] == [0, *range(5, 61, 5)] and len(view.evaluations) == 13
    assert at.metric[-2].label == "Held-out accuracy" and "vit-digits" in at.info[-1].value
    assert at.get("download_button")


def test_page_in_zh_refuses_a_width_the_heads_cannot_split():
    at = open_app_page("train-vision", "zh", timeout=60)
    at.number_input(key="keep_vit_d_model").set_value(50).run()
    assert not at.exception and "d_model = 50" in at.warning[0].value and "个头" in at.warning[0].value
    at.button(key="vision_start").click().run()
    runs = at.session_state[panel.RUNS] if panel.RUNS in at.session_state else {}
    assert "vision" not in runs and "请先修正" in at.error[0].value
