"""The training studio's figures and tables: checked number by number on small synthetic runs."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from ui.studio import figures as fg
from ui.studio import figures_more as fm

NAN = float("nan")


def history_rows(n: int, task: str = "pretrain") -> list[dict]:
    """n steps of a fake run: loss falling, accuracy rising, every 7th MLM accuracy NaN (no masked token)."""
    rows = []
    for i in range(n):
        metrics = {"pretrain": {"mlm_accuracy": NAN if i % 7 == 3 else i / n, "nsp_accuracy": 0.5 + i / (4 * n)},
                   "finetune": {"accuracy": i / n}, "seq2seq": {"token_accuracy": i / n}}[task]
        parts = {"mlm": 8.0 - i / n, "nsp": 0.7 - i / (10 * n)} if task == "pretrain" else {}
        rows.append({"step": i + 1, "loss": 9.0 - i / n, "parts": parts, "metrics": metrics, "lr": 1e-4 * (1 - i / n),
                     "grad_norm": 1.0 + i % 3, "tokens": 100, "tokens_per_s": 1000.0, "seconds": 0.1})
    return rows


EVALS = {"pretrain": [{"step": 5, "mlm_loss": 7.0, "perplexity": 1096.6, "mlm_top1": 0.1, "mlm_top5": 0.3,
                       "nsp_loss": 0.69, "nsp_accuracy": 0.55}],
         "finetune": [{"step": 5, "loss": 0.6, "accuracy": 0.7}, {"step": 10, "loss": 0.5, "accuracy": 0.8}],
         "seq2seq": [{"step": 10, "loss": 1.2, "token_accuracy": 0.6, "exact_match": 0.2}]}


def titles(fig: go.Figure) -> list[str]:
    """Figure title, subplot titles and axis titles: everything a learner reads as a heading."""
    out = [fig.layout.title.text or ""] + [a.text for a in fig.layout.annotations]
    for name in dir(fig.layout):
        if re.fullmatch(r"[xy]axis\d*", name) and fig.layout[name].title.text:
            out.append(fig.layout[name].title.text)
    return out


def english_words(texts: list[str]) -> list[str]:
    """Latin words with lower-case letters: English left in a 中文 figure. Acronyms (MLM, NSP) and the
    NSP label names IsNext / NotNext are the same in both languages."""
    words = (w for text in texts for w in re.findall(r"[A-Za-z]+", text))
    return [w for w in words if re.search("[a-z]", w) and w not in {"IsNext", "NotNext"}]


def trace(fig: go.Figure, name: str, raw: bool) -> go.Scatter:
    """The raw (faint, not in the legend) or smoothed line called ``name``."""
    return next(t for t in fig.data if t.name == name and t.mode == "lines" and (t.showlegend is False) == raw)


# ── curves ───────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("task", ["pretrain", "finetune", "seq2seq"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_curves_have_four_titled_panels(task, lang):
    fig = fg.curves(history_rows(30, task), EVALS[task], task, lang)
    panel_titles = [a.text for a in fig.layout.annotations]
    assert panel_titles == [fg.TEXT(p[0], lang) for p in fg.PANELS[task]]
    assert all(fig.layout[f"xaxis{i}"].title.text for i in ("", 2, 3, 4))
    assert fig.layout.template.layout.paper_bgcolor == "white" and fig.layout.uirevision == fm.UIREVISION
    if lang == "zh":
        assert english_words(titles(fig)) == []


def test_pretrain_curves_show_the_logged_numbers():
    rows = history_rows(40)
    fig = fg.curves(rows, EVALS["pretrain"], "pretrain", "en")
    raw = trace(fig, "MLM loss", raw=True)
    assert np.array_equal(raw.x, [r["step"] for r in rows])
    assert np.allclose(raw.y, [r["parts"]["mlm"] for r in rows])
    assert np.allclose(trace(fig, "MLM loss", raw=False).y, fg.smooth([r["parts"]["mlm"] for r in rows]))
    acc = trace(fig, "MLM accuracy", raw=True).y
    assert np.isnan(acc[3]) and acc[4] == pytest.approx(4 / 40)           # NaN stays a gap in the raw line
    assert not np.isnan(trace(fig, "MLM accuracy", raw=False).y[3])       # … but not in the average
    top5 = next(t for t in fig.data if t.name == "held-out MLM top-5")
    assert list(top5.x) == [5] and list(top5.y) == [0.3] and top5.mode == "markers"
    lr = [t for t in fig.data if t.name == "learning rate"]
    assert len(lr) == 1 and np.allclose(lr[0].y, [r["lr"] for r in rows])   # a schedule: exact, not smoothed


def test_seq2seq_curves_mark_exact_match_and_finetune_shows_gradient_norm():
    fig = fg.curves(history_rows(12, "seq2seq"), EVALS["seq2seq"], "seq2seq", "en")
    exact = next(t for t in fig.data if t.name == "held-out exact match")
    assert list(exact.y) == [0.2] and exact.mode == "markers"
    fig = fg.curves(history_rows(12, "finetune"), EVALS["finetune"], "finetune", "en")
    assert np.allclose(trace(fig, "gradient norm", raw=True).y, [1 + i % 3 for i in range(12)])
    assert list(next(t for t in fig.data if t.name == "held-out accuracy").y) == [0.7, 0.8]


def test_curves_accept_numpy_numbers_tuples_and_empty_runs():
    rows = [{**r, "loss": np.float32(r["loss"]), "lr": np.float64(r["lr"]), "step": np.int64(r["step"])}
            for r in history_rows(5, "finetune")]
    fig = fg.curves(tuple(rows), (), "finetune", "en")
    assert np.allclose(trace(fig, "loss", raw=True).y, [r["loss"] for r in rows])
    empty = fg.curves([], [], "pretrain", "zh")
    assert len(empty.layout.annotations) == 4 and all(len(t.x) == 0 for t in empty.data)
    with pytest.raises(ValueError, match="task"):
        fg.curves([], [], "pretraining", "en")


def test_long_runs_are_thinned_and_keep_the_last_point():
    rows = history_rows(5003, "finetune")
    fig = fg.curves(rows, [], "finetune", "en")
    for t in fig.data:
        assert len(t.x) <= fg.MAX_POINTS + 1 and t.x[-1] == 5003
    raw = trace(fig, "loss", raw=True)
    assert raw.y[-1] == pytest.approx(rows[-1]["loss"])
    assert list(fg.thin(10, limit=4)) == [0, 3, 6, 9] and list(fg.thin(11, limit=4)) == [0, 3, 6, 9, 10]
    assert list(fg.thin(3)) == [0, 1, 2] and len(fg.thin(0)) == 0


def test_smooth_skips_nan():
    out = fg.smooth([NAN, 1.0, NAN, 3.0], alpha=0.5)
    assert math.isnan(out[0])                                             # nothing seen yet
    assert list(out[1:]) == [1.0, 1.0, 2.0]                               # the NaN neither resets nor drags it
    assert np.allclose(fg.smooth(np.array([2.0, 2.0, 2.0])), 2.0)


# ── progress ─────────────────────────────────────────────────────────────────────────────────

def test_progress_speed_and_time_left():
    rows = history_rows(30, "finetune")
    rows[-5]["seconds"] = 5.0                                             # one slow step (a checkpoint save)
    p = fg.progress(rows, total_steps=100)
    assert (p.step, p.total, p.tokens_seen) == (30, 100, 3000)
    assert p.tokens_per_s == pytest.approx(20 * 100 / (19 * 0.1 + 5.0))  # the last 20 steps, summed
    assert p.eta_s == pytest.approx(70 * (19 * 0.1 + 5.0) / 20)          # the mean: slow steps are real time
    times = [0.5 * i for i in range(60)]                                  # wall clock: 0.5 s between step ends
    assert fg.progress(rows, 100, times).eta_s == pytest.approx(70 * 0.5)
    assert p.elapsed_s == pytest.approx(29 * 0.1 + 5.0)
    assert fg.progress([], 500) == fg.Progress(0, 500, 0, 0.0, None, 0.0)
    assert fg.progress(rows, 30).eta_s == 0


def test_format_duration_in_both_languages():
    cases = {0.3: ("< 1 s", "< 1 秒"), 42: ("42 s", "42 秒"), 65: ("1 min 05 s", "1 分 05 秒"),
             59.7: ("1 min 00 s", "1 分 00 秒"), 7380: ("2 h 03 min", "2 小时 03 分")}
    for seconds, (en, zh) in cases.items():
        assert (fg.format_duration(seconds, "en"), fg.format_duration(seconds, "zh")) == (en, zh)
    assert fg.format_duration(None, "en") == "—"


def test_progress_line():
    p = fg.Progress(step=120, total=500, tokens_seen=43_000, tokens_per_s=7_084.0, eta_s=62.0, elapsed_s=20.0)
    assert fg.progress_line(p, "en") == "step 120 / 500 · 7,100 tokens/s · 43,000 tokens seen · about 1 min left"
    assert fg.progress_line(p, "zh") == "第 120 / 500 步 · 每秒 7,100 个词元 · 已读 43,000 个词元 · 约剩 1 分钟"
    assert "estimating" in fg.progress_line(fg.progress([], 10), "en")
    assert fg.progress_line(fg.Progress(500, 500, 1, 1.0, 0.0, 1.0), "en").endswith("done")


# ── masking ──────────────────────────────────────────────────────────────────────────────────

PIECES = "[CLS] the cat sat on the mat [SEP] dogs bark loud ##ly at night too [SEP]".split()
FATE = ["special", "", "mask", "", "random", "", "kept", "special", "", "mask", "", "", "", "", "", "special"]
SHOWN = [("[MASK]" if f == "mask" else "tree" if f == "random" else p) for p, f in zip(PIECES, FATE, strict=True)]
SEGMENTS = [0] * 8 + [1] * 8


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_masking_figure_one_box_per_token_and_a_legend_entry_per_fate(lang):
    fig = fg.masking_figure(PIECES, SHOWN, FATE, SEGMENTS, is_next=False, lang=lang)
    boxes = [s for s in fig.layout.shapes if s.name.startswith("token")]
    assert len(boxes) == len(PIECES)
    assert boxes[2].fillcolor == fg.FATE_COLOURS["mask"] and boxes[4].fillcolor == fg.FATE_COLOURS["random"]
    assert boxes[12].y1 < boxes[0].y1                                     # 16 tokens wrap onto a second row
    lines = {s.name: s.line.color for s in fig.layout.shapes if s.name.startswith("segment")}
    assert lines["segment 1"] == fg.SEGMENT_COLOURS[0] and lines["segment 9"] == fg.SEGMENT_COLOURS[1]
    legend = [t.name for t in fig.data if t.showlegend is not False]
    for f in fg.FATES:
        assert fg.TEXT(f"fate_{f or 'none'}", lang) in legend
    read = next(t for t in fig.data if t.hovertext)
    assert "<b>tree</b>" in read.text[4] and "<b>[MASK]</b>" in read.text[2]
    assert fig.layout.title.text == fg.TEXT("not_next", lang)


def test_masking_title_and_bad_lengths():
    assert "IsNext" in fg.masking_figure(PIECES, SHOWN, FATE, SEGMENTS, True, "en").layout.title.text
    with pytest.raises(ValueError, match="one entry per token"):
        fg.masking_figure(PIECES, SHOWN[:-1], FATE, SEGMENTS, True, "en")


def test_masking_counts():
    counts = fg.masking_counts(FATE)
    assert counts == {"special": 3, "not_chosen": 9, "mask": 2, "random": 1, "kept": 1, "chosen": 4,
                      "chosen_share": pytest.approx(4 / 13)}
    assert fg.masking_counts(["special"])["chosen_share"] == 0.0


# ── vocabulary ───────────────────────────────────────────────────────────────────────────────

VOCAB = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "a": 5, "你": 6, "##ing": 7, "hello": 8,
         "play": 9, "##s": 10, "#": 11}


def test_vocab_kinds():
    kinds = fg.vocab_kinds(VOCAB)
    assert kinds["[CLS]"] == kinds["[MASK]"] == "special"
    assert (kinds["a"], kinds["你"], kinds["##ing"], kinds["hello"], kinds["#"]) == (
        "char", "cjk", "continuation", "word", "char")


def test_vocab_rows_filter_and_sort():
    rows = fg.vocab_rows(VOCAB)
    assert [r["id"] for r in rows] == list(range(len(VOCAB)))
    assert rows[7] == {"id": 7, "piece": "##ing", "kind": "continuation", "length": 3}
    assert [r["piece"] for r in fg.vocab_rows(VOCAB, query="S")] == ["[CLS]", "[SEP]", "[MASK]", "##s"]
    assert [r["piece"] for r in fg.vocab_rows(VOCAB, kind="continuation")] == ["##ing", "##s"]
    assert fg.vocab_rows(VOCAB, query="in", kind="word") == []
    with pytest.raises(ValueError):
        fg.vocab_rows(VOCAB, kind="words")


def test_vocab_figure_counts_each_kind():
    fig = fg.vocab_figure(VOCAB, "en")
    bars = {t.name: t.x[0] for t in fig.data if t.orientation == "h"}
    assert bars == {"special tokens": 5, "single characters": 2, "single CJK characters": 1,
                    "whole-word pieces": 2, "continuations (##…)": 2}
    lengths = next(t for t in fig.data if t.name == "continuations (##…)" and t.orientation != "h")
    assert list(lengths.x) == [1, 2, 3] and list(lengths.y) == [1, 0, 1]  # ##s → 1, ##ing → 3
    assert "12" in fig.layout.title.text


# ── embedding drift ──────────────────────────────────────────────────────────────────────────

def test_embedding_drift_frames_and_final_pca():
    rng = np.random.default_rng(0)
    frames = [(step, rng.normal(size=(6, 5)) * (1 + step / 100)) for step in (0, 100, 200)]
    fig = fm.embedding_drift(frames, list("abcdef"), "en")
    assert [f.name for f in fig.frames] == ["0", "100", "200"]
    assert len(fig.layout.sliders[0].steps) == 3 and fig.layout.updatemenus[0].buttons[0].label == "▶"
    last = frames[-1][1] - frames[-1][1].mean(axis=0)
    _, _, vt = np.linalg.svd(last)
    expected = last @ vt[:2].T                                            # (6, 2): PCA of the last frame
    got = np.stack([fig.frames[-1].data[0].x, fig.frames[-1].data[0].y], axis=1)
    for axis in range(2):                                                 # a principal axis has no sign
        assert np.allclose(got[:, axis], expected[:, axis]) or np.allclose(got[:, axis], -expected[:, axis])
    assert list(fig.frames[0].data[0].text) == list("abcdef")
    lo_x, hi_x = fig.layout.xaxis.range
    assert all(lo_x <= x <= hi_x for f in fig.frames for x in f.data[0].x)   # fixed range covers every frame


def test_embedding_drift_edge_cases():
    assert len(fm.embedding_drift([(7, np.eye(3))], ["x", "y", "z"], "zh").data) == 1
    with pytest.raises(ValueError):
        fm.embedding_drift([], [], "en")
    with pytest.raises(ValueError):
        fm.embedding_drift([(0, np.eye(3))], ["x", "y"], "en")


# ── classifier ───────────────────────────────────────────────────────────────────────────────

def test_confusion_figure_accuracy_counts_and_row_shares():
    fig = fm.confusion_figure(np.array([[8, 2], [1, 9]]), ["neg", "pos"], "en")
    assert "85.0%" in fig.layout.title.text and "17 / 20" in fig.layout.title.text
    assert fig.data[0].text[0][1] == "2<br>20%" and fig.data[0].text[1][1] == "9<br>90%"
    assert np.allclose(fig.data[0].z, [[0.8, 0.2], [0.1, 0.9]])
    zh = fm.confusion_figure([[0, 0], [0, 0]], ["负面", "正面"], "zh")
    assert "准确率" in zh.layout.title.text and english_words(titles(zh)) == []
    with pytest.raises(ValueError):
        fm.confusion_figure([[1, 2, 3]], ["a"], "en")


def test_probabilities_bar():
    fig = fm.probabilities_bar(np.array([0.25, 0.75]), ["neg", "pos"], "zh")
    assert np.allclose(fig.data[0].x, [25, 75]) and fig.data[0].orientation == "h"
    assert list(fig.layout.xaxis.range) == [0, 100] and fig.data[0].text[1] == "75.0%"


# ── attention ────────────────────────────────────────────────────────────────────────────────

def test_before_after_difference_panel():
    before, after = np.full((3, 3), 1 / 3), np.eye(3)
    fig = fm.before_after(before, after, ["a", "b", "a"], "en", title_before="step 0")
    assert np.allclose(fig.data[2].z, after - before)
    assert fig.layout.coloraxis2.cmid == 0 and fig.layout.coloraxis2.cmax == pytest.approx(2 / 3)
    assert fig.layout.annotations[0].text == "step 0" and fig.layout.yaxis.autorange == "reversed"
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "a"]            # a repeated token keeps its own column
    with pytest.raises(ValueError):
        fm.before_after(np.eye(2), np.eye(3), ["a", "b", "c"], "en")


def test_cross_attention_timelapse():
    frames = [(0, np.full((3, 4), 0.25)), (50, np.eye(3, 4))]
    fig = fm.cross_attention_timelapse(frames, list("abc") + ["[EOS]"], list("abc"), "zh")
    assert [f.name for f in fig.frames] == ["0", "50"]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 1) and np.allclose(fig.data[0].z, np.eye(3, 4))
    assert fig.layout.sliders[0].currentvalue.prefix.startswith("步")            # the glossary's "step"
    with pytest.raises(ValueError):
        fm.cross_attention_timelapse([(0, np.eye(4))], list("abc"), list("abc"), "en")


def test_alignment_score():
    src_len = 5                                                           # 4 characters + [EOS]
    assert fm.alignment_score(np.eye(src_len), "copy") == 1.0             # row i reads source i, [EOS] → [EOS]
    reverse = np.zeros((src_len, src_len))
    for i in range(src_len - 1):
        reverse[i, src_len - 2 - i] = 1.0                                 # output i reads character n − 1 − i
    reverse[-1, -1] = 1.0                                                 # the [EOS] row: left out of the score
    assert fm.alignment_score(reverse, "reverse") == 1.0
    assert fm.alignment_score(np.fliplr(np.eye(src_len)), "reverse") == 0.0   # off by one: [EOS] is not mirrored
    uniform = np.full((4, src_len), 1 / src_len)
    assert fm.alignment_score(uniform, "copy") == pytest.approx(1 / src_len)
    assert fm.alignment_score(uniform, "reverse") == pytest.approx(1 / src_len)
    assert fm.alignment_score(uniform, "sort") is None


# ── every figure, both languages; every string translated; no Streamlit ─────────────────────

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_builds(lang):
    figures = [fg.curves([], [], "seq2seq", lang), fg.masking_figure(PIECES, SHOWN, FATE, SEGMENTS, True, lang),
               fg.vocab_figure(VOCAB, lang), fg.embedding_drift([(0, np.eye(4)), (1, np.eye(4))], list("abcd"), lang),
               fg.confusion_figure(np.eye(3), ["x", "y", "z"], lang), fg.probabilities_bar([1.0], ["x"], lang),
               fg.before_after(np.eye(2), np.eye(2), ["a", "b"], lang),
               fg.cross_attention_timelapse([(0, np.eye(2))], ["a", "b"], ["a", "b"], lang)]
    for fig in figures:
        assert isinstance(fig, go.Figure) and fig.layout.title.text and fig.to_json()
        assert fig.layout.template.layout.paper_bgcolor == "white"


def test_the_figures_need_no_streamlit():             # their strings: tests/test_catalog.py
    for module in (fg, fm):
        assert "streamlit" not in Path(module.__file__).read_text(encoding="utf-8")


def test_vocabulary_counts_have_room_for_their_labels():
    """Issue 12.10: the Chinese vocabulary's largest count showed as "2,61…" (no room after its bar)."""
    from ui.studio import figures_more
    vocab = {chr(0x4E00 + i): i for i in range(2614)} | {"[CLS]": 2614, "##a": 2615}
    fig = figures_more.vocab_figure(vocab, "zh")
    assert fig.layout.xaxis.range[1] >= 2614 * 1.25
