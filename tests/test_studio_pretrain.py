"""The pretraining studio: its pure parts, then the page driven by AppTest (a real, tiny run)."""

import pytest
from apptest import open_app, open_app_page
from streamlit.testing.v1 import AppTest

from transformer_core.data.masking import MaskingRates
from transformer_core.errors import DataError
from ui.st import session
from ui.st import studio_panel as panel
from ui.studio import pretrain as pt
from ui.studio.live import wait_for

DOCS = [["the cat sat on the mat.", "it was tired."], ["a dog ran in the park.", "the sun was warm."],
        ["she opened the door.", "the garden was green."]]


@pytest.fixture(scope="module")
def tokenizer():
    return pt.train_tokenizer(DOCS * 5, 120)


# ── pure parts ──────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"\x00\x01PK\x03\x04 binary", "binary"),
    ("caf\u00e9 au lait\n\nnoch ein Dokument".encode("latin-1"), "not UTF-8"),
    (b"one document only\nsecond line", "holds one document"),
    (b"  \n\n  ", "only spaces"),
    (b"x" * (pt.UPLOAD_LIMIT + 1), "over the limit"),
])
def test_bad_uploads_are_refused_with_a_reason(data, words):
    with pytest.raises(DataError, match=words):
        pt.read_upload(data)


def test_a_good_upload_becomes_documents_in_the_corpus_format():
    documents = pt.read_upload("\ufefffirst line\nsecond\n\nother document\n".encode())
    assert documents == [["first line", "second"], ["other document"]]
    assert pt.read_upload(pt.upload_text(documents)) == documents
    assert pt.corpus_stats(documents) == {"documents": 2, "lines": 3, "characters": 30}


def test_an_upload_is_split_by_hash_and_small_ones_all_train():
    documents = [[f"document number {i} says hello.", "and more."] for i in range(200)]
    train, held = pt.split_upload(documents)
    assert len(train) + len(held) == 200 and 5 <= len(held) <= 40
    assert not {id(d) for d in train} & {id(d) for d in held}
    assert pt.split_upload(documents[:10]) == (documents[:10], [])


def test_every_chosen_token_becomes_mask_when_the_rates_say_so(tokenizer):
    sample = pt.masking_sample(DOCS, tokenizer, 32, MaskingRates(select=1.0, mask=1.0, random=0.0), seed=0)
    assert sample["pieces"][0] == "[CLS]" and sample["pieces"][-1] == "[SEP]"
    for piece, shown, fate in zip(sample["pieces"], sample["shown"], sample["fate"], strict=True):
        if piece in ("[CLS]", "[SEP]"):
            assert fate == "special" and shown == piece
        else:
            assert fate == "mask" and shown == "[MASK]"


def test_kept_tokens_are_unchanged_and_segments_mark_sentence_b(tokenizer):
    sample = pt.masking_sample(DOCS, tokenizer, 32, MaskingRates(select=0.5, mask=0.0, random=0.0), seed=1)
    assert "kept" in sample["fate"] and "mask" not in sample["fate"]
    assert sample["shown"] == sample["pieces"]
    first_sep = sample["pieces"].index("[SEP]")
    assert set(sample["segments"][:first_sep + 1]) == {0} and set(sample["segments"][first_sep + 1:]) == {1}


def test_drift_follows_frequent_whole_words_and_captures_their_rows(tokenizer):
    import torch

    from transformer_core.bert import BertForPreTraining
    from transformer_core.config import TransformerConfig
    ids = pt.drift_ids(tokenizer, DOCS, n=5)
    assert len(ids) == 5 and [tokenizer.id_to_token(i) for i in ids[:2]] == [".", "the"]   # 6 and 5 per copy
    assert not any(tokenizer.id_to_token(i).startswith("##") for i in ids)
    model = BertForPreTraining(TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=16, n_heads=2,
                                                 n_layers=1, d_ff=32, max_len=32))
    data = pt.embedding_capture(ids, ["x"] * 5)(model, None)
    assert data["embeddings"].shape == (5, 16)
    assert torch.equal(torch.from_numpy(data["embeddings"]), model.bert.embeddings.word.weight[ids].detach())


# ── the page ────────────────────────────────────────────────────────────────────────────────────────

def open_page(lang="en") -> AppTest:
    return open_app_page("train-pretrain", lang, 180)


def set_tiny(at: AppTest, steps=12, frames=3) -> None:
    for key, value in {"keep_pt_layers": 1, "keep_pt_d": 32, "keep_pt_heads": 2, "keep_pt_ff": 64,
                       "keep_pt_len": 32, "keep_pt_steps": steps, "keep_pt_batch": 8, "keep_pt_frames": frames,
                       "keep_pt_vocab_en": 1000}.items():
        at.number_input(key=key).set_value(value)
    at.run()


def test_the_page_walks_through_corpus_tokenizer_size_and_data():
    at = open_page()
    assert [h.value for h in at.header][:5] == ["1 · The corpus", "2 · The tokenizer: WordPiece, learned from this "
                                                "corpus", "3 · The model's size", "4 · The data as BERT sees it",
                                                "5 · Train"]
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert any("pt_vocab_fig" in k for k in keys) and any("pt_masking" in k for k in keys)
    assert [m.label for m in at.metric] == ["Parameters", "Time per step (estimate)", "Memory (estimate)"]


@pytest.mark.parametrize("lang, changes, words", [
    ("en", {"keep_pt_d": 66}, "divisible by the number of heads"),
    ("zh", {"keep_pt_d": 66}, "必须能被头数"),
    ("en", {"keep_pt_mask": 95, "keep_pt_random": 10}, "at most 100%"),
    ("zh", {"keep_pt_mask": 95, "keep_pt_random": 10}, "最多占"),
])
def test_bad_settings_get_a_message_and_no_start_button(lang, changes, words):
    at = open_page(lang)
    for key, value in changes.items():
        (at.slider if key in ("keep_pt_mask", "keep_pt_random") else at.number_input)(key=key).set_value(value)
    at.run()
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert "pretrain_start" not in [b.key for b in at.button]


def test_a_short_run_gives_curves_checkpoints_a_time_lapse_and_a_model_in_the_picker():
    at = open_page()
    set_tiny(at, steps=12, frames=3)
    at.button(key="pretrain_start").click().run()
    run = at.session_state[panel.RUNS]["pretrain"]
    view = wait_for(run, timeout=180)
    assert view.status == "done", view.message
    assert view.checkpoint.is_dir() and [e["step"] for e in view.evaluations] == [0, 4, 8, 12]
    at.run()
    charts = {c.proto.id: c for c in at.get("plotly_chart")}
    curves = next(c for k, c in charts.items() if "pretrain_curves" in k)
    assert '"Masked-LM loss' in curves.proto.spec or "MLM" in curves.proto.spec
    timelapse = next(c for k, c in charts.items() if "pt_timelapse" in k)
    assert timelapse.proto.spec.count('"name":') >= 4                     # one animation frame per checkpoint
    assert any("pt_drift" in k for k in charts)
    at.text_input(key="pretrain_save_name").set_value("tiny BERT").run()
    at.button(key="pretrain_save").click().run()
    saved = list(at.session_state[session.SESSION_MODELS].values())
    assert [s.label for s in saved] == ["tiny BERT"] and saved[0].has_mlm
    assert any(o.startswith("tiny BERT · ") for o in at.selectbox(key="model").options)    # name · language · size
    assert at.get("download_button")


def test_two_sessions_train_apart():
    a, b = open_page(), open_page()
    for at in (a, b):
        set_tiny(at, steps=3000, frames=2)
    a.button(key="pretrain_start").click().run()
    assert panel.RUNS not in b.session_state or "pretrain" not in b.session_state[panel.RUNS]
    b.button(key="pretrain_start").click().run()
    run_a, run_b = a.session_state[panel.RUNS]["pretrain"], b.session_state[panel.RUNS]["pretrain"]
    assert run_a is not run_b
    assert a.session_state[panel.WORKSPACE].path != b.session_state[panel.WORKSPACE].path
    wait_for(run_a, ("running",), 120)
    run_a.stop()
    run_a.join(60)
    view_b = run_b.view()
    assert run_a.view().status == "stopped" and view_b.status in ("preparing", "running")
    assert run_a.folder.parent == a.session_state[panel.WORKSPACE].path
    assert run_b.folder.parent == b.session_state[panel.WORKSPACE].path
    run_b.stop()
    run_b.join(60)


def test_a_run_that_fails_says_why_and_its_last_checkpoint_can_still_be_saved():
    import torch
    at = open_page()
    set_tiny(at, steps=5000, frames=2)
    at.button(key="pretrain_start").click().run()
    run = at.session_state[panel.RUNS]["pretrain"]
    wait_for(run, ("running",), 120)
    run.pause(wait=30)
    with torch.no_grad():
        run.trainer.model.bert.embeddings.word.weight.fill_(float("nan"))     # what a diverging run does
    run.resume()
    assert wait_for(run, timeout=120).error == "nan"
    at.run()
    assert any("not a finite number" in e.value and "step 0" in e.value for e in at.error), [e.value for e in at.error]
    at.button(key="pretrain_save").click().run()                              # the app stays usable
    assert [s.label for s in at.session_state[session.SESSION_MODELS].values()] == ["my BERT (trained here)"]


def test_one_line_documents_are_split_so_nsp_gets_isnext_pairs(tokenizer):
    """The shipped Chinese corpus is one review per line: without the split every pair was NotNext."""
    from transformer_core.data.corpora import load_documents
    from transformer_core.data.pretraining import make_nsp_examples
    from transformer_core.data.text import split_single_lines
    documents = load_documents("zh", "train")[:300]
    zh = pt.train_tokenizer(documents, 3500)
    examples = make_nsp_examples(split_single_lines(documents), zh, 64, seed=0)
    assert 0.4 < sum(e.is_next for e in examples) / len(examples) < 0.6
    assert split_single_lines([["one. two."], ["a", "b"]]) == [["one.", "two."], ["a", "b"]]


def test_windows_line_ends_and_blank_lines_with_spaces_still_separate_documents():
    documents = pt.read_upload(b"first line\r\nsecond\r\n  \r\nother document\r\n\r\n\r\nthird\r\n")
    assert documents == [["first line", "second"], ["other document"], ["third"]]


@pytest.mark.parametrize("data, words", [
    (b"", "文件是空的"), (b"\x00\x01PK", "二进制"), ("caf\u00e9\n\nx".encode("latin-1"), "UTF-8"),
    (b"one document only", "只有一篇文档"), (b"x" * (pt.UPLOAD_LIMIT + 1), "超过了"),
])
def test_refused_files_are_explained_in_chinese_on_the_chinese_page(data, words):
    from ui.i18n import error_text
    with pytest.raises(DataError) as err:
        pt.read_upload(data)
    assert words in error_text(err.value, "zh") and error_text(err.value, "en") == str(err.value)


@pytest.mark.parametrize("lang, words", [("en", "another browser session"), ("zh", "另一个浏览器会话")])
def test_a_link_to_another_sessions_model_says_why_it_shows_another(lang, words):
    at = open_app(60, lang=lang, model="session:0123456789")
    assert any(words in i.value for i in at.sidebar.info), [i.value for i in at.sidebar.info]
    assert at.session_state["model"] == f"minilm-mlm-{lang}"                  # the default of the language
    at.run()
    assert not any(words in i.value for i in at.sidebar.info)                 # said once, not on every rerun


def test_failures_found_while_building_a_run_are_explained_in_chinese():
    from transformer_core.errors import Phrase
    from transformer_core.tokenizer import train_wordpiece
    from transformer_core.train.checks import need_one_batch
    from ui.i18n import error_text
    with pytest.raises(DataError) as small:
        train_wordpiece(["你好世界今天天气很好"] * 3, vocab_size=5)
    with pytest.raises(DataError) as batch:
        need_one_batch(3, 32, Phrase("sentence pairs", "what_sentence_pairs"),
                       Phrase("Use a larger corpus or a smaller --batch-size.", "advice_larger_corpus"))
    assert error_text(small.value, "zh").startswith("vocab_size=5 太小") and "≥ 13" in error_text(small.value, "zh")
    assert error_text(batch.value, "zh").startswith("用于训练的只有 3 个句子对，而一个批次需要 32 个。")
    assert error_text(ValueError("something new"), "zh") == "something new"      # not a core error: as it is
