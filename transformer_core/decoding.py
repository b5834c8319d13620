"""Writing a target sentence with a trained encoder-decoder: greedy and beam search.

Greedy: at each step take the single most likely next token. Cheap, but one early mistake can
never be undone. Beam search keeps the K best partial sentences (by summed log-probability),
extends each by every token, and keeps the K best of those; a finished sentence leaves the beam.
With ``record=True`` every step returns what was considered, what was kept, and where the
decoder's cross-attention looked in the source — the raw material of the beam-tree view.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .config import ConfigError
from .seq2seq import Seq2SeqTransformer
from .trace import DecodeStep


@dataclass(frozen=True)
class GreedyResult:
    tokens: Tensor                 # (B, t) generated ids, starting with BOS; rows end at EOS then pad
    steps: tuple[DecodeStep, ...]  # one per step when record=True (K = batch size), else empty


@dataclass(frozen=True)
class BeamResult:
    tokens: list[int]                           # the best sentence, BOS … EOS
    score: float                                # its summed log-probability (length-normalised if asked)
    hypotheses: tuple[tuple[list[int], float], ...]  # every finished sentence with its score, best first
    steps: tuple[DecodeStep, ...]               # one per step when record=True


def _check_request(model: Seq2SeqTransformer, src_ids: Tensor, max_len: int, beam_size: int = 1) -> None:
    """Decoding knobs are checked here, so a mistake reads as one, not as a torch error mid-loop."""
    config = model.config
    if beam_size < 1:
        raise ConfigError(f"beam_size must be at least 1 (1 = greedy), got {beam_size}.", "beam_size",
                          beam_size=beam_size)
    if max_len < 1:
        raise ConfigError(f"max_len (the most tokens to generate) must be at least 1, got {max_len}.",
                          "generate_at_least_one", max_len=max_len)
    if config.position != "rotary" and max_len + 1 > config.max_len:
        raise ConfigError(f"Generating up to max_len = {max_len} tokens needs {max_len + 1} target positions "
                          f"(with the start token), but this model's position table has {config.max_len}: "
                          f"use max_len ≤ {config.max_len - 1}.", "generate_too_long", max_len=max_len,
                          positions=max_len + 1, table=config.max_len, most=config.max_len - 1)
    if src_ids.dim() != 2:
        raise ConfigError(f"src_ids must be (batch, tokens); got shape {tuple(src_ids.shape)}.", "src_shape",
                          shape=tuple(src_ids.shape))


def _next_token(model: Seq2SeqTransformer, prefix: Tensor, memory: Tensor, src: Tensor, record: bool):
    """log-probabilities (K, V) of the token after each prefix, and cross-attention (K, L, H, Ts) or None."""
    logits, trace = model.decode(prefix, memory, src, record=record)
    logp = logits[:, -1].float().log_softmax(-1)                             # (K, V)
    cross = None
    if record:
        cross = trace.cross_attentions[:, :, :, -1].transpose(0, 1)          # (L, K, H, Ts) → (K, L, H, Ts)
    return logp, cross


@torch.inference_mode()
def greedy_decode(model: Seq2SeqTransformer, src_ids: Tensor, bos: int, eos: int, max_len: int = 32,
                  record: bool = False, top_c: int = 5) -> GreedyResult:
    """src_ids (B, Ts) → the argmax token at each step, for the whole batch at once."""
    _check_request(model, src_ids, max_len)
    memory, _ = model.encode(src_ids)
    out = torch.full((src_ids.size(0), 1), bos, dtype=torch.long, device=src_ids.device)
    done = torch.zeros(src_ids.size(0), dtype=torch.bool, device=src_ids.device)
    scores, steps = torch.zeros(src_ids.size(0), device=src_ids.device), []
    for step in range(max_len):
        logp, cross = _next_token(model, out, memory, src_ids, record)
        best = logp.argmax(-1)                                                # (B,)
        best = torch.where(done, torch.full_like(best, model.config.pad_token_id), best)
        if record:
            top = logp.topk(min(top_c, logp.size(-1)), dim=-1)
            kept = tuple((i, int(t)) for i, t in enumerate(best))
            new_scores = scores + logp.gather(1, best[:, None]).squeeze(1)
            steps.append(DecodeStep(step, out.clone(), scores.clone(), top.indices, top.values.exp(), kept,
                                    new_scores, tuple(i for i, t in kept if t == eos), cross))
            scores = new_scores
        out = torch.cat([out, best[:, None]], dim=1)                         # (B, t + 1)
        done |= best == eos
        if done.all():
            break
    return GreedyResult(out, tuple(steps))


def _search_is_over(finished: list, alive_scores: list[float], beam_size: int, length: int,
                    length_penalty: float) -> bool:
    """Stop once K sentences are finished and no live prefix can still beat the K-th best of them. Every
    further token adds a log-probability ≤ 0, so a prefix's score can only fall (exact when length_penalty
    is 0; with a penalty this is the usual heuristic). Stopping at the first K finished sentences instead
    would throw away a better sentence that simply needs more tokens."""
    if len(finished) < beam_size:
        return False
    kth_best = sorted((score for _, score in finished), reverse=True)[beam_size - 1]
    return max(alive_scores) / length ** length_penalty <= kth_best


@torch.inference_mode()
def beam_search(model: Seq2SeqTransformer, src_ids: Tensor, bos: int, eos: int, beam_size: int = 4,
                max_len: int = 32, length_penalty: float = 0.0, record: bool = False,
                top_c: int = 5) -> BeamResult:
    """One source sentence (Ts,) or (1, Ts). Scores are summed log-probabilities; a finished sentence is
    ranked by score / length^length_penalty (0 = no normalisation, which favours short sentences)."""
    src = src_ids.view(1, -1) if src_ids.dim() == 1 else src_ids
    _check_request(model, src, max_len, beam_size)
    if src.size(0) != 1:
        raise ConfigError(f"beam_search decodes one sentence at a time; got a batch of {src.size(0)}. "
                          "Loop over the sentences, or use greedy_decode for a whole batch.", "beam_one_sentence",
                          batch=src.size(0))
    memory, _ = model.encode(src)
    beams = torch.tensor([[bos]], device=src.device)                         # (K, t), K = 1 at first
    scores = torch.zeros(1, device=src.device)
    finished, steps = [], []
    for step in range(max_len):
        K = beams.size(0)
        logp, cross = _next_token(model, beams, memory.expand(K, -1, -1), src.expand(K, -1), record)
        total = scores[:, None] + logp                                       # (K, V)
        flat = total.view(-1).topk(min(2 * beam_size, total.numel()))        # 2K: enough even if K end now
        V = logp.size(-1)
        kept, kept_scores, done = [], [], []
        for value, index in zip(flat.values.tolist(), flat.indices.tolist(), strict=True):
            beam, token = divmod(index, V)
            if token == eos:
                done.append(len(kept))
                finished.append((beams[beam].tolist() + [eos], value / (step + 1) ** length_penalty))
            kept.append((beam, token))
            kept_scores.append(value)
            if len(kept) - len(done) == beam_size:
                break
        if record:
            top = logp.topk(min(top_c, V), dim=-1)
            steps.append(DecodeStep(step, beams.clone(), scores.clone(), top.indices, top.values.exp(),
                                    tuple(kept), torch.tensor(kept_scores), tuple(done), cross))
        alive = [i for i in range(len(kept)) if i not in done]
        if not alive or _search_is_over(finished, [kept_scores[i] for i in alive], beam_size, step + 1,
                                        length_penalty):
            break
        beams = torch.stack([torch.cat([beams[kept[i][0]], beams.new_tensor([kept[i][1]])]) for i in alive])
        scores = torch.tensor([kept_scores[i] for i in alive], device=src.device)
    else:   # ran out of length: the live beams count as finished
        finished += [(b.tolist(), s / max_len ** length_penalty) for b, s in zip(beams, scores.tolist(), strict=True)]
    ranked = tuple(sorted(finished, key=lambda h: h[1], reverse=True))
    return BeamResult(ranked[0][0], ranked[0][1], ranked, tuple(steps))
