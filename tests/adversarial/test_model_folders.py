"""Hostile model folders (issue 18, items 6 and 9): every way a folder can be broken gets the project's own keyed
error, said in every language, never a traceback; what is merely odd loads. Each folder is a tiny valid BERT
(tests/fixtures_models.py) spoiled in one way (spoil.py), built on the fly and opened the way the app opens it
(``ui.models.open_folder``: the sidebar's "open a folder" and ``?model=local:`` links). The sizes that would
exhaust memory: test_model_sizes.py."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from apptest import open_app
from fixtures_models import SENTENCES, make_bert, make_seq2seq

from transformer_core.errors import LabError
from ui import models
from ui.i18n import LANGS, error_text

from .spoil import (
    CJK,
    as_vocab_txt,
    assert_said_in_every_language,
    bigger_tokenizer,
    change_weights,
    copy_folder,
    hf_config,
    hf_data,
    keys_of,
    link,
    ours_config,
    outside_vocab,
    poison,
    set_config,
    top_config,
    vocab_lines,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_bert(tmp_path_factory.mktemp("base") / "model", SENTENCES)


HOSTILE = {
    # config.json that is not an object, or not JSON at all
    "config is a list": (lambda f: set_config(f, "[1, 2, 3]"), "json_not_object"),
    "config is a string": (lambda f: set_config(f, '"bert"'), "json_not_object"),
    "config is null": (lambda f: set_config(f, "null"), "json_not_object"),
    "config is a number": (lambda f: set_config(f, "12"), "json_not_object"),
    "config nested 100,000 deep": (lambda f: set_config(f, "[" * 100_000 + "]" * 100_000), "json_too_deep"),
    "config is cut off": (lambda f: set_config(f, '{"vocab_size": 30'), "bad_json"),
    "config is latin-1": (lambda f: set_config(f, '{"model_type": "b\xe9rt"}'.encode("latin-1")), "not_utf8"),
    "config is 2 MB": (lambda f: set_config(f, json.dumps({"pad": "x" * 2_000_000})), "model_file_too_big"),
    "config is a folder": (lambda f: ((f / "config.json").unlink(), (f / "config.json").mkdir()), "no_config_json"),
    "config with a 5000-digit number": (lambda f: set_config(f, '{"vocab_size": ' + "9" * 5000 + "}"), "bad_json"),
    # fields of the wrong type or value
    "attention_lab is a list": (lambda f: top_config(f, attention_lab=[1, 2]), "ours_not_object"),
    "hidden_size is a string": (lambda f: hf_config(f, hidden_size="32"), "whole_number"),
    "num_hidden_layers is true": (lambda f: hf_config(f, num_hidden_layers=True), "whole_number"),
    "hidden_size is 32.0": (lambda f: hf_config(f, hidden_size=32.0), "whole_number"),
    "layer_norm_eps is a string": (lambda f: hf_config(f, layer_norm_eps="tiny"), "positive_number"),
    "layer_norm_eps is NaN": (lambda f: set_config(f, json.dumps({**hf_data(f), "layer_norm_eps": float("nan")})),
                              "positive_number"),
    "dropout is a string": (lambda f: hf_config(f, hidden_dropout_prob="0.1"), "unit_interval"),
    "type_vocab_size is negative": (lambda f: hf_config(f, type_vocab_size=-1), "non_negative"),
    "norm_first is a string": (lambda f: ours_config(f, norm_first="false"), "one_of"),
    "model_type is gpt2": (lambda f: hf_config(f, model_type="gpt2"), "hf_not_bert"),
    # sizes: too short to read a sentence, more than a page can show (memory cases: the capped subprocess)
    "max_position_embeddings 4": (lambda f: hf_config(f, max_position_embeddings=4), "size_field_min"),
    "num_attention_heads 128": (lambda f: hf_config(f, hidden_size=256, num_attention_heads=128), "size_field_cap"),
    "num_hidden_layers 100 (small)": (lambda f: hf_config(f, num_hidden_layers=100), "size_field_cap"),
    # tokenizer files
    "tokenizer.json is corrupt": (lambda f: (f / "tokenizer.json").write_text('{"model": {"type": "Word'),
                                  "tokenizer_unreadable"),
    "tokenizer.json is a list": (lambda f: (f / "tokenizer.json").write_text("[]"), "tokenizer_unreadable"),
    "tokenizer.json is latin-1": (lambda f: (f / "tokenizer.json").write_bytes(b'{"x": "\xe9"}'), "not_utf8"),
    "tokenizer_config.json is cut off": (lambda f: (as_vocab_txt(f), (f / "tokenizer_config.json").write_text("{")),
                                         "bad_json"),
    "tokenizer_config.json is a list": (lambda f: (as_vocab_txt(f), (f / "tokenizer_config.json").write_text("[]")),
                                        "json_not_object"),
    "do_lower_case is a string": (lambda f: (as_vocab_txt(f), (f / "tokenizer_config.json").write_text(
        '{"do_lower_case": "yes"}')), "bad_lower_case"),
    "vocab.txt is latin-1": (lambda f: as_vocab_txt(f, data="[PAD]\n[UNK]\ncaf\xe9\n".encode("latin-1")), "not_utf8"),
    "vocab.txt without special tokens": (lambda f: as_vocab_txt(f, [w for w in vocab_lines(f) if w[0] != "["]),
                                         "tokenizer_no_specials"),
    "vocab.txt is empty": (lambda f: as_vocab_txt(f, data=b""), "tokenizer_no_specials"),
    "tokenizer bigger than the model's vocabulary": (bigger_tokenizer, "tokenizer_too_big"),
    # links out of the folder (never followed)
    "vocab.txt links outside": (outside_vocab, "file_outside_folder"),
    "vocab.txt links to /etc/passwd": (lambda f: (as_vocab_txt(f), link(f, "vocab.txt", Path("/etc/passwd"))),
                                       "file_outside_folder"),
    "config.json links outside": (lambda f: (shutil.copy(f / "config.json", f.parent / "c.json"),
                                             link(f, "config.json", f.parent / "c.json")),
                                  "file_outside_folder"),
    "weights link outside": (lambda f: (shutil.copy(f / "model.safetensors", f.parent / "w.safetensors"),
                                        link(f, "model.safetensors", f.parent / "w.safetensors")),
                             "file_outside_folder"),
    "tokenizer.json links outside": (lambda f: (shutil.copy(f / "tokenizer.json", f.parent / "t.json"),
                                                link(f, "tokenizer.json", f.parent / "t.json")),
                                     "file_outside_folder"),
    # weights
    "NaN weights": (lambda f: change_weights(f, poison(float("nan"))), "weights_not_finite"),
    "infinite weights": (lambda f: change_weights(f, poison(float("inf"))), "weights_not_finite"),
    "weights cut in half": (lambda f: (f / "model.safetensors").write_bytes(
        (f / "model.safetensors").read_bytes()[:5000]), "file_corrupt"),
    "weights are text": (lambda f: (f / "model.safetensors").write_text("not weights"), "file_corrupt"),
    "weights of another shape": (lambda f: change_weights(f, lambda t: t.update(
        {"bert.embeddings.word_embeddings.weight": torch.zeros(7, 32)})), "weights_mismatch"),
    "pytorch_model.bin holds a list": (lambda f: ((f / "model.safetensors").unlink(),
                                                  torch.save([1, 2], f / "pytorch_model.bin")), "bin_not_weights"),
    "no weights": (lambda f: (f / "model.safetensors").unlink(), "config_no_weights"),
}




@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_folder_gets_a_keyed_message(case, base, tmp_path):
    spoil, key = HOSTILE[case]
    folder = copy_folder(base, tmp_path)
    spoil(folder)
    with pytest.raises(LabError) as caught:
        models.open_folder(folder)
    assert key in keys_of(caught.value), (keys_of(caught.value), str(caught.value))
    assert_said_in_every_language(caught.value)


@pytest.mark.parametrize("path", ["", "   ", "no/such/folder", "a\x00b", "x" * 5000, "/dev/null"])
def test_a_path_that_is_no_folder_gets_a_keyed_message(path):
    with pytest.raises(LabError) as caught:
        models.open_folder(path)
    assert caught.value.key in ("no_folder", "file_not_folder")
    assert_said_in_every_language(caught.value)


def test_a_folder_that_is_itself_a_file_or_empty_gets_a_message(tmp_path):
    (tmp_path / "file.txt").write_text("hello")
    for folder, key in ((tmp_path / "file.txt", "file_not_folder"), (tmp_path, "no_config_json")):
        with pytest.raises(LabError) as caught:
            models.open_folder(folder)
        assert caught.value.key == key


# ── odd but harmless: loads, and sensibly ────────────────────────────────────────────────────────────

def test_architectures_as_a_string_names_that_kind_not_its_first_letter(base, tmp_path):
    folder = copy_folder(base, tmp_path)
    top_config(folder, architectures="BertForMaskedLM")
    assert models.open_folder(folder).architecture == "BertForMaskedLM"
    top_config(folder, architectures=[{"not": "a name"}, 7, "BertModel"])
    assert models.open_folder(folder).architecture == "BertModel"


def test_odd_but_harmless_fields_load(base, tmp_path):
    folder = copy_folder(base, tmp_path)
    hf_config(folder, pad_token_id=None, id2label="not a table", attention_lab_card=[1, 2], architectures=None)
    source = models.open_folder(folder)
    assert source.label == "model" and source.lang == "" and source.order == 100


def test_a_link_inside_the_folder_is_fine(base, tmp_path):
    folder = copy_folder(base, tmp_path)
    (folder / "real.json").write_bytes((folder / "tokenizer.json").read_bytes())
    link(folder, "tokenizer.json", Path("real.json"))             # relative, inside
    assert models.load(models.open_folder(folder)).tokenizer.encode("the cat").ids


def test_the_hugging_face_cache_links_its_snapshots_to_blobs(base, tmp_path):
    """The HF cache keeps a snapshot's files in the repository's blobs/ and links them: that is allowed, and
    nothing else outside the snapshot is."""
    repo = tmp_path / "models--org--bert"
    snapshot, blobs = repo / "snapshots" / "abc", repo / "blobs"
    snapshot.mkdir(parents=True)
    blobs.mkdir()
    for i, name in enumerate(("config.json", "model.safetensors", "tokenizer.json")):
        shutil.copy(base / name, blobs / f"blob{i}")
        (snapshot / name).symlink_to(Path("..") / ".." / "blobs" / f"blob{i}")
    found = models.hf_cache_models(tmp_path)
    assert [s.key for s in found] == ["hf:org/bert"]
    assert models.load(found[0]).tokenizer.encode("the cat").ids
    (tmp_path / "elsewhere.json").write_bytes((base / "tokenizer.json").read_bytes())
    (snapshot / "tokenizer.json").unlink()
    (snapshot / "tokenizer.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(LabError, match="outside the model folder"):
        models.open_folder(snapshot)


def test_a_broken_side_file_shows_less_not_an_error(base, tmp_path):
    """evaluation.json, MODEL_CARD.md, trainer_state.json and id2label are extras: unusable ones are skipped."""
    from transformer_core.model_folder import side_json, side_text
    from ui.model_facts import facts
    from ui.sentiment_view import label_names
    folder = copy_folder(base, tmp_path)
    (folder / "evaluation.json").write_text("[1, 2]")
    (folder / "MODEL_CARD.md").write_bytes(b"caf\xe9")
    (folder / "trainer_state.json").write_text('{"config": [1]}')
    top_config(folder, id2label=["a", "b"], attention_lab_card={"label_names": {"x": 1}})
    assert side_json(folder, "evaluation.json") == {} and side_text(folder, "MODEL_CARD.md") is None
    assert facts(str(folder), "mlm", "en") is None
    assert label_names(str(folder), 2) == (["class 0", "class 1"], False)
    link(folder, "MODEL_CARD.md", Path("/etc/hostname"))
    assert side_text(folder, "MODEL_CARD.md") is None


def test_an_encoder_decoder_with_a_bad_vocabulary_gets_a_message(tmp_path):
    folder = make_seq2seq(tmp_path / "s2s")
    for text, key in (('{"tokens": {"a": 1}}', "vocab_not_strings"), ("[" * 50_000, "vocab_unreadable")):
        (folder / "vocab.json").write_text(text)
        with pytest.raises(LabError) as caught:
            models.open_folder(folder)
        assert caught.value.key == key
        assert_said_in_every_language(caught.value)


def test_a_failure_no_check_foresaw_is_logged_with_an_id_and_said_as_a_sentence(base, tmp_path, caplog):
    def broken(source):
        raise AttributeError("'list' object has no attribute 'get'")
    with pytest.raises(LabError) as caught:
        models.open_folder(base, broken)
    err = caught.value
    assert err.key == "folder_unforeseen" and err.values["error_id"] in caplog.text
    assert "AttributeError" not in error_text(err, "en") and "Traceback" in caplog.text
    assert_said_in_every_language(err)


# ── the app: a bad link falls back with a note; the sidebar says what is wrong ─────────────────────

@pytest.mark.parametrize("lang", list(LANGS))
def test_a_bad_local_link_falls_back_to_the_default_model_with_a_note(lang, base, tmp_path):
    folder = copy_folder(base, tmp_path)
    set_config(folder, "[" * 100_000)
    at = open_app(lang=lang, model=f"local:{folder}")
    assert not at.exception, [e.value for e in at.exception]
    note = [w.value for w in at.sidebar.warning if str(folder) in w.value]
    assert len(note) == 1, [w.value for w in at.sidebar.warning]
    assert CJK.search(note[0]) if lang == "zh" else "cannot be opened" in note[0]
    assert not str(at.session_state["model"]).startswith("local:")
    at.switch_page("views/mlm.py").run()                                    # the session is not broken
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.sidebar.warning if str(folder) in w.value]    # said once


def test_a_good_local_link_still_opens_its_folder(base):
    at = open_app(model=f"local:{base}")
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["model"] == f"local:{base.resolve()}" and not at.sidebar.warning


def test_opening_a_hostile_folder_from_the_sidebar_shows_the_message(base, tmp_path):
    folder = copy_folder(base, tmp_path)
    set_config(folder, "null")
    at = open_app()
    at.sidebar.text_input(key="folder_path").set_value(str(folder)).run()
    at.sidebar.button(key="open_folder").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("must hold one JSON object" in e.value for e in at.sidebar.error)
