"""The sentence's language against the model's (ui/language.py), and what a language switch changes
(ui/state.switched_defaults): issue 12.3 and the models issue's mismatch warning."""
from __future__ import annotations

import pytest
from apptest import open_app, open_app_page

from ui import language, models, state
from ui.examples import opening_pair
from ui.language import mismatch, script_of, vocabulary_language


@pytest.mark.parametrize(("text", "script"), [
    ("She opened the door.", "en"), ("今天天气很好，我们去公园散步。", "zh"), ("42 + 7 = 49", ""), ("", ""), (None, ""),
    ("I love 北京天安门", "zh"), ("BERT 是一个模型", "zh"), ("Ça a été très élégant.", "en")])
def test_script_of_a_sentence(text, script):
    assert script_of(text) == script


def test_vocabulary_language_from_its_pieces():
    english = ["[PAD]", "[UNK]", "the", "##s", "cat", "open", "##ed", "door", "walk", "in", "北", ",", "1"]
    chinese = ["[PAD]", "[UNK]", "的", "我", "们", "天", "##气", "a", "##b", "，", "the"]
    mixed = ["the", "cat", "dog", "的", "##ing", "##s", "天", "气", "mat", "x"]
    assert vocabulary_language(english) == "en"
    assert vocabulary_language(chinese) == "zh"
    assert vocabulary_language(mixed) == "zh"            # 3 of 10 CJK: reads Chinese
    assert vocabulary_language(["[CLS]", "[SEP]"]) == ""


def test_shipped_models_read_their_language_from_the_vocabulary():
    for source in models.available():
        if source.is_encoder and source.lang:
            assert models.load(source).lang == source.lang, source.key


def test_a_folder_without_a_card_still_has_a_language(tmp_path):
    source = next(s for s in models.available() if s.lang == "zh" and s.has_mlm)
    plain = models.ModelSource("local:x", "x", source.folder, source.architecture, "", "local")
    assert models.load(plain).lang == "zh"


def test_mismatch_and_the_message_in_the_learners_language():
    assert mismatch("She opened the door.", "zh") == "en"
    assert mismatch("今天天气很好。", "zh") == "" and mismatch("今天天气很好。", "") == ""
    assert mismatch("今天天气很好。", "zh", pair="It rained.") == "en"       # the second sentence counts too
    zh = language.warning("She opened the door.", "zh", "bert-mini-zh", "zh")
    en = language.warning("今天天气很好。", "en", "bert-mini-en", "en")
    assert "英文" in zh and "中文" in zh and "bert-mini-zh" in zh
    assert "Chinese" in en and "English" in en
    assert language.warning("She opened the door.", "en", "bert-mini-en", "en") is None


def test_switched_defaults_follow_the_language_and_drop_old_masks():
    (en_text, en_pair), (zh_text, zh_pair) = opening_pair("en"), opening_pair("zh")
    values = {"text": en_text, "pair": "my own words", "masked": (2,)}
    assert state.switched_defaults(values, "zh") == {"text": zh_text, "masked": ()}
    swapped = {"text": en_pair, "pair": en_text}      # the NSP page's swap
    assert state.switched_defaults(swapped, "zh") == {"text": zh_pair, "pair": zh_text, "masked": ()}
    assert state.switched_defaults({"text": en_text + "\n"}, "zh")["text"] == zh_text
    assert state.switched_defaults({"text": "my words", "pair": "more"}, "zh") == {}


def test_switching_language_with_a_typed_english_sentence_warns_in_chinese():
    at = open_app(90)
    at.sidebar.text_area(key="text").set_value("She opened the door and walked in.").run()
    assert not at.warning
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert not at.exception and at.session_state["text"] == "She opened the door and walked in."
    if any(s.lang == "zh" for s in models.available()):
        assert any("英文" in w.value and "中文" in w.value for w in at.warning)


def test_the_masked_lm_page_warns_about_a_mismatch():
    at = open_app_page("mlm", "zh")
    assert not any("英文" in w.value for w in at.warning)        # the Chinese example on the Chinese model
    at.sidebar.text_area(key="text").set_value("She opened the door and walked in.").run()
    if any(s.lang == "zh" and s.has_mlm for s in models.available()):
        assert any("英文" in w.value for w in at.warning)
