"""The string catalog (ui/locales/<lang>.toml): complete in every language, the same placeholders and markdown
in each, one place for each string, every key the code names present, and a third language that needs nothing
but its file and its line in ``LANGS`` (shown with a fake one)."""
from __future__ import annotations

import re
import string
from collections import defaultdict

import pytest
from apptest import open_app
from catalog_keys import scopes, used_keys
from markdown_it import MarkdownIt

from ui import i18n, state
from ui.i18n import FALLBACK, LANGS, LOCALES, catalog, picker_label, tr

MD = MarkdownIt("commonmark")
NOT_TRANSLATED = {"examples"}      # sentences written in each language, not translations of the English ones
# transformer_core's keyed errors name the phrases they put into a message in [errors] (its own table)
OWN_PHRASES = {"errors"}
# The same English word for two ideas, which Chinese says differently: a section heading and a run's state.
HOMONYMS = {"Training": {"frame.sec_training", "studio.running"}}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def marks(text: str) -> tuple[int, int, int, int, bool]:
    """(bold, italic, links, code spans, a literal ** left). Placeholders become "[x]": a value that starts or
    ends with punctuation (e.g. "[CLS] 池化") must still be bold, which in 中文 needs a space beside the **."""
    html = MD.render(re.sub(r"\{[a-z_0-9]*(:[^{}]*)?\}", "[x]", text))
    return html.count("<strong>"), html.count("<em>"), html.count("<a href"), html.count("<code>"), "**" in html


def _shape(items: list) -> set:
    """What the items of an example list are: strings, or tables with these fields."""
    return {tuple(sorted(item)) if isinstance(item, dict) else type(item).__name__ for item in items}


def entries(lang: str):
    """(section, key, value) for every entry of a language's catalog."""
    for section, table in catalog(lang).items():
        for key, value in table.items():
            yield section, key, value


def problems(lang: str) -> list[str]:
    """What keeps ``lang``'s catalog from matching the English one, entry by entry."""
    english, other = catalog(FALLBACK), catalog(lang)
    found = [f"{s}.{k}: only in {lang}" for s, k, _ in entries(lang) if k not in english.get(s, {})]
    for section, key, en in entries(FALLBACK):
        value = other.get(section, {}).get(key)
        where = f"{section}.{key} ({lang})"
        if type(value) is not type(en) or not value:
            found.append(f"{where}: missing or empty")
        elif isinstance(en, list) and _shape(value) != _shape(en):
            found.append(f"{where}: its items are not shaped as the English ones")
        elif isinstance(en, str) and fields(value) != fields(en):
            found.append(f"{where}: placeholders {sorted(fields(value))} ≠ {sorted(fields(en))}")
        elif isinstance(en, str) and section not in NOT_TRANSLATED and marks(value) != marks(en):
            found.append(f"{where}: markdown {marks(value)} ≠ English {marks(en)}")
        elif isinstance(en, str) and marks(en)[4]:
            found.append(f"{where}: a ** that does not render")
    return found


# ── (a) completeness ─────────────────────────────────────────────────────────────────────────────────

def test_each_language_has_its_catalog_file():
    assert sorted(p.stem for p in LOCALES.glob("*.toml")) == sorted(LANGS)


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_every_key_in_every_language_with_the_same_placeholders_and_markdown(lang):
    assert problems(lang) == []


def test_the_checks_catch_what_they_should():
    assert fields("{n} layers × {d:,}, {{literal}}") == {"n", "d"}
    assert marks("**{label}** with probability") == (1, 0, 0, 0, False)
    assert marks("see [the paper](https://x.org) and `code`")[2:4] == (1, 1)
    assert marks("用 **池化 [CLS]**的")[0] == 0 and marks("用 **池化 [CLS]** 的")[0] == 1   # 中文 needs the space


# Chinese keeps these as they are in English: formulas, code names and terms a Chinese text writes in Latin letters
KEPT_IN_CHINESE = {"glossary.dev_cuda", "arch.c_pooler", "arch.note_attn_out", "arch.stage_mlm", "arch.stage_nsp",
                   "arch.d_layernorm", "frame.sec_bert", "nsp.p_is_next", "sentiment.how_pooled",
                   "train_seq2seq.d_model", "train_seq2seq.dropout", "train_seq2seq.name_d_model",
                   "train_seq2seq.name_dropout"}


def test_chinese_is_chinese():
    """A string with English words in it is written in Chinese characters in zh.toml (not left in English)."""
    left = [f"{s}.{k}" for s, k, en in entries(FALLBACK) if isinstance(en, str) and s not in NOT_TRANSLATED
            and re.search("[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", en))
            and not re.search("[\u4e00-\u9fff]", catalog("zh")[s][k])]
    assert sorted(left) == sorted(KEPT_IN_CHINESE)


def test_no_empty_strings_anywhere():
    empty = [(lang, s, k) for lang in LANGS for s, k, v in entries(lang) if isinstance(v, str) and not v.strip()]
    assert empty == []


# ── one place for each string ────────────────────────────────────────────────────────────────────────

def test_an_english_string_lives_in_one_section():
    """A term used on several pages lives in [glossary] (one translation); a sentence in one section."""
    places = defaultdict(set)
    for section, _, value in entries(FALLBACK):
        if isinstance(value, str) and section not in NOT_TRANSLATED | OWN_PHRASES:
            places[value].add(section)
    shared = {value: where for value, where in places.items() if len(where) > 1}
    allowed = {value: {key.partition(".")[0] for key in keys} for value, keys in HOMONYMS.items()}
    assert shared == allowed


def test_the_glossary_translates_each_term_once():
    glossary = catalog("zh")["glossary"]
    assert glossary["add_norm"] == "残差相加 & 归一化" and glossary["step"] == "步"
    assert tr("glossary.layer", "zh") == "层" and tr("glossary.head_n", "en", n=3) == "head 3"


# ── (c) every key the code names exists ──────────────────────────────────────────────────────────────

def test_every_key_named_in_the_code_is_in_the_catalog():
    found = used_keys()
    assert len(found) > 500                        # the scan reads the pages, not an empty list
    assert [f"{u.where}: {u.key}{'' if u.exact else '…'}" for u in found if not u.found()] == []


def test_shared_keys_lead_to_real_entries():
    for scope in scopes():
        for name, key in scope.shared.items():
            section, _, entry = key.partition(".")
            assert entry in catalog(FALLBACK)[section], (scope, name, key)


# ── (b) a third language: its file and one entry in the language list ───────────────────────────────

FAKE = "xx"
PREFIX = "xx· "


@pytest.fixture
def fake_language(tmp_path):
    """Every English string prefixed, written as ui/locales/xx.toml would be; registered for this test only."""
    lines = (LOCALES / f"{FALLBACK}.toml").read_text(encoding="utf-8").splitlines()
    fake = [re.sub(r'^([a-z_0-9]+) = "', rf'\1 = "{PREFIX}', line) for line in lines]
    (tmp_path / f"{FAKE}.toml").write_text("\n".join(fake), encoding="utf-8")
    i18n.register_language(FAKE, "Xx-ish", tmp_path)
    yield FAKE
    del LANGS[FAKE], i18n.FOLDERS[FAKE]
    catalog.cache_clear()


def test_a_third_language_is_complete_and_translates(fake_language):
    assert problems(fake_language) == []
    assert tr("frame.p_mlm", fake_language) == PREFIX + tr("frame.p_mlm")
    assert tr("glossary.head_n", fake_language, n=2) == PREFIX + "head 2"
    assert PREFIX + "Language" in picker_label() and "语言" in picker_label()


def test_a_third_language_follows_the_url_and_the_sidebar(fake_language):
    assert state.parse_params({"lang": fake_language}) == {"lang": fake_language}
    assert state.switched_defaults({"text": state.defaults("zh")["text"]}, fake_language)["masked"] == ()
    at = open_app(lang=fake_language)
    assert not at.exception, [e.value for e in at.exception]
    picker = at.sidebar.radio(key="lang")
    assert picker.value == fake_language and "Xx-ish" in picker.options
    assert at.sidebar.text_area(key="text").label == PREFIX + "Sentence"
