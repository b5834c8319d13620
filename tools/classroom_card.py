"""The classroom half of a shipped BERT's evaluation: what a teacher will type, scored before class.

Pretrained models: the cloze set of their language (top-1 / top-5), the committed NSP pairs, and NSP on
held-out consecutive sentences vs a sentence of another document. Classifiers: the clear sentences of
their language and the bag-of-words baseline on the same test split. Written into ``evaluation.json``
(under "classroom") and into the card, with examples that include the failures.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core import classroom as C  # noqa: E402
from transformer_core import load_pretrained  # noqa: E402
from transformer_core.kinds import CLASSIFY, ModelKind  # noqa: E402
from transformer_core.train.evaluate import classroom_scores  # noqa: E402

EVAL = C.EVAL_DIR


def classroom_evaluation(folder: Path, lang: str, corpus: str | None, kind: ModelKind) -> dict:
    if kind.can(CLASSIFY):
        from tools.bow_baseline import baseline
        scores = classroom_scores(folder, clear=EVAL / "sentiment_clear.tsv", language=lang)
        bow = baseline(corpus, chars=lang == "zh") if corpus else {}
        return {**scores, **{f"bow_{k}": v for k, v in bow.items()}}
    return classroom_scores(folder, cloze=EVAL / f"cloze_{lang}.tsv", nsp_pairs=EVAL / "nsp_pairs.tsv",
                            language=lang, coherence_corpus=corpus)


def _is_share(key: str) -> bool:
    return any(word in key for word in ("accuracy", "top1", "top5", "majority"))


def _pct(x: float) -> str:
    return f"{x:.1%}"


def classroom_section(folder: Path, lang: str, scores: dict, kind: ModelKind) -> list[str]:
    lines = ["## Classroom sets (assets/eval: everyday inputs written for the project, never trained on)", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_pct(v) if _is_share(k) else (f'{v:.4g}' if isinstance(v, float) else v)} |"
              for k, v in scores.items()]
    model, tokenizer = load_pretrained(folder)
    if kind.can(CLASSIFY):
        rows = C.for_language(C.read_tsv(EVAL / "sentiment_clear.tsv"), lang)
        scored = C.clear_sentences(model, tokenizer, rows)
        wrong = [f"| {r['text']} | {r['label']} | {max(p):.0%} for {p.index(max(p))} |"
                 for r, p, ok in scored if not ok]
        return lines + ["", "Clear sentences classified wrong:" if wrong else "Every clear sentence is right.", "",
                        *(["| text | label | model |", "|---|---|---|", *wrong] if wrong else [])]
    items = C.cloze(model, tokenizer, C.read_cloze(EVAL / f"cloze_{lang}.tsv"))
    shown = [i for i in items if i.rank][:6] + [i for i in items if not i.rank][:4]
    table = [f"| {i.sentence} | {' / '.join(i.answers[:5])} | {', '.join(i.guesses)} | {i.rank or '-'} |"
             for i in shown]
    return lines + ["", "10 cloze sentences (the first six in the top 5, then the first four failures):", "",
                    "| sentence | acceptable | top-5 guesses | rank |", "|---|---|---|---|", *table]
