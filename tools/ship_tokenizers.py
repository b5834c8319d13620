"""Ship the pretraining studio's tokenizers: the WordPiece tokenizer of each shipped corpus, at the size the
page starts with, so the page is usable at once instead of training one on its first visit.

    python -m tools.ship_tokenizers            # writes assets/corpora/<corpus>/tokenizer-<size>-<sha>.json

Each is exactly what the page would train (``ui.studio.pretrain.train_tokenizer`` on the same documents at
``default_vocab_size``; tests/test_shipped_tokenizers.py retrains and compares). ``<sha>`` is the start of the
training file's checksum in MANIFEST.json: after ``python -m tools.build_corpora ship`` rewrites a corpus, run
this again (the old files are removed; until then the page trains the tokenizer itself).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ui.studio import pretrain as pt


def ship(corpus: str) -> Path:
    documents = pt.documents_of(corpus)
    size = pt.default_vocab_size(corpus, documents)
    path = pt.shipped_tokenizer_path(corpus, size)
    for old in path.parent.glob("tokenizer-*.json"):
        old.unlink()
    start = time.perf_counter()
    tokenizer = pt.train_tokenizer(documents, size)
    tokenizer.save(str(path))
    print(f"{corpus}: {tokenizer.get_vocab_size()} pieces (asked {size}) in {time.perf_counter() - start:.1f} s, "
          f"{path.stat().st_size / 1000:.0f} kB -> {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.ship_tokenizers", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=pt.shipped_corpora(), default=pt.shipped_corpora())
    args = parser.parse_args(argv)
    for corpus in args.only:
        ship(corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
