"""The encoder-decoder studio: settings checks, the cross-attention capture, alignment, decodes, and the page.

The page test drives a real (tiny: 1 layer, d_model 32, 20 steps) run through AppTest, then adds the model
to the picker and opens it in the decoding explorer.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from apptest import open_app_page
from plotly_data import array
from streamlit.testing.v1 import AppTest

from transformer_core.train.build import build_parts
from ui import models
from ui.seq2seq_view import STEP
from ui.st import session
from ui.st import studio_panel as panel
from ui.studio import seq2seq_live as sl
from ui.studio.live import Frame, wait_for

ROOT = Path(__file__).resolve().parents[1]
TINY = sl.Settings(task="reverse", layers=1, d_model=32, heads=2, d_ff=64, n_pairs=200, steps=20, batch_size=16)


@pytest.fixture(scope="module")
def tiny_parts():
    return build_parts(sl.train_config(TINY))


# ── settings ─────────────────────────────────────────────────────────────────────────────────────

def test_defaults_and_tiny_settings_are_valid():
    assert sl.validate(sl.Settings()) == [] and sl.validate(TINY) == []
    config = sl.train_config(sl.Settings())
    assert config.model["n_layers"] == 2 and config.model["dropout"] == 0.0 and config.seq2seq_task == "reverse"


@pytest.mark.parametrize("lang, words", [
    ("en", ["divisible by the number of heads (3)", "Heads that fit: 1, 2, 4, 8"]),
    ("zh", ["必须能被头数（3）整除", "可以整除的头数：1, 2, 4, 8"])])
def test_heads_must_divide_d_model_in_both_languages(lang, words):
    problems = sl.validate(sl.Settings(d_model=64, heads=3), lang)
    assert len(problems) == 1 and all(w in problems[0] for w in words)


@pytest.mark.parametrize("lang, words", [
    ("en", ["The number of layers must be from 1 to 4; got 6.", "d_model must be from 16 to 256; got 512."]),
    ("zh", ["层数 必须在 1 到 4 之间；现在是 6。", "d_model 必须在 16 到 256 之间；现在是 512。"])])
def test_sizes_out_of_range_are_named_in_both_languages(lang, words):
    assert sl.validate(sl.Settings(layers=6, d_model=512), lang) == words


@pytest.mark.parametrize("lang, word", [("en", "fewer than one batch of 128"), ("zh", "不够一个大小为 128 的批")])
def test_too_few_pairs_for_one_batch(lang, word):
    problems = sl.validate(sl.Settings(n_pairs=100, batch_size=128), lang)
    assert len(problems) == 1 and word in problems[0] and "160" in problems[0]


def test_parameter_count_matches_the_built_model(tiny_parts):
    n_chars = sl.task_sample("reverse", TINY.n_pairs)[1]
    assert sl.parameter_count(TINY, n_chars) == sum(p.numel() for p in tiny_parts.model.parameters())


# ── capture and alignment ────────────────────────────────────────────────────────────────────────

def test_capture_shapes_and_rows_sum_to_one(tiny_parts):
    model = tiny_parts.model.train()
    out = sl.capture(model, tiny_parts)
    source, target = out["source"], out["target"]
    assert out["cross"].dtype == np.float32
    assert out["cross"].shape == (1, 2, len(target) + 1, len(source) + 1)      # (L, H, T_tgt, T_src)
    assert out["src_tokens"][-1] == out["tgt_tokens"][-1] == "[EOS]" and target == source[::-1]
    np.testing.assert_allclose(out["cross"].sum(-1), 1.0, atol=1e-5)
    assert model.training                                                     # the run's mode is restored
    assert (source, target) in tiny_parts.info["held_out_examples"]


def _frames(task: str) -> list[Frame]:
    """Step 0 uniform; step 10 one head perfectly aligned for the task."""
    n = 5
    uniform = np.full((2, 2, n + 1, n + 1), 1 / (n + 1), dtype=np.float32)
    aligned = uniform.copy()
    aligned[1, 0] = np.eye(n + 1) if task == "copy" else np.eye(n + 1)[:, [*range(n - 1, -1, -1), n]]
    return [Frame(0, {"cross": uniform}), Frame(10, {"cross": aligned})]


@pytest.mark.parametrize("task", ["copy", "reverse"])
def test_alignment_series_and_best_head(task):
    frames = _frames(task)
    series = sl.alignment_series(frames, 0, 0, task)
    assert series.steps == [0, 10] and series.uniform == pytest.approx(1 / 6)
    assert series.chosen == pytest.approx([1 / 6, 1 / 6]) and series.best == pytest.approx([1 / 6, 1.0])
    assert sl.best_head(frames[-1].data["cross"], task) == (1, 0, pytest.approx(1.0))
    fig = sl.alignment_figure(series, 0, 0, "zh")
    assert "对齐" in fig.layout.title.text and len(fig.data) == 2


def test_tasks_without_one_alignment_have_no_series():
    assert sl.alignment_series(_frames("copy"), 0, 0, "sort") is None
    assert sl.best_head(_frames("copy")[0].data["cross"], "number-zh") is None


def test_probe_is_the_longest_readable_held_out_source():
    pairs = [("ab", "x"), ("a" * 30, "y"), ("abcd", "z")]
    assert sl.pick_probe(pairs) == ("abcd", "z") and sl.pick_probe(pairs[1:2]) == ("a" * 30, "y")


def test_explorer_state_names_the_keys_the_explorer_reads():
    page = (ROOT / "views" / "seq2seq.py").read_text(encoding="utf-8")
    for key in sl.explorer_state("session:x", "123"):
        assert f'"{key}"' in page or (key == STEP and "sq.STEP" in page)


# ── the page ─────────────────────────────────────────────────────────────────────────────────────

def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _titled(at: AppTest, words: str) -> dict:
    return next(c for c in _charts(at) if words in c["layout"]["title"]["text"])


def test_page_trains_shows_cross_attention_forming_and_opens_the_explorer():
    at = open_app_page("train-seq2seq", timeout=60)
    assert len(at.dataframe) == 1                      # the five example pairs
    for name in ("layers", "d_model", "d_ff", "n_pairs", "steps", "batch_size"):
        at.number_input(key=f"keep_s2st_{name}").set_value(getattr(TINY, name))
    at.selectbox(key="keep_s2st_heads").set_value(TINY.heads).run()
    assert not at.warning and at.metric[0].value == f"{sl.parameter_count(TINY, 10):,}"
    at.button(key="seq2seq_start").click().run()
    run = at.session_state[panel.RUNS]["seq2seq"]
    view = wait_for(run, timeout=120)
    assert view.status == "done", view.message
    at.run()
    assert not at.exception
    curves = _titled(at, "Encoder-decoder training")
    assert any(len(array(t["y"])) == TINY.steps for t in curves["data"] if "y" in t)   # one point per step
    steps = [f.step for f in view.frames]
    assert steps == list(range(0, 21, 2)) and len(view.evaluations) == len(steps)       # a frame per checkpoint
    timelapse = _titled(at, "Cross-attention")
    assert [f["name"] for f in timelapse["frames"]] == [str(s) for s in steps]
    assert _titled(at, "How aligned")
    assert view.checkpoint.is_dir() and (view.checkpoint / "vocab.json").is_file()
    assert at.metric[-1].label == "Held-out exact match" and len(at.dataframe) == 2   # examples + decodes
    at.button(key="seq2seq_save").click().run()
    saved = list(at.session_state[session.SESSION_MODELS].values())
    assert len(saved) == 1 and saved[0].architecture == models.SEQ2SEQ == "Seq2SeqTransformer"
    at.button(key="s2st_open").click().run()
    assert not at.exception and not at.warning and at.session_state["s2s_model"] == saved[0].key
    assert at.text_input(key="s2s_text").value == view.info["held_out_examples"][0][0]


def test_page_in_zh_explains_the_task_and_refuses_bad_sizes():
    at = open_app_page("train-seq2seq", "zh", timeout=60)
    at.selectbox(key="keep_s2st_task").set_value("copy")
    at.selectbox(key="keep_s2st_heads").set_value(3).run()
    assert not at.exception and "对角线" in " ".join(i.value for i in at.info)
    assert [w.value for w in at.warning] == sl.validate(sl.Settings(task="copy", heads=3), "zh")
    assert not at.metric                                                     # no parameter count for a bad model
    at.button(key="seq2seq_start").click().run()
    runs = at.session_state[panel.RUNS] if panel.RUNS in at.session_state else {}
    assert "seq2seq" not in runs and "请先修正" in at.error[0].value
