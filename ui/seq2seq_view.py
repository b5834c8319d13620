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
from dataclasses import dataclass

import numpy as np
import torch

from transformer_core.data.number_words import NUMBER_WORDS, unknown_number_words
from transformer_core.decoding import greedy_decode

from .encode import InputProblem, clean
from .models import SEQ2SEQ, Loaded, ModelSource

MAX_EXTRA_STEPS = 10      # decoding stops at EOS, or after len(source) + this many tokens
TOP_C = 5                 # candidates shown per step
DEFAULT_SOURCE = "three hundred and five"
EXAMPLES = ("three hundred and five", "twelve thousand and forty", "nine hundred and ninety-nine",
            "forty-two thousand and seven")
SPACE = "␣"               # how a space character is drawn on an axis

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Encoder-decoder: translating numbers", "zh": "编码器-解码器：翻译数字"},
    "intro": {"en": "The original Transformer has two stacks. The **encoder** reads the whole source at once; the "
                    "**decoder** writes the target one token at a time, each time reading what it has written so "
                    "far (masked self-attention) and the encoder's output (cross-attention). This small model "
                    "learned to turn English number words into 中文 numerals, one character per token.",
              "zh": "最初的 Transformer 有两叠层。**编码器**一次读入整个源句；**解码器**一次写一个词元，每一步都读取"
                    "自己已经写出的部分（带掩码的自注意力）和编码器的输出（交叉注意力）。这个小模型学会了把英文数字"
                    "单词翻译成中文数字，每个字符是一个词元。"},
    "none": {"en": "No encoder-decoder model is installed yet. When one is (the app ships seq2seq-numbers under "
                   "assets/models/), it appears here. You can also train one yourself in a few minutes:",
             "zh": "还没有安装编码器-解码器模型。安装后（应用会在 assets/models/ 下提供 seq2seq-numbers）它会出现在"
                   "这里。你也可以用几分钟自己训练一个："},
    "pick_model": {"en": "Encoder-decoder model", "zh": "编码器-解码器模型"},
    "source": {"en": "Source (English number words)", "zh": "源句（英文数字单词）"},
    "examples": {"en": "Examples", "zh": "示例"},
    "s2s_unknown": {"en": "This model reads only the characters it was trained on, and {chars} is not one of them. "
                          "It knows: {allowed}",
                    "zh": "这个模型只能读训练时见过的字符，{chars} 不在其中。它认识的字符：{allowed}"},
    "s2s_not_number": {"en": "This model translates English number words only, and {words} is not one of them, so "
                             "it was not asked to guess. It reads these words: {known} — for example “two thousand "
                             "and twenty-four” or “seventeen”.",
                       "zh": "这个模型只翻译英文数字单词，{words} 不是数字单词，所以没有让它硬猜。"
                             "它认识这些单词：{known}——例如 “two thousand and twenty-four” 或 “seventeen”。"},
    "s2s_lowercased": {"en": "The model only knows lower-case letters, so the text was lower-cased.",
                       "zh": "模型只认识小写字母，因此已把文本转成小写。"},
    "s2s_cut": {"en": "The source has {n} characters but this model reads at most {limit} (plus [EOS]), so it was "
                      "cut to fit.",
                "zh": "源句有 {n} 个字符，但这个模型最多读取 {limit} 个（另加 [EOS]），因此已截断。"},
    "output": {"en": "Greedy output", "zh": "贪心解码输出"},
    "no_eos": {"en": "The decoder never wrote [EOS], so it stopped after {n} tokens.",
               "zh": "解码器一直没有写出 [EOS]，因此在 {n} 个词元后停止。"},
    "stacks": {"en": "This model has {enc} encoder and {dec} decoder layers; a layer number one stack lacks shows "
                     "that stack's top layer.",
               "zh": "这个模型有 {enc} 个编码器层和 {dec} 个解码器层；如果某一叠层没有所选的层号，就显示它的最顶层。"},
    "enc_head": {"en": "1 · Encoder self-attention", "zh": "1 · 编码器自注意力"},
    "enc_text": {"en": "Every source character attends to every other one, in both directions: nothing is hidden. "
                       "Each row is a query and sums to 1.",
                 "zh": "每个源字符都关注所有其他字符，两个方向都可以：没有任何遮挡。每一行是一个查询，和为 1。"},
    "dec_head": {"en": "2 · Masked decoder self-attention", "zh": "2 · 带掩码的解码器自注意力"},
    "dec_text": {"en": "The decoder writes left to right, so while it trains, position t must not peek at the answer "
                       "tokens after it. The causal mask M adds −∞ to every score above the diagonal (grey): "
                       "e^−∞ = 0, so those weights are exactly 0 and each row shares its 1 among the past only.",
                 "zh": "解码器从左往右写，因此训练时位置 t 不能偷看它后面的答案词元。因果掩码 M 给对角线以上的每个"
                       "分数加上 −∞（灰色）：e^−∞ = 0，所以这些权重恰好为 0，每一行的总和 1 只分给过去的位置。"},
    "cross_head": {"en": "3 · Cross-attention: where the decoder looks in the source",
                   "zh": "3 · 交叉注意力：解码器在源句中看哪里"},
    "cross_text": {"en": "Queries come from the decoder (one row per written token), keys and values from the "
                         "encoder's output (one column per source character). A trained model's rows light up on "
                         "the source words being translated at that step.",
                   "zh": "查询来自解码器（每写出一个词元一行），键和值来自编码器的输出（每个源字符一列）。"
                         "训练好的模型在每一步会亮在正在被翻译的源单词上。"},
    "steps_head": {"en": "4 · Greedy decoding, step by step", "zh": "4 · 贪心解码，逐步查看"},
    "steps_text": {"en": "Greedy decoding takes the single most likely token at every step and never goes back. "
                         "Move the slider to replay each step: the prefix written so far, the candidates the model "
                         "considered with their probabilities, and where it looked in the source.",
                   "zh": "贪心解码每一步只取概率最高的那个词元，而且从不回头。拖动滑块回放每一步：已经写出的前缀、"
                         "模型考虑的候选词元及其概率，以及它在源句中看的位置。"},
    "step": {"en": "Decoding step", "zh": "解码步"},
    "prefix": {"en": "Written so far: {prefix} → next: **{token}** (p = {p:.1%})",
               "zh": "已写出：{prefix} → 下一个：**{token}**（p = {p:.1%}）"},
    "beam_head": {"en": "5 · Beam search: keeping K sentences alive", "zh": "5 · 束搜索：同时保留 K 个候选句"},
    "beam_text": {"en": "Beam search keeps the K best partial sentences, scored by the sum of their log-"
                        "probabilities. At each step it extends every kept prefix by every token and keeps the K best "
                        "of all of them; a prefix that writes [EOS] is finished. K = 1 is greedy decoding.",
                  "zh": "束搜索同时保留 K 个最好的部分句子，得分是各词元对数概率之和。每一步把每个保留的前缀用所有词元"
                        "延长一次，再从全部结果中保留最好的 K 个；写出 [EOS] 的前缀就完成了。K = 1 就是贪心解码。"},
    "keep_k": {"en": "At every step only the K prefixes with the highest score survive.",
               "zh": "每一步只有得分最高的 K 个前缀能留下来。"},
    "beam_size": {"en": "Beam size K", "zh": "束宽 K"},
    "pruned_n": {"en": "Pruned candidates drawn per prefix", "zh": "每个前缀显示的被剪掉候选数"},
    "compare": {"en": "Greedy vs beam search", "zh": "贪心解码与束搜索对比"},
    "greedy_says": {"en": "Greedy: **{text}** (Σ log p = {score:.3f})",
                    "zh": "贪心：**{text}**（Σ log p = {score:.3f}）"},
    "beam_says": {"en": "Beam search, K = {k}: **{text}** (Σ log p = {score:.3f})",
                  "zh": "束搜索，K = {k}：**{text}**（Σ log p = {score:.3f}）"},
    "same": {"en": "Both found the same sentence.", "zh": "两者找到了同一个句子。"},
    "beam_better": {"en": "Beam search found a sentence with a higher total probability than greedy's: an early "
                          "token that looked less likely paid off later.",
                    "zh": "束搜索找到了总概率比贪心更高的句子：一个起初看起来不那么可能的词元，后来带来了更高的总分。"},
    "different": {"en": "They differ. Beam search ranks whole sentences by total log-probability, so it can keep a "
                        "prefix greedy dropped.",
                  "zh": "两者不同。束搜索按整句的总对数概率排序，因此可能保留贪心丢掉的前缀。"},
    "hypotheses": {"en": "Finished sentences, best first", "zh": "已完成的句子（按得分排序）"},
    "col_rank": {"en": "rank", "zh": "名次"},
    "col_text": {"en": "sentence", "zh": "句子"},
    "col_score": {"en": "Σ log p", "zh": "Σ log p"},
    "col_prob": {"en": "p (whole sentence)", "zh": "p（整句）"},
    "col_len": {"en": "tokens (with [EOS])", "zh": "词元数（含 [EOS]）"},
    "short_bias": {"en": "The scores are sums of log-probabilities, not averages: every extra token adds a negative "
                         "number, so plain beam search prefers short sentences (length normalisation, "
                         "score / length^α, is the usual remedy).",
                   "zh": "得分是对数概率之和而不是平均值：每多一个词元就多加一个负数，因此朴素的束搜索偏爱短句"
                         "（常用的补救办法是长度归一化：得分 / 长度^α）。"},
}


def seq2seq_sources(found: list[ModelSource]) -> list[ModelSource]:
    return [s for s in found if s.architecture == SEQ2SEQ]


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
    only make up a numeral. Long text is cut to max_len − 1 characters."""
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
    if len(text) > max_len - 1:
        notes.append(("s2s_cut", {"n": len(text), "limit": max_len - 1}))
        text = text[:max_len - 1].rstrip()
    ids = vocab.encode(text, add_eos=True)                                 # (Ts,) characters + [EOS]
    return Source(text, ids, [shown(c) for c in text] + ["[EOS]"], tuple(notes))


def generation_limit(source: Source, config) -> int:
    """How many tokens to write at most: a little longer than the source, within the position table."""
    return max(1, min(config.max_len - 1, len(source.text) + MAX_EXTRA_STEPS))


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
    model, (src_vocab, tgt_vocab) = loaded.model, loaded.tokenizer
    source = prepare_source(text, src_vocab, model.config.max_len)
    src = torch.tensor([source.ids])                                              # (1, Ts)
    result = greedy_decode(model, src, tgt_vocab.bos_id, tgt_vocab.eos_id, generation_limit(source, model.config),
                           record=True, top_c=TOP_C)
    ids = result.tokens[0].tolist()                                               # [BOS] y1 … yn
    steps = []
    for s in result.steps:
        prefix = [_token(tgt_vocab, i) for i in s.beams[0].tolist()]
        cands = [(_token(tgt_vocab, i), p) for i, p in zip(s.candidates[0].tolist(), s.candidate_probs[0].tolist(),
                                                           strict=True)]
        steps.append(Step(prefix, cands, cands[0][0], cands[0][1]))
    out = model(src, torch.tensor([ids[:-1]]), record=True)                       # decoder reads [BOS] y1 … y_{n−1}
    enc, dec = out.trace.encoder, out.trace.decoder
    score = float(result.steps[-1].kept_scores[0]) if result.steps else 0.0
    return Greedy(source, ids, tgt_vocab.decode(ids), score, ids[-1] == tgt_vocab.eos_id, steps,
                  [_token(tgt_vocab, i) for i in ids[:-1]], [_token(tgt_vocab, i) for i in ids[1:]],
                  enc.attentions[:, 0].numpy(), dec.attentions[:, 0].numpy(),     # (L, H, T, T) each
                  dec.cross_attentions[:, 0].numpy())


def step_cross_attention(loaded: Loaded, text: str) -> list[np.ndarray]:
    """The cross-attention greedy_decode recorded at each step, (Ld, H, Ts) per step: the same numbers
    as the rows of Greedy.cross_attn (a check that one recorded pass equals decoding step by step)."""
    model, (src_vocab, tgt_vocab) = loaded.model, loaded.tokenizer
    source = prepare_source(text, src_vocab, model.config.max_len)
    result = greedy_decode(model, torch.tensor([source.ids]), tgt_vocab.bos_id, tgt_vocab.eos_id,
                           generation_limit(source, model.config), record=True)
    return [s.cross_attention[0].numpy() for s in result.steps]


def sentence_probability(score: float) -> str:
    """Σ log p → p, the probability the model gives the whole sentence, written readably."""
    p = math.exp(score)
    return f"{p:.2%}" if p >= 1e-4 else f"{p:.1e}"


def comparison(greedy: Greedy, beam_text: str, beam_score: float) -> str:
    """Which message compares greedy and beam search: "same", "beam_better" or "different"."""
    if beam_text == greedy.text:
        return "same"
    return "beam_better" if beam_score > greedy.score + 1e-6 else "different"
