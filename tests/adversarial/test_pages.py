"""Hostile links and careless input on the explorer pages (issue 18.5, 18.7, 18.9): each ends in a page that
says what it did with the input, never in an exception; a page that fails anyway shows an error id, never a
traceback. Driven headlessly with AppTest on tiny random models (nothing shipped is read)."""
from __future__ import annotations

import logging
import re
import time
import tomllib
from pathlib import Path

import pytest
from apptest import open_app, page_file
from fixtures_models import SENTENCES, make_bert, make_seq2seq, number_vocab, only_models
from safetensors.torch import load_file, save_file
from streamlit.testing.v1 import AppTest

from transformer_core import BertForMaskedLM
from ui import mlm_view, seq2seq_view
from ui.pages import explorer
from ui.st import failsafe

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "nine hundred and ninety-nine thousand nine hundred and ninety-nine"
HUGE = "the cat sat on the mat " * 5000                     # 115,000 characters typed into the sidebar


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    make_bert(root / "mlm-en", SENTENCES, BertForMaskedLM, lang="en", label="tiny masked LM", n_layers=2,
              n_heads=2, max_len=64)
    make_seq2seq(root / "seq2seq-numbers", n_layers=1, n_decoder_layers=1, max_len=128)    # as long as shipped
    return root


@pytest.fixture(scope="module")
def endless(tmp_path_factory) -> Path:
    """A folder holding one encoder-decoder that never writes [EOS]: every decode runs to its step limit."""
    folder = make_seq2seq(tmp_path_factory.mktemp("endless") / "seq2seq-endless", n_layers=1, n_decoder_layers=1,
                          max_len=128)
    weights = load_file(folder / "model.safetensors")
    weights["generator.bias"][number_vocab().eos_id] = -1e4
    save_file(weights, folder / "model.safetensors")
    return folder.parent


@pytest.fixture(autouse=True)
def _models(monkeypatch, root):
    only_models(monkeypatch, root)


def visit(page: str, text: str | None = None, **query) -> AppTest:
    """``page`` opened from a link with ``query``; ``text`` typed into the sidebar first when given."""
    at = open_app(**query)
    if text is not None:
        at.sidebar.text_area(key="text").set_value(text).run()
    at.switch_page(page_file(page)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def notes(at: AppTest) -> str:
    return "\n".join(x.value for kind in (at.info, at.warning, at.caption, at.error) for x in kind)


def everything(at: AppTest) -> str:
    """All text the page shows (notes, markdown, code, exceptions)."""
    kinds = (at.info, at.warning, at.caption, at.error, at.markdown, at.code, at.exception)
    return "\n".join(str(x.value) for kind in kinds for x in kind)


# ── 18.7: the masked-LM page with many masks ────────────────────────────────────────────────────────────
@pytest.mark.parametrize("n", [28, 40])
def test_many_typed_masks_show_the_first_ones_with_a_note(n):
    at = visit("mlm", text=" ".join(["[MASK]"] * n))
    assert f"{n} pieces are hidden" in notes(at)
    assert len(at.get("plotly_chart")) >= 1                          # the guesses grid is drawn
    rows = at.table[0].value if at.table else None
    assert rows is None or len(rows) <= mlm_view.MAX_SHOWN


def test_thirty_masked_positions_in_a_link():
    at = visit("mlm", text="the cat sat on the mat " * 7, masked=",".join(map(str, range(1, 31))))
    assert "30 pieces are hidden" in notes(at)


def test_the_guesses_grid_fits_any_number_of_positions():
    tokens = ["[CLS]"] + ["x"] * 60
    guesses = {p: [mlm_view.Guess(1, "y", 0.5)] * 10 for p in range(1, 61)}
    fig = mlm_view.guesses_figure(guesses, tokens)                  # 60 masks: 20 rows would not fit
    assert len(fig.data) == mlm_view.MAX_SHOWN


# ── careless text and impossible layer / head numbers ───────────────────────────────────────────────────
@pytest.mark.parametrize("page", [p.url for p in explorer()])
def test_a_huge_sentence_is_cut_with_a_note(page):
    at = visit(page, text=HUGE)
    assert notes(at)                                                 # something is said on every page
    if page in ("tokenization", "attention-head", "embeddings", "mlm"):
        assert "characters; only the first 5,000 are used" in notes(at)


@pytest.mark.parametrize("layer, head", [("999", "999"), ("-3", "abc"), ("0", "0"), ("1e9", "")])
@pytest.mark.parametrize("page", ["attention-head", "multi-head", "inside-layer", "seq2seq"])
def test_layer_and_head_out_of_range_in_a_link(page, layer, head):
    at = visit(page, layer=layer, head=head)
    for box in at.selectbox:
        if box.key and box.key.endswith(("_layer_w", "_head_w")):
            assert 0 <= box.value < len(box.options)                    # kept 0-based, shown from 1


# ── 18.5: the encoder-decoder page with a long source ──────────────────────────────────────────────────
def test_a_long_source_in_a_link_is_cut_with_a_note_and_stays_quick(monkeypatch, endless):
    only_models(monkeypatch, endless)
    long = " ".join([NUMBER] * 7)                                     # 475 characters (a link keeps 500)
    start = time.perf_counter()
    at = visit("seq2seq", source=long, beam="8")
    first = time.perf_counter() - start
    assert "so it was cut to fit" in notes(at)
    assert at.text_input(key="s2s_text").value == long
    assert "beam search stops after" in notes(at)                   # a random model never ends: 8 × 24 steps
    reruns = []
    for _ in range(3):
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
    assert not at.exception
    print(f"\nseq2seq, long source, beam 8: open {first:.2f} s (app start included), reruns "
          + ", ".join(f"{t:.2f}" for t in reruns) + " s")


def test_decoding_work_is_bounded(endless):
    from ui import beam_tree, models
    loaded = models.load(models.describe_folder(endless / "seq2seq-endless", "shipped", key="endless"))
    text = " ".join([NUMBER] * 80)                                    # 5,000+ characters typed
    start = time.perf_counter()
    run = seq2seq_view.decode_greedy(loaded, text)
    cut = run.source.text
    assert text.startswith(cut) and text[len(cut)] == " "               # cut at a space, not inside a word
    assert len(cut) <= seq2seq_view.MAX_SOURCE_CHARS and ("s2s_cut", {"n": 5000, "limit": 127}) in run.source.notes
    assert len(run.steps) == seq2seq_view.MAX_STEPS and not run.finished
    times = [time.perf_counter() - start]
    for k in (1, 4, 8):
        start = time.perf_counter()
        view = beam_tree.run_beam(loaded, text, k, 3)
        times.append(time.perf_counter() - start)
        steps = max(n.step for n in view.nodes)
        assert steps == min(seq2seq_view.MAX_STEPS, seq2seq_view.BEAM_WORK // k)
        assert view.cut == (steps if steps < seq2seq_view.MAX_STEPS else None)
    print("\nendless model, 127 characters: greedy {:.2f} s, beam 1 / 4 / 8: {:.2f} / {:.2f} / {:.2f} s".format(*times))


# ── 18.9: no traceback for a learner ───────────────────────────────────────────────────────────────────
def test_an_unexpected_error_shows_an_id_and_logs_the_traceback(monkeypatch, caplog):
    monkeypatch.delenv(failsafe.SHOW_TRACEBACKS, raising=False)

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path.py")
    monkeypatch.setattr(mlm_view, "guesses_figure", broken)
    with caplog.at_level(logging.ERROR, logger=failsafe.LOG.name):
        at = visit("mlm", text="the cat [MASK] on the mat")
    message = at.error[-1].value
    found = re.search(r"\*\*([0-9a-f]{8})\*\*", message)
    assert found and "not your fault" in message
    shown = everything(at)
    assert "/srv/secret" not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    record = next(r for r in caplog.records if found.group(1) in r.getMessage())
    assert record.exc_info and "boom" in str(record.exc_info[1])


def test_the_error_message_is_in_the_learners_language(monkeypatch):
    monkeypatch.delenv(failsafe.SHOW_TRACEBACKS, raising=False)
    monkeypatch.setattr(mlm_view, "guesses_figure", lambda *a, **k: 1 / 0)
    at = open_app(lang="zh", text="the cat [MASK] on the mat")
    at.switch_page(page_file("mlm")).run()
    assert not at.exception and "错误编号" in at.error[-1].value


def test_streamlit_itself_shows_no_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
