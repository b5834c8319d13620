"""What to expect from a model before class: its measured scores in one line, read from its ``evaluation.json``.

Shipped models carry the scores ``tools/ship_model.py`` measured — on held-out text it never trained on,
and on the classroom sets in ``assets/eval`` (everyday sentences written for the project). A model without
that file (a learner's folder, one trained in this session) gets no line rather than a guess.
"""
from __future__ import annotations

import json
from pathlib import Path

TEXT = {
    "mlm": {"en": "Measured before class: on held-out text it never trained on, its first guess is the hidden "
                  "piece {top1} of the time (top 5: {top5}). On {n} everyday classroom sentences, its first guess "
                  "is an acceptable word {cloze1} of the time, and one of its top 5 is {cloze5} of the time.",
            "zh": "课前实测：在从未训练过的留出文本上，被遮住的词元有 {top1} 是它的第一猜测（前 5：{top5}）；"
                  "在 {n} 个日常课堂句子上，可接受的答案有 {cloze1} 是第一猜测，{cloze5} 在前 5 名内。"},
    "mlm_short": {"en": "Measured before class: held-out masked-piece accuracy {top1} (top 5: {top5}).",
                  "zh": "课前实测：留出文本上遮蔽词元的准确率 {top1}（前 5：{top5}）。"},
    "nsp": {"en": "Measured before class: it tells a true next sentence from a sentence of another document "
                  "{coherence} of the time on held-out text; {pairs} of {n} classroom sentence pairs right.",
            "zh": "课前实测：在留出文本上，它分辨真正的下一句与另一篇文档中的句子，正确率 {coherence}；"
                  "课堂句对 {n} 对中答对 {pairs} 对。"},
    "sentiment": {"en": "Measured before class: {accuracy} right on {examples} held-out reviews (a bag-of-words "
                        "baseline, which only counts words and word pairs, gets {bow}); {clear} of {n} clear "
                        "classroom sentences right.",
                  "zh": "课前实测：{examples} 条留出评论上正确率 {accuracy}（只数字和字对的词袋基线：{bow}）；"
                        "课堂上的 {n} 个明确句子答对 {clear} 个。"},
}


def read_evaluation(folder) -> dict:
    path = Path(folder) / "evaluation.json" if folder else None
    if path is None or not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        return {}


def _pct(value) -> str:
    return f"{value:.0%}"


def facts(folder, kind: str, lang: str) -> str | None:
    """One sentence of measured scores for ``kind`` ("mlm", "nsp" or "sentiment"), or None when unknown."""
    data = read_evaluation(folder)
    held = data.get("int8") or data.get("fp16") or {}
    room = data.get("classroom", {})
    try:
        if kind == "mlm" and "cloze_top5" in room:
            return _fill(TEXT["mlm"], lang, top1=_pct(held["mlm_top1"]), top5=_pct(held["mlm_top5"]),
                         n=room["cloze_sentences"], cloze1=_pct(room["cloze_top1"]), cloze5=_pct(room["cloze_top5"]))
        if kind == "mlm" and "mlm_top1" in held:
            return _fill(TEXT["mlm_short"], lang, top1=_pct(held["mlm_top1"]), top5=_pct(held["mlm_top5"]))
        if kind == "nsp" and "nsp_coherence_accuracy" in room:
            return _fill(TEXT["nsp"], lang, coherence=_pct(room["nsp_coherence_accuracy"]),
                         pairs=round(room["nsp_pairs_accuracy"] * room["nsp_pairs"]), n=room["nsp_pairs"])
        if kind == "sentiment" and "clear_accuracy" in room:
            clear = round(room["clear_accuracy"] * room["clear_sentences"])
            return _fill(TEXT["sentiment"], lang, accuracy=_pct(held["accuracy"]), examples=held["examples"],
                         bow=_pct(room["bow_test_accuracy"]), clear=clear, n=room["clear_sentences"])
    except (KeyError, TypeError, ValueError):
        return None
    return None


def _fill(entry: dict, lang: str, **values) -> str:
    return (entry.get(lang) or entry["en"]).format(**values)
