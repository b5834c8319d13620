"""The encoder-decoder page's logic: check the source, decode greedily, and record every attention map.

The toy model reads English number words one character at a time and writes 中文 numerals
("three hundred and five" → "三百零五"). Three kinds of attention are at work:
  encoder self-attention      every source character looks at every source character
  masked decoder self-attn    target position t looks only at positions ≤ t (it cannot read the future)
  cross-attention             each target position looks at the encoder's output (queries from the
                              decoder, keys and values from the source) — the model's "alignment"
Pure functions, no Streamlit. Strings the learner reads are in ``TEXT`` (English and 中文).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from transformer_core.data.number_words import NUMBER_WORDS, unknown_number_words
from transformer_core.decoding import greedy_decode
from transformer_core.kinds import GENERATE

from .encode import InputProblem, clean
from .i18n import Scope
from .models import Loaded, ModelSource

MAX_EXTRA_STEPS = 10      # decoding stops at EOS, or after len(source) + this many tokens
# Bounds on the page's work, so that any input it accepts decodes in well under a second (issue 18.5):
MAX_SOURCE_CHARS = 127    # characters read (the number model was trained on sources of at most 127)
MAX_STEPS = 40            # tokens greedy decoding writes at most (the longest numeral is 23 characters + [EOS])
BEAM_WORK = 192           # beam size × steps at most: 8 beams × 24 steps, enough for the longest numeral
TOP_C = 5                 # candidates shown per step
DEFAULT_SOURCE = "three hundred and five"
EXAMPLES = ("three hundred and five", "twelve thousand and forty", "nine hundred and ninety-nine",
            "forty-two thousand and seven")
SPACE = "␣"               # how a space character is drawn on an axis
STEP = "s2s.step"         # session key: the decoding step the page shows (counted from 1)

TEXT = Scope("seq2seq")


def seq2seq_sources(found: list[ModelSource]) -> list[ModelSource]:
    return [s for s in found if s.can(GENERATE)]


def shown(token: str) -> str:
    """A character as drawn on an axis: spaces become ␣ so they can be seen."""
    return SPACE if token == " " else token


@dataclass(frozen=True)
class Source:
    text: str                          # what the model reads (cleaned, maybe lower-cased or cut)
    ids: list[int]                     # one id per character, then [EOS]
    tokens: list[str]                  # the same, as drawn: characters then "[EOS]"
    notes: tuple[tuple[str, dict], ...]


def reads_number_words(vocab) -> bool:
    """Was this model trained on English number words? Its vocabulary holds every letter they use (a model
    of another task, e.g. copying digits or dates, lacks some), so its input is checked word by word."""
    return set("".join(NUMBER_WORDS)) | {" ", "-"} <= set(vocab.tokens)


def prepare_source(text: str | None, vocab, max_len: int) -> Source:
    """Clean the text and check it against the source vocabulary. Raises InputProblem("input_empty"),
    InputProblem("s2s_unknown", chars=…, allowed=…) or, for a number model, InputProblem("s2s_not_number",
    words=…, known=…) — "hello world" is made of known letters but is no number, and the model would
    only make up a numeral. Long text is cut to what the model reads (max_len − 1 characters) and the page
    reads (MAX_SOURCE_CHARS), with a note."""
    text, notes = clean(text)
    known = set(vocab.tokens[len(vocab.SPECIALS):])
    if any(c not in known for c in text) and all(c.lower() in known for c in text):
        text = text.lower()
        notes.append(("s2s_lowercased", {}))
    unknown = list(dict.fromkeys(c for c in text if c not in known))      # in order of appearance, once each
    if unknown:
        raise InputProblem("s2s_unknown", chars=" ".join(f"“{c}”" for c in unknown[:12]),
                           allowed=" ".join(shown(c) for c in sorted(known)))
    if reads_number_words(vocab) and (words := unknown_number_words(text)):
        raise InputProblem("s2s_not_number", words=" ".join(f"“{w}”" for w in words[:12]),
                           known=", ".join(NUMBER_WORDS))
    limit = min(max_len - 1, MAX_SOURCE_CHARS)
    if len(text) > limit:
        notes.append(("s2s_cut" if limit == max_len - 1 else "s2s_cut_page", {"n": len(text), "limit": limit}))
        cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]   # at a space
        text = cut.rstrip()
    ids = vocab.encode(text, add_eos=True)                                 # (Ts,) characters + [EOS]
    return Source(text, ids, [shown(c) for c in text] + ["[EOS]"], tuple(notes))


def generation_limit(source: Source, config) -> int:
    """How many tokens to write at most: a little longer than the source, within the position table and the
    page's MAX_STEPS (a model that never writes [EOS] costs as much as this many steps)."""
    return max(1, min(config.max_len - 1, len(source.text) + MAX_EXTRA_STEPS, MAX_STEPS))


def beam_limit(source: Source, config, beam_size: int) -> int:
    """Steps beam search may take: the greedy limit, fewer for a wide beam. Each step runs the decoder on every
    kept prefix again (no key/value cache: the recorded view needs every step's attention), so the work grows
    with beam size × steps, and BEAM_WORK bounds it."""
    return max(1, min(generation_limit(source, config), BEAM_WORK // max(1, beam_size)))


@contextmanager
def one_thread():
    """Decode on one CPU thread (``torch.set_num_threads`` is per thread: other sessions keep theirs). A toy
    model's matrices are a few rows of 128 numbers: a second thread saves nothing, and when another process
    (a training run) holds the other core, every operation waits for it — a 0.05 s beam search took 2 to 5 s
    on the project's 2-core machine with 2 threads, 0.06 s with 1."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class Step:
    prefix: list[str]                  # tokens written before this step ([BOS] first)
    candidates: list[tuple[str, float]]  # the TOP_C most likely next tokens with probabilities
    chosen: str                        # the argmax (greedy's pick)
    chosen_prob: float


@dataclass(frozen=True)
class Greedy:
    source: Source
    ids: list[int]                     # [BOS] y1 … yn [EOS] (no [EOS] when it ran out of steps)
    text: str                          # the target characters
    score: float                       # Σ log p of the written tokens
    finished: bool                     # True when [EOS] was written
    steps: list[Step]
    decoder_in: list[str]              # (Tt,) what the decoder read at each position: [BOS] y1 … y_{n−1}
    written: list[str]                 # (Tt,) what it wrote at each position: y1 … yn
    encoder_attn: np.ndarray           # (L, H, Ts, Ts)
    decoder_attn: np.ndarray           # (Ld, H, Tt, Tt) masked (causal) self-attention
    cross_attn: np.ndarray             # (Ld, H, Tt, Ts)


def _token(vocab, i: int) -> str:
    return shown(vocab.tokens[i]) if 0 <= i < len(vocab.tokens) else "[UNK]"


@torch.inference_mode()
def decode_greedy(loaded: Loaded, text: str) -> Greedy:
    """Greedy decoding with per-step candidates, then one recorded teacher-forced pass over what was
    written, which gives every attention map at once (the causal mask makes it equal to step by step)."""
    model, src_vocab, tgt_vocab = loaded.model, loaded.tokenizer.source, loaded.tokenizer.target
    source = prepare_source(text, src_vocab, model.config.max_len)
    src = torch.tensor([source.ids])                                              # (1, Ts)
    with one_thread():
        result = greedy_decode(model, src, tgt_vocab.bos_id, tgt_vocab.eos_id,
                               generation_limit(source, model.config), record=True, top_c=TOP_C)
    ids = result.tokens[0].tolist()                                               # [BOS] y1 … yn
    steps = []
    for s in result.steps:
        prefix = [_token(tgt_vocab, i) for i in s.beams[0].tolist()]
        cands = [(_token(tgt_vocab, i), p) for i, p in zip(s.candidates[0].tolist(), s.candidate_probs[0].tolist(),
                                                           strict=True)]
        steps.append(Step(prefix, cands, cands[0][0], cands[0][1]))
    with one_thread():
        out = model(src, torch.tensor([ids[:-1]]), record=True)                   # decoder reads [BOS] y1 … y_{n−1}
    enc, dec = out.trace.encoder, out.trace.decoder
    score = float(result.steps[-1].kept_scores[0]) if result.steps else 0.0
    return Greedy(source, ids, tgt_vocab.decode(ids), score, ids[-1] == tgt_vocab.eos_id, steps,
                  [_token(tgt_vocab, i) for i in ids[:-1]], [_token(tgt_vocab, i) for i in ids[1:]],
                  enc.attentions[:, 0].numpy(), dec.attentions[:, 0].numpy(),     # (L, H, T, T) each
                  dec.cross_attentions[:, 0].numpy())


def sentence_probability(score: float) -> str:
    """Σ log p → p, the probability the model gives the whole sentence, written readably."""
    p = math.exp(score)
    return f"{p:.2%}" if p >= 1e-4 else f"{p:.1e}"


def comparison(greedy: Greedy, beam_text: str, beam_score: float) -> str:
    """Which message compares greedy and beam search: "same", "beam_better" or "different"."""
    if beam_text == greedy.text:
        return "same"
    return "beam_better" if beam_score > greedy.score + 1e-6 else "different"
