"""Model names in the learner's language only, folders named by folder and config (issue 12.15), and the
page labels that said too little (two RoPE sliders both "position m", "variants from the source article")."""
from __future__ import annotations

import json

from ui import attention_view as av
from ui import models
from ui import positions_view as pv
from ui.model_names import display_name, folder_name


def _folder(tmp_path, name: str, config: dict):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_shipped_names_use_one_language(tmp_path):
    folder = _folder(tmp_path, "bert-mini-zh", {"num_hidden_layers": 4, "hidden_size": 256})
    source = models.ModelSource("bert-mini-zh", "bert-mini-zh · Chinese · 4 layers / 4 层", str(folder),
                                models.PRETRAINING, "zh", "shipped")
    assert display_name(source, "zh") == "bert-mini-zh · 中文 · 4 层 × 256"
    assert display_name(source, "en") == "bert-mini-zh · Chinese · 4 layers × 256"


def test_a_folder_is_named_by_its_folder_and_config(tmp_path):
    folder = _folder(tmp_path / "bert-base-chinese", "model", {"num_hidden_layers": 12, "hidden_size": 768})
    source = models.ModelSource(f"local:{folder}", "model", str(folder), models.PRETRAINING, "", "local")
    assert display_name(source, "en") == "bert-base-chinese/model · 12 layers × 768"
    one = _folder(tmp_path, "one", {"num_hidden_layers": 1, "hidden_size": 32})
    assert display_name(models.ModelSource("local:o", "o", str(one), models.PRETRAINING, "", "local"), "en") == \
        "one · 1 layer × 32"
    assert folder_name("/x/my-bert") == "my-bert" and folder_name("/x/run1/checkpoint-500") == "run1/checkpoint-500"


def test_random_and_unknown_configs_still_have_a_name():
    assert display_name(models.random_source(), "zh") == "随机权重（未训练）"
    odd = models.ModelSource("session:x", "my classifier · sentiment-zh", None, models.CLASSIFIER, "zh", "session")
    assert display_name(odd, "en") == "my classifier · sentiment-zh · Chinese"


def test_rope_sliders_and_the_variants_say_what_they_are():
    assert pv.TEXT("rope_m1", "en") != pv.TEXT("rope_m2", "en") and "Curve 1" in pv.TEXT("rope_m1", "en")
    assert "source article" not in av.TEXT("variants_title", "en")
    assert "projections" in av.TEXT("variants_title", "en") and "√d_k" in av.TEXT("variants_title", "en")


def test_a_sentence_names_the_model_briefly():
    from ui.model_names import short_name
    source = models.ModelSource("bert-mini-zh", "bert-mini-zh · Chinese · 4 layers / 4 层", None, models.PRETRAINING,
                                "zh", "shipped")
    assert short_name(source, "zh") == "bert-mini-zh" and display_name(source, "en") == "bert-mini-zh · Chinese"
