"""What to expect from a model before class: its measured scores in one line, read from its ``evaluation.json``.

Shipped models carry the scores ``tools/ship_model.py`` measured — on held-out text it never trained on,
and on the classroom sets in ``assets/eval`` (everyday sentences written for the project). A model without
that file (a learner's folder, one trained in this session) gets no line rather than a guess.
"""
from __future__ import annotations

from transformer_core.model_folder import side_json

from .i18n import Scope

TEXT = Scope("facts")


def read_evaluation(folder) -> dict:
    """The folder's evaluation.json; {} when it has none or it is not a usable object (a learner's folder)."""
    return side_json(folder, "evaluation.json")


def _pct(value) -> str:
    """One decimal: a held-out 81.7% must not read as an 82% target met."""
    return f"{value:.1%}"


def facts(folder, kind: str, lang: str) -> str | None:
    """One sentence of measured scores for ``kind`` ("mlm", "nsp", "sentiment" or "gpt"), or None when unknown."""
    data = read_evaluation(folder)
    held = data.get("int8") or data.get("fp16") or {}
    room = data.get("classroom", {})
    try:
        if kind == "mlm" and "cloze_top5" in room:
            return TEXT("mlm", lang, top1=_pct(held["mlm_top1"]), top5=_pct(held["mlm_top5"]),
                         n=room["cloze_sentences"], cloze1=_pct(room["cloze_top1"]), cloze5=_pct(room["cloze_top5"]))
        if kind == "mlm" and "mlm_top1" in held:
            return TEXT("mlm_short", lang, top1=_pct(held["mlm_top1"]), top5=_pct(held["mlm_top5"]))
        if kind == "nsp" and "nsp_coherence_accuracy" in room:
            return TEXT("nsp", lang, coherence=_pct(room["nsp_coherence_accuracy"]),
                         pairs=round(room["nsp_pairs_accuracy"] * room["nsp_pairs"]), n=room["nsp_pairs"])
        if kind == "sentiment" and "clear_accuracy" in room:
            clear = round(room["clear_accuracy"] * room["clear_sentences"])
            return TEXT("sentiment", lang, accuracy=_pct(held["accuracy"]), examples=held["examples"],
                         bow=_pct(room["bow_test_accuracy"]), clear=clear, n=room["clear_sentences"])
        if kind == "gpt" and "next_top1" in held:
            return TEXT("gpt", lang, top1=_pct(held["next_top1"]), top5=_pct(held["next_top5"]),
                         ppl=f"{held['perplexity']:.0f}")
    except (KeyError, TypeError, ValueError):
        return None
    return None



