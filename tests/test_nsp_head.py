"""tools/nsp_head.py: only the pooler and the NSP layer change; masked-LM outputs stay exactly as they were."""
from __future__ import annotations

import torch
from fixtures_models import SENTENCES, make_bert, write_corpus
from safetensors.torch import load_file, save_file

from tools import nsp_head as NH
from transformer_core import load_pretrained
from transformer_core.quantize import SCALE, pack


def _int8_bert(folder):
    """A small BERT stored as the shipped ones are: the pooler (256 × 256) as int8 rows."""
    make_bert(folder, SENTENCES, d_model=256, d_ff=256, n_heads=4, n_layers=1)
    tensors = load_file(str(folder / "model.safetensors"))
    save_file(pack(tensors), str(folder / "model.safetensors"), metadata={"format": "pt"})
    return folder


def test_fit_learns_a_separable_head_and_keeps_the_best_on_validation():
    torch.manual_seed(0)
    pooler, nsp = torch.nn.Linear(8, 8), torch.nn.Linear(8, 2)
    h = torch.randn(400, 8)
    y = (h[:, 0] > 0).long()                                            # label = sign of one feature
    (score, epoch, state), curve = NH.fit(pooler, nsp, (h[:300], y[:300]), (h[300:], y[300:]), epochs=30, lr=1e-2)
    assert score >= 0.9 and score == max(a for _, a in curve) and epoch > 0
    assert set(state[0]) == {"weight", "bias"} and set(state[1]) == {"weight", "bias"}


def test_written_folder_changes_the_head_only(tmp_path):
    src = _int8_bert(tmp_path / "src")
    model, tokenizer = load_pretrained(src)
    with torch.no_grad():
        model.bert.pooler.weight.mul_(-1.0)
        model.nsp.bias.add_(3.0)
    NH.write_folder(src, tmp_path / "dst", model)
    before, after = load_file(str(src / "model.safetensors")), load_file(str(tmp_path / "dst" / "model.safetensors"))
    assert before.keys() == after.keys()
    head = {k for k in before if k.startswith(("bert.pooler.", "cls.seq_relationship."))}
    assert {"bert.pooler.dense.weight" + SCALE} <= head
    assert all(torch.equal(before[k], after[k]) for k in before if k not in head)          # every other byte kept
    assert after["bert.pooler.dense.weight"].dtype == torch.int8
    new, _ = load_pretrained(tmp_path / "dst")
    ids = torch.tensor([tokenizer.encode("The cat sat on the mat.").ids])
    with torch.no_grad():
        a, b = model(ids), new(ids)
        old = load_pretrained(src)[0](ids)
    assert torch.equal(old.logits, b.logits)                                            # masked LM untouched
    assert torch.allclose(a.nsp_logits, b.nsp_logits, atol=0.05)                        # the head as trained
    assert not torch.allclose(old.nsp_logits, b.nsp_logits, atol=0.05)


def test_the_command_writes_a_folder_from_a_corpus(tmp_path, capsys):
    src = make_bert(tmp_path / "src", SENTENCES)
    (tmp_path / "c").mkdir()
    for split in ("train", "validation"):
        write_corpus(tmp_path / "c" / f"{split}.txt", documents=12, sentences=4, seed=len(split))
    NH.main([str(src), str(tmp_path / "out"), "--corpus", str(tmp_path / "c" / "train.txt"), "--pairs", "60",
             "--epochs", "3", "--bert-pairs", "30"])
    assert (tmp_path / "out" / "model.safetensors").is_file() and (tmp_path / "out" / "tokenizer.json").is_file()
    out = capsys.readouterr().out
    n = int(out.split(" training pairs")[0].rsplit(" ", 1)[1])
    assert 60 < n <= 90                           # 60 coherence pairs + up to 30 of BERT's own (as many as it makes)


def test_cls_vectors_come_back_in_pair_order(tmp_path):
    model, tokenizer = load_pretrained(make_bert(tmp_path / "m", SENTENCES))
    pairs = [(SENTENCES[i], SENTENCES[(i * 3 + 1) % 8], i % 2) for i in range(8)]
    rows = NH.encode_pairs(tokenizer, pairs, max_len=64)
    batched = NH.cls_vectors(model, rows, batch=3)                                       # sorted by length inside
    for i, row in enumerate(rows):
        alone = NH.cls_vectors(model, [row])
        assert torch.allclose(batched[i], alone[0], atol=1e-5)
