"""Does the sentence's language match the model's? A Chinese BERT fed an English sentence reads
"sh ##e o ##pe ##n ##ed"; an English BERT fed Chinese reads mostly [UNK]. Both are worth a warning.

The sentence's language is its script (CJK characters against Latin letters). The model's language is
read from its vocabulary (the share of pieces written in CJK or in Latin letters), so it also works for a
model opened from a folder that carries no label. Pure functions.
"""
from __future__ import annotations

from .i18n import Scope, language_name

SCRIPTS = ("en", "zh")       # the languages script_of tells apart: Latin letters and CJK characters
MIN_LETTERS = 3          # a sentence with fewer letters than this (e.g. "42 !") has no language to compare
SHARE = 0.6              # a script that makes up this much of a sentence's letters names its language
ZH_VOCAB = 0.25          # a vocabulary with this share of CJK pieces reads Chinese (bert-base-chinese ≈ 0.5)
EN_VOCAB = 0.5           # … with this share of Latin pieces and few CJK ones reads English
FEW_CJK = 0.1            # bert-base-uncased carries some CJK characters (≈ 3%): still an English model


def is_cjk(ch: str) -> bool:
    """Chinese characters (CJK ideographs, extension A, compatibility ideographs) and CJK punctuation."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F)


def is_latin(ch: str) -> bool:
    return ch.isalpha() and (ch.isascii() or 0x00C0 <= ord(ch) <= 0x024F)


def script_of(text: str | None) -> str:
    """"zh" or "en" when one script makes up most of the letters, else "" (numbers only, mixed text)."""
    text = text or ""
    cjk = sum(is_cjk(c) for c in text)
    latin = sum(is_latin(c) for c in text)
    letters = cjk + latin * 0.25           # ~4 Latin letters make a word, as one CJK character does
    if cjk + latin < MIN_LETTERS or letters == 0:
        return ""
    if cjk / letters >= SHARE:
        return "zh"
    if latin * 0.25 / letters >= SHARE:
        return "en"
    return ""


def vocabulary_language(pieces) -> str:
    """"zh", "en" or "" (mixed, e.g. multilingual BERT, or unknown) from the vocabulary's pieces."""
    cjk = latin = total = 0
    for piece in pieces:
        if piece.startswith("[") and piece.endswith("]"):
            continue                        # [CLS], [unused12], …
        body = piece.removeprefix("##")
        if not body:
            continue
        total += 1
        cjk += any(is_cjk(c) for c in body)
        latin += all(is_latin(c) for c in body)
    if total == 0:
        return ""
    if cjk / total >= ZH_VOCAB:
        return "zh"
    if latin / total >= EN_VOCAB and cjk / total < FEW_CJK:
        return "en"
    return ""


def model_language(tokenizer, fallback: str = "") -> str:
    """The language a tokenizer (tokenizers.Tokenizer or anything with get_vocab()) reads; ``fallback``
    (e.g. the model card's language) when its vocabulary does not say."""
    try:
        vocab = tokenizer.get_vocab()
    except AttributeError:
        return fallback
    return vocabulary_language(vocab) or fallback


def mismatch(text: str | None, model_lang: str, pair: str | None = None) -> str:
    """The sentence's language when it differs from the model's, else "" (nothing to warn about)."""
    if model_lang not in SCRIPTS:
        return ""
    for sentence in (text, pair):
        found = script_of(sentence)
        if found and found != model_lang:
            return found
    return ""


def warning(text: str | None, model_lang: str, model: str, ui_lang: str, pair: str | None = None) -> str | None:
    """The learner's-language message for a mismatch, or None."""
    found = mismatch(text, model_lang, pair)
    if not found:
        return None
    return TEXT("mismatch", ui_lang, model=model, sentence_lang=language_name(found, ui_lang),
                model_lang=language_name(model_lang, ui_lang))


TEXT = Scope("language")
