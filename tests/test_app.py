"""The model-sizes page, driven headlessly with AppTest: it renders, switches language, explains bad configs."""
from __future__ import annotations

import pytest
from apptest import open_app_page
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app() -> AppTest:
    return open_app_page("sizes", timeout=60)


def test_renders_metric_tables_chart_and_formula(app):
    assert app.title[0].value == "Attention Lab"
    total = app.metric[0]
    assert total.label == "Total parameters" and total.value == "110.1M"
    assert len(app.get("plotly_chart")) == 1
    assert len(app.dataframe) == 1 and len(app.table) == 1
    assert "softmax" in app.latex[0].value and "sqrt{d_k}" in app.latex[0].value
    assert "110,106,428" in app.success[0].value                  # formula == PyTorch's own count
    assert "110.1M" in app.info[0].value and "336.2M" in app.info[0].value
    assert not app.error


def test_switching_to_chinese_changes_title_and_labels(app):
    app.sidebar.radio(key="lang").set_value("zh").run()
    assert not app.exception
    assert app.title[0].value == "注意力实验室"
    assert app.metric[0].label == "参数总量"
    assert app.number_input(key="d_model").label == "模型宽度 d_model (D)"
    assert app.number_input(key="d_model").value == 768            # the model is kept, only words change


def test_invalid_config_shows_a_readable_error(app):
    app.number_input(key="d_model").set_value(250)
    app.number_input(key="n_heads").set_value(4).run()
    assert not app.exception
    assert len(app.error) == 1 and "divisible" in app.error[0].value
    assert "Traceback" not in app.error[0].value
    assert not app.metric and not app.get("plotly_chart")


def test_preset_select_loads_its_numbers(app):
    app.selectbox(key="preset").set_value("tiny").run()
    assert not app.exception
    assert app.number_input(key="d_model").value == 128
    assert app.number_input(key="n_layers").value == 2
    assert app.metric[0].value == "1.5M"
    app.selectbox(key="preset").set_value("vaswani-base").run()
    assert app.radio(key="position@en").value == "sinusoidal"
    assert any("6 decoder layers" in c.value for c in app.caption)  # the page says what it leaves out


def test_pre_ln_rotary_config_renders(app):
    app.radio(key="position@en").set_value("rotary")
    app.radio(key="norm_first@en").set_value(True).run()
    assert not app.exception and not app.error
    assert len(app.get("plotly_chart")) == 1
    assert "Final LayerNorm" in app.get("plotly_chart")[0].proto.spec     # the diagram follows the config


def test_choices_survive_a_language_switch(app):
    app.radio(key="position@en").set_value("sinusoidal").run()
    app.sidebar.radio(key="lang").set_value("zh").run()
    position = app.radio(key="position@zh")
    assert position.value == "sinusoidal" and position.options[position.index] == "正弦（Vaswani）"
    app.radio(key="norm_first@zh").set_value(True).run()
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.radio(key="norm_first@en").value is True
    assert app.radio(key="position@en").value == "sinusoidal"


def test_too_long_input_is_explained_not_crashed(app):
    app.number_input(key="seq_len").set_value(1000).run()
    assert not app.exception
    assert any("max_len" in e.value for e in app.error)
    assert app.metric                                             # the rest of the page still renders


def test_errors_speak_the_learners_language(app):
    app.sidebar.radio(key="lang").set_value("zh").run()
    app.number_input(key="d_model").set_value(250)
    app.number_input(key="n_heads").set_value(4).run()
    assert not app.exception
    assert "必须能被 n_heads（4）整除" in app.error[0].value and "must be" not in app.error[0].value
