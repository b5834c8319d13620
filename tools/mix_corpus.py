"""Mix built corpora into one training file, some of them repeated, without the classroom cloze sentences.

    python -m tools.mix_corpus zh-mix --take zh-full --repeat everyday-zh 5 --cloze assets/eval/cloze_zh.tsv

Writes ``~/.cache/attention-lab/corpora/zh-mix/train.txt`` (documents separated by blank lines, as every built
corpus) and copies the first corpus's ``validation.txt`` and ``test.txt`` beside it, so held-out scores stay
comparable with runs on that corpus alone. Why repeat: a small corpus of everyday sentences (4,000 lines) next to
millions of lines of scripture and news would hardly be seen; repeated k times it is k times as likely to be
drawn. Why drop the cloze sentences: the classroom cloze set must measure what the model learnt of the language,
not sentences it read — any training document holding one of them, filled with any accepted answer, is left out
(the count is printed). ``--similar R`` also leaves out documents of the repeated corpora holding a sentence
close to a filled cloze sentence (difflib ratio >= R, e.g. 0.75: the same sentence with a word changed): those
are read ten times over, and a near-copy read ten times would teach the answer, not the language.
"""
from __future__ import annotations

import argparse
import difflib
import shutil
from pathlib import Path

from transformer_core.data.corpora import DEFAULT_BUILD_ROOT


def cloze_sentences(path: Path) -> set[str]:
    """Every cloze sentence filled with each of its accepted answers, lower-cased."""
    filled = set()
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        sentence, _, answers = line.partition("\t")
        filled |= {sentence.replace("[MASK]", a).lower() for a in answers.split("|") if a and "[MASK]" in sentence}
    return filled


def near_copy(doc: str, banned: set[str], ratio: float) -> bool:
    """Does any line of the document read almost like one of the filled cloze sentences?"""
    for line in doc.lower().splitlines():
        matcher = difflib.SequenceMatcher(None, "", line, autojunk=False)        # b = the line, cached
        for sentence in banned:
            matcher.set_seq1(sentence)
            if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio:
                return True
    return False


def documents(path: Path) -> list[str]:
    return [doc.strip() for doc in path.read_text(encoding="utf-8").split("\n\n") if doc.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="name of the mixed corpus (a folder under the corpora cache)")
    parser.add_argument("--take", nargs="+", required=True, help="corpora taken once; the first gives held-out files")
    parser.add_argument("--repeat", nargs=2, action="append", default=[], metavar=("CORPUS", "TIMES"))
    parser.add_argument("--cloze", type=Path, action="append", default=[], help="cloze .tsv files to keep out")
    parser.add_argument("--similar", type=float, default=None, metavar="R",
                        help="also drop repeated documents with a line this close to a cloze sentence (0-1)")
    args = parser.parse_args(argv)
    root = DEFAULT_BUILD_ROOT
    banned = set().union(*(cloze_sentences(p) for p in args.cloze))
    parts = [(name, 1) for name in args.take] + [(name, int(times)) for name, times in args.repeat]
    kept, dropped = [], 0
    for name, times in parts:
        docs = documents(root / name / "train.txt")
        clean = [d for d in docs if not any(s in d.lower() for s in banned)]
        if times > 1 and args.similar is not None:
            clean = [d for d in clean if not near_copy(d, banned, args.similar)]
        dropped += len(docs) - len(clean)
        kept += clean * times
        print(f"{name}: {len(clean)} documents x {times}", flush=True)
    out = root / args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.txt").write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    for split in ("validation", "test"):
        shutil.copyfile(root / args.take[0] / f"{split}.txt", out / f"{split}.txt")
    print(f"{args.out}: {len(kept)} documents; {dropped} left out for holding a cloze sentence or a near copy")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
