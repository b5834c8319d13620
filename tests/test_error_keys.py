"""Keyed errors: every error the core raises on purpose carries a key and values, every key has an entry in
every language with the same placeholders, and the app says real errors in the learner's language (the
English entry formatted with the values is the error's own sentence)."""
from __future__ import annotations

import builtins
import json
import re
from string import Formatter

import pytest
import torch
from error_sites import KEYED, SELF_KEYED, all_sites, implied_template, keyed_sites, raised_names, with_constants

from transformer_core import BertModel, TransformerConfig, load_pretrained, save_pretrained
from transformer_core.data.classification import read_labelled
from transformer_core.data.files import read_corpus_file
from transformer_core.errors import CheckpointError, ConfigError, DataError, LabError, Phrase, Phrases
from transformer_core.train.trainer import TrainingStopped, likely_cause
from ui.i18n import LANGS, catalog, error_text

ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")    # three English words in a row


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field}


# ── (a) every error made in the code has a literal key ──────────────────────────────────────────────

def test_every_raise_of_a_core_error_passes_a_literal_key():
    unkeyed = [f"{site.where} {site.kind}" for site in all_sites() if site.key is None]
    assert not unkeyed, unkeyed
    raised = [name for folder in ("transformer_core", "tools") for _, name in raised_names(folder)]
    assert raised.count("DataError") > 50 and raised.count("ConfigError") > 30 and "TrainingStopped" in raised


def test_errors_that_build_their_own_message_key_it_themselves():
    own = [site for site in all_sites() if site.kind == "super"]
    assert {site.path for site in own} >= {"transformer_core/train/trainer.py"}
    assert all(site.key for site in own)
    others = [(where, name) for folder in ("transformer_core", "tools") for where, name in raised_names(folder)
              if name and name not in KEYED | SELF_KEYED and not hasattr(builtins, name)]
    assert not others, f"an error class this test does not know: {others}"


# ── (b) the catalog: one entry per key in every language, the same placeholders as the values ────────

def test_every_key_has_an_entry_in_every_language_with_the_values_as_placeholders():
    problems = []
    for site in keyed_sites():
        for lang in LANGS:
            entry = catalog(lang).get("errors", {}).get(site.key)
            if not entry:
                problems.append(f"{site.where}: no {lang} entry for {site.key!r}")
            elif placeholders(entry) != set(site.values):
                problems.append(f"{site.where}: {lang} {site.key!r} has {sorted(placeholders(entry))}, "
                                f"the code passes {sorted(site.values)}")
    assert not problems, "\n".join(problems)


def test_the_catalog_has_no_entry_that_nothing_raises():
    used = {site.key for site in keyed_sites()}
    for lang in LANGS:
        assert set(catalog(lang)["errors"]) <= used, sorted(set(catalog(lang)["errors"]) - used)


def test_the_english_entry_is_the_sentence_the_code_writes():
    """Each message's f-string with its expressions named by the values equals the English entry; every
    varying part of a message is passed as a value, so a translation can say all of it."""
    english = catalog("en")["errors"]
    problems = []
    for site in keyed_sites():
        implied, loose = implied_template(site)
        if implied is None:
            continue
        if loose:
            problems.append(f"{site.where}: {loose} in the message but not among the values")
        elif with_constants(english[site.key], site) != implied:
            problems.append(f"{site.where}: {site.key!r}\n  code:    {implied}\n  catalog: {english[site.key]}")
    assert not problems, "\n".join(problems)


# ── (c), (d) real errors, said in Chinese and in English ─────────────────────────────────────────────

def _raised(make) -> LabError:
    with pytest.raises(LabError) as err:
        make()
    return err.value


def _bad_model_folder(tmp_path):
    return _raised(lambda: load_pretrained(tmp_path))


def _bad_config_json(tmp_path):
    save_pretrained(BertModel(TransformerConfig(vocab_size=50, d_model=16, n_layers=1, n_heads=2, d_ff=32,
                                                max_len=16)), tmp_path)
    data = json.loads((tmp_path / "config.json").read_text())
    data["attention_lab"]["n_heads"] = 3                        # 16 is not divisible by 3
    (tmp_path / "config.json").write_text(json.dumps(data))
    return _raised(lambda: load_pretrained(tmp_path))


CASES = {
    "empty corpus file": lambda tmp_path: _raised(lambda: read_corpus_file(b"")),
    "empty corpus on disk": lambda tmp_path: _raised(lambda: read_corpus_file(_empty_file(tmp_path))),
    "bad CSV column": lambda tmp_path: _raised(lambda: read_labelled(b"sentence,label\nhello,1\n")),
    "empty CSV cell": lambda tmp_path: _raised(lambda: read_labelled(b"text,label\nhello,\nbye,0\n")),
    "bad model folder": _bad_model_folder,
    "bad config.json": _bad_config_json,
    "bad config": lambda tmp_path: _raised(lambda: TransformerConfig(d_model=30, n_heads=4)),
    "NaN": lambda tmp_path: TrainingStopped(7, Phrase("loss", "what_loss"), _cause(), None),
}


def _empty_file(tmp_path):
    (tmp_path / "corpus.txt").write_bytes(b"")
    return tmp_path / "corpus.txt"


def _cause():
    from transformer_core.train.config import TrainConfig
    return likely_cause(TrainConfig(task="pretrain", warmup_steps=100), 0.5)


def _shown(value, lang: str) -> str:
    """A value as the message shows it (a keyed part in its language)."""
    if isinstance(value, Phrases):
        return value.sep.join(_shown(part, lang) for part in value.parts)
    return error_text(value, lang) if isinstance(value, Phrase | LabError) else str(value)


@pytest.mark.parametrize("case", CASES)
def test_real_errors_read_in_chinese_with_their_values(case, tmp_path):
    err = CASES[case](tmp_path)
    zh = error_text(err, "zh")
    assert err.key in catalog("zh")["errors"] and re.search(r"[\u4e00-\u9fff]", zh)
    rest = zh
    for value in err.values.values():
        shown = _shown(value, "zh")
        if not isinstance(value, float):                        # floats may carry a format spec
            assert shown in zh, (shown, zh)
        rest = rest.replace(shown, " ")
    assert not ENGLISH_RUN.search(rest), zh


@pytest.mark.parametrize("case", CASES)
def test_the_english_entry_with_the_values_is_the_errors_own_sentence(case, tmp_path):
    err = CASES[case](tmp_path)
    assert err.key in catalog("en")["errors"]
    assert error_text(err, "en") == str(err)


def test_a_part_that_starts_a_sentence_is_capitalised_in_english_only():
    err = _raised(lambda: read_labelled(b"text,label\n"))         # "The uploaded file has a header but …"
    assert str(err).startswith("The uploaded file") and error_text(err, "en") == str(err)
    assert error_text(err, "zh").startswith("上传的文件")


def test_an_error_inside_an_error_is_translated_too(tmp_path):
    err = _bad_config_json(tmp_path)
    assert isinstance(err, CheckpointError) and isinstance(err.values["err"], ConfigError)
    assert "必须能被 n_heads（3）整除" in error_text(err, "zh")


def test_weights_that_do_not_match_list_each_problem_in_the_learners_language(tmp_path):
    small = TransformerConfig(vocab_size=50, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=16)
    save_pretrained(BertModel(small), tmp_path)
    weights = tmp_path / "model.safetensors"
    from safetensors.torch import load_file, save_file
    tensors = load_file(weights)
    tensors["extra.weight"] = torch.zeros(2)
    save_file(tensors, weights)
    err = _raised(lambda: load_pretrained(tmp_path))
    assert err.key == "weights_mismatch" and error_text(err, "en") == str(err)
    assert "多余的键（1 个）：extra.weight" in error_text(err, "zh")


def test_an_error_without_a_key_or_entry_keeps_its_english_sentence():
    assert error_text(DataError("Something new."), "zh") == "Something new."
    assert error_text(DataError("Something new.", "no_such_key_anywhere"), "zh") == "Something new."
    assert error_text(ValueError("plain"), "zh") == "plain"
