"""Predict, then check: each exercise is a template whose answer is computed from the live model's trace
(never stored), so it stays right when the learner picks another model or types another sentence.

A template takes a ``Live`` (the model, its recorded run and the step's layer / head / query) and returns a
``Question`` — the prompt's values, the options, which option the model's numbers make right, and the
values of a one-line "why" — or None when this model cannot answer it (no NSP head, nothing masked).
Prompts and whys are the catalog's ``[exercises]`` entries ``<template>`` and ``<template>_why``.
Pure: numpy / torch in, dataclasses out; tests check every answer against the trace on two models.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from transformer_core.data.masking import BERT_RATES

from . import attention_view as av
from . import mlm_view as mv
from .i18n import Scope

TEXT = Scope("exercises")
BEAM = 4                 # the beam size the greedy-vs-beam questions use
N_CHOSEN = 20            # "of 20 chosen tokens, how many stay unchanged?"
MAX_OPTIONS = 4


@dataclass(frozen=True)
class Live:
    """What a question is built from. BERT lessons fill the first block, the encoder-decoder lesson the last."""
    model: object = None
    tokenizer: object = None
    tokens: list[str] = field(default_factory=list)   # (T,) the pieces the model read
    ids: list[int] = field(default_factory=list)      # (T,) their ids, [MASK] where a piece was hidden
    type_ids: list[int] = field(default_factory=list)
    trace: object = None                              # ModelTrace of that run
    logits: torch.Tensor | None = None                # (T, V) masked-LM scores
    nsp_probs: torch.Tensor | None = None             # (2,) P(IsNext), P(NotNext)
    masked: tuple[int, ...] = ()
    layer: int = 0
    head: int = 0
    query: int = 0
    greedy: object = None                             # ui.seq2seq_view.Greedy
    beam: object = None                               # ui.beam_tree.BeamView (beam size BEAM)


@dataclass(frozen=True)
class Question:
    template: str                  # its prompt is TEXT(template), its why TEXT(template + "_why")
    values: dict                   # the prompt's placeholders
    options: tuple[str, ...]       # what the learner picks among (catalog keys when ``keyed``)
    answer: int                    # index of the option the model's numbers make right
    why: dict                      # the why's placeholders
    keyed: bool = False            # options are [exercises] keys ("opt_up"), said in the learner's language


def correct(question: Question, chosen: int | None) -> bool:
    return chosen == question.answer


# ── helpers ──────────────────────────────────────────────────────────────────────────────────────────

def _token_options(row: np.ndarray, labels: list[str], also: tuple[int, ...] = ()) -> tuple[tuple[str, ...], int]:
    """Options among tokens: the row's largest, ``also`` (e.g. the query itself), the next largest, in
    sentence order (so the order gives nothing away). → (labels, index of the largest)."""
    best = int(np.argmax(row))
    picks = [best, *also]
    for j in np.argsort(-row, kind="stable"):
        if len(set(picks)) >= min(MAX_OPTIONS, len(row)):
            break
        picks.append(int(j))
    chosen = sorted(set(picks))
    return tuple(labels[j] for j in chosen), chosen.index(best)


def _steps(live: Live) -> av.HeadSteps:
    return av.head_steps(live.trace, live.layer, live.head, live.model.config.norm_first)


def _numbers(values, answer) -> tuple[tuple[str, ...], int]:
    """Distinct numbers as options in increasing order, and where ``answer`` stands among them."""
    shown = sorted(set(values) | {answer})
    return tuple(str(v) for v in shown), shown.index(answer)


def _direction(before: float, after: float, tol: float) -> int:
    """0: went down, 1: stayed within ``tol``, 2: went up (the order of the down / same / up options)."""
    return 1 if abs(after - before) <= tol else (2 if after > before else 0)


# ── lesson 1: attention from scratch ────────────────────────────────────────────────────────────────

def head_shape(live: Live) -> Question:
    steps = _steps(live)
    T, dk = steps.q.shape                                             # (T, d_k)
    D = steps.x.shape[1]
    shapes = list(dict.fromkeys([f"{T} × {D}", f"{T} × {dk}", f"{T} × {T}", f"{dk} × {dk}"]))
    return Question("head_shape", {"T": T, "D": D}, tuple(shapes), shapes.index(f"{T} × {dk}"),
                    {"T": T, "D": D, "dk": dk, "H": D // dk})


def self_most(live: Live) -> Question:
    steps = _steps(live)
    plain = av.unprojected(steps.x, steps.allowed)[live.query]       # (T,) Q = K = V = X
    labels = av.labels(live.tokens)
    options, answer = _token_options(plain, labels, (live.query,))
    best = int(np.argmax(plain))
    return Question("self_most", {"token": labels[live.query]}, options, answer,
                    {"token": labels[best], "share": float(plain[best])})


def sharper(live: Live) -> Question:
    steps = _steps(live)
    real = float(av.entropy_bits(steps.weights).mean())
    raw = float(av.entropy_bits(av.unscaled(steps)).mean())
    answer = 1 if abs(raw - real) < 0.01 else (0 if raw < real else 2)
    return Question("sharper", {"dk": steps.d_k}, ("opt_sharper", "opt_same", "opt_flatter"), answer,
                    {"real": real, "raw": raw, "sqrt": steps.d_k ** 0.5}, keyed=True)


def row_sum(live: Live) -> Question:
    steps = _steps(live)
    T = steps.weights.shape[0]
    total = float(av.row_sums(steps.weights)[live.query])
    options = list(dict.fromkeys(["0", "1", str(steps.d_k), str(T)]))
    answer = int(np.argmin([abs(float(o) - total) for o in options]))
    return Question("row_sum", {"token": av.labels(live.tokens)[live.query], "T": T}, tuple(options), answer,
                    {"sum": total})


def top_key(live: Live, template: str = "top_key") -> Question:
    steps = _steps(live)
    row = steps.weights[live.query]                                   # (T,) one query's softmax
    labels = av.labels(live.tokens)
    options, answer = _token_options(row, labels)
    best = int(np.argmax(row))
    return Question(template, {"token": labels[live.query], "layer": live.layer + 1, "head": live.head + 1},
                    options, answer, {"token": labels[best], "share": float(row[best])})


def norm_mean(live: Live) -> Question:
    norm = live.trace.layers[live.layer].attn_norm
    x, mean, var = norm.input[0].float(), norm.mean[0].float(), norm.var[0].float()   # (T, D), (T,), (T,)
    z = (x - mean[:, None]) / torch.sqrt(var[:, None] + live.model.config.layer_norm_eps)   # before γ, β
    means, stds = z.mean(-1), z.std(-1, unbiased=False)                                   # (T,) each
    standard = bool(means.abs().max() < 1e-3 and (stds - 1).abs().max() < 1e-2)
    return Question("norm_mean", {"layer": live.layer + 1}, ("opt_zero_one", "opt_token_own", "opt_one_zero"),
                    0 if standard else 1, {"m": float(means.abs().max()), "lo": float(stds.min()),
                                           "hi": float(stds.max())}, keyed=True)


# ── lesson 2: BERT ──────────────────────────────────────────────────────────────────────────────────

def kept_expected(live: Live) -> Question:
    rates = BERT_RATES
    expected = round(N_CHOSEN * rates.keep)
    options, answer = _numbers([0, round(N_CHOSEN * rates.random) * 2, N_CHOSEN // 2, round(N_CHOSEN * rates.mask)],
                               expected)
    return Question("kept_expected", {"n": N_CHOSEN}, options, answer,
                    {"mask": rates.mask, "random": rates.random, "keep": rates.keep, "n": N_CHOSEN,
                     "expected": expected})


def fill_mask(live: Live) -> Question | None:
    if live.logits is None or not live.masked:
        return None
    guesses = mv.top_k(live.logits, live.masked[0], live.tokenizer, MAX_OPTIONS)
    ordered = sorted(guesses, key=lambda g: g.token)                 # alphabetical: the order tells nothing
    best = guesses[0]
    return Question("fill_mask", {}, tuple(g.token for g in ordered), ordered.index(best),
                    {"token": best.token, "p": best.prob})


def lens_layer(live: Live) -> Question | None:
    if live.logits is None or not live.masked:
        return None
    lens = mv.logit_lens(live.model, live.trace, live.masked[0], live.tokenizer, 1)
    tops = [row[0].id for row in lens.top]                          # (L + 1,) each stage's top guess
    settled = len(tops) - 1
    while settled > 0 and tops[settled - 1] == lens.final.id:       # the earliest stage from which it stays
        settled -= 1
    return Question("lens_layer", {"L": len(tops) - 1}, tuple(str(i) for i in range(len(tops))), settled,
                    {"stage": settled, "token": lens.final.token})


def head_off(live: Live) -> Question | None:
    if live.logits is None or not live.masked:
        return None
    cfg = live.model.config
    p = live.masked[0]
    best = mv.top_k(live.logits, p, live.tokenizer, 1)[0]
    mask = torch.tensor(mv.head_mask(cfg.n_layers, cfg.n_heads, [(live.layer, live.head)]))   # (L, H)
    ids = torch.tensor([live.ids])                                                             # (1, T)
    with torch.inference_mode():
        off = live.model(ids, torch.ones_like(ids), torch.tensor([live.type_ids]), head_mask=mask).logits[0]
    after = float(off[p].float().softmax(-1)[best.id])
    return Question("head_off", {"token": best.token, "layer": live.layer + 1, "head": live.head + 1},
                    ("opt_down", "opt_same", "opt_up"), _direction(best.prob, after, 1e-4),
                    {"token": best.token, "before": best.prob, "after": after}, keyed=True)


def nsp(live: Live) -> Question | None:
    if live.nsp_probs is None:
        return None
    p = float(live.nsp_probs[0])
    return Question("nsp", {}, ("opt_isnext", "opt_notnext"), 0 if p >= 0.5 else 1, {"p": p}, keyed=True)


def cls_top(live: Live) -> Question:
    return top_key(replace(live, query=0), "cls_top")            # position 0 is [CLS]


# ── lesson 3: the original Transformer ──────────────────────────────────────────────────────────────

def _labels(tokens) -> list[str]:
    return av.labels(tokens)


def enc_top(live: Live) -> Question:
    g = live.greedy
    tokens = g.source.tokens
    q = len(tokens) // 2
    row = g.encoder_attn[live.layer, live.head][q]                   # (Ts,)
    options, answer = _token_options(row, _labels(tokens), (q,))
    best = int(np.argmax(row))
    return Question("enc_top", {"token": _labels(tokens)[q], "layer": live.layer + 1, "head": live.head + 1},
                    options, answer, {"token": _labels(tokens)[best], "share": float(row[best])})


def causal_future(live: Live) -> Question:
    weights = live.greedy.decoder_attn[live.layer, live.head]        # (Tt, Tt)
    future = float(np.triu(weights, k=1).sum(-1).max())               # the most any position gives to later ones
    answer = 0 if future < 1e-6 else 1 if future < 0.25 else 2 if future < 0.75 else 3
    return Question("causal_future", {}, ("opt_none", "opt_little", "opt_half", "opt_most"), answer,
                    {"future": future}, keyed=True)


def cross_top(live: Live) -> Question:
    g = live.greedy
    row = g.cross_attn[live.layer, live.head][0]                     # (Ts,) while writing the first token
    labels = _labels(g.source.tokens)
    options, answer = _token_options(row, labels)
    best = int(np.argmax(row))
    return Question("cross_top", {"written": g.written[0], "layer": live.layer + 1, "head": live.head + 1},
                    options, answer, {"token": labels[best], "share": float(row[best])})


def greedy_next(live: Live) -> Question:
    step = live.greedy.steps[0]
    cands = step.candidates[:MAX_OPTIONS]                            # (token, p), most likely first
    ordered = sorted({tok for tok, _ in cands})
    return Question("greedy_next", {}, tuple(ordered), ordered.index(step.chosen),
                    {"token": step.chosen, "p": step.chosen_prob})


def beam_same(live: Live) -> Question:
    g, b = live.greedy, live.beam
    return Question("beam_same", {"k": b.beam_size}, ("opt_yes", "opt_no"), 0 if b.text == g.text else 1,
                    {"greedy": g.text or "∅", "beam": b.text or "∅", "k": b.beam_size}, keyed=True)


def beam_score(live: Live) -> Question:
    g, b = live.greedy, live.beam
    return Question("beam_score", {"k": b.beam_size}, ("opt_lower", "opt_equal", "opt_higher"),
                    _direction(g.score, b.score, 1e-6), {"greedy": g.score, "beam": b.score}, keyed=True)


TEMPLATES = {f.__name__: f for f in (
    head_shape, self_most, sharper, row_sum, top_key, norm_mean,
    kept_expected, fill_mask, lens_layer, head_off, nsp, cls_top,
    enc_top, causal_future, cross_top, greedy_next, beam_same, beam_score)}
SEQ2SEQ = {"enc_top", "causal_future", "cross_top", "greedy_next", "beam_same", "beam_score"}


def build(template: str, live: Live) -> Question | None:
    """The question of ``template`` on this live run (None: this model cannot answer it)."""
    return TEMPLATES[template](live)


def option_text(question: Question, index: int, lang: str) -> str:
    option = question.options[index]
    return TEXT(option, lang) if question.keyed else option


def prompt(question: Question, lang: str) -> str:
    return TEXT(question.template, lang, **question.values)


def why(question: Question, lang: str) -> str:
    return TEXT(f"{question.template}_why", lang, **question.why)


def live_from_run(loaded, run, masked: tuple[int, ...] = (), layer: int = 0, head: int = 0, query: int = 0) -> Live:
    """A BERT run (``ui.st.session.BertRun``: encoded, trace, logits, nsp_probs) → a Live; ``masked``: the
    positions the run hid with [MASK] (so an ablation reads the same ids)."""
    ids = list(run.encoded.ids)
    mask_id = loaded.tokenizer.token_to_id(mv.MASK)
    for p in masked:
        ids[p] = mask_id
    return Live(model=loaded.model, tokenizer=loaded.tokenizer, tokens=list(run.encoded.tokens), ids=ids,
                type_ids=list(run.encoded.type_ids), trace=run.trace, logits=run.logits, nsp_probs=run.nsp_probs,
                masked=tuple(masked), layer=layer, head=head, query=query)
