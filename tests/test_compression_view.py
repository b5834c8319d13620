"""The compression page's pure builders (ui/compression_view.py) on a tiny random BERT and on made-up rows."""
from types import SimpleNamespace

import pytest
from fixtures_models import SENTENCES, make_bert, make_classifier

from transformer_core import load_pretrained
from transformer_core.bert import BertForMaskedLM
from ui import compression_view as cv

ROWS = [cv.Row("fp32", None, 100_000_000, 25_000_000, 50.0, 1.0, 0.45, 0.25),
        cv.Row("int8", None, 60_000_000, 25_000_000, 60.0, 1.2, 0.44, 0.24),
        cv.Row("bf16", None, 50_000_000, 25_000_000, 90.0, 1.8, 0.45, 0.25),
        cv.Row("low_rank", 400, 110_000_000, 27_000_000, 55.0, 1.1, 0.40, 0.2),
        cv.Row("factor_embeddings", 128, 70_000_000, 17_000_000, 45.0, 0.9, 0.2, 0.05),
        cv.Row("prune_heads", 12, 95_000_000, 24_000_000, 40.0, 0.8, 0.44, 0.2)]
CONFIG = SimpleNamespace(d_model=384, d_ff=1536, vocab_size=30522, n_layers=6, n_heads=12, max_len=512)


def loaded(folder, lang="en"):
    model, tokenizer = load_pretrained(folder)
    source = SimpleNamespace(has_mlm=hasattr(model, "mlm"), lang=lang)
    return SimpleNamespace(model=model.eval(), tokenizer=tokenizer, source=source, config=model.config)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_table_scatter_and_notes_in_both_languages(lang):
    rows = cv.table(ROWS, "mlm", lang)
    assert len(rows) == len(ROWS) and len(set(map(len, rows))) == 1
    first = list(rows[0].values())
    assert first[2] == "1.00×" and "45.0%" in first
    fig = cv.scatter(ROWS, "mlm", lang)
    assert len(fig.data) == len(ROWS) and fig.data[0].x[0] == pytest.approx(100)
    said = " ".join(cv.notes(ROWS, CONFIG, lang))
    assert "1.20" in said and "1.80" in said                 # int8 and bf16 slower: said, not hidden
    assert "307" in said                                      # rank 400 is above the break-even rank


def test_knob_limits_fit_the_model():
    limits = cv.knob_limits(CONFIG)
    assert limits["k"][:2] == (1, 6 * 11) and limits["r"][1] == 384 and limits["e"][1] == 384
    for low, high, default in limits.values():
        assert low <= default <= high


@pytest.fixture(scope="module")
def tiny_mlm(tmp_path_factory):
    folder = make_bert(tmp_path_factory.mktemp("c") / "mlm", SENTENCES * 5, cls=BertForMaskedLM, vocab_size=300,
                       n_layers=2, n_heads=4, max_len=64)
    return loaded(folder)


def test_measuring_a_masked_lm_moves_size_and_score_the_expected_way(tiny_mlm):
    data = cv.mlm_batches(tiny_mlm.tokenizer, "en", "validation", n=2)
    heads = cv.cz.head_importance(tiny_mlm.model, cv.calibration_loss("mlm", tiny_mlm.tokenizer, "en"))
    rows = {m: cv.measure(tiny_mlm, m, k, heads, data) for m, k in
            [("fp32", None), ("int8", None), ("bf16", None), ("prune_heads", 3), ("low_rank", 32),
             ("low_rank", 2), ("factor_embeddings", 4)]}
    base = rows["fp32"]
    assert rows["int8"].disk_bytes < base.disk_bytes and rows["bf16"].disk_bytes < 0.6 * base.disk_bytes
    assert rows["prune_heads"].parameters < base.parameters
    assert rows["factor_embeddings"].parameters < base.parameters
    assert rows["low_rank"].score == pytest.approx(base.score) or rows["low_rank"].knob == 2
    for row in rows.values():
        assert 0 <= row.score <= 1 and 0 <= row.second <= 1 and row.latency_ms > 0 and row.latency_ratio > 0


def test_full_rank_keeps_the_score(tiny_mlm):
    data = cv.mlm_batches(tiny_mlm.tokenizer, "en", "validation", n=2)
    full, base = (cv.measure(tiny_mlm, m, k, None, data) for m, k in (("low_rank", 32), ("fp32", None)))
    assert full.score == pytest.approx(base.score) and full.parameters > base.parameters


def test_measuring_a_classifier(tmp_path):
    clf = loaded(make_classifier(tmp_path / "clf"), "en")
    clf.source.has_mlm = False
    data = cv.labelled("en", "test", limit=10)
    heads = cv.cz.head_importance(clf.model, cv.calibration_loss("sentiment", clf.tokenizer, "en", 32))
    row = cv.measure(clf, "prune_heads", 2, heads, data)
    assert row.parameters < cv.measure(clf, "fp32", None, None, data).parameters and 0 <= row.score <= 1


def test_the_stored_distillation_measurement_reads_as_a_table():
    record = {"labels_only": {"mlm_top1": 0.1, "mlm_top5": 0.2, "train_seconds": 3.0},
              "distilled": {"mlm_top1": 0.15, "mlm_top5": 0.3, "train_seconds": 9.0}}
    rows = cv.distillation_table(record, "zh")
    assert len(rows) == 2 and "15.0%" in rows[1].values()
    assert cv.stored_distillation("/nonexistent.json") is None


def test_the_verdict_says_whether_the_teacher_helped():
    record = {"labels_only": {"mlm_top1": 0.101, "mlm_loss": 6.19}, "distilled": {"mlm_top1": 0.096, "mlm_loss": 6.17}}
    verdict = cv.distillation_verdict(record, "en")
    assert "did not pay off" in verdict and "10.1%" in verdict
    record["distilled"]["mlm_top1"] = 0.2
    assert "helped" in cv.distillation_verdict(record, "en") and "教师" in cv.distillation_verdict(record, "zh")
