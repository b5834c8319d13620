"""The architecture page's pure functions, checked against the real model (and HF's BERT where useful)."""
from __future__ import annotations

import subprocess
import sys
from itertools import product
from pathlib import Path

import plotly.graph_objects as go
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from transformer_core import PRESETS, BertForPreTraining, ConfigError, TransformerConfig
from ui.architecture import (
    architecture_figure,
    bert_size_check,
    build_meta_model,
    config_from_preset,
    flops_per_token,
    format_count,
    format_shape,
    model_parameter_count,
    param_records,
    parameter_table,
    parameter_total,
    part_totals,
    shape_flow,
    shape_records,
    trace_shapes,
)
from ui.i18n import ARCH, LANGS, TERMS, catalog

ROOT = Path(__file__).resolve().parents[1]
SMALL = TransformerConfig(vocab_size=97, d_model=16, n_layers=2, n_heads=4, d_ff=24, max_len=12)


def real_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- strings --------------------------------------------------------------------------------------

def test_every_string_has_every_language():
    missing = [(key, lang) for key in ARCH.keys() for lang in LANGS
               if not catalog(lang).get("arch", {}).get(key) and key not in ARCH.shared]
    assert missing == []


def test_t_formats_placeholders_and_falls_back_to_english():
    assert ARCH("d_frame", "en", n=12) == "× 12 encoder layers"
    assert ARCH("d_frame", "zh", n=12) == "× 12 个编码器层"
    assert TERMS("app_title", "fr") == "Attention Lab"


# --- parameter table ------------------------------------------------------------------------------

@pytest.mark.parametrize("position,norm_first,segments",
                         list(product(("learned", "sinusoidal", "rotary"), (False, True), (0, 2))))
def test_parameter_total_equals_the_real_model(position, norm_first, segments):
    config = SMALL.replace(position=position, norm_first=norm_first, type_vocab_size=segments)
    assert parameter_total(config) == real_count(BertForPreTraining(config))


def test_each_part_matches_its_module():
    config = SMALL.replace(norm_first=True)
    model, parts = BertForPreTraining(config), part_totals(config)
    assert parts["part_embeddings"] == real_count(model.bert.embeddings)
    assert parts["part_layer"] == config.n_layers * real_count(model.bert.layers[0])
    assert parts["part_final_norm"] == real_count(model.bert.final_norm)
    assert parts["part_pooler"] == real_count(model.bert.pooler)
    tied = model.mlm.decoder.weight.numel()                      # already counted with the word embeddings
    assert model.mlm.decoder.weight is model.bert.embeddings.word.weight
    assert parts["part_mlm"] == real_count(model.mlm) - tied
    assert parts["part_nsp"] == real_count(model.nsp)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_match_pytorch_count_on_meta_device(name):
    assert parameter_total(PRESETS[name]) == model_parameter_count(build_meta_model(PRESETS[name]))


def test_bert_sizes_match_the_paper():
    sizes = bert_size_check()
    assert abs(sizes["bert-base"] - 110e6) / 110e6 < 0.01
    assert abs(sizes["bert-large"] - 340e6) / 340e6 < 0.02      # the paper's "340M" is itself rounded


def test_bert_base_matches_hugging_face_exactly():
    transformers = pytest.importorskip("transformers")
    with torch.device("meta"):
        hf = transformers.BertForPreTraining(transformers.BertConfig())
    assert parameter_total(PRESETS["bert-base"]) == real_count(hf) == 110_106_428


def test_rows_are_consistent():
    rows = parameter_table(PRESETS["bert-base"])
    layer_rows = [r for r in rows if r.part == "part_layer"]
    assert {r.repeat for r in layer_rows} == {12}
    assert [r.component for r in layer_rows[:4]] == ["c_wq", "c_wk", "c_wv", "c_wo"]
    assert next(r for r in rows if r.component == "c_wq").each == 768 * 768 + 768
    assert next(r for r in rows if r.component == "c_mlm_decoder").each == 0      # tied: counted once
    assert all(r.part in ARCH and r.component in ARCH for r in rows)


def test_param_records_are_localised():
    en = param_records(parameter_table(SMALL), "en")
    zh = param_records(parameter_table(SMALL), "zh")
    assert en[0]["Part"] == "Embeddings" and zh[0]["部分"] == "嵌入层"
    assert sum(r["Params total"] for r in en) == parameter_total(SMALL)


# --- shapes ----------------------------------------------------------------------------------------

def test_shape_flow_bert_base():
    steps = shape_flow(PRESETS["bert-base"], batch=2, seq_len=16)
    shapes = {s.stage: s.shape for s in steps}
    assert shapes["input ids"] == (2, 16)
    assert shapes["embedding output"] == (2, 16, 768)
    assert shapes["Q / K / V per head"] == (2, 12, 16, 64)
    assert shapes["attention scores"] == (2, 12, 16, 16)
    assert shapes["heads concatenated"] == (2, 16, 768)
    assert shapes["FFN hidden"] == (2, 16, 3072)
    assert shapes["layer output"] == (2, 16, 768)
    assert shapes["MLM logits"] == (2, 16, 30522)
    assert shapes["NSP logits"] == (2, 2)
    stage, shape, note = steps[0]                                 # plain (stage, shape, note) tuples
    assert note.startswith("(B, T)")


def test_meta_shapes_equal_a_real_forward():
    config = SMALL.replace(position="rotary", norm_first=True)
    real = BertForPreTraining(config).eval()
    assert trace_shapes(real, 3, 5) == trace_shapes(build_meta_model(config), 3, 5)


def test_shape_flow_is_cheap_for_bert_large():
    steps = shape_flow(PRESETS["bert-large"], batch=8, seq_len=512)    # meta device: no memory used
    assert steps[-2].shape == (8, 512, 30522)


def test_shape_flow_reports_too_long_inputs():
    with pytest.raises(ConfigError, match="max_len"):
        shape_flow(SMALL, batch=1, seq_len=SMALL.max_len + 1)
    rotary = SMALL.replace(position="rotary")                     # relative positions have no table to outgrow
    assert shape_flow(rotary, batch=1, seq_len=SMALL.max_len + 1)[0].shape == (1, SMALL.max_len + 1)


def test_shape_records_localised_and_formatted():
    records = shape_records(shape_flow(SMALL, 2, 4, "zh"), "zh")
    assert records[0] == {"阶段": "输入 ID", "张量形状": "2 × 4", "含义": ARCH("note_input", "zh")}
    assert format_shape((2, 12, 16, 64)) == "2 × 12 × 16 × 64"


# --- FLOPs -----------------------------------------------------------------------------------------

def test_flops_estimate_matches_torch_flop_counter():
    batch, seq_len, d = 2, 8, SMALL.d_model
    model = BertForPreTraining(SMALL).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.ones(batch, seq_len, dtype=torch.long), record=True)
    per_sequence = 2 * d * d + 2 * d * 2                          # pooler + NSP run once per sequence
    expected = batch * seq_len * flops_per_token(SMALL, seq_len).forward + batch * per_sequence
    assert counter.get_total_flops() == expected


def test_flops_training_is_three_forwards():
    estimate = flops_per_token(PRESETS["bert-base"], 128)
    assert estimate.training == 3 * estimate.forward
    assert estimate.attention == 4 * 128 * 768


# --- figure ----------------------------------------------------------------------------------------

def _texts(fig: go.Figure) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations)


def test_architecture_figure_post_ln_bert_base():
    fig = architecture_figure(PRESETS["bert-base"])
    text = _texts(fig)
    assert isinstance(fig, go.Figure) and len(fig.layout.shapes) > 10
    for expected in ("× 12 encoder layers", "12 heads × 64 dims", "768 → 3072 → 768", "B × T × 30522",
                     "Segment<br>embedding", "Add & Norm", "MLM head"):
        assert expected in text
    assert "Final LayerNorm" not in text


def test_architecture_figure_follows_the_config_and_language():
    config = SMALL.replace(norm_first=True, position="rotary", type_vocab_size=0)
    text = _texts(architecture_figure(config, "zh"))
    assert "最终 LayerNorm" in text and "旋转编码" in text and "残差相加" in text
    assert "句段嵌入" not in text                                  # no segments, no segment box


# --- glue ------------------------------------------------------------------------------------------

def test_config_from_preset_validates():
    assert config_from_preset("tiny", n_layers=3).n_layers == 3
    with pytest.raises(ConfigError, match="divisible"):
        config_from_preset("tiny", d_model=250, n_heads=4)


def test_format_count():
    assert format_count(110_106_428) == "110.1M"
    assert format_count(1_536) == "1.5K"
    assert format_count(12) == "12"


def test_ui_does_not_import_streamlit():
    """Importing the pure builders loads no Streamlit at all (the AST test below checks every file)."""
    code = "import sys, ui.architecture, ui.models, ui.studio.live; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_every_config_error_key_has_chinese():
    from error_sites import keyed_sites

    from ui.i18n import catalog
    keys = {site.key for site in keyed_sites() if site.path.endswith("transformer_core/config.py")}
    assert len(keys) >= 9 and keys <= set(catalog("zh")["errors"])
