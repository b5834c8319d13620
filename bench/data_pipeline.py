"""Speed of the data pipeline, so we know it never starves training.

    python bench/data_pipeline.py                    # shipped corpora (assets/corpora/{en,zh}), else generated text
    python bench/data_pipeline.py --generated --repeats 7 --save

Three stages, each timed on its own, median of the repeats, in tokens per second:
  tokenize     tokenizer.encode_batch over every sentence (Rust, all cores)
  nsp          make_nsp_examples: tokenize + chunk + pair + truncate, as BERT's create_pretraining_data
  mask+collate one epoch of PretrainingBatches: pad, choose 15%, 80/10/10, labels — what runs every step
Training the small config (d_model 256, 4 layers, max_len 128) runs at about 7,500 tokens/s on this
2-core machine (bench/train_speed.py); the pipeline should be many times faster than that.
`--save` writes bench/results/data_pipeline.json.
"""
from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from common import ROOT, machine, median, table, write_json  # puts the repo root on sys.path

from transformer_core.data.pretraining import PretrainingBatches, make_nsp_examples
from transformer_core.data.text import split_documents
from transformer_core.tokenizer import special_ids, train_wordpiece

TRAINING_TOKENS_PER_S = 7_500      # small config, this machine (see the module docstring)
CORPORA = ROOT / "assets" / "corpora"


def shipped_documents() -> list[list[str]]:
    """English and Chinese training splits: documents separated by blank lines."""
    documents = []
    for language in ("en", "zh"):
        path = CORPORA / language / "train.txt"
        if path.is_file():
            documents += split_documents(path.read_text(encoding="utf-8"))
    return documents


def generated_documents(n_docs: int = 400, seed: int = 0) -> list[list[str]]:
    """Random English and Chinese sentences from small word lists, 3–30 sentences per document."""
    rng = random.Random(seed)
    english = ("the a cat dog bird sat ran flew over under quickly slowly park river house garden big small red "
               "attention transformer model learns every word looks at other words").split()
    chinese = list("注意力机制让每个字都能看到其他字我们在公园里玩游戏模型学习语言的规律")
    documents = []
    for _ in range(n_docs):
        doc = []
        for _ in range(rng.randint(3, 30)):
            if rng.random() < 0.5:
                doc.append(" ".join(rng.choice(english) for _ in range(rng.randint(5, 25))).capitalize() + ".")
            else:
                doc.append("".join(rng.choice(chinese) for _ in range(rng.randint(8, 40))) + "。")
        documents.append(doc)
    return documents


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_epoch(batches: PretrainingBatches) -> int:
    """One epoch of masked batches; returns the number of real (non-padding) tokens."""
    return sum(int(batch["attention_mask"].sum()) for batch, _ in batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", action="store_true", help="use generated text even if corpora are shipped")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()

    documents = [] if args.generated else shipped_documents()
    source = "assets/corpora (en + zh train)" if documents else "generated"
    documents = documents or generated_documents()
    sentences = [s for doc in documents for s in doc]
    train_s, tokenizer = timed(lambda: train_wordpiece(sentences, vocab_size=args.vocab))
    ids = special_ids(tokenizer)
    n_tokens = sum(len(e.ids) for e in tokenizer.encode_batch(sentences, add_special_tokens=False))
    print(f"corpus: {source}, {len(documents)} documents, {len(sentences):,} sentences, {n_tokens:,} word pieces; "
          f"tokenizer trained in {train_s:.2f} s (vocab {tokenizer.get_vocab_size():,})")

    examples = make_nsp_examples(documents, tokenizer, max_len=args.max_len)
    pair_tokens = sum(len(e.input_ids) for e in examples)
    times: dict[str, list[float]] = {"tokenize": [], "nsp": [], "mask+collate": []}
    for repeat in range(args.repeats):
        times["tokenize"].append(timed(lambda: tokenizer.encode_batch(sentences, add_special_tokens=False))[0])
        times["nsp"].append(timed(lambda: make_nsp_examples(documents, tokenizer, max_len=args.max_len))[0])
        batches = PretrainingBatches(examples, args.batch, ids["mask"], tokenizer.get_vocab_size(), seed=repeat)
        times["mask+collate"].append(timed(lambda b=batches: run_epoch(b))[0])

    tokens = {"tokenize": n_tokens, "nsp": pair_tokens, "mask+collate": pair_tokens}
    results = {stage: {"median_s": median(ts), "tokens": tokens[stage], "tokens_per_s": tokens[stage] / median(ts),
                       "x_training": tokens[stage] / median(ts) / TRAINING_TOKENS_PER_S} for stage, ts in times.items()}
    end_to_end = pair_tokens / (median(times["nsp"]) + median(times["mask+collate"]))
    rows = [[stage, f"{r['median_s'] * 1000:.1f}", f"{r['tokens']:,}", f"{r['tokens_per_s']:,.0f}",
             f"{r['x_training']:.0f}×"] for stage, r in results.items()]
    rows.append(["nsp + mask+collate", "", f"{pair_tokens:,}", f"{end_to_end:,.0f}",
                 f"{end_to_end / TRAINING_TOKENS_PER_S:.0f}×"])
    rows.append(["training (small, reference)", "", "", f"{TRAINING_TOKENS_PER_S:,}", "1×"])
    print(table(["stage", "median ms", "tokens", "tokens/s", "vs training"], rows,
                f"data pipeline, median of {args.repeats}, {len(examples):,} pairs of ≤ {args.max_len} tokens, "
                f"batch {args.batch}"))
    if args.save:
        path = write_json("data_pipeline", {"machine": machine(), "args": vars(args), "corpus": source,
                                            "results": results, "end_to_end_tokens_per_s": end_to_end,
                                            "training_reference_tokens_per_s": TRAINING_TOKENS_PER_S})
        print(f"wrote {Path(path).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
