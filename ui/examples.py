"""Example inputs the pages offer, chosen because the shipped default models get them right.

They live in the catalog's ``[examples]`` section, one set per language (a translator writes sentences of
that language, not translations of the English ones); a language without its own falls back to English.
A teacher clicks one and knows what the class will see; ``tests/test_examples.py`` checks every example
against the shipped models, so a retrained model that loses one fails a test instead of a lesson.
(These are shown to learners; the classroom sets in ``assets/eval`` that *measure* the models are
separate, so the examples cannot flatter the scores.)
"""
from __future__ import annotations

from .i18n import entries, tr


def mlm_cases(lang: str) -> list[tuple[str, tuple[str, ...]]]:
    """Masked-LM examples: (sentence with one [MASK], the answers a person would accept)."""
    return [(case["sentence"], tuple(case["answers"])) for case in entries("examples.mlm", lang)]


def mlm_examples(lang: str) -> list[str]:
    return [sentence for sentence, _ in mlm_cases(lang)]


def nsp_examples(lang: str) -> list[tuple[str, str, bool]]:
    """Next-sentence prediction: (A, B, is B the real next sentence?)."""
    return [(case["a"], case["b"], bool(case["next"])) for case in entries("examples.nsp", lang)]


def opening_pair(lang: str) -> tuple[str, str]:
    """The sentence and the second sentence the sidebar opens with: the first next-sentence pair."""
    a, b, _ = nsp_examples(lang)[0]
    return a, b


def unrelated_sentences(lang: str) -> list[str]:
    """Sentences unrelated to any example, for the NSP page's "random B" button."""
    return list(entries("examples.nsp_random", lang))


def tokens_example(lang: str) -> str:
    """The tokenization page's side-by-side example."""
    return tr("examples.tokens", lang)


def sentiment_example(lang: str, kind: str) -> str:
    """A clearly positive (``kind="pos"``) or negative (``"neg"``) sentence."""
    return tr(f"examples.sentiment_{kind}", lang)
