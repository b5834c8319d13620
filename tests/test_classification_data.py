"""Labelled data for fine-tuning: reading CSV/TSV, one clear message per kind of bad file, encoding, batches."""
import pytest
import torch

from transformer_core.data.classification import LabelledBatches, encode_labelled, read_labelled
from transformer_core.errors import DataError
from transformer_core.tokenizer import train_wordpiece

GOOD = 'text,label\nI loved it,positive\n"Slow, and dull",negative\n这部电影很好看,positive\n\nMeh,negative\n'


@pytest.fixture(scope="module")
def tokenizer():
    texts = ["I loved it", "slow and dull", "这部电影很好看", "meh"] * 3
    return train_wordpiece(texts, vocab_size=100, min_frequency=1)


def test_reads_names_sorted_into_ids():
    data = read_labelled(GOOD)
    assert data.texts == ["I loved it", "Slow, and dull", "这部电影很好看", "Meh"]
    assert data.label_names == ["negative", "positive"] and data.labels == [1, 0, 1, 0]


def test_reads_integer_labels_numerically_and_tsv_with_bom(tmp_path):
    path = tmp_path / "polarity.tsv"
    path.write_bytes("\ufefftext\tlabel\ngood film\t1\nbad film\t-1\nok\t1\n".encode())
    data = read_labelled(path)
    assert data.label_names == ["-1", "1"] and data.labels == [1, 0, 1]
    assert read_labelled(path.read_bytes()).labels == [1, 0, 1]                 # an upload's bytes


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"  \n\t\n ", "only spaces"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    (b"text,label\ncaf\xe9,1\n", "not UTF-8"),
    (b"sentence,polarity\na,1\n", r"'text' and 'label' are missing \(found: 'sentence', 'polarity'\)"),
    (b"text,score\na,1\n", r"'label' is missing"),
    (b"text,label\na,1\nb,1\n", "at least two classes"),
    (b"text,label\na,1\n ,0\n", "Line 3 .* empty text"),
    (b"text,label\na,1\nb,\n", "Line 3 .* empty label"),
    (b"text,label\na,1\nb,pos\n", "mix numbers"),
    (b"text,label\na,1\nb,3.5\n", "'3.5' on line 3 is neither"),
    (b"text,label\n", "no examples"),
    (b"text,label\nonly-one-cell\nb,1\n", "Line 2 .* fewer than the header"),
])
def test_each_bad_file_gets_its_message(content, message):
    with pytest.raises(DataError, match=message):
        read_labelled(content)


def test_size_limit_names_the_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("text,label\n" + "a long sentence,1\n" * 2000, encoding="utf-8")
    with pytest.raises(DataError, match=r"big\.csv is 0\.036 MB, over the limit of 0\.01 MB"):
        read_labelled(path, max_bytes=10_000)


def test_encode_truncates_and_pads(tokenizer):
    encoded = encode_labelled(read_labelled(GOOD), tokenizer, max_len=6)
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    assert ids.shape == (4, 6) and encoded["labels"].tolist() == [1, 0, 1, 0]
    lengths = mask.sum(dim=1)
    assert (ids[torch.arange(4), lengths - 1] == tokenizer.token_to_id("[SEP]")).all()
    assert (ids[:, 0] == tokenizer.token_to_id("[CLS]")).all() and (ids[mask == 0] == 0).all()


def test_batches_shuffle_with_a_seed_and_resume_exactly(tokenizer):
    data = read_labelled("text,label\n" + "".join(f"sentence number {i},{i % 3}\n" for i in range(50)))
    encoded = encode_labelled(data, tokenizer, max_len=16)
    make = lambda: LabelledBatches(encoded, batch_size=8, seed=2)
    straight = [b for _, b in zip(range(10), make().forever(), strict=False)]
    assert sorted(torch.cat([b["labels"] for b in straight[:7]]).tolist()) == sorted(data.labels)
    first = make()
    _ = [b for _, b in zip(range(4), first.forever(), strict=False)]
    resumed = make()
    resumed.load_state_dict(first.state_dict())
    for a, b in zip(straight[4:], resumed.forever(), strict=False):
        assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(DataError, match="Cannot resume"):
        LabelledBatches(encoded, batch_size=8, seed=3).load_state_dict(first.state_dict())
