"""ui/mlm_view.py: masks, guesses, one-pass vs one-at-a-time filling, the logit lens and head ablation."""
from __future__ import annotations

import json

import pytest
import torch

from transformer_core import BertForMaskedLM, BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import from_vocab, train_wordpiece
from ui import mlm_view as mv
from ui import models
from ui.encode import encode
from ui.st.session import bert_forward

SENTENCES = ["The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.",
             "The dog ran to the park.", "今天天气很好，我们去公园散步。", "公园里有很多人在跑步。"]
TEXT = "The cat sat on the mat because it was tired."


def tiny(cls=BertForPreTraining, norm_first: bool = False) -> models.Loaded:
    tokenizer = train_wordpiece(SENTENCES, vocab_size=300)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=3, n_heads=4, d_ff=64,
                               max_len=64, norm_first=norm_first)
    source = models.ModelSource("tiny", "tiny", None, cls.__name__, "en", "random")
    return models.Loaded(source, cls(config).eval(), tokenizer)


@pytest.fixture(scope="module", params=[(BertForPreTraining, False), (BertForMaskedLM, True)],
                ids=["pretraining-post-LN", "masked-lm-pre-LN"])
def loaded(request):
    return tiny(*request.param)


def mask_id(loaded) -> int:
    return loaded.tokenizer.token_to_id(mv.MASK)


def test_a_chinese_keyboards_brackets_make_a_mask_too():
    # a Chinese input method types full-width brackets (and sometimes full-width letters)
    assert mv.with_mask_tokens("我们坐火【MASK】去北京。") == "我们坐火[MASK]去北京。"
    assert mv.with_mask_tokens("我们坐火［mask］去北京。") == "我们坐火[MASK]去北京。"
    assert mv.with_mask_tokens("我们坐火［ＭＡＳＫ］去北京。") == "我们坐火[MASK]去北京。"
    assert mv.with_mask_tokens("【提示】不是 mask，[masks] 也不是") == "【提示】不是 mask，[masks] 也不是"


def test_typed_masks_in_any_case_become_the_mask_piece(loaded):
    text = mv.with_mask_tokens("The cat [mask] on the [ Mask ] mat.")
    assert text == "The cat [MASK] on the [MASK] mat."
    enc = encode(loaded.tokenizer, text, None, 64)
    typed = [i for i, tok in enumerate(enc.tokens) if tok == mv.MASK]
    assert len(typed) == 2
    assert mv.masked_positions(enc, (1, 0, 99, len(enc.tokens) - 1)) == (1, *typed)   # [CLS], [SEP], 99 dropped
    assert not set(typed) & set(mv.maskable(enc))


def test_a_vocab_txt_tokenizer_keeps_a_typed_mask_whole(tmp_path):
    tokenizer = train_wordpiece(SENTENCES, vocab_size=300)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])
    (tmp_path / "vocab.txt").write_text("\n".join(piece for piece, _ in vocab), encoding="utf-8")
    again = from_vocab(tmp_path / "vocab.txt")
    tokens = again.encode("the park [MASK] .").tokens
    assert tokens == tokenizer.encode("the park [MASK] .").tokens and tokens[-3] == "[MASK]"


def test_top_k_is_the_softmax_ranking(loaded):
    run = bert_forward(loaded, TEXT, masked=(3,))
    guesses = mv.top_k(run.logits, 3, loaded.tokenizer, k=5)
    probs = run.logits[3].softmax(-1)
    assert [g.id for g in guesses] == probs.argsort(descending=True)[:5].tolist()
    assert guesses[0].prob == pytest.approx(float(probs.max()))
    assert guesses[1].token == loaded.tokenizer.id_to_token(guesses[1].id)
    fig = mv.guesses_figure({3: guesses, 5: guesses}, run.encoded.tokens)
    assert len(fig.data) == 2 and list(fig.data[0].x) == [g.prob for g in guesses]
    json.loads(fig.to_json())


def test_one_at_a_time_refills_after_each_guess(loaded):
    positions = (2, 3, 6)
    run = bert_forward(loaded, TEXT, masked=positions)
    at_once = mv.fill_independent(run.logits, positions, loaded.tokenizer)
    assert [f.guess.id for f in at_once] == [int(run.logits[p].argmax()) for p in positions]
    ids = mv.masked_ids(run.encoded.ids, positions, mask_id(loaded))
    steps = mv.fill_iterative(loaded.model, ids, run.encoded.type_ids, positions, loaded.tokenizer)
    assert sorted(f.step for f in steps) == [1, 2, 3] and [f.position for f in steps] == list(positions)
    first = max(at_once, key=lambda f: f.guess.prob)                 # step 1 = the most confident one-pass guess
    assert next(f for f in steps if f.step == 1) == mv.Fill(first.position, first.guess, 1)
    last = next(f for f in steps if f.step == 3)                     # the last one saw the other two filled in
    filled = ids.clone()
    for f in steps:
        if f.step < 3:
            filled[0, f.position] = f.guess.id
    with torch.inference_mode():
        logits = loaded.model(filled).logits[0]
    assert last.guess.id == int(logits[last.position].argmax())
    assert last.guess.prob == pytest.approx(float(logits[last.position].softmax(-1).max()), rel=1e-5)
    rows = mv.fill_rows(run.encoded, at_once, steps, "zh")
    assert len(rows) == 3 and "逐个填" in rows[0]


def test_join_pieces_glues_wordpieces_and_chinese():
    assert mv.join_pieces(["the", "play", "##ing", "cat", "."]) == "the playing cat ."
    assert mv.join_pieces(["今", "天", "很", "好", "ok"]) == "今天很好 ok"


def test_logit_lens_ends_with_the_real_prediction(loaded):
    run = bert_forward(loaded, TEXT, masked=(3,))
    lens = mv.logit_lens(loaded.model, run.trace, 3, loaded.tokenizer, k=4)
    assert len(lens.top) == loaded.config.n_layers + 1 and all(len(row) == 4 for row in lens.top)
    real = mv.top_k(run.logits, 3, loaded.tokenizer, 4)
    assert [g.id for g in lens.top[-1]] == [g.id for g in real]
    assert lens.final_prob[-1] == pytest.approx(real[0].prob, rel=1e-4)
    assert lens.final_prob[0] != pytest.approx(lens.final_prob[-1])    # the embeddings row is a different guess
    fig = mv.lens_figure(lens, "zh")
    assert fig.data[0].y[0] == "嵌入层" and len(fig.data[0].z) == 4
    json.loads(fig.to_json())


def test_switching_heads_off_changes_the_guesses(loaded):
    cfg = loaded.config
    mask = mv.head_mask(cfg.n_layers, cfg.n_heads, [(0, 1), (2, 3)])
    assert len(mask) == 3 and mask[0] == (1.0, 0.0, 1.0, 1.0) and mask[2][3] == 0.0 and sum(map(sum, mask)) == 10
    base = bert_forward(loaded, TEXT, masked=(3,))
    same = bert_forward(loaded, TEXT, masked=(3,), head_mask=mv.head_mask(cfg.n_layers, cfg.n_heads, []))
    assert torch.equal(base.logits, same.logits)
    off = bert_forward(loaded, TEXT, masked=(3,), head_mask=mask)
    assert not torch.allclose(base.logits[3], off.logits[3])
    rows = mv.ablation_rows(base.logits, off.logits, (3,), loaded.tokenizer)
    assert len(rows) == 1 and "→" in rows[0]["the all-heads guess"]
    fig = mv.ablation_figure(base.logits, off.logits, (3,), base.encoded.tokens, loaded.tokenizer)
    assert fig.data[0].y[0] == pytest.approx(float(base.logits[3].softmax(-1).max()))


def test_head_scan_matches_one_ablation(loaded):
    cfg, positions = loaded.config, (2, 3)
    run = bert_forward(loaded, TEXT, masked=positions)
    ids = mv.masked_ids(run.encoded.ids, positions, mask_id(loaded))
    drop = mv.head_importance(loaded.model, ids, run.encoded.type_ids, positions)
    assert drop.shape == (cfg.n_layers, cfg.n_heads)
    off = bert_forward(loaded, TEXT, masked=positions, head_mask=mv.head_mask(cfg.n_layers, cfg.n_heads, [(1, 2)]))
    expected = sum(float(run.logits[p].softmax(-1).max() - off.logits[p].softmax(-1)[run.logits[p].argmax()])
                   for p in positions) / 2
    assert float(drop[1, 2]) == pytest.approx(expected, abs=1e-5)
    assert mv.importance_figure(drop).data[0].z[1][2] == pytest.approx(float(drop[1, 2]))


def test_head_labels():
    assert mv.head_label((0, 0)) == "L1·H1" and mv.head_label((11, 7)) == "L12·H8"


def test_guess_labels_stay_inside_the_chart():
    """Issue 12.10: a long bar's label ran past 100 % over the next panel; now it sits inside the bar."""
    assert mv.label_position(0.9) == "inside" and mv.label_position(0.2) == "outside"
