"""Teach a pretrained BERT's NSP head coherence, not topic: retrain only the pooler and the NSP layer.

    python tools/nsp_head.py assets/models/minilm-mlm-zh runs/minilm-mlm-zh-nsp \
        --corpus ~/.cache/attention-lab/corpora/zh-full/train.txt \
        --corpus ~/.cache/attention-lab/corpora/written-zh/train.txt --pairs 12000

Why: BERT's NotNext sentences come from a *random* document, which is usually on another subject and in
another style, so NSP can be solved by noticing a change of topic or register. Classroom pairs are two
everyday sentences in the same register, and a model trained that way may call any two of them coherent.
Here the NotNext B is a sentence of another document *of the same corpus* (``classroom.coherence_pairs``),
so register gives nothing away.

What changes and what cannot: the encoder is frozen, so the vector of every token — and with it every
masked-LM prediction and every attention map — stays exactly as it was. Only the pooler
p = tanh(W_p · h_[CLS] + b_p) and the NSP layer softmax(W · p + b) are trained, on h_[CLS] computed once per
pair (so training takes seconds). The checkpoint kept is the one best on pairs from the *validation*
split; test-split coherence and the classroom pairs are measured after, never used to choose.
The folder written is a copy of the input with those four tensors replaced (stored as the input stored them).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core import classroom as C  # noqa: E402
from transformer_core import load_pretrained  # noqa: E402
from transformer_core.data.batches import pad_rows  # noqa: E402
from transformer_core.data.files import read_corpus_file  # noqa: E402
from transformer_core.data.pretraining import make_nsp_examples  # noqa: E402
from transformer_core.quantize import SCALE, quantize_rows  # noqa: E402
from transformer_core.train.evaluate import split_file  # noqa: E402

HEAD = {"bert.pooler.dense": ("bert", "pooler"), "cls.seq_relationship": ("nsp",)}   # HF name → module path


def encode_pairs(tokenizer, pairs, max_len: int) -> list[tuple[list[int], list[int]]]:
    """Each (A, B, label) as [CLS] A [SEP] B [SEP] ids and segment ids, cut as ``classroom.pair_ids`` cuts."""
    return [C.pair_ids(tokenizer, a, b, max_len) for a, b, _ in pairs]


@torch.no_grad()         # not inference_mode: the vectors are inputs of the head's backward pass
def cls_vectors(model, rows: list[tuple[list[int], list[int]]], batch: int = 64) -> torch.Tensor:
    """(N, D) the top layer's [CLS] vector of each encoded pair (the encoder is not trained)."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))              # similar lengths: little padding
    out = []
    for i in range(0, len(order), batch):
        part = [rows[j] for j in order[i:i + batch]]
        ids = pad_rows([r for r, _ in part], model.config.pad_token_id)                       # (B, T)
        types = pad_rows([t for _, t in part], 0)                                             # (B, T)
        mask = pad_rows([[1] * len(r) for r, _ in part], 0)                                   # (B, T)
        out.append(model.bert(ids, mask, types).last_hidden_state[:, 0].float())             # (B, D)
    vectors = torch.empty(len(order), model.config.d_model)
    vectors[torch.tensor(order, dtype=torch.long)] = torch.cat(out)                       # back in pair order
    return vectors


def accuracy(pooler, nsp, h: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return (nsp(torch.tanh(pooler(h))).argmax(-1) == y).float().mean().item()


def fit(pooler, nsp, train, valid, epochs: int = 20, lr: float = 3e-4, batch: int = 128, seed: int = 0):
    """AdamW on (h_[CLS], label) pairs; returns the state best on validation and the per-epoch curve."""
    (h, y), (hv, yv) = train, valid
    params = [*pooler.parameters(), *nsp.parameters()]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    gen = torch.Generator().manual_seed(seed)
    best = (accuracy(pooler, nsp, hv, yv), 0, _copy(pooler, nsp))
    curve = [(0, best[0])]
    for epoch in range(1, epochs + 1):
        for idx in torch.randperm(len(y), generator=gen).split(batch):
            loss = F.cross_entropy(nsp(torch.tanh(pooler(h[idx]))), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        curve.append((epoch, accuracy(pooler, nsp, hv, yv)))
        if curve[-1][1] > best[0]:
            best = (curve[-1][1], epoch, _copy(pooler, nsp))
    return best, curve


def _copy(*modules) -> list[dict]:
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


def coherence_rows(corpora, split: str, n: int, seed: int, tokenizer, max_len: int) -> tuple[list, list[int]]:
    """n pairs from each corpus's ``split``: half consecutive sentences, half B from another document of it."""
    pairs = []
    for corpus in corpora:
        pairs += C.coherence_pairs(read_corpus_file(split_file(corpus, split, ".txt")), n, seed)
    return encode_pairs(tokenizer, pairs, max_len), [label for *_, label in pairs]


def pretraining_rows(corpora, split: str, n: int, seed: int, tokenizer, max_len: int) -> tuple[list, list[int]]:
    """Up to n of BERT's own pairs per corpus (chunks of sentences; NotNext B from a random document), as the
    model was pretrained and as its held-out NSP accuracy is measured: kept in the mix so that skill stays."""
    rows, labels = [], []
    for corpus in corpora:
        docs = read_corpus_file(split_file(corpus, split, ".txt"))
        examples = [e for e in make_nsp_examples(docs, tokenizer, max_len, seed) if e.is_next is not None][:n]
        rows += [(e.input_ids, e.token_type_ids) for e in examples]
        labels += [C.IS_NEXT if e.is_next else 1 - C.IS_NEXT for e in examples]
    return rows, labels


def dataset(model, tokenizer, args, split: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(h_[CLS], label) of the coherence pairs and, when asked, of BERT's own pairs, for one split."""
    rows, labels = coherence_rows(args.corpus, split, n, seed, tokenizer, min(args.max_len, model.config.max_len))
    if args.bert_pairs:
        more, more_labels = pretraining_rows(args.corpus, split, args.bert_pairs * n // args.pairs, seed, tokenizer,
                                             min(args.bert_max_len, model.config.max_len))
        rows, labels = rows + more, labels + more_labels
    return cls_vectors(model, rows), torch.tensor(labels)


def write_folder(src: Path, dst: Path, model) -> None:
    """A copy of ``src`` whose pooler and NSP tensors are the model's, stored as ``src`` stored them."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    tensors = load_file(str(src / "model.safetensors"))
    for name, path in HEAD.items():
        module = model
        for attr in path:
            module = getattr(module, attr)
        for part in ("weight", "bias"):
            key, value = f"{name}.{part}", getattr(module, part).detach().float()
            if key + SCALE in tensors:
                tensors[key], tensors[key + SCALE] = quantize_rows(value)
            else:
                tensors[key] = value.to(tensors[key].dtype)
    tmp = dst / "model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt"})
    tmp.replace(dst / "model.safetensors")                                 # atomic: never half a file


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("out")
    ap.add_argument("--corpus", action="append", required=True, help="a corpus train file (repeat for more)")
    ap.add_argument("--pairs", type=int, default=12000, help="training pairs per corpus")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-len", type=int, default=128, help="pieces per training pair (long news sentences are "
                    "cut: the join of A and B is what NSP judges, and short pairs keep the one pass over them fast)")
    ap.add_argument("--bert-pairs", type=int, default=0, help="also this many of BERT's own pretraining pairs per "
                    "corpus (B from a random document), so the head keeps what it did well")
    ap.add_argument("--bert-max-len", type=int, default=64, help="pieces per BERT pair (as the model was pretrained)")
    args = ap.parse_args(argv)
    model, tokenizer = load_pretrained(args.folder)
    data = [dataset(model, tokenizer, args, "train", args.pairs, args.seed),
            dataset(model, tokenizer, args, "validation", 1000, args.seed + 1)]
    (score, epoch, state), curve = fit(model.bert.pooler, model.nsp, *data, args.epochs, args.lr, seed=args.seed)
    print("validation coherence by epoch:", " ".join(f"{e}:{a:.3f}" for e, a in curve))
    print(f"kept epoch {epoch} (validation {score:.3f}; before {curve[0][1]:.3f}) of {len(data[0][1])} training pairs")
    model.bert.pooler.load_state_dict(state[0])
    model.nsp.load_state_dict(state[1])
    write_folder(Path(args.folder), Path(args.out), model)


if __name__ == "__main__":
    main()
