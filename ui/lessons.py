"""The guided lessons, as data: three paths through the explorer's pages, each step two or three sentences,
one live view with the step's settings, one thing to try and (often) a predict-then-check exercise.

Pure: no Streamlit. ``views/lessons.py`` draws a step; ``ui/st/lesson_views.py`` turns a step's ``view`` into
the existing pages' figure builders; ``ui/exercises.py`` builds the step's question from the live model.
The order follows the source article (its sections 2 to 5) and teaches its slips correctly: the 1/√d_k
scaling, heads concatenated then projected by W_O, the FFN per position, O(n²) cost, BERT encoder-only,
BERT-Large ≈ 340M parameters, both BERT sizes on the same ~3.3B words, stop words kept.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import Scope
from .pages import Needs

LAST = -1          # a step's layer: the model's last one, whatever its depth


@dataclass(frozen=True)
class Step:
    name: str                    # catalog keys lessons.<lesson>_<name> (the text) and …_<name>_try
    view: str                    # the live view (ui/st/lesson_views.VIEWS)
    page: str                    # the full page this view comes from (an address in ui/pages.py)
    layer: int = 0               # 0-based; LAST = the model's last layer
    head: int = 0                # 0-based; a model with fewer heads shows its last one
    mask: bool = False           # hide the lesson's word with [MASK] (ui.lessons.word_position)
    exercise: str | None = None  # a template of ui/exercises.py, or None


@dataclass(frozen=True)
class Lesson:
    name: str                    # catalog keys lessons.<name>_title, lessons.<name>_intro
    needs: Needs                 # what the lesson needs from the model (as in ui/pages.py)
    steps: tuple[Step, ...]


ATTENTION = Lesson("attention", "encoder", (
    Step("tokens", "tokens", "tokenization"),
    Step("embed", "embeddings", "embeddings"),
    Step("positions", "positions", "positions"),
    Step("qkv", "qkv", "attention-head", exercise="head_shape"),
    Step("scores", "scores", "attention-head", exercise="self_most"),
    Step("scale", "scale", "attention-head", exercise="sharper"),
    Step("softmax", "weights", "attention-head", exercise="row_sum"),
    Step("read", "weights", "attention-head", layer=LAST, head=1, exercise="top_key"),
    Step("context", "context", "attention-head"),
    Step("heads", "heads", "multi-head", layer=LAST),
    Step("concat", "concat", "multi-head"),
    Step("norm", "norm", "inside-layer", exercise="norm_mean"),
    Step("ffn", "ffn", "inside-layer"),
    Step("stream", "stream", "inside-layer"),
))

BERT = Lesson("bert", "mlm", (
    Step("encoder", "map", "start"),
    Step("data", "masking", "train-pretrain", exercise="kept_expected"),
    Step("mlm", "guesses", "mlm", mask=True, exercise="fill_mask"),
    Step("lens", "lens", "mlm", mask=True, exercise="lens_layer"),
    Step("ablate", "ablation", "mlm", mask=True, layer=LAST, head=0, exercise="head_off"),
    Step("pair", "segments", "nsp"),
    Step("nsp", "nsp", "nsp", exercise="nsp"),
    Step("cls", "cls", "nsp"),
    Step("finetune", "sentiment", "sentiment"),
    Step("pooling", "pooling", "sentiment"),
    Step("learned", "heads", "multi-head", layer=LAST, exercise="cls_top"),
    Step("stopwords", "tokens", "tokenization"),
))

TRANSFORMER = Lesson("transformer", "seq2seq", (
    Step("overview", "map", "seq2seq"),
    Step("encoder", "enc", "seq2seq", exercise="enc_top"),
    Step("causal", "dec", "seq2seq", exercise="causal_future"),
    Step("cross", "cross", "seq2seq", layer=LAST, exercise="cross_top"),
    Step("greedy", "greedy", "seq2seq", exercise="greedy_next"),
    Step("output", "output", "seq2seq"),
    Step("beam", "beam", "seq2seq", exercise="beam_same"),
    Step("compare", "compare", "seq2seq", exercise="beam_score"),
    Step("cost", "enc", "seq2seq"),
))

LESSONS: tuple[Lesson, ...] = (ATTENTION, BERT, TRANSFORMER)
TEXT = Scope("lessons")


def lesson_at(number: int) -> Lesson:
    """Lesson ``number`` counted from 1 as in the URL (lesson=2); a number out of range → the first lesson."""
    return LESSONS[number - 1] if 1 <= number <= len(LESSONS) else LESSONS[0]


def step_at(lesson: Lesson, number: int) -> int:
    """A step counted from 1 (step=5) → its 0-based index, kept inside the lesson."""
    return min(max(int(number), 1), len(lesson.steps)) - 1


def keys(lesson: Lesson, step: Step) -> tuple[str, str]:
    """The catalog keys of a step's text and of its "try this"."""
    stem = f"lessons.{lesson.name}_{step.name}"
    return stem, f"{stem}_try"


def all_keys() -> list[str]:
    """Every catalog key the lessons name (tests check each is in every language)."""
    out = []
    for lesson in LESSONS:
        out += [f"lessons.{lesson.name}_title", f"lessons.{lesson.name}_intro"]
        for step in lesson.steps:
            out += keys(lesson, step)
    return out


def fit(index: int, count: int) -> int:
    """A step's layer or head on a model that has ``count`` of them: LAST → the last, too large → the last."""
    return count - 1 if index < 0 else min(index, count - 1)


def word_position(tokens: list[str], word: str, maskable: list[int]) -> int | None:
    """Where the lesson's word is: the first maskable piece that spells it (WordPiece's ## ignored, any case);
    else the middle maskable piece, so a learner's own sentence still gets a sensible [MASK] or query."""
    if not maskable:
        return None
    wanted = word.strip().lower()
    for i in maskable:
        if tokens[i].removeprefix("##").lower() == wanted:
            return i
    return maskable[len(maskable) // 2]


def progress(index: int, lesson: Lesson) -> float:
    """How far along: step 1 of 12 → 1/12, the last step → 1.0."""
    return (index + 1) / len(lesson.steps)


def masking_sample(encoded, tokenizer, seed: int = 0) -> dict:
    """The learner's sentence pair through BERT's 80/10/10 masking (one seeded draw), as the studio's
    ``figures.masking_figure`` draws it: {pieces, shown, fate, segments}."""
    import torch

    from transformer_core.data.masking import BERT_RATES, mask_tokens
    from transformer_core.tokenizer import special_ids

    from .studio.pretrain import fates
    ids = torch.tensor([encoded.ids])                                                # (1, T)
    special = torch.tensor([[p.is_special for p in encoded.pieces]])                 # (1, T)
    generator = torch.Generator().manual_seed(seed)
    corrupted, _, record = mask_tokens(ids, special, special_ids(tokenizer)["mask"], tokenizer.get_vocab_size(),
                                       BERT_RATES, generator)
    return {"pieces": list(encoded.tokens), "shown": [tokenizer.id_to_token(i) for i in corrupted[0].tolist()],
            "fate": fates(special, record), "segments": list(encoded.type_ids)}
