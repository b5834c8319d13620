"""BERT pretraining data: sentence splitting, NSP pairs, dynamic masking statistics, batches that resume exactly."""
import random

import pytest
import torch

from transformer_core.data.pretraining import (
    IGNORE,
    MaskingRates,
    PretrainingBatches,
    collate,
    make_nsp_examples,
    mask_tokens,
)
from transformer_core.data.text import split_documents, split_sentences
from transformer_core.errors import DataError
from transformer_core.tokenizer import train_wordpiece

WORDS = "the cat dog sat ran on in a park mat house big small red blue quickly slowly 猫 狗 跑 公 园".split()


@pytest.fixture(scope="module")
def documents():
    rng = random.Random(0)
    return [[" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + "." for _ in range(rng.randint(1, 25))]
            for _ in range(200)]


@pytest.fixture(scope="module")
def tokenizer(documents):
    return train_wordpiece([s for doc in documents for s in doc], vocab_size=100, min_frequency=1)


@pytest.fixture(scope="module")
def examples(documents, tokenizer):
    return make_nsp_examples(documents, tokenizer, max_len=48, seed=0)


# ── sentences ──

@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith paid $3.5 million. Did he? Yes!", ["Mr. Smith paid $3.5 million.", "Did he?", "Yes!"]),
    ("Use e.g. this one. Dr. Who is J. K. Rowling? No.", ["Use e.g. this one.", "Dr. Who is J. K. Rowling?", "No."]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("今天天气很好。我们去公园吧！你去吗？", ["今天天气很好。", "我们去公园吧！", "你去吗？"]),
    ("他说：“好的。”然后走了……真的；再见", ["他说：“好的。”", "然后走了……", "真的；", "再见"]),
    ("BERT 很好。It works! 对吗？", ["BERT 很好。", "It works!", "对吗？"]),
    ("A hard-\nwrapped line.\n\nNew paragraph", ["A hard- wrapped line.", "New paragraph"]),
    ("Wait... what? At 5 p.m. we left.", ["Wait... what?", "At 5 p.m. we left."]),
    ("  \n ", []),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_split_documents_on_blank_lines():
    assert split_documents("A b. C d.\n\n \n第一句。第二句。\n") == [["A b.", "C d."], ["第一句。", "第二句。"]]


# ── masking ──

def _batch(rows=400, width=64, seed=0):
    """Random ids with [CLS] … [SEP] and padding of varying length: (ids, special_mask), both (rows, width)."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(8, width + 1, (rows,), generator=g)                        # (B,)
    ids = torch.randint(5, 100, (rows, width), generator=g)                            # (B, T)
    position = torch.arange(width).expand(rows, width)                                 # (B, T)
    ids[position >= lengths[:, None]] = 0
    ids[:, 0] = 2
    ids[torch.arange(rows), lengths - 1] = 3
    return ids, (ids < 5)


def test_masking_statistics_over_many_draws():
    ids, special = _batch()
    g = torch.Generator().manual_seed(0)
    chosen = to_mask = to_random = kept = 0
    for _ in range(50):
        _, _, rec = mask_tokens(ids, special, mask_id=4, vocab_size=100, generator=g)
        chosen += rec.chosen.sum().item()
        to_mask, to_random, kept = (to_mask + rec.to_mask.sum().item(), to_random + rec.to_random.sum().item(),
                                    kept + rec.kept.sum().item())
    candidates = 50 * (~special).sum().item()
    assert abs(chosen / candidates - 0.15) < 0.005
    assert abs(to_mask / chosen - 0.8) < 0.01
    assert abs(to_random / chosen - 0.1) < 0.01
    assert abs(kept / chosen - 0.1) < 0.01


def test_record_is_consistent_and_specials_never_chosen():
    ids, special = _batch(rows=64)
    corrupted, labels, rec = mask_tokens(ids, special, mask_id=4, vocab_size=100,
                                         generator=torch.Generator().manual_seed(1))
    assert not (rec.chosen & special).any()                                    # [CLS], [SEP], padding
    assert torch.equal(labels != IGNORE, rec.chosen)
    assert torch.equal(labels[rec.chosen], ids[rec.chosen])
    assert torch.equal(rec.to_mask | rec.to_random | rec.kept, rec.chosen)
    assert not (rec.to_mask & rec.to_random).any() and not (rec.kept & (rec.to_mask | rec.to_random)).any()
    assert torch.equal(corrupted, rec.corrupted) and torch.equal(rec.original, ids)
    assert torch.equal(corrupted[~rec.to_random], ids.masked_fill(rec.to_mask, 4)[~rec.to_random])
    assert (corrupted[rec.to_random] >= 5).all()                               # random tokens are never specials
    assert (rec.chosen.sum(dim=1) >= 1).all()                                  # every row has something to predict


def test_short_rows_still_get_one_label_and_all_special_rows_none():
    ids = torch.tensor([[2, 7, 3, 0], [2, 3, 0, 0]])
    _, labels, rec = mask_tokens(ids, ids < 5, mask_id=4, vocab_size=50)
    assert rec.chosen[0].tolist() == [False, True, False, False] and not rec.chosen[1].any()
    assert labels[0, 1] == 7


def test_rates_are_configurable_and_validated():
    ids, special = _batch(rows=200)
    rates = MaskingRates(select=0.3, mask=1.0, random=0.0)
    _, _, rec = mask_tokens(ids, special, 4, 100, rates, torch.Generator().manual_seed(0))
    assert abs(rec.chosen.sum() / (~special).sum() - 0.3) < 0.01
    assert torch.equal(rec.to_mask, rec.chosen)
    for bad in [dict(select=0), dict(select=1.5), dict(mask=0.9, random=0.2), dict(random=-0.1)]:
        with pytest.raises(DataError):
            MaskingRates(**bad)


# ── next-sentence pairs ──

def test_nsp_balance_and_sources(examples, documents):
    assert abs(sum(not e.is_next for e in examples) / len(examples) - 0.5) < 0.02
    for e in examples:
        assert list(e.sentences_a) == documents[e.a.document][e.a.start:e.a.stop]
        if e.is_next:
            assert e.b.document == e.a.document and e.b.start == e.a.stop      # really the next sentences
        else:
            assert e.b.document != e.a.document                                # from another document


def test_nsp_shapes_truncation_and_segments(examples, tokenizer):
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    for e in examples:
        assert len(e.input_ids) <= 48 and len(e.token_type_ids) == len(e.input_ids)
        first_sep = e.input_ids.index(sep)
        assert e.input_ids[0] == cls and e.input_ids[-1] == sep and first_sep not in (1, len(e.input_ids) - 2)
        assert e.token_type_ids == [0] * (first_sep + 1) + [1] * (len(e.input_ids) - first_sep - 1)
        assert [i for i, s in enumerate(e.special_tokens_mask) if s] == [0, first_sep, len(e.input_ids) - 1]


def test_nsp_is_seeded(documents, tokenizer):
    again = make_nsp_examples(documents[:30], tokenizer, max_len=48, seed=3)
    assert again == make_nsp_examples(documents[:30], tokenizer, max_len=48, seed=3)


def test_nsp_refuses_too_little_text(tokenizer):
    with pytest.raises(DataError, match="at least 2 documents"):
        make_nsp_examples([["the cat sat.", "the dog ran."]], tokenizer)
    with pytest.raises(DataError, match="no text"):
        make_nsp_examples([[], ["  "]], tokenizer)


def test_collate_pads_to_the_longest(examples):
    batch = collate(examples[:8])
    width = max(len(e.input_ids) for e in examples[:8])
    assert batch["input_ids"].shape == (8, width)
    assert batch["attention_mask"].sum(dim=1).tolist() == [len(e.input_ids) for e in examples[:8]]
    assert batch["next_sentence_label"].tolist() == [0 if e.is_next else 1 for e in examples[:8]]


# ── batches ──

def _run(batches, n):
    out = []
    for batch, record in batches.forever():
        out.append((batch, record))
        if len(out) == n:
            return out


def test_batches_resume_exactly(examples, tokenizer):
    make = lambda: PretrainingBatches(examples[:100], batch_size=16, mask_id=4, vocab_size=tokenizer.get_vocab_size(),
                                      seed=5)
    straight = _run(make(), 12)                                  # crosses into a second epoch (7 per epoch)
    first = make()
    _run(first, 9)
    resumed = make()
    resumed.load_state_dict(first.state_dict())
    for (a, ra), (b, rb) in zip(straight[9:], _run(resumed, 3), strict=True):
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
        assert torch.equal(ra.chosen, rb.chosen)


def test_batches_are_ready_for_the_model(examples, tokenizer):
    batches = PretrainingBatches(examples, batch_size=32, mask_id=4, vocab_size=tokenizer.get_vocab_size())
    assert len(batches) == -(-len(examples) // 32)
    seen = 0
    for batch, record in batches:
        assert set(batch) == {"input_ids", "attention_mask", "token_type_ids", "labels", "next_sentence_label"}
        assert not (record.chosen & (batch["attention_mask"] == 0)).any()
        assert torch.equal(batch["input_ids"], record.corrupted)
        seen += len(batch["input_ids"])
    assert seen == len(examples)
    first, _ = next(iter(batches))                               # a new epoch: a new order and new masks
    assert batches.state_dict()["epoch"] == 1


def test_two_processes_see_what_one_sees(examples):
    one = next(iter(PretrainingBatches(examples, 8, 4, 100, seed=1, drop_last=True)))[0]
    halves = [next(iter(PretrainingBatches(examples, 8, 4, 100, seed=1, drop_last=True, rank=r, world_size=2)))[0]
              for r in (0, 1)]
    assert torch.equal(one["labels"][0::2], halves[0]["labels"])
    assert torch.equal(one["labels"][1::2], halves[1]["labels"])


# ── lone sentences: masked LM only ──

def test_lone_sentences_become_mlm_only_rows_and_keep_nsp_balanced(documents, tokenizer):
    """lone="mlm": a one-sentence document is [CLS] A [SEP] with no NSP label (is_next None → −100 in the
    batch); the documents with several sentences still give balanced IsNext/NotNext pairs."""
    mixed = documents + [[f"the {w} sat on a mat."] for w in WORDS]          # 24 one-sentence documents
    examples = make_nsp_examples(mixed, tokenizer, max_len=48, seed=0, lone="mlm")
    lone = [e for e in examples if e.is_next is None]
    single_docs = {d for d, doc in enumerate(mixed) if len(doc) == 1}
    assert {e.a.document for e in lone} == single_docs
    for e in lone:
        assert e.input_ids[0] == tokenizer.token_to_id("[CLS]") and e.input_ids[-1] == tokenizer.token_to_id("[SEP]")
        assert e.input_ids.count(tokenizer.token_to_id("[SEP]")) == 1 and set(e.token_type_ids) == {0}
        assert e.sentences_b == ()
    paired = [e for e in examples if e.is_next is not None]
    assert abs(sum(e.is_next for e in paired) / len(paired) - 0.5) < 0.05
    # a NotNext B never comes from a lone sentence: else "B reads like one" would mean NotNext
    assert not {e.b.document for e in paired if not e.is_next} & single_docs
    labels = collate(lone[:2] + paired[:2])["next_sentence_label"]
    assert labels[:2].tolist() == [IGNORE, IGNORE] and set(labels[2:].tolist()) <= {0, 1}
    bert = make_nsp_examples(mixed, tokenizer, max_len=48, seed=0)          # default: BERT's NotNext pairs
    assert all(e.is_next is not None for e in bert)
    assert {e.b.document for e in bert if not e.is_next} & single_docs     # lone sentences serve as B there
    with pytest.raises(DataError):                                          # one document that makes pairs
        make_nsp_examples([documents[0] * 2, ["a lone one."]], tokenizer, max_len=48, lone="mlm")
    with pytest.raises(DataError):
        make_nsp_examples(mixed, tokenizer, max_len=48, lone="drop")


def test_nsp_loss_skips_unlabelled_rows_and_is_zero_without_any():
    from transformer_core.bert import nsp_loss
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [5.0, -5.0]], requires_grad=True)
    labels = torch.tensor([0, IGNORE, 1])
    expected = torch.nn.functional.cross_entropy(logits[[0, 2]], labels[[0, 2]])
    assert torch.allclose(nsp_loss(logits, labels), expected)
    none = nsp_loss(logits, torch.full((3,), IGNORE))
    assert none.item() == 0.0 and not torch.isnan(none)
    none.backward()                                                          # still part of the graph
    assert torch.equal(logits.grad, torch.zeros_like(logits))
